"""What a probe is: a suite turned into perturbed variants, and the metric that compares them.

A probe (a subclass of :class:`Probe`, registered in :data:`PROBES` under its name):

- declares its parameters (:class:`ProbeParam`), a one-line summary and what its metric is;
- turns a suite into variant samples (:meth:`Probe.variants`). Every variant keeps the id of
  the sample it came from as ``parent_id`` and says what it is in ``metadata["probe"]``:
  ``{"name": PROBE, "variant": LABEL, …}`` plus whatever the metric groups by (``level``,
  ``position``, ``phrasing``, …). Originals, where the metric compares with them, are included
  unchanged (``variant: "original"``; their requests hash the same as a plain ``adhere eval`` of
  the same suite, so their stored responses are reused, never asked for again);
- is deterministic: the same suite, seed and parameters give the same samples, byte for byte;
- may run in stages (:attr:`Probe.stages` > 1) when a variant needs the model's earlier
  responses (a conversation continued turn by turn): stage k gets the responses of stages
  before it;
- computes its metric from the scored variants (:meth:`Probe.metric`), as a
  :class:`ProbeMetric`: headline figures with 95 % intervals, series that the report plots, and
  probe-specific details.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from adhere.core.errors import ParamError
from adhere.core.frozen import frozen
from adhere.core.registry import Registry
from adhere.core.types import JSONValue, Sample
from adhere.scoring.evaluate import PromptResult
from adhere.scoring.stats import Rate, wilson
from adhere.suites.registry import Suite


@frozen
class ProbeParam:
    """One parameter of a probe. Fields: name, kind (``int``, ``float``, ``str``, ``bool`` or
    ``list`` — a comma-separated list on the command line), default, help, choices (for ``str``
    and each ``list`` item; empty: any)."""

    name: str
    kind: str
    default: JSONValue
    help: str
    choices: tuple[str, ...] = ()


@frozen
class ScoredVariant:
    """One scored response of a probe run. Fields: sample (the variant), strict, loose (its
    results; ``strict.response`` is the response, None when there was none)."""

    sample: Sample
    strict: PromptResult
    loose: PromptResult

    @property
    def info(self) -> Mapping[str, Any]:
        """The variant's ``metadata["probe"]``."""
        found = self.sample.metadata.get("probe")
        return found if isinstance(found, Mapping) else {}

    @property
    def response(self) -> str | None:
        return self.strict.response


@frozen
class Figure:
    """A headline figure. Fields: name, value, low and high (its 95 % interval, or None), note
    (how it is computed, in words)."""

    name: str
    value: float
    low: float | None = None
    high: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "name": self.name,
            "value": round(self.value, 6),
            "low": None if self.low is None else round(self.low, 6),
            "high": None if self.high is None else round(self.high, 6),
            "note": self.note,
        }


@frozen
class Point:
    """One point of a series: label, value, low, high (its 95 % interval), count (responses)."""

    label: str
    value: float
    low: float
    high: float
    count: int

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "label": self.label,
            "value": round(self.value, 6),
            "low": round(self.low, 6),
            "high": round(self.high, 6),
            "count": self.count,
        }


@frozen
class Series:
    """What the report plots: title, x (axis label), y (axis label), points, and kind
    (``bar`` or ``line``). Several series with the same title and x labels are drawn side by
    side (``group`` names each)."""

    title: str
    x: str
    y: str
    points: tuple[Point, ...]
    kind: str = "bar"
    group: str = ""

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "title": self.title,
            "x": self.x,
            "y": self.y,
            "kind": self.kind,
            "group": self.group,
            "points": [p.to_dict() for p in self.points],
        }


@frozen
class ProbeMetric:
    """A probe's result. Fields: headline (figures), series (plots), details (anything else,
    JSON)."""

    headline: tuple[Figure, ...]
    series: tuple[Series, ...] = ()
    details: Mapping[str, JSONValue] | None = None

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "headline": [f.to_dict() for f in self.headline],
            "series": [s.to_dict() for s in self.series],
            "details": dict(self.details or {}),
        }


