"""The ``length`` probe: "answer in about N words", for targets from 10 to more than 800 words
(``../shared/METHODS.md`` section 13, Ruler's Target Length Generation).

Targets, levels and match ranges are Ruler's, as read from its code (``[code]`` in METHODS.md,
not from memory): targets 10, 30, 50, 80 (level L0), 150, 300, 500 (L1), 700 and more than 800
(L2). A response of c words is a *precise match* when c lies in the target's PM range and a
*flexible match* when it lies in its FM range (:data:`TARGETS`; ranges are ``(low, high]``).

Words are counted with :func:`adhere.text.words.count_words`: runs of ``\\w`` characters, which
is NLTK's ``RegexpTokenizer(r"\\w+")`` — the counter Ruler uses, and IFEval's for
``length_constraints:number_words``.

Each ``adhere-core`` base task (the request of :func:`adhere.probes.tasks.take_apart`, one per
task, without its instructions) gets ``per_task`` targets, spread evenly over the targets with
a seeded shuffle, and one of several wordings (:data:`TEMPLATES`, drawn from the seed). The
variant's constraints are ``length_constraints:number_words`` bounds expressing the FM range
(at least low + 1, and less than high + 1), so every verdict says how many words were found.

Metric: PM and FM rates per target, per level and overall (Wilson intervals). FM is the variant's
strict verdicts (all bounds followed); PM is FM and the word count of the scored text (the
answer after a ``<think>`` trace, with the default reasoning tags) in the PM range.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Mapping, Sequence

from adhere.core.frozen import frozen
from adhere.core.types import ConstraintSpec, Message, Sample
from adhere.probes.base import (
    Figure,
    Point,
    Probe,
    ProbeMetric,
    ProbeParam,
    ScoredVariant,
    Series,
    rate_figure,
    rate_point,
    register,
    seeded_rng,
)
from adhere.probes.tasks import Parts, compose, split_suite, variant
from adhere.scoring.evaluate import scored_text
from adhere.suites.registry import Suite
from adhere.text.words import count_words

NAME = "length"


@frozen
class Target:
    """One target length. Fields: label (``"150"``, ``">800"``), words (the number said),
    level (``L0``, ``L1``, ``L2``), pm and fm (the ranges ``(low, high]``; high None: no upper
    bound)."""

    label: str
    words: int
    level: str
    pm: tuple[int, int | None]
    fm: tuple[int, int | None]

    def precise(self, count: int) -> bool:
        return _within(count, self.pm)

    def flexible(self, count: int) -> bool:
        return _within(count, self.fm)


def _within(count: int, bounds: tuple[int, int | None]) -> bool:
    low, high = bounds
    return count > low and (high is None or count <= high)


TARGETS = (
    Target("10", 10, "L0", (0, 20), (0, 20)),
    Target("30", 30, "L0", (20, 40), (20, 40)),
    Target("50", 50, "L0", (40, 60), (40, 60)),
    Target("80", 80, "L0", (70, 90), (60, 100)),
    Target("150", 150, "L1", (130, 170), (100, 200)),
    Target("300", 300, "L1", (280, 320), (200, 400)),
    Target("500", 500, "L1", (450, 550), (400, 600)),
    Target("700", 700, "L2", (630, 770), (600, 800)),
    Target(">800", 800, "L2", (800, None), (800, None)),
)
"""Ruler's targets with their levels and PM / FM ranges."""

BY_LABEL = {t.label: t for t in TARGETS}
LEVELS = ("L0", "L1", "L2")

TEMPLATES = (
    "Answer in about {n} words.",
    "Aim for roughly {n} words in your answer.",
    "Your answer should be around {n} words long.",
    "Keep the answer to approximately {n} words.",
    "Write your answer in close to {n} words.",
)
"""Wordings for a target of about N words."""

MORE_THAN = (
    "Answer in more than {n} words.",
    "Your answer should be longer than {n} words.",
    "Write over {n} words in your answer.",
)
"""Wordings for the open-ended target (more than N words)."""


def instruction(target: Target, rng: random.Random) -> tuple[int, str]:
    """A wording of ``target`` drawn with ``rng``: (template index, text)."""
    templates = MORE_THAN if target.pm[1] is None else TEMPLATES
    index = rng.randrange(len(templates))
    return index, templates[index].format(n=target.words)


def bounds(target: Target) -> tuple[ConstraintSpec, ...]:
    """``length_constraints:number_words`` specs that hold exactly on the FM range."""
    low, high = target.fm
    rule = "length_constraints:number_words"
    specs = [ConstraintSpec(rule, {"num_words": low + 1, "relation": "at least"})]
    if high is not None:
        specs.append(ConstraintSpec(rule, {"num_words": high + 1, "relation": "less than"}))
    return tuple(specs)


def one_per_task(parts: Sequence[Parts]) -> list[Parts]:
    """The first sample of each base task, in suite order."""
    seen: set[str] = set()
    out = []
    for p in parts:
        if p.task.id not in seen:
            seen.add(p.task.id)
            out.append(p)
    return out


