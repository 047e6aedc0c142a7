"""adhere.scoring.stats against hand-computed intervals, exact p-values and exact bootstraps."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from fractions import Fraction
from itertools import product

import pytest

from adhere.scoring import metrics
from adhere.scoring.stats import (
    Difference,
    PairedCounts,
    Rate,
    bootstrap_rate,
    clustered,
    clustered_sums,
    mcnemar_exact,
    paired_bootstrap,
    wilson,
)

needs_numpy = pytest.mark.skipif(
    importlib.util.find_spec("numpy") is None, reason="the bootstraps need numpy"
)

# ---------------------------------------------------------------- Wilson, by hand


@pytest.mark.parametrize(
    ("correct", "total", "low", "high"),
    [
        # z = 2, p = 3/4, n = 4: denominator 1 + z²/n = 2; centre (0.75 + 0.5) / 2 = 0.625;
        # half-width 2 * sqrt(0.75 * 0.25 / 4 + 4 / 64) / 2 = sqrt(0.109375) = 0.3307189...
        (3, 4, 0.625 - math.sqrt(0.109375), 0.625 + math.sqrt(0.109375)),
        # z = 2, p = 0, n = 4: centre 0.5 / 2 = 0.25; half-width sqrt(0 + 0.0625) = 0.25
        (0, 4, 0.0, 0.5),
        # z = 2, p = 1/2, n = 4: centre 0.5; half-width sqrt(0.0625 + 0.0625) = sqrt(1/8)
        (2, 4, 0.5 - math.sqrt(0.125), 0.5 + math.sqrt(0.125)),
        # z = 2, p = 1, n = 1: denominator 5; centre (1 + 2) / 5 = 0.6; half 2 * 1 / 5 = 0.4
        (1, 1, 0.2, 1.0),
    ],
)
def test_wilson_with_z_2_matches_hand_computation(
    correct: int, total: int, low: float, high: float
) -> None:
    rate = wilson(correct, total, z=2.0)
    assert (rate.low, rate.high) == pytest.approx((low, high), abs=1e-12)


def test_wilson_zero_of_one_at_95_percent() -> None:
    # p = 0, n = 1: centre = half-width = (z²/2) / (1 + z²), so the upper bound is z² / (1 + z²)
    z2 = 1.959963984540054**2  # 3.84145882...
    rate = wilson(0, 1)
    assert rate.low == 0.0
    assert rate.high == pytest.approx(z2 / (1 + z2), abs=1e-12)
    assert round(rate.high, 6) == 0.793451  # 3.8414588 / 4.8414588


def test_clustered_by_hand() -> None:
    # clusters (2, 2), (0, 2), (1, 2): r = 3/6 = 0.5, m = 3.
    # residuals (2 - 1)², (0 - 1)², (1 - 1)² sum to 2; robust variance 3/2 * 2 / 36 = 1/12;
    # binomial variance 0.25 / 6 = 1/24; design effect 2; effective n = 3.
    # Wilson with z = 2 on p = 0.5, n = 3: denominator 7/3, centre 0.5,
    # half-width 2 * sqrt(1/12 + 4/36) / (7/3) = sqrt(7) / 7 = 0.3779645...
    rate = clustered([(2, 2), (0, 2), (1, 2)], z=2.0)
    half = math.sqrt(7) / 7
    assert (rate.correct, rate.total) == (3, 6)
    assert (rate.low, rate.high) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-12)


def test_metrics_still_exports_the_interval_names() -> None:
    assert metrics.wilson is wilson
    assert metrics.clustered is clustered
    assert metrics.Rate is Rate


def test_importing_the_scoring_modules_does_not_import_numpy() -> None:
    code = "import sys, adhere.scoring.metrics, adhere.scoring.stats; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- McNemar


@pytest.mark.parametrize(
    ("b", "c", "p"),
    [
        (0, 0, 1.0),  # no discordant pairs: no evidence either way
        (0, 5, 0.0625),  # 2 * 1 / 32
        (5, 0, 0.0625),
        (1, 9, 0.021484375),  # 2 * (1 + 10) / 1024
        (9, 1, 0.021484375),
        (2, 8, 0.109375),  # 2 * (1 + 10 + 45) / 1024
        (0, 10, 0.001953125),  # 2 / 1024
        (4, 11, 0.11846923828125),  # 2 * (1 + 15 + 105 + 455 + 1365) / 32768
        (0, 1, 1.0),  # 2 * 1/2, not more than 1
        (1, 2, 1.0),  # 2 * (1 + 3) / 8 = 1
        (3, 3, 1.0),
        (7, 8, 1.0),  # the tail is more than half: capped at 1
    ],
)
def test_mcnemar_exact_small_tables(b: int, c: int, p: float) -> None:
    assert mcnemar_exact(b, c) == p


def test_mcnemar_matches_enumeration_of_all_sign_patterns() -> None:
    # p = the share of the 2**n equally likely ways the n discordant pairs could have gone
    # that are at least as lopsided as the observed one
    for b in range(7):
        for c in range(7):
            n, k = b + c, min(b, c)
            extreme = sum(
                1 for signs in product((0, 1), repeat=n) if min(sum(signs), n - sum(signs)) <= k
            )
            assert mcnemar_exact(b, c) == extreme / 2**n
            assert mcnemar_exact(b, c) == mcnemar_exact(c, b)


def _log_binomial_tail_p(b: int, c: int) -> float:
    n, k = b + c, min(b, c)
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in range(k + 1)]
    top = max(logs)
    log_tail = top + math.log(math.fsum(math.exp(x - top) for x in logs)) - n * math.log(2)
    return min(1.0, 2 * math.exp(log_tail))


@pytest.mark.parametrize(("b", "c"), [(480, 520), (4900, 5100), (4700, 5300), (20000, 21000)])
def test_mcnemar_large_tables_match_a_float_computation(b: int, c: int) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(_log_binomial_tail_p(b, c), rel=1e-8)


def test_mcnemar_does_not_overflow_on_100000_pairs() -> None:
    assert mcnemar_exact(50_000, 50_000) == 1.0
    p = mcnemar_exact(49_000, 51_000)
    assert 0.0 < p < 1e-9
    assert p == pytest.approx(_log_binomial_tail_p(49_000, 51_000), rel=1e-8)
    assert mcnemar_exact(0, 100_000) == 0.0  # 2**-99999 underflows


def test_mcnemar_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 3)


# ---------------------------------------------------------------- exact bootstrap distributions


def _exact_distribution(
    m: int, statistic: Callable[[Sequence[int]], Fraction]
) -> list[tuple[Fraction, Fraction]]:
    """The bootstrap distribution over all m**m equally likely resamples of m items."""
    mass: Counter[Fraction] = Counter()
    for drawn in product(range(m), repeat=m):
        mass[statistic(drawn)] += Fraction(1, m**m)
    return sorted(mass.items())


def _exact_quantile(dist: list[tuple[Fraction, Fraction]], q: float, margin: float) -> float:
    """The q-quantile (smallest value whose CDF reaches q); checks that q is not near a jump.

    With N resamples the empirical CDF at a value is off by about sqrt(q (1 - q) / N); when q
    lies ``margin`` (several of those) away from both sides of the jump, the empirical
    percentile is the same atom.
    """
    below = Fraction(0)
    for value, p in dist:
        if below + p >= Fraction(q):
            assert Fraction(q) - below > margin and below + p - Fraction(q) > margin
            return float(value)
        below += p
    raise AssertionError("unreachable")


@needs_numpy
@pytest.mark.parametrize(
    "clusters",
    [
        [(2, 3), (1, 1), (0, 2), (3, 4)],  # 256 resamples; 2.5 % lies in (0.0195, 0.0352]
        [(1, 2), (3, 3), (0, 1)],
        [(1, 1), (1, 1), (0, 1)],  # prompt level
    ],
)
def test_bootstrap_rate_matches_the_exact_bootstrap(clusters: list[tuple[int, int]]) -> None:
    def ratio(drawn: Sequence[int]) -> Fraction:
        return Fraction(sum(clusters[i][0] for i in drawn), sum(clusters[i][1] for i in drawn))

    dist = _exact_distribution(len(clusters), ratio)
    rate = bootstrap_rate(clusters, resamples=40_000, seed=3)
    # 40 000 resamples: the empirical CDF's standard error near 2.5 % is about 0.0008
    assert rate.low == _exact_quantile(dist, 0.025, margin=0.004)
    assert rate.high == _exact_quantile(dist, 0.975, margin=0.004)
    assert (rate.correct, rate.total) == (
        sum(c for c, _ in clusters),
        sum(n for _, n in clusters),
    )


@needs_numpy
def test_paired_bootstrap_matches_the_exact_bootstrap() -> None:
    a, b, n = [1, 0, 2, 1], [2, 1, 1, 1], [2, 1, 3, 2]

    def difference(drawn: Sequence[int]) -> Fraction:
        return Fraction(sum(b[i] - a[i] for i in drawn), sum(n[i] for i in drawn))

    dist = _exact_distribution(4, difference)
    counts = PairedCounts(prompts=[0, 1, 2, 3], a=a, b=b, n=n)
    result = paired_bootstrap({"all": counts}, n_prompts=4, resamples=40_000, seed=5)["all"]
    assert result.estimate == 1 / 8  # (5 - 4) / 8
    assert result.low == _exact_quantile(dist, 0.025, margin=0.004)
    assert result.high == _exact_quantile(dist, 0.975, margin=0.004)


# ---------------------------------------------------------------- bootstrap: degenerate cases


@needs_numpy
def test_identical_prompts_give_a_point_interval() -> None:
    rate = bootstrap_rate([(2, 3)] * 5)
    assert (rate.correct, rate.total, rate.low, rate.high) == (10, 15, 2 / 3, 2 / 3)
    assert bootstrap_rate([(1, 1)] * 4) == Rate(4, 4, 1.0, 1.0)


@needs_numpy
def test_bootstrap_rate_empty_and_zero_instruction_clusters() -> None:
    assert bootstrap_rate([]) == Rate(0, 0, 0.0, 1.0)
    assert bootstrap_rate([(0, 0)]) == Rate(0, 0, 0.0, 1.0)
    # clusters without instructions are left out before resampling
    with_empty = bootstrap_rate([(1, 2), (0, 0), (2, 3), (0, 1)], seed=4)
    assert with_empty == bootstrap_rate([(1, 2), (2, 3), (0, 1)], seed=4)


@needs_numpy
def test_identical_runs_differ_by_exactly_zero() -> None:
    a = [1, 0, 3, 2, 2]
    n = [1, 2, 3, 2, 4]
    counts = PairedCounts(prompts=range(5), a=a, b=a, n=n)
    assert paired_bootstrap({"x": counts}, n_prompts=5) == {"x": Difference(0.0, 0.0, 0.0)}


@needs_numpy
def test_empty_group_and_rarely_drawn_group_are_nan_free() -> None:
    empty = PairedCounts(prompts=[], a=[], b=[], n=[])
    rare = PairedCounts(prompts=[7], a=[0], b=[1], n=[1])
    out = paired_bootstrap({"empty": empty, "rare": rare}, n_prompts=50, resamples=500)
    assert out["empty"] == Difference(0.0, 0.0, 0.0)
    # one prompt: whenever it is drawn the difference is 1, and draws without it are left out
    assert out["rare"] == Difference(1.0, 1.0, 1.0)


# ---------------------------------------------------------------- bootstrap: seeds and groups


@needs_numpy
def test_same_seed_same_floats_other_seed_other_floats() -> None:
    clusters = [(i % 4, 3 + i % 2) for i in range(37)]
    clusters = [(min(c, n), n) for c, n in clusters]
    assert bootstrap_rate(clusters, seed=11) == bootstrap_rate(clusters, seed=11)
    assert bootstrap_rate(clusters, seed=11) != bootstrap_rate(clusters, seed=12)

    groups = _random_groups(200)
    first = paired_bootstrap(groups, n_prompts=200, seed=11)
    assert first == paired_bootstrap(groups, n_prompts=200, seed=11)
    assert first != paired_bootstrap(groups, n_prompts=200, seed=12)


def _random_groups(n_prompts: int) -> dict[str, PairedCounts]:
    import random

    rng = random.Random(7)
    per_prompt = []
    for _ in range(n_prompts):
        n = rng.randint(1, 4)
        per_prompt.append((rng.randint(0, n), rng.randint(0, n), n))
    everyone = list(range(n_prompts))
    odd = everyone[1::2]
    few = sorted(rng.sample(everyone, 9))

    def group(prompts: list[int]) -> PairedCounts:
        return PairedCounts(
            prompts=prompts,
            a=[per_prompt[i][0] for i in prompts],
            b=[per_prompt[i][1] for i in prompts],
            n=[per_prompt[i][2] for i in prompts],
        )

    return {"all": group(everyone), "odd": group(odd), "few": group(few)}


@needs_numpy
def test_a_group_alone_gives_the_same_result_as_among_others() -> None:
    groups = _random_groups(120)
    together = paired_bootstrap(groups, n_prompts=120)
    for name, counts in groups.items():
        # the same draws of prompts: bit-for-bit the same interval
        assert paired_bootstrap({name: counts}, n_prompts=120)[name] == together[name]
        # on its own prompts only, the estimate is unchanged (the interval is another draw)
        alone = PairedCounts(range(len(counts.prompts)), counts.a, counts.b, counts.n)
        alone_result = paired_bootstrap({name: alone}, n_prompts=len(counts.prompts))[name]
        assert alone_result.estimate == together[name].estimate
        expected = Fraction(sum(counts.b) - sum(counts.a), sum(counts.n))
        assert together[name].estimate == float(expected)
        assert together[name].low <= together[name].estimate <= together[name].high


@needs_numpy
def test_paired_bootstrap_against_an_all_failing_run_is_the_rate_bootstrap() -> None:
    # with run A at 0 everywhere the difference is run B's rate, and the draws are the same
    clusters = [(1, 2), (3, 3), (0, 1), (2, 4), (1, 1), (0, 2)]
    counts = PairedCounts(
        prompts=range(6), a=[0] * 6, b=[c for c, _ in clusters], n=[n for _, n in clusters]
    )
    diff = paired_bootstrap({"x": counts}, n_prompts=6, seed=9)["x"]
    rate = bootstrap_rate(clusters, seed=9)
    assert (diff.estimate, diff.low, diff.high) == (rate.accuracy, rate.low, rate.high)
    assert rate.low < rate.accuracy < rate.high


@needs_numpy
@pytest.mark.parametrize(
    "bad",
    [
        PairedCounts(prompts=[0, 0], a=[0, 0], b=[1, 1], n=[1, 1]),  # a prompt twice
        PairedCounts(prompts=[5], a=[0], b=[1], n=[1]),  # out of range
        PairedCounts(prompts=[0], a=[2], b=[1], n=[1]),  # more followed than instructions
        PairedCounts(prompts=[0, 1], a=[0], b=[1, 1], n=[1, 1]),  # lengths differ
    ],
)
def test_paired_bootstrap_rejects_inconsistent_counts(bad: PairedCounts) -> None:
    with pytest.raises(ValueError):
        paired_bootstrap({"bad": bad}, n_prompts=3)


@pytest.mark.parametrize(
    "clusters",
    [[], [(0, 0)], [(1, 1)], [(0, 2), (2, 2)], [(1, 3), (2, 2), (0, 1), (4, 5), (1, 1)] * 7],
)
def test_clustered_sums_is_clustered_given_the_sums(clusters: list[tuple[int, int]]) -> None:
    correct = sum(c for c, _ in clusters)
    total = sum(n for _, n in clusters)
    assert clustered_sums(clusters, correct, total) == clustered(clusters)
    assert clustered_sums(clusters, correct, total, z=2.0) == clustered(clusters, z=2.0)
