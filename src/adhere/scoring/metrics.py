"""Accuracy at prompt and instruction level, overall, per family and per constraint id.

Intervals (95 %):
- prompt level: Wilson score interval (prompts are independent trials);
- instruction level: instructions of one prompt are not independent, so the interval is
  Wilson's on an effective sample size shrunk by the design effect of clustering by prompt
  (the cluster-robust variance of ``sum(followed) / sum(instructions)`` over the binomial one).
Deterministic: no resampling.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from adhere.core.frozen import frozen
from adhere.scoring.evaluate import PromptResult

Z95 = 1.959963984540054


@frozen
class Rate:
    """A proportion with its 95 % interval. Fields: correct, total, low, high."""

    correct: int
    total: int
    low: float
    high: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "accuracy": round(self.accuracy, 6),
            "correct": self.correct,
            "total": self.total,
            "ci95": [round(self.low, 6), round(self.high, 6)],
        }


def wilson(correct: int, total: int, z: float = Z95) -> Rate:
    """The Wilson score interval for ``correct`` successes in ``total`` trials."""
    if total == 0:
        return Rate(0, 0, 0.0, 1.0)
    low, high = wilson_float(correct / total, total, z)
    return Rate(correct, total, low, high)


def clustered(clusters: Sequence[tuple[int, int]], z: float = Z95) -> Rate:
    """Ratio of sums over ``(followed, instructions)`` clusters, with a clustering-aware interval.

    The interval is Wilson's, computed on the effective sample size ``total / deff``, where the
    design effect ``deff`` is the cluster-robust variance of the ratio over the binomial one
    (at least 1). Unlike a plain normal interval it never collapses to a point at 0 % or 100 %.
    """
    correct = sum(c for c, _ in clusters)
    total = sum(n for _, n in clusters)
    m = len(clusters)
    if total == 0:
        return Rate(0, 0, 0.0, 1.0)
    r = correct / total
    deff = 1.0
    if m >= 2 and 0 < correct < total:
        residual = sum((c - r * n) ** 2 for c, n in clusters)
        robust = m / (m - 1) * residual / (total * total)
        deff = max(1.0, robust / (r * (1 - r) / total))
    n_eff = total / deff
    interval = wilson_float(r, n_eff, z)
    return Rate(correct, total, interval[0], interval[1])


def wilson_float(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's interval for proportion ``p`` observed on a (possibly fractional) ``n``."""
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@frozen
class Breakdown:
    """Prompt- and instruction-level rates for one group (all, a family, an id)."""

    prompt_level: Rate
    instruction_level: Rate

    def to_dict(self) -> dict[str, object]:
        return {
            "prompt_level": self.prompt_level.to_dict(),
            "instruction_level": self.instruction_level.to_dict(),
        }


def _breakdown(per_prompt: Iterable[list[bool]]) -> Breakdown:
    clusters = [(sum(flags), len(flags)) for flags in per_prompt if flags]
    prompts_ok = sum(1 for c, n in clusters if c == n)
    return Breakdown(wilson(prompts_ok, len(clusters)), clustered(clusters))


@frozen
class ModeSummary:
    """All rates for one mode.

    Fields:
        overall: every prompt and instruction.
        families: per family (``keywords``, …): the instructions of that family, and the prompts
            that have at least one, counted as followed when all of that family's pass.
        constraints: the same per constraint id.
    """

    overall: Breakdown
    families: dict[str, Breakdown]
    constraints: dict[str, Breakdown]

    def to_dict(self) -> dict[str, object]:
        return {
            **self.overall.to_dict(),
            "families": {k: v.to_dict() for k, v in self.families.items()},
            "constraints": {k: v.to_dict() for k, v in self.constraints.items()},
        }


def _grouped(results: Sequence[PromptResult], key_of: str) -> dict[str, Breakdown]:
    groups: dict[str, list[list[bool]]] = {}
    for result in results:
        per_group: dict[str, list[bool]] = {}
        for verdict in result.verdicts:
            name = verdict.constraint_id
            key = name.split(":", 1)[0] if key_of == "family" else name
            per_group.setdefault(key, []).append(verdict.followed)
        for key, flags in per_group.items():
            groups.setdefault(key, []).append(flags)
    return {key: _breakdown(groups[key]) for key in sorted(groups)}


def summarize(results: Sequence[PromptResult]) -> ModeSummary:
    """The rates of one mode's results."""
    return ModeSummary(
        overall=_breakdown([r.follow_instruction_list for r in results]),
        families=_grouped(results, "family"),
        constraints=_grouped(results, "id"),
    )
