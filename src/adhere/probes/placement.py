"""``placement`` and ``load``: where the instructions stand, and how many there are.

``placement``: every sample that can be taken apart (:func:`adhere.probes.tasks.take_apart`)
gives three variants with the same constraints: ``user-after`` (the original, unchanged: the
request, then the instructions), ``user-before`` (the instructions, then the request, in one
user message) and ``system`` (the instructions as a system message, the request alone as the
user message). Metric: strict prompt- and instruction-level accuracy per placement, and each
placement's difference from ``user-after`` (paired bootstrap over prompts).

``load`` (FollowBench's levels, METHODS.md 16c): for every base task of the suite, one seeded,
conflict-free draw of ``levels`` constraints, with params drawn as ``adhere-core`` draws them;
level L asks for the task with the first L of them. Metric: the hard satisfaction rate (HSR:
every constraint of the level followed) and the soft one (SSR: the share followed) per level,
and the consistent satisfaction levels (CSL: per task, how many levels from level 1 on are
fully satisfied before the first that is not), averaged over tasks.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from adhere.constraints.base import CONSTRAINTS
from adhere.core.errors import ParamError
from adhere.core.types import ConstraintSpec, JSONValue, Message, Sample
from adhere.probes.base import (
    Figure,
    Probe,
    ProbeMetric,
    ProbeParam,
    ScoredVariant,
    Series,
    rate_point,
    register,
    seeded_rng,
)
from adhere.probes.paraphrase import (
    INTERVAL,
    ORIGINAL,
    Tally,
    Unit,
    as_figure,
    as_point,
    difference_figure,
    difference_point,
    paired_differences,
    rate_of,
    shared,
    swap_prompt,
    tally,
    unit,
)
from adhere.probes.tasks import Parts, compose, split_suite, variant
from adhere.scoring.evaluate import build
from adhere.scoring.stats import clustered, wilson
from adhere.suites import core_rules
from adhere.suites.core_suite import Task, conflict_table, fill_params, fits
from adhere.suites.registry import Suite

PLACEMENTS = ("user-after", "user-before", "system")
"""The placements, the original's first."""


@register
class Placement(Probe):
    """The instructions moved before the request, or into a system message."""

    name = "placement"
    summary = (
        "The same instructions after the request (original), before it, or in a system message."
    )
    metric_help = (
        "Strict prompt- and instruction-level accuracy per placement (95% intervals) and each "
        "placement's difference from user-after, the original (paired bootstrap)."
    )
    version = "1"

    def variants(
        self,
        suite: Suite,
        seed: int,
        stage: int = 0,
        earlier: Mapping[str, str | None] | None = None,
    ) -> list[Sample]:
        parts, _ = split_suite(suite.samples)
        out: list[Sample] = []
        for piece in parts:
            for where in PLACEMENTS:
                info: dict[str, object] = {
                    "name": self.name,
                    "variant": ORIGINAL if where == "user-after" else where,
                    "placement": where,
                }
                suffix = ORIGINAL if where == "user-after" else where
                messages = placed(piece, where)
                out.append(variant(piece, suffix, messages, piece.specs, info))
        return out

    def metric(self, scored: Sequence[ScoredVariant]) -> ProbeMetric:
        groups = tally(scored, lambda v: _text(v.info.get("placement")), "strict")
        return placement_metric({p: groups.get(p, {}) for p in PLACEMENTS})


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def placed(parts: Parts, where: str) -> tuple[Message, ...]:
    """The messages of ``parts`` with its instructions at ``where`` (one of :data:`PLACEMENTS`;
    ``user-after`` is the original's messages, unchanged)."""
    original = parts.sample
    if where == "user-after":
        return original.messages
    if where == "user-before":
        return swap_prompt(original, compose(parts.request, parts.instructions, "before"))
    if where == "system":
        said = " ".join(parts.instructions)
        return (Message("system", said), *swap_prompt(original, parts.request))
    raise ValueError(f"unknown placement {where!r}; expected one of {', '.join(PLACEMENTS)}")