def _suffix(target: Target) -> str:
    return "len" + target.label.replace(">", "over")


@register
class LengthProbe(Probe):
    """See the module docstring."""

    name = NAME
    summary = (
        "asks for answers of about N words (Ruler's targets 10 to >800) on adhere-core's base tasks"
    )
    metric_help = (
        "precise and flexible match rates (word count in Ruler's PM / FM range) per target, "
        "per level (L0, L1, L2) and overall, with Wilson intervals"
    )
    params = (
        ProbeParam(
            "targets",
            "list",
            [t.label for t in TARGETS],
            "the target lengths in words",
            tuple(t.label for t in TARGETS),
        ),
        ProbeParam(
            "per_task", "int", 1, "targets given to each base task (at most one per target)"
        ),
    )

    def variants(
        self,
        suite: Suite,
        seed: int,
        stage: int = 0,
        earlier: Mapping[str, str | None] | None = None,
    ) -> list[Sample]:
        chosen = [BY_LABEL[str(t)] for t in self.options["targets"]]
        per_task = max(1, min(int(self.options["per_task"]), len(chosen)))
        parts, _ = split_suite(suite.samples)
        tasks = one_per_task(parts)
        seeded_rng(seed, "order").shuffle(tasks)
        out = []
        for number, item in enumerate(tasks):
            for j in range(per_task):
                target = chosen[(number * per_task + j) % len(chosen)]
                template, text = instruction(
                    target, seeded_rng(seed, f"{item.sample.id}:{target.label}")
                )
                info: dict[str, object] = {
                    "name": NAME,
                    "variant": "target",
                    "target": target.label,
                    "level": target.level,
                    "template": template,
                }
                message = Message("user", compose(item.request, [text]))
                out.append(variant(item, _suffix(target), [message], bounds(target), info))
        out.sort(key=lambda s: s.id)
        return out

    def metric(self, scored: Sequence[ScoredVariant]) -> ProbeMetric:
        return length_metric(scored)


# --- the metric -------------------------------------------------------------------------------


@frozen
class Match:
    """One scored response. Fields: target, level, words (None: no text to count), precise,
    flexible."""

    target: str
    level: str
    words: int | None
    precise: bool
    flexible: bool


def match(v: ScoredVariant) -> Match | None:
    """The response's match against its target (None: not a length variant)."""
    target = BY_LABEL.get(str(v.info.get("target")))
    if target is None:
        return None
    text, _ = scored_text(v.response)
    words = None if text is None else count_words(text)
    flexible = v.strict.follow_all_instructions
    precise = flexible and words is not None and target.precise(words)
    return Match(target.label, target.level, words, precise, flexible)


def _points(
    groups: Mapping[str, Sequence[Match]], labels: Sequence[str], kind: str
) -> tuple[Point, ...]:
    """PM (``kind`` ``PM``) or FM rates of the groups named in ``labels``, in that order."""
    out = []
    for label in labels:
        group = groups.get(label, [])
        if group:
            hits = sum(m.precise if kind == "PM" else m.flexible for m in group)
            out.append(rate_point(label, hits, len(group)))
    return tuple(out)


def length_metric(scored: Sequence[ScoredVariant]) -> ProbeMetric:
    """PM and FM per target, per level and overall (see the module docstring)."""
    found = [m for m in (match(v) for v in scored) if m is not None]
    by_target: dict[str, list[Match]] = {}
    by_level: dict[str, list[Match]] = {}
    for m in found:
        by_target.setdefault(m.target, []).append(m)
        by_level.setdefault(m.level, []).append(m)
    headline: list[Figure] = [
        rate_figure(
            "PM (all targets)",
            sum(m.precise for m in found),
            len(found),
            "precise match: word count in the target's PM range; Wilson interval",
        ),
        rate_figure(
            "FM (all targets)",
            sum(m.flexible for m in found),
            len(found),
            "flexible match: word count in the target's FM range; Wilson interval",
        ),
    ]
    for level in LEVELS:
        group = by_level.get(level, [])
        if group:
            headline.append(rate_figure(f"PM {level}", sum(m.precise for m in group), len(group)))
            headline.append(rate_figure(f"FM {level}", sum(m.flexible for m in group), len(group)))
    labels = [t.label for t in TARGETS]
    series = []
    for kind in ("PM", "FM"):
        series.append(
            Series(
                "Match rate per target",
                "target (words)",
                "share of responses",
                _points(by_target, labels, kind),
                group=kind,
            )
        )
    for kind in ("PM", "FM"):
        series.append(
            Series(
                "Match rate per level",
                "level",
                "share of responses",
                _points(by_level, LEVELS, kind),
                group=kind,
            )
        )
    words: dict[str, object] = {}
    for label in labels:
        counts = [m.words for m in by_target.get(label, []) if m.words is not None]
        if counts:
            words[label] = {
                "median": statistics.median(counts),
                "mean": round(statistics.fmean(counts), 3),
                "responses": len(by_target[label]),
            }
    details: dict[str, object] = {"responses": len(found), "words": words}
    return ProbeMetric(tuple(headline), tuple(series), details)
