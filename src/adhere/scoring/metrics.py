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

from collections.abc import Iterable, Sequence

from adhere.core.frozen import frozen
from adhere.scoring.evaluate import PromptResult
from adhere.scoring.stats import Z95, Rate, clustered, wilson, wilson_float

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