def placement_metric(groups: Mapping[str, Tally]) -> ProbeMetric:
    """The placement metric from each placement's tally (``user-after``: the original)."""
    base = groups.get("user-after", {})
    moved = {p: [t] for p, t in groups.items() if p != "user-after"}
    diffs = paired_differences(base, moved)
    headline: list[Figure] = []
    series: list[Series] = []
    details: dict[str, JSONValue] = {}
    for level in ("prompt", "instruction"):
        rates = {p: rate_of(t, level) for p, t in groups.items()}
        note = f"strict verdicts; {INTERVAL[level]}"
        headline += [as_figure(f"{p}, {level} level", r, note) for p, r in rates.items()]
        headline += [
            difference_figure(
                f"{p} minus user-after, {level} level",
                diffs[(p, level)],
                "paired bootstrap over prompts",
            )
            for p in moved
        ]
        points = tuple(as_point(p, r) for p, r in rates.items())
        series.append(
            Series("Accuracy by placement", "placement", "accuracy", points, "bar", level)
        )
        gaps = tuple(difference_point(p, diffs[(p, level)], shared(base, groups[p])) for p in moved)
        series.append(
            Series("Difference from user-after", "placement", "difference", gaps, "bar", level)
        )
        details[level] = {
            p: {"accuracy": r.accuracy, "correct": r.correct, "total": r.total}
            for p, r in rates.items()
        }
    return ProbeMetric(tuple(headline), tuple(series), details)


# --- load --------------------------------------------------------------------------------------

_NEVER_ADDED = (*core_rules.EMBEDS_REQUEST, "ratio:overlap")
"""Constraints whose instruction quotes the request or a passage: not added level by level."""


@lru_cache(maxsize=1)
def addable() -> tuple[tuple[str, ...], dict[str, frozenset[str]]]:
    """The constraint ids that levels may add (not standalone, not exclusive, not quoting the
    request) and, for each, the ids it must not share a sample with (``conflict_table`` over
    every constraint that ``adhere-core`` combines, as it draws them)."""
    combined = [i for i in sorted(CONSTRAINTS) if not core_rules.is_standalone(i)]
    ids = [i for i in combined if not core_rules.is_exclusive(i) and i not in _NEVER_ADDED]
    return tuple(ids), conflict_table(combined)


DRAWS = 50
"""How many orders :func:`draw` tries before it settles for a shorter draw."""


def draw(task: Task, seed: int, size: int) -> list[ConstraintSpec]:
    """A seeded, conflict-free draw of ``size`` constraints for ``task`` (fewer only when no
    order of :data:`DRAWS` tried gives that many), their params chosen from
    ``core_rules.PARAMS`` and filled from the task.

    Each try shuffles the constraints that suit the task and keeps each one that conflicts with
    none kept before it; constraints that combine with few others (``core_rules.ONLY_WITH``)
    rarely make a full draw, so they are rarer at high levels."""
    rng = seeded_rng(seed, f"load:{task.id}")
    ids, conflicts = addable()
    suited = [i for i in ids if fits(i, task)]
    best: list[str] = []
    for _ in range(DRAWS):
        order = list(suited)
        rng.shuffle(order)
        kept: list[str] = []
        blocked: set[str] = set()
        for constraint_id in order:
            if constraint_id not in blocked:
                kept.append(constraint_id)
                blocked |= conflicts[constraint_id]
            if len(kept) == size:
                break
        if len(kept) > len(best):
            best = kept
        if len(best) == size:
            break
    chosen = []
    for constraint_id in best:
        params = rng.choice(core_rules.PARAMS[constraint_id])
        chosen.append(ConstraintSpec(constraint_id, fill_params(dict(params), task)))
    return chosen


@register
class Load(Probe):
    """One to ``levels`` constraints on the same task, added level by level."""

    name = "load"
    summary = (
        "The same task with 1 to N constraints added level by level (FollowBench-style), "
        "a seeded conflict-free draw per task."
    )
    metric_help = (
        "Hard (all constraints followed) and soft (share followed) satisfaction rate per level, "
        "95% intervals; mean CSL, the consecutive levels from level 1 fully satisfied."
    )
    params = (ProbeParam("levels", "int", 5, "the most constraints a level adds up to (1-10)"),)
    version = "1"

    def variants(
        self,
        suite: Suite,
        seed: int,
        stage: int = 0,
        earlier: Mapping[str, str | None] | None = None,
    ) -> list[Sample]:
        levels = self.options["levels"]
        assert isinstance(levels, int)
        if not 1 <= levels <= 10:
            raise ParamError(f"probe 'load': levels: expected 1 to 10, found {levels}")
        parts, _ = split_suite(suite.samples)
        first: dict[str, Parts] = {}
        for piece in parts:
            first.setdefault(piece.task.id, piece)
        out: list[Sample] = []
        for task_id, piece in first.items():
            specs = draw(piece.task, seed, levels)
            texts = [build(s).describe() for s in specs]
            for level in range(1, len(specs) + 1):
                content = compose(piece.request, texts[:level])
                info: dict[str, object] = {
                    "name": self.name,
                    "variant": f"level-{level}",
                    "level": level,
                    "task": task_id,
                }
                messages = swap_prompt(piece.sample, content)
                out.append(variant(piece, f"load{level}", messages, specs[:level], info))
        return out

    def metric(self, scored: Sequence[ScoredVariant]) -> ProbeMetric:
        by_level: dict[int, Tally] = {}
        for item in scored:
            level = item.info.get("level")
            if not isinstance(level, int):
                continue
            followed = item.strict.follow_instruction_list
            by_level.setdefault(level, {})[unit(item)] = (sum(followed), len(followed))
        return load_metric(by_level)


