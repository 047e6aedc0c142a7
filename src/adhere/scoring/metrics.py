"""Accuracy at prompt and instruction level, overall, per family and per constraint id.

Intervals (95 %):
- prompt level: Wilson score interval (prompts are independent trials);
- instruction level: instructions of one prompt are not independent, so the interval is
  Wilson's on an effective sample size shrunk by the design effect of clustering by prompt
  (the cluster-robust variance of ``sum(followed) / sum(instructions)`` over the binomial one).
Deterministic: no resampling. The interval arithmetic lives in ``adhere.scoring.stats`` (its
names are re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence

from adhere.core.frozen import frozen
from adhere.core.types import family_of
from adhere.scoring.evaluate import PromptResult
from adhere.scoring.stats import Z95, Rate, clustered, clustered_sums, wilson, wilson_float

__all__ = [
    "Z95",
    "Breakdown",
    "ModeSummary",
    "Rate",
    "clustered",
    "summarize",
    "wilson",
    "wilson_float",
]


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


def _breakdown(clusters: list[tuple[int, int]]) -> Breakdown:
    """The rates of one group from its ``(followed, instructions)`` clusters, one per prompt
    that has at least one of the group's instructions; one pass counts all three sums."""
    correct = 0
    total = 0
    prompts_ok = 0
    for c, n in clusters:
        correct += c
        total += n
        if c == n:
            prompts_ok += 1
    return Breakdown(wilson(prompts_ok, len(clusters)), clustered_sums(clusters, correct, total))


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


def _tally(counts: dict[str, list[int]], key: str, ok: int) -> None:
    """Count one instruction (``ok``: 1 if followed) in ``counts[key]``, a
    ``[followed, instructions]`` pair."""
    entry = counts.get(key)
    if entry is None:
        counts[key] = [ok, 1]
    else:
        entry[0] += ok
        entry[1] += 1


def summarize(results: Sequence[PromptResult]) -> ModeSummary:
    """The rates of one mode's results.

    One pass over the verdicts gathers the ``(followed, instructions)`` cluster of every prompt
    overall, per family and per constraint id; each group's clusters stay in prompt order, so
    the interval sums add up in the same order whatever the grouping.
    """
    overall: list[tuple[int, int]] = []
    families: dict[str, list[tuple[int, int]]] = {}
    constraints: dict[str, list[tuple[int, int]]] = {}
    for result in results:
        verdicts = result.verdicts
        if not verdicts:  # a prompt without instructions counts nowhere
            continue
        # [followed, instructions] of this prompt per family and per id, in first-seen order
        by_family: dict[str, list[int]] = {}
        by_id: dict[str, list[int]] = {}
        followed = 0
        for verdict in verdicts:
            ok = 1 if verdict.passed is True else 0
            followed += ok
            _tally(by_family, family_of(verdict.constraint_id), ok)
            _tally(by_id, verdict.constraint_id, ok)
        overall.append((followed, len(verdicts)))
        for key, (c, n) in by_family.items():
            families.setdefault(key, []).append((c, n))
        for key, (c, n) in by_id.items():
            constraints.setdefault(key, []).append((c, n))
    return ModeSummary(
        overall=_breakdown(overall),
        families={key: _breakdown(families[key]) for key in sorted(families)},
        constraints={key: _breakdown(constraints[key]) for key in sorted(constraints)},
    )
