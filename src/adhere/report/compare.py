"""Comparing two scored runs on the same samples, with paired statistics.

Records are paired by their uid (key, turn, sample index); pairs whose constraint lists differ
(another suite version) are left out and counted. For each mode:

- the two headline metrics: prompt level (all instructions followed) and instruction level;
  the difference (other minus baseline) with a paired bootstrap 95 % interval (prompts resampled,
  the same draw for both runs) and, at prompt level, the exact McNemar test on the discordant
  pairs (improved: failed in the baseline, followed in the other; regressed: the reverse);
- per family and per constraint id: the instruction-level difference with its paired interval,
  and McNemar on the prompt-level flags of that group (all of the prompt's instructions of that
  family, or id, followed);
- the flips: every pair whose prompt-level verdict differs.

See docs/statistics.md for the methods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from adhere.core.errors import InputError
from adhere.core.frozen import frozen
from adhere.core.types import family_of
from adhere.report.runs import Record, ScoredRun
from adhere.scoring.stats import PairedCounts, mcnemar_exact, paired_bootstrap

MODES = ("strict", "loose")
DEFAULT_RESAMPLES = 2000


class NoSharedSamples(InputError):
    """Two runs have no sample (with the same constraints) in common."""


@frozen
class Delta:
    """One compared quantity.

    Fields:
        baseline, other: the accuracy in each run (over the shared pairs).
        diff: other minus baseline; low, high: its paired bootstrap 95 % interval.
        improved, regressed: prompts that went from failed to followed, and the reverse.
        p_value: exact McNemar two-sided p-value on ``improved`` vs ``regressed``.
        prompts: how many paired prompts the quantity is computed on.
    """

    baseline: float
    other: float
    diff: float
    low: float
    high: float
    improved: int
    regressed: int
    p_value: float
    prompts: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": round(self.baseline, 6),
            "other": round(self.other, 6),
            "diff": round(self.diff, 6),
            "ci95": [round(self.low, 6), round(self.high, 6)],
            "improved": self.improved,
            "regressed": self.regressed,
            "mcnemar_p": self.p_value,
            "prompts": self.prompts,
        }


@frozen
class ModeComparison:
    """Every compared quantity of one mode. Fields: metrics (``prompt_level``,
    ``instruction_level``), families, constraints (by name)."""

    metrics: dict[str, Delta]
    families: dict[str, Delta]
    constraints: dict[str, Delta]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metrics": {k: v.to_dict() for k, v in self.metrics.items()},
            "families": {k: v.to_dict() for k, v in self.families.items()},
            "constraints": {k: v.to_dict() for k, v in self.constraints.items()},
        }


@frozen
class Flip:
    """A paired prompt whose prompt-level verdict differs. Fields: uid, mode, baseline and
    other (whether all instructions were followed in each run)."""

    uid: str
    mode: str
    baseline: bool
    other: bool


@frozen
class Comparison:
    """A baseline run against another.

    Fields:
        baseline, other: the runs' names.
        shared: pairs compared; only_baseline, only_other: records without a partner;
        mismatched: pairs left out because their constraint lists differ.
        modes: per mode, the compared quantities.
        flips: the pairs whose prompt-level verdict differs, strict then loose.
        resamples, seed: the bootstrap settings.
    """

    baseline: str
    other: str
    shared: int
    only_baseline: int
    only_other: int
    mismatched: int
    modes: dict[str, ModeComparison]
    flips: tuple[Flip, ...]
    resamples: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "other": self.other,
            "shared": self.shared,
            "only_baseline": self.only_baseline,
            "only_other": self.only_other,
            "mismatched": self.mismatched,
            "bootstrap": {"resamples": self.resamples, "seed": self.seed},
            **{mode: c.to_dict() for mode, c in self.modes.items()},
            "flips": [
                {"uid": f.uid, "mode": f.mode, "baseline": f.baseline, "other": f.other}
                for f in self.flips
            ],
        }


class _Group:
    """Per-prompt counts of one group (overall, a family or an id) as they are gathered."""

    def __init__(self) -> None:
        self.prompts: list[int] = []
        self.a: list[int] = []
        self.b: list[int] = []
        self.n: list[int] = []
        self.a_all: list[bool] = []
        self.b_all: list[bool] = []

    def add(self, index: int, a: Sequence[bool], b: Sequence[bool]) -> None:
        self.prompts.append(index)
        self.a.append(sum(a))
        self.b.append(sum(b))
        self.n.append(len(a))
        self.a_all.append(all(a))
        self.b_all.append(all(b))

    def counts(self) -> PairedCounts:
        return PairedCounts(prompts=self.prompts, a=self.a, b=self.b, n=self.n)

    def prompt_counts(self) -> PairedCounts:
        ones = [1] * len(self.prompts)
        return PairedCounts(
            prompts=self.prompts,
            a=[int(x) for x in self.a_all],
            b=[int(x) for x in self.b_all],
            n=ones,
        )

    def mcnemar(self) -> tuple[int, int, float]:
        improved = sum(1 for x, y in zip(self.a_all, self.b_all, strict=True) if y and not x)
        regressed = sum(1 for x, y in zip(self.a_all, self.b_all, strict=True) if x and not y)
        return improved, regressed, mcnemar_exact(improved, regressed)


def _delta(group: _Group, diff: Any, prompt_level: bool) -> Delta:
    improved, regressed, p = group.mcnemar()
    if prompt_level:
        total = len(group.prompts)
        base = sum(group.a_all) / total if total else 0.0
        other = sum(group.b_all) / total if total else 0.0
    else:
        total = sum(group.n)
        base = sum(group.a) / total if total else 0.0
        other = sum(group.b) / total if total else 0.0
    return Delta(
        base,
        other,
        float(diff.estimate),
        float(diff.low),
        float(diff.high),
        improved,
        regressed,
        p,
        len(group.prompts),
    )


def _compare_mode(
    pairs: Sequence[tuple[Record, Record]], mode: str, resamples: int, seed: int
) -> tuple[ModeComparison, list[Flip]]:
    overall = _Group()
    families: dict[str, _Group] = {}
    constraints: dict[str, _Group] = {}
    flips: list[Flip] = []
    layouts: dict[tuple[str, ...], tuple[_Layout, _Layout]] = {}
    for index, (a, b) in enumerate(pairs):
        fa, fb = a.followed(mode), b.followed(mode)
        overall.add(index, fa, fb)
        if all(fa) != all(fb):
            flips.append(Flip(a.uid, mode, all(fa), all(fb)))
        layout = layouts.get(a.ids)
        if layout is None:
            layout = layouts[a.ids] = (_members(a.ids, family_of), _members(a.ids, str))
        for table, members in zip((families, constraints), layout, strict=True):
            for name, ks in members:
                group = table.get(name)
                if group is None:
                    group = table[name] = _Group()
                group.add(index, [fa[k] for k in ks], [fb[k] for k in ks])
    groups = {"prompt_level": overall.prompt_counts(), "instruction_level": overall.counts()}
    for prefix, table in (("family:", families), ("constraint:", constraints)):
        for name, group in table.items():
            groups[prefix + name] = group.counts()
    diffs = paired_bootstrap(groups, len(pairs), resamples=resamples, seed=seed)
    return (
        ModeComparison(
            metrics={
                "prompt_level": _delta(overall, diffs["prompt_level"], True),
                "instruction_level": _delta(overall, diffs["instruction_level"], False),
            },
            families={
                name: _delta(families[name], diffs["family:" + name], False)
                for name in sorted(families)
            },
            constraints={
                name: _delta(constraints[name], diffs["constraint:" + name], False)
                for name in sorted(constraints)
            },
        ),
        flips,
    )


_Layout = tuple[tuple[str, tuple[int, ...]], ...]


def _members(ids: tuple[str, ...], name_of: Callable[[str], str]) -> _Layout:
    """Which positions of a constraint list belong to each group (family or id)."""
    members: dict[str, list[int]] = {}
    for k, cid in enumerate(ids):
        members.setdefault(name_of(cid), []).append(k)
    return tuple((name, tuple(ks)) for name, ks in members.items())


def compare(
    baseline: ScoredRun,
    other: ScoredRun,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Comparison:
    """``other`` against ``baseline`` on the records they share (see the module docstring)."""
    by_uid = {r.uid: r for r in other.records}
    pairs: list[tuple[Record, Record]] = []
    mismatched = 0
    for record in baseline.records:
        partner = by_uid.get(record.uid)
        if partner is None:
            continue
        if partner.ids != record.ids:
            mismatched += 1
            continue
        pairs.append((record, partner))
    if not pairs:
        raise NoSharedSamples(
            f"runs {baseline.name!r} and {other.name!r} share no sample with the same "
            "constraints: compare runs of the same suite"
        )
    modes: dict[str, ModeComparison] = {}
    flips: list[Flip] = []
    for mode in MODES:
        modes[mode], mode_flips = _compare_mode(pairs, mode, resamples, seed)
        flips.extend(mode_flips)
    base_uids = {r.uid for r in baseline.records}
    return Comparison(
        baseline=baseline.name,
        other=other.name,
        shared=len(pairs),
        only_baseline=len(base_uids - set(by_uid)),
        only_other=len(set(by_uid) - base_uids),
        mismatched=mismatched,
        modes=modes,
        flips=tuple(flips),
        resamples=resamples,
        seed=seed,
    )


def shared_count_note(comparison: Comparison) -> str:
    """A sentence on what was compared, naming anything left out."""
    note = f"{comparison.shared} paired samples"
    left = []
    if comparison.only_baseline:
        left.append(f"{comparison.only_baseline} only in {comparison.baseline}")
    if comparison.only_other:
        left.append(f"{comparison.only_other} only in {comparison.other}")
    if comparison.mismatched:
        left.append(f"{comparison.mismatched} with different constraints")
    if left:
        note += " (left out: " + "; ".join(left) + ")"
    return note
