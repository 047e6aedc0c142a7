"""The interval arithmetic, against published values and hand-derived identities."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest

from adhere.core.types import ConstraintSpec, Message, Sample, Verdict
from adhere.scoring.evaluate import PromptResult
from adhere.scoring.metrics import (
    Breakdown,
    ModeSummary,
    clustered,
    summarize,
    wilson,
    wilson_float,
)


@pytest.mark.parametrize(
    ("correct", "total", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998), Statistics in Medicine 17, table I
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_matches_published_values(correct: int, total: int, low: float, high: float) -> None:
    rate = wilson(correct, total)
    assert (round(rate.low, 4), round(rate.high, 4)) == (low, high)
    assert rate.accuracy == correct / total


def test_empty_group_has_the_widest_interval() -> None:
    assert (wilson(0, 0).low, wilson(0, 0).high) == (0.0, 1.0)


def test_singleton_clusters_use_m_minus_1_effective_trials() -> None:
    # one instruction per prompt: the robust variance is p(1-p)/(m-1), so deff = m/(m-1)
    clusters = [(1, 1)] * 7 + [(0, 1)] * 3
    rate = clustered(clusters)
    assert (rate.low, rate.high) == pytest.approx(wilson_float(0.7, 9))


def test_perfectly_correlated_clusters_count_as_one_trial_each() -> None:
    # prompts whose instructions all pass or all fail together carry one prompt's information
    clusters = [(3, 3)] * 6 + [(0, 3)] * 4
    rate = clustered(clusters)
    assert rate.accuracy == 0.6
    assert (rate.low, rate.high) == pytest.approx(wilson_float(0.6, 10 * 9 / 10))


def test_all_passed_still_has_a_real_interval() -> None:
    rate = clustered([(2, 2), (3, 3)])
    assert rate.high == 1.0 and rate.low < 1.0


def _result(key: str, outcomes: list[tuple[str, bool]]) -> PromptResult:
    specs = tuple(ConstraintSpec(cid, {}) for cid, _ in outcomes)
    sample = Sample(key, "t", (Message("user", "p"),), specs)
    verdicts = tuple(Verdict(cid, ok, "e") for cid, ok in outcomes)
    return PromptResult(sample, "r", "strict", verdicts)


def test_summary_counts_by_family_and_id() -> None:
    results = [
        _result("1", [("a:x", True), ("a:y", False), ("b:z", True)]),
        _result("2", [("a:x", True), ("b:z", False)]),
        _result("3", [("b:z", True)]),
    ]
    summary = summarize(results)
    assert (summary.overall.prompt_level.correct, summary.overall.prompt_level.total) == (1, 3)
    assert (summary.overall.instruction_level.correct, summary.overall.instruction_level.total) == (
        4,
        6,
    )
    # family a: prompt 1 fails (a:y), prompt 2 passes; family b: prompts 1 and 3 pass
    assert summary.families["a"].prompt_level.correct == 1
    assert summary.families["a"].prompt_level.total == 2
    assert summary.families["b"].prompt_level.correct == 2
    assert summary.constraints["b:z"].instruction_level.correct == 2
    assert summary.constraints["b:z"].instruction_level.total == 3
    assert list(summary.families) == ["a", "b"]


def _summary_by_definition(results: list[PromptResult]) -> ModeSummary:
    """The rates as the module docstring defines them, one group at a time: per group, one
    ``(followed, instructions)`` cluster per prompt that has any of its instructions, in prompt
    order (undecided verdicts count as not followed)."""

    def clusters_by(key_of: Callable[[str], str]) -> dict[str, list[tuple[int, int]]]:
        clusters: dict[str, list[tuple[int, int]]] = {}
        for result in results:
            mine: dict[str, list[bool]] = {}
            for verdict in result.verdicts:
                mine.setdefault(key_of(verdict.constraint_id), []).append(verdict.passed is True)
            for key, flags in mine.items():
                clusters.setdefault(key, []).append((sum(flags), len(flags)))
        return clusters

    def rates(clusters: list[tuple[int, int]]) -> Breakdown:
        prompts = wilson(sum(1 for c, n in clusters if c == n), len(clusters))
        return Breakdown(prompts, clustered(clusters))

    families = clusters_by(lambda cid: cid.split(":", 1)[0])
    ids = clusters_by(lambda cid: cid)
    return ModeSummary(
        rates(clusters_by(lambda _: "").get("", [])),
        {k: rates(families[k]) for k in sorted(families)},
        {k: rates(ids[k]) for k in sorted(ids)},
    )


@pytest.mark.parametrize("seed", range(20))
def test_summary_matches_the_definition_to_the_bit(seed: int) -> None:
    """Random prompts with repeated ids and families, undecided verdicts and prompts without
    instructions: every rate and interval, floats included, is exactly the definition's."""
    rng = random.Random(seed)
    ids = ["a:x", "a:y", "b:z", "b:w", "c:v", "plain"]
    results = []
    for k in range(rng.randint(0, 60)):
        outcomes = [
            (rng.choice(ids), rng.choice([True, True, False, None]))
            for _ in range(rng.choice([0, 1, 1, 1, 2, 3, 5]))
        ]
        specs = tuple(ConstraintSpec(cid, {}) for cid, _ in outcomes)
        sample = Sample(str(k), "t", (Message("user", "p"),), specs)
        verdicts = tuple(Verdict(cid, ok, "e") for cid, ok in outcomes)
        results.append(PromptResult(sample, "r", "strict", verdicts))
    summary = summarize(results)
    expected = _summary_by_definition(results)
    assert summary == expected  # the floats are equal, not just close
    assert list(summary.families) == list(expected.families)
    assert list(summary.constraints) == list(expected.constraints)
    assert json.dumps(summary.to_dict()) == json.dumps(expected.to_dict())


def test_a_prompt_without_instructions_counts_nowhere() -> None:
    summary = summarize([_result("1", []), _result("2", [("a:x", True)])])
    assert summary.overall.prompt_level.total == 1
    assert summary.overall.instruction_level.total == 1
    assert summary == summarize([_result("2", [("a:x", True)])])
