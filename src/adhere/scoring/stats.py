"""Interval estimates and tests for accuracies and for differences between runs.

- ``wilson``: Wilson score interval of a proportion (prompt level: prompts are independent).
- ``clustered``: Wilson's interval on an effective sample size shrunk by the design effect of
  clustering instructions by prompt (instruction level).
- ``bootstrap_rate``: percentile cluster bootstrap of a ratio of sums (resamples prompts).
- ``paired_bootstrap``: percentile bootstrap of the difference between two runs on the same
  prompts; one draw of prompts per resample, shared by both runs and by every group.
- ``mcnemar_exact``: two-sided exact McNemar test on prompt-level discordant pairs.

The bootstraps need numpy (the ``report`` extra); it is imported inside them, so importing this
module stays cheap. They are seeded (``numpy.random.Generator(PCG64(seed))``) and deterministic:
the same inputs and seed give the same floats bit for bit. See ``docs/statistics.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from adhere.core.frozen import frozen

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Z95 = 1.959963984540054
RESAMPLES = 2000
SEED = 0
# Upper bound on the number of cells (resamples × prompts) of one chunk of resampling weights:
# 2**21 cells are 16 MiB as float64, plus as much again for the drawn indices.
_CHUNK_CELLS = 1 << 21
# Groups are multiplied with the weights in blocks of this many columns (bounds memory).
_GROUP_BLOCK = 128


@frozen
class Rate:
    """A proportion with its 95 % interval.

    Fields:
        correct: the number of successes (prompts or instructions followed).
        total: the number of trials (prompts or instructions).
        low, high: the bounds of the interval, within [0, 1].
    """

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


@frozen
class Difference:
    """A difference of accuracies, run B minus run A, with its 95 % interval.

    Fields:
        estimate: the observed difference, ``accuracy(B) - accuracy(A)``, within [-1, 1].
        low, high: the bounds of the interval (bootstrap percentiles), ``low <= high``.
    """

    estimate: float
    low: float
    high: float

    def to_dict(self) -> dict[str, object]:
        return {
            "difference": round(self.estimate, 6),
            "ci95": [round(self.low, 6), round(self.high, 6)],
        }


@frozen
class PairedCounts:
    """One group's counts in two runs on the same prompts, for ``paired_bootstrap``.

    Fields (parallel sequences, one entry per prompt of the group):
        prompts: the prompt's index among all prompts (``0 <= i < n_prompts``), each at most once.
        a: the number of the group's instructions of that prompt followed in run A.
        b: the same in run B.
        n: the number of the group's instructions of that prompt (the same in both runs).
    For prompt-level accuracy, ``a`` and ``b`` are 0 or 1 and ``n`` is 1.
    """

    prompts: Sequence[int]
    a: Sequence[int]
    b: Sequence[int]
    n: Sequence[int]


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
    return clustered_sums(clusters, sum([c for c, _ in clusters]), sum([n for _, n in clusters]), z)


def clustered_sums(
    clusters: Sequence[tuple[int, int]], correct: int, total: int, z: float = Z95
) -> Rate:
    """:func:`clustered`, for a caller that has already added up the clusters' two numbers
    (``correct``: the followed, ``total``: the instructions) while gathering them."""
    m = len(clusters)
    if total == 0:
        return Rate(0, 0, 0.0, 1.0)
    r = correct / total
    deff = 1.0
    if m >= 2 and 0 < correct < total:
        residual = sum([(c - r * n) ** 2 for c, n in clusters])
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


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` and ``c`` discordant pairs.

    Under the null hypothesis each discordant pair goes either way with probability 1/2, so
    ``min(b, c)`` is Binomial(b + c, 1/2); the p-value is twice its lower tail, capped at 1.
    Computed with exact integers (one rounding, at the final division); no discordant pairs
    give 1.0.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be non-negative, got b={b}, c={c}")
    n = b + c
    k = min(b, c)
    if 2 * k >= n:  # the lower tail holds at least half the mass: p >= 1
        return 1.0
    term = 1  # comb(n, i), updated exactly from i to i + 1
    tail = 1
    for i in range(k):
        term = term * (n - i) // (i + 1)
        tail += term
    return min(1.0, (2 * tail) / (1 << n))


def _rng(seed: int) -> np.random.Generator:
    import numpy as np

    return np.random.Generator(np.random.PCG64(seed))


def _weights(rng: np.random.Generator, m: int, resamples: int) -> Iterator[npt.NDArray[np.float64]]:
    """Chunks of bootstrap weights: row r counts how often each of ``m`` items was drawn.

    Each row is one resample of ``m`` items with replacement. Chunks have at most
    ``_CHUNK_CELLS`` cells; their rows together are ``resamples`` rows.
    """
    import numpy as np

    rows = max(1, _CHUNK_CELLS // max(m, 1))
    done = 0
    while done < resamples:
        size = min(rows, resamples - done)
        drawn = rng.integers(0, m, size=(size, m), dtype=np.int64)
        drawn += (np.arange(size, dtype=np.int64) * m)[:, None]
        counts = np.bincount(drawn.ravel(), minlength=size * m).reshape(size, m)
        yield counts.astype(np.float64)
        done += size


def _percentiles(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    import numpy as np

    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


def bootstrap_rate(
    clusters: Sequence[tuple[int, int]], resamples: int = RESAMPLES, seed: int = SEED
) -> Rate:
    """Ratio of sums over ``(followed, instructions)`` clusters, with a cluster-bootstrap interval.

    Each resample draws as many clusters (prompts) as there are, with replacement, and takes
    ``sum(followed) / sum(instructions)`` over the draw; the interval is the 2.5th and 97.5th
    percentiles of those ratios (numpy's default, linear interpolation between order
    statistics). Prompt level is the case of ``(0 or 1, 1)`` clusters. Clusters with no
    instructions are left out; with none left the result is ``Rate(0, 0, 0.0, 1.0)``, as for
    ``wilson``.
    """
    import numpy as np

    _check_resamples(resamples)
    kept = [(c, n) for c, n in clusters if n]
    for c, n in kept:
        if not 0 <= c <= n:
            raise ValueError(f"a cluster must have 0 <= followed <= instructions, got ({c}, {n})")
    correct = sum(c for c, _ in kept)
    total = sum(n for _, n in kept)
    if total == 0:
        return Rate(0, 0, 0.0, 1.0)
    followed = np.array([c for c, _ in kept], dtype=np.float64)
    sizes = np.array([n for _, n in kept], dtype=np.float64)
    ratios = np.empty(resamples, dtype=np.float64)
    start = 0
    for weights in _weights(_rng(seed), len(kept), resamples):
        stop = start + weights.shape[0]
        # integer-valued sums, exact in float64, so the ratio is correctly rounded
        ratios[start:stop] = (weights @ followed) / (weights @ sizes)
        start = stop
    low, high = _percentiles(ratios)
    return Rate(correct, total, low, high)


def paired_bootstrap(
    groups: Mapping[str, PairedCounts],
    n_prompts: int,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict[str, Difference]:
    """Run B minus run A, per group, with paired percentile-bootstrap intervals.

    Each resample draws ``n_prompts`` prompts with replacement; the same draw serves both runs
    (pairing) and every group (so groups stay consistent with one another and with the
    overall figure). A group's resampled difference is
    ``(sum(w * b) - sum(w * a)) / sum(w * n)`` over its prompts, ``w`` being how often each was
    drawn; the interval is the 2.5th and 97.5th percentiles of those differences. The estimate
    is ``(sum(b) - sum(a)) / sum(n)``.

    Resamples that draw none of a group's instructions are left out of that group's
    percentiles. A group with no instructions gets ``Difference(0.0, 0.0, 0.0)``. A group's
    result does not depend on the other groups passed along with it.
    """
    import numpy as np

    _check_resamples(resamples)
    if n_prompts < 0:
        raise ValueError(f"n_prompts must be non-negative, got {n_prompts}")
    names = list(groups)
    diffs = np.zeros((n_prompts, len(names)), dtype=np.float64)
    sizes = np.zeros((n_prompts, len(names)), dtype=np.float64)
    for column, name in enumerate(names):
        _fill(name, groups[name], n_prompts, diffs[:, column], sizes[:, column])
    totals = sizes.sum(axis=0)
    estimates = diffs.sum(axis=0) / np.where(totals > 0, totals, 1.0)

    resampled = np.empty((resamples, len(names)), dtype=np.float64)
    if n_prompts and names:
        start = 0
        for weights in _weights(_rng(seed), n_prompts, resamples):
            stop = start + weights.shape[0]
            for first in range(0, len(names), _GROUP_BLOCK):
                block = slice(first, first + _GROUP_BLOCK)
                num = weights @ diffs[:, block]
                den = weights @ sizes[:, block]
                with np.errstate(invalid="ignore", divide="ignore"):
                    resampled[start:stop, block] = num / den
                # 0/0 (no instruction of the group drawn) gives NaN: left out below
            start = stop

    out: dict[str, Difference] = {}
    for column, name in enumerate(names):
        if totals[column] == 0:
            out[name] = Difference(0.0, 0.0, 0.0)
            continue
        values = resampled[:, column]
        values = values[~np.isnan(values)]
        estimate = float(estimates[column])
        low, high = _percentiles(values) if values.size else (estimate, estimate)
        out[name] = Difference(estimate, low, high)
    return out


def _fill(
    name: str,
    counts: PairedCounts,
    n_prompts: int,
    diffs: npt.NDArray[np.float64],
    sizes: npt.NDArray[np.float64],
) -> None:
    """Write one group's per-prompt ``b - a`` and ``n`` into its columns, checking them."""
    import numpy as np

    prompts = np.asarray(counts.prompts, dtype=np.int64)
    a = np.asarray(counts.a, dtype=np.int64)
    b = np.asarray(counts.b, dtype=np.int64)
    n = np.asarray(counts.n, dtype=np.int64)
    if not prompts.shape == a.shape == b.shape == n.shape or prompts.ndim != 1:
        raise ValueError(f"group {name!r}: prompts, a, b and n must have the same length")
    if prompts.size == 0:
        return
    if prompts.min() < 0 or prompts.max() >= n_prompts:
        raise ValueError(f"group {name!r}: prompt indices must be in [0, {n_prompts})")
    if np.unique(prompts).size != prompts.size:
        raise ValueError(f"group {name!r}: a prompt is listed more than once")
    if (a < 0).any() or (b < 0).any() or (a > n).any() or (b > n).any():
        raise ValueError(f"group {name!r}: counts must satisfy 0 <= a, b <= n")
    diffs[prompts] = (b - a).astype(np.float64)
    sizes[prompts] = n.astype(np.float64)


def _check_resamples(resamples: int) -> None:
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