def seeded_rng(seed: int, key: str) -> random.Random:
    """A random generator for ``key`` (a sample or task id, or a purpose) under ``seed``: the
    same on every machine and under any ``PYTHONHASHSEED`` (seeded from SHA-256, never from
    ``hash()``), and independent of the order in which keys are asked for."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def rate_point(label: str, hits: int, total: int) -> Point:
    """A share with its Wilson interval, as a series point."""
    rate: Rate = wilson(hits, total)
    return Point(label, rate.accuracy, rate.low, rate.high, total)


def rate_figure(name: str, hits: int, total: int, note: str = "") -> Figure:
    """A share with its Wilson interval, as a headline figure."""
    rate = wilson(hits, total)
    return Figure(name, rate.accuracy, rate.low, rate.high, note)


class Probe:
    """Base class of probes (see the module docstring). Subclasses set the class attributes and
    implement :meth:`variants` and :meth:`metric`."""

    name: ClassVar[str]
    summary: ClassVar[str]
    """One line: what the probe does."""
    metric_help: ClassVar[str]
    """One or two lines: what the metric is."""
    params: ClassVar[tuple[ProbeParam, ...]] = ()
    default_suite: ClassVar[str] = "adhere-core"
    """The suite the probe runs on when none is given (a suite name, or a built-in item set)."""
    stages: ClassVar[int] = 1
    version: ClassVar[str] = "1"
    """Bump when the variants change: part of the probe suite's version, so of the run id."""

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options = resolve_options(self.name, self.params, options or {})

    def base_suite(self, name: str | None, limit: int | None) -> Suite:
        """The suite to perturb: ``name`` (``adhere eval``'s suite names and files), or the
        probe's default. Probes with a built-in item set of their own override this."""
        from adhere.suites.registry import load_suite

        return load_suite(name or self.default_suite, limit=limit)

    def variants(
        self,
        suite: Suite,
        seed: int,
        stage: int = 0,
        earlier: Mapping[str, str | None] | None = None,
    ) -> list[Sample]:
        """The samples to run at ``stage`` (0-based). ``earlier`` maps the ids of the samples
        of earlier stages to their responses (None: no response)."""
        raise NotImplementedError

    def metric(self, scored: Sequence[ScoredVariant]) -> ProbeMetric:
        """The probe's metric over every scored variant of every stage."""
        raise NotImplementedError


def _coerce(probe: str, param: ProbeParam, value: Any) -> JSONValue:
    def fail(found: Any) -> ParamError:
        expected = param.kind + (f" from {', '.join(param.choices)}" if param.choices else "")
        return ParamError(f"probe {probe!r}: {param.name}: expected {expected}, found {found!r}")

    if param.kind == "list":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise fail(value)
        out = [str(i).strip() for i in items if str(i).strip()]
        bad = [i for i in out if param.choices and i not in param.choices]
        if bad or not out:
            raise fail(value)
        return list(out)
    try:
        if param.kind == "int":
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if param.kind == "float":
            return float(value)
        if param.kind == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("1", "true", "yes", "on"):
                return True
            if str(value).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
    except (TypeError, ValueError):
        raise fail(value) from None
    text = str(value)
    if param.choices and text not in param.choices:
        raise fail(value)
    return text


def resolve_options(
    probe: str, params: Sequence[ProbeParam], options: Mapping[str, Any]
) -> dict[str, JSONValue]:
    """The probe's options: defaults, overridden by ``options`` (checked and converted)."""
    by_name = {p.name: p for p in params}
    unknown = sorted(set(options) - set(by_name))
    if unknown:
        known = ", ".join(by_name) or "none"
        raise ParamError(f"probe {probe!r} has no parameter {unknown[0]!r} (parameters: {known})")
    resolved: dict[str, JSONValue] = {}
    for param in params:
        value = options.get(param.name, param.default)
        resolved[param.name] = _coerce(probe, param, value)
    return resolved


PROBES: Registry[type[Probe]] = Registry("probe")


def register(cls: type[Probe]) -> type[Probe]:
    """Class decorator: register a probe under its name."""
    return PROBES.register(cls.name)(cls)