def consistent_levels(results: Mapping[int, tuple[int, int]]) -> int:
    """CSL of one task: how many levels from level 1 on are fully satisfied, stopping at the
    first level that is not (or that is missing)."""
    csl = 0
    while csl + 1 in results:
        followed, total = results[csl + 1]
        if followed != total:
            break
        csl += 1
    return csl


def _bootstrap_mean(values: Sequence[int], resamples: int = 2000) -> tuple[float, float]:
    """A seeded percentile bootstrap interval (2.5 %, 97.5 %) of the mean of ``values``."""
    if not values:
        return 0.0, 0.0
    rng = random.Random(0)
    m = len(values)
    means = sorted(sum(rng.choices(values, k=m)) / m for _ in range(resamples))
    return _quantile(means, 0.025), _quantile(means, 0.975)


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted values, interpolating linearly between order statistics."""
    position = q * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def load_metric(by_level: Mapping[int, Tally]) -> ProbeMetric:
    """The load metric from each level's tally (units: a task and a sample index)."""
    levels = sorted(by_level)
    hsr = {
        L: wilson(sum(1 for f, n in by_level[L].values() if f == n), len(by_level[L]))
        for L in levels
    }
    ssr = {L: clustered(list(by_level[L].values())) for L in levels}
    chains: dict[Unit, dict[int, tuple[int, int]]] = {}
    for L in levels:
        for key, value in by_level[L].items():
            chains.setdefault(key, {})[L] = value
    csl = [consistent_levels(c) for c in chains.values()]
    mean_csl = sum(csl) / len(csl) if csl else 0.0
    low, high = _bootstrap_mean(csl)
    headline: list[Figure] = []
    if levels:
        top = levels[-1]
        headline += [
            as_figure(f"HSR at level {levels[0]}", hsr[levels[0]], "every constraint followed"),
            as_figure(f"HSR at level {top}", hsr[top], "every constraint followed"),
            as_figure(f"SSR at level {top}", ssr[top], "share of constraints followed"),
        ]
    headline.append(
        Figure(
            "mean CSL",
            mean_csl,
            low,
            high,
            f"consecutive fully satisfied levels from level 1, over {len(csl)} tasks; "
            "percentile bootstrap over tasks",
        )
    )
    title = "Satisfaction by number of constraints"
    hsr_points = tuple(as_point(str(L), hsr[L]) for L in levels)
    ssr_points = tuple(as_point(str(L), ssr[L]) for L in levels)
    top_level = levels[-1] if levels else 0
    csl_points = tuple(
        rate_point(str(k), sum(1 for c in csl if c == k), len(csl)) for k in range(top_level + 1)
    )
    series = (
        Series(title, "constraints (level)", "rate", hsr_points, "line", "HSR"),
        Series(title, "constraints (level)", "rate", ssr_points, "line", "SSR"),
        Series("Consistent satisfaction levels", "CSL", "share of tasks", csl_points, "bar"),
    )
    details: dict[str, JSONValue] = {
        "levels": {
            str(L): {
                "hsr": hsr[L].accuracy,
                "ssr": ssr[L].accuracy,
                "tasks": len(by_level[L]),
            }
            for L in levels
        },
        "csl": {"mean": mean_csl, "tasks": len(csl)},
    }
    return ProbeMetric(tuple(headline), series, details)


__all__ = [
    "PLACEMENTS",
    "Load",
    "Placement",
    "addable",
    "consistent_levels",
    "draw",
    "load_metric",
    "placed",
    "placement_metric",
]
