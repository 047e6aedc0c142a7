"""Per-turn metrics of multi-turn instruction following.

Every result carries ``metadata`` ``conversation``, ``turn`` (1-based) and ``sample`` (0-based,
for N responses sampled per turn). Definitions (``../shared/METHODS.md`` sections 6 and 16f):

- **Per turn, the four IFEval numbers**: prompt- and instruction-level accuracy, strict and loose,
  over the responses at that turn, with 95 % intervals.
- **Multi-IF's per-turn average**: the mean of those four numbers; also per language where the
  conversations carry one (``languages``).
- **Instruction forgetting rate** (turn t−1 → t): among instructions in force at both turns and
  followed at t−1, the share broken at t. **Error correction rate**: among instructions in force
  at both turns and broken at t−1, the share followed at t. An instruction is the same at both
  turns when its id and params are equal; responses are paired by conversation and sample index.
  The rates pool every transition; each transition is also reported on its own.
- **PIF** (MMMT-IF) of one response: the share of the instructions in force that it follows;
  per turn the mean over responses at that turn, overall the mean over all responses.
- **PIF-N-K**: a (conversation, turn) succeeds when at least K of its N sampled responses have
  PIF = 1; PIF-N-K is the share of (conversation, turn) pairs that succeed, for every K from 1
  to N. Pairs with fewer than N responses count as failures for the K they cannot reach.

Undecided verdicts count as not followed, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from adhere.scoring.evaluate import PromptResult
from adhere.scoring.metrics import Breakdown, summarize, wilson


def _turn(result: PromptResult) -> int:
    return int(result.sample.metadata["turn"])


def _pair_key(result: PromptResult) -> tuple[str, int]:
    meta = result.sample.metadata
    return str(meta["conversation"]), int(meta.get("sample", 0))


def _instruction_flags(result: PromptResult) -> dict[tuple[str, str], bool]:
    """Each instruction in force (keyed by id and params) and whether it was followed."""
    out: dict[tuple[str, str], bool] = {}
    for spec, verdict in zip(result.sample.constraints, result.verdicts, strict=True):
        key = (spec.id, repr(sorted(spec.params.items())))
        out[key] = verdict.followed
    return out


def pif(result: PromptResult) -> float:
    """The share of the instructions in force that the response follows (1.0 if none)."""
    flags = result.follow_instruction_list
    return sum(flags) / len(flags) if flags else 1.0


def _rate(hits: int, total: int) -> dict[str, Any]:
    rate = wilson(hits, total)
    return {
        "rate": round(hits / total, 6) if total else None,
        "count": hits,
        "of": total,
        "ci95": [round(rate.low, 6), round(rate.high, 6)],
    }


def transitions(results: Sequence[PromptResult]) -> dict[str, Any]:
    """Forgetting and correction rates, per transition and pooled, for one mode's results."""
    by_turn: dict[int, dict[tuple[str, int], PromptResult]] = {}
    for result in results:
        by_turn.setdefault(_turn(result), {})[_pair_key(result)] = result
    turns = sorted(by_turn)
    per: dict[str, Any] = {}
    totals = [0, 0, 0, 0]  # forgotten, followed before, corrected, broken before
    for before, after in pairwise(turns):
        counts = [0, 0, 0, 0]
        for pair, earlier in by_turn[before].items():
            later = by_turn[after].get(pair)
            if later is None:
                continue
            now = _instruction_flags(later)
            for key, was in _instruction_flags(earlier).items():
                if key not in now:
                    continue
                if was:
                    counts[1] += 1
                    counts[0] += not now[key]
                else:
                    counts[3] += 1
                    counts[2] += now[key]
        per[f"{before}->{after}"] = {
            "forgetting": _rate(counts[0], counts[1]),
            "correction": _rate(counts[2], counts[3]),
        }
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return {
        "forgetting": _rate(totals[0], totals[1]),
        "correction": _rate(totals[2], totals[3]),
        "per_transition": per,
    }


def pif_n_k(results: Sequence[PromptResult]) -> dict[str, Any]:
    """PIF-N-K for every K from 1 to N (N: the most responses sampled for a turn)."""
    groups: dict[tuple[str, int], list[float]] = {}
    for result in results:
        conversation, _ = _pair_key(result)
        groups.setdefault((conversation, _turn(result)), []).append(pif(result))
    if not groups:
        return {"N": 0, "K": {}, "pairs": 0}
    n = max(len(v) for v in groups.values())
    perfect = [sum(1 for p in values if p == 1.0) for values in groups.values()]
    return {
        "N": n,
        "pairs": len(groups),
        "K": {
            str(k): _rate(sum(1 for c in perfect if c >= k), len(perfect)) for k in range(1, n + 1)
        },
    }


def _average(strict: Sequence[PromptResult], loose: Sequence[PromptResult]) -> float:
    """Multi-IF's score: the mean of the four IFEval numbers."""
    return _mean_of_four(summarize(strict).overall, summarize(loose).overall)


def _mean_of_four(s: Breakdown, lo: Breakdown) -> float:
    four = [
        s.prompt_level.accuracy,
        s.instruction_level.accuracy,
        lo.prompt_level.accuracy,
        lo.instruction_level.accuracy,
    ]
    return round(sum(four) / 4, 6)


def _per_language(
    strict: Sequence[PromptResult], loose: Sequence[PromptResult]
) -> dict[str, dict[str, float]]:
    """Multi-IF's per-turn average for each language (results that carry one)."""
    groups: dict[str, dict[int, tuple[list[PromptResult], list[PromptResult]]]] = {}
    for s_result, l_result in zip(strict, loose, strict=True):
        language = s_result.sample.metadata.get("language")
        if language is None:
            continue
        pair = groups.setdefault(str(language), {}).setdefault(_turn(s_result), ([], []))
        pair[0].append(s_result)
        pair[1].append(l_result)
    return {
        language: {str(t): _average(*turns[t]) for t in sorted(turns)}
        for language, turns in sorted(groups.items())
    }


def multi_turn_summary(
    strict: Sequence[PromptResult], loose: Sequence[PromptResult]
) -> dict[str, Any]:
    """Every multi-turn metric of one scored set (results without a turn are left out)."""
    strict = [r for r in strict if "turn" in r.sample.metadata]
    loose = [r for r in loose if "turn" in r.sample.metadata]
    per_turn: dict[str, Any] = {}
    for turn in sorted({_turn(r) for r in strict}):
        at_turn = [r for r in strict if _turn(r) == turn]
        loose_at_turn = [r for r in loose if _turn(r) == turn]
        s = summarize(at_turn).overall
        lo = summarize(loose_at_turn).overall
        per_turn[str(turn)] = {
            "responses": len(at_turn),
            "strict": s.to_dict(),
            "loose": lo.to_dict(),
            "average": _mean_of_four(s, lo),
            "pif": round(sum(pif(r) for r in at_turn) / len(at_turn), 6),
        }
    return {
        "turns": per_turn,
        "pif": round(sum(pif(r) for r in strict) / len(strict), 6) if strict else None,
        "pif_n_k": pif_n_k(strict),
        "languages": _per_language(strict, loose),
        "strict": transitions(strict),
        "loose": transitions(loose),
    }
