"""``paraphrase``: the same constraints, their instructions said in other words.

Zero-shot robustness to instruction wording (Sun, Shaib and Wallace, ICLR 2024; METHODS.md
section 4): a model that follows "Answer in fewer than 80 words" should follow "Keep your answer
under 80 words" just as well. Every sample that can be taken apart
(:func:`adhere.probes.tasks.take_apart`) gives the original, unchanged, and one variant per
phrasing index k = 1…K (``phrasings``): in variant ``pk`` every instruction is said with the
k-th phrasing of its constraint in the bank (:mod:`adhere.probes.phrasings`), in the original's
order and layout. The specs are the original's, so the verdict rules do not change. The variants
do not depend on the seed: phrasing k is the same wording of a constraint in every sample, so
``pk`` can be read across samples.

The metric (strict or loose, ``mode``) is accuracy per wording at prompt level (Wilson
intervals) and instruction level (intervals clustered by prompt), the mean and the spread
(population standard deviation) across the K phrasings, the worst phrasing, and the drop from
the original wording (original minus phrasing; paired bootstrap intervals over prompts).

This module also holds the helpers that compare variants with originals, shared with
:mod:`adhere.probes.placement`.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence

from adhere.core.errors import ParamError
from adhere.core.types import JSONValue, Message, Sample
from adhere.probes.base import (
    Figure,
    Point,
    Probe,
    ProbeMetric,
    ProbeParam,
    ScoredVariant,
    Series,
    register,
)
from adhere.probes.phrasings import count, phrasings
from adhere.probes.tasks import Parts, compose, split_suite, variant
from adhere.scoring.evaluate import PromptResult, build
from adhere.scoring.stats import Difference, PairedCounts, Rate, clustered, paired_bootstrap, wilson
from adhere.suites.registry import Suite

Unit = tuple[str, int]
"""What variants are paired by: the original sample's id and the response's sample index."""

Tally = dict[Unit, tuple[int, int]]
"""One group's results: per unit, (instructions followed, instructions)."""

ORIGINAL = "original"

INTERVAL = {"prompt": "Wilson interval", "instruction": "interval clustered by prompt"}
"""How each level's interval is computed, in words."""


# --- comparing variants with originals (shared with placement) ---------------------------------


def unit(scored: ScoredVariant) -> Unit:
    """The pairing unit of a scored variant."""
    sample = scored.sample
    index = sample.metadata.get("sample", 0)
    return (sample.parent_id or sample.id, index if isinstance(index, int) else 0)


def result(scored: ScoredVariant, mode: str = "strict") -> PromptResult:
    """The variant's result in ``mode`` (``strict`` or ``loose``)."""
    return scored.loose if mode == "loose" else scored.strict


def tally(
    scored: Iterable[ScoredVariant], group: Callable[[ScoredVariant], str | None], mode: str
) -> dict[str, Tally]:
    """Each group's results (``group`` names a variant's group; None leaves it out)."""
    out: dict[str, Tally] = {}
    for item in scored:
        name = group(item)
        if name is None:
            continue
        followed = result(item, mode).follow_instruction_list
        out.setdefault(name, {})[unit(item)] = (sum(followed), len(followed))
    return out


def prompt_rate(results: Tally) -> Rate:
    """Prompt-level accuracy (all instructions followed), with its Wilson interval."""
    return wilson(sum(1 for f, n in results.values() if f == n), len(results))


def instruction_rate(results: Tally) -> Rate:
    """Instruction-level accuracy, with its interval clustered by prompt."""
    return clustered(list(results.values()))


def rate_of(results: Tally, level: str) -> Rate:
    """``prompt_rate`` or ``instruction_rate`` by ``level``."""
    return prompt_rate(results) if level == "prompt" else instruction_rate(results)


def as_figure(name: str, rate: Rate, note: str = "") -> Figure:
    return Figure(name, rate.accuracy, rate.low, rate.high, note)


def as_point(label: str, rate: Rate) -> Point:
    return Point(label, rate.accuracy, rate.low, rate.high, rate.total)


def paired_differences(
    base: Tally, others: Mapping[str, Sequence[Tally]]
) -> dict[tuple[str, str], Difference]:
    """For each name and level (``prompt``, ``instruction``): the mean of the named tallies minus
    ``base``, over the units ``base`` shares with them, with a paired bootstrap interval (one
    draw of ``base``'s units per resample, shared by every name and level)."""
    index = {u: i for i, u in enumerate(sorted(base))}
    groups: dict[str, PairedCounts] = {}
    keys: dict[str, tuple[str, str]] = {}
    for name, tallies in others.items():
        rows: dict[str, list[tuple[int, int, int, int]]] = {"prompt": [], "instruction": []}
        for key, (followed, total) in base.items():
            found = [t[key] for t in tallies if key in t and t[key][1] == total]
            if not found:
                continue
            m = len(found)
            hits = sum(int(f == n) for f, n in found)
            rows["prompt"].append((index[key], m * int(followed == total), hits, m))
            rows["instruction"].append(
                (index[key], m * followed, sum(f for f, _ in found), m * total)
            )
        for level, table in rows.items():
            group = f"{name} ({level})"
            keys[group] = (name, level)
            groups[group] = PairedCounts(
                [r[0] for r in table],
                [r[1] for r in table],
                [r[2] for r in table],
                [r[3] for r in table],
            )
    return {keys[g]: d for g, d in paired_bootstrap(groups, len(index)).items()}


def shared(base: Tally, other: Tally) -> int:
    """How many units ``base`` and ``other`` share (the pairs a difference rests on)."""
    return len(base.keys() & other.keys())


def negated(difference: Difference) -> Difference:
    """``-difference`` (a drop instead of a gain), its interval flipped."""
    return Difference(0.0 - difference.estimate, 0.0 - difference.high, 0.0 - difference.low)


def difference_figure(name: str, difference: Difference, note: str) -> Figure:
    return Figure(name, difference.estimate, difference.low, difference.high, note)


def difference_point(label: str, difference: Difference, pairs: int) -> Point:
    return Point(label, difference.estimate, difference.low, difference.high, pairs)


def swap_prompt(sample: Sample, content: str) -> tuple[Message, ...]:
    """The sample's messages with the last user message's content replaced."""
    messages = list(sample.messages)
    for position in range(len(messages) - 1, -1, -1):
        if messages[position].role == "user":
            messages[position] = Message("user", content)
            break
    return tuple(messages)


# --- the probe ---------------------------------------------------------------------------------


def _label(phrasing: int) -> str:
    return f"p{phrasing}"


@register
class Paraphrase(Probe):
    """Instructions reworded from a bank of phrasings (see the module docstring)."""

    name = "paraphrase"
    summary = (
        "Each instruction said in other words (a bank of >= 3 phrasings per constraint), "
        "same constraints and verdict rules."
    )
    metric_help = (
        "Accuracy per wording (prompt and instruction level, 95% intervals), mean and spread "
        "(std) across phrasings, the worst phrasing, and the drop from the original wording "
        "(paired bootstrap)."
    )
    params = (
        ProbeParam("phrasings", "int", 3, "how many phrasings of each instruction to try (1-4)"),
        ProbeParam("mode", "str", "strict", "which verdicts to compare", ("strict", "loose")),
    )
    version = "1"

    @property
    def how_many(self) -> int:
        value = self.options["phrasings"]
        assert isinstance(value, int)
        return value

    def _check(self, parts: Sequence[Parts]) -> None:
        if self.how_many < 1:
            raise ParamError(f"probe 'paraphrase': phrasings: expected >= 1, found {self.how_many}")
        for constraint_id in sorted({s.id for p in parts for s in p.specs}):
            if count(constraint_id) < self.how_many:
                raise ParamError(
                    f"probe 'paraphrase': phrasings={self.how_many}, but {constraint_id} has "
                    f"only {count(constraint_id)} phrasings in the bank"
                )

    def variants(
        self,
        suite: Suite,
        seed: int,
        stage: int = 0,
        earlier: Mapping[str, str | None] | None = None,
    ) -> list[Sample]:
        parts, _ = split_suite(suite.samples)
        self._check(parts)
        out: list[Sample] = []
        for piece in parts:
            original = piece.sample
            info = {"name": self.name, "variant": ORIGINAL, "phrasing": 0}
            out.append(variant(piece, ORIGINAL, original.messages, piece.specs, info))
            banks = [phrasings(build(spec, original.prompt)) for spec in piece.specs]
            for k in range(1, self.how_many + 1):
                content = compose(piece.request, [bank[k - 1] for bank in banks])
                info = {"name": self.name, "variant": _label(k), "phrasing": k}
                messages = swap_prompt(original, content)
                out.append(variant(piece, _label(k), messages, piece.specs, info))
        return out

    def metric(self, scored: Sequence[ScoredVariant]) -> ProbeMetric:
        mode = str(self.options["mode"])
        groups = tally(scored, lambda v: str(v.info.get("variant", "")) or None, mode)
        base = groups.get(ORIGINAL, {})
        labels = sorted((g for g in groups if g[1:].isdigit()), key=lambda g: int(g[1:]))
        return paraphrase_metric(base, [(g, groups[g]) for g in labels], mode, scored)


def _per_constraint(scored: Sequence[ScoredVariant], mode: str) -> dict[str, dict[str, list[int]]]:
    """Instruction level per constraint id and wording: [followed, instructions]."""
    out: dict[str, dict[str, list[int]]] = {}
    for item in scored:
        label = str(item.info.get("variant", ""))
        for verdict in result(item, mode).verdicts:
            cell = out.setdefault(verdict.constraint_id, {}).setdefault(label, [0, 0])
            cell[0] += int(verdict.followed)
            cell[1] += 1
    return {cid: dict(sorted(cells.items())) for cid, cells in sorted(out.items())}


def paraphrase_metric(
    base: Tally,
    phrased: Sequence[tuple[str, Tally]],
    mode: str,
    scored: Sequence[ScoredVariant] = (),
) -> ProbeMetric:
    """The paraphrase metric from the originals' tally and each phrasing's (in order)."""
    headline: list[Figure] = []
    series: list[Series] = []
    details: dict[str, JSONValue] = {"mode": mode, "pairs": len(base)}
    tallies = [t for _, t in phrased]
    diffs = paired_differences(base, {**{g: [t] for g, t in phrased}, "mean": tallies})
    for level in ("prompt", "instruction"):
        rates = {g: rate_of(t, level) for g, t in phrased}
        original = rate_of(base, level)
        pooled = _pooled(tallies, level)
        values = [r.accuracy for r in rates.values()]
        spread = statistics.pstdev(values) if values else 0.0
        worst = min(rates, key=lambda g: rates[g].accuracy) if rates else None
        drop = negated(diffs.get(("mean", level), Difference(0.0, 0.0, 0.0)))
        headline += [
            as_figure(
                f"original wording, {level} level", original, f"{mode} verdicts; {INTERVAL[level]}"
            ),
            as_figure(
                f"mean over {len(rates)} phrasings, {level} level",
                pooled,
                "interval clustered by prompt",
            ),
            Figure(
                f"spread across phrasings (std), {level} level",
                spread,
                note="population standard deviation of the phrasings' accuracies",
            ),
        ]
        if worst is not None:
            headline.append(
                as_figure(f"worst phrasing ({worst}), {level} level", rates[worst], INTERVAL[level])
            )
        headline.append(
            difference_figure(
                f"drop from the original wording (mean of phrasings), {level} level",
                drop,
                "original minus phrasings; paired bootstrap over prompts",
            )
        )
        points = [as_point(ORIGINAL, original), *(as_point(g, r) for g, r in rates.items())]
        series.append(
            Series("Accuracy by wording", "wording", "accuracy", tuple(points), "bar", level)
        )
        drops = [
            difference_point(g, negated(diffs[(g, level)]), shared(base, t)) for g, t in phrased
        ]
        series.append(
            Series("Drop from the original wording", "phrasing", "drop", tuple(drops), "bar", level)
        )
        details[level] = {
            "original": original.to_dict(),
            "phrasings": {g: r.to_dict() for g, r in rates.items()},
            "mean": sum(values) / len(values) if values else 0.0,
            "std": spread,
            "worst": worst,
        }
    if scored:
        details["per_constraint"] = _per_constraint(scored, mode)
    return ProbeMetric(tuple(headline), tuple(series), details)


def _pooled(tallies: Sequence[Tally], level: str) -> Rate:
    """Every phrasing's results pooled per prompt (one cluster per prompt): their mean accuracy,
    with an interval clustered by prompt."""
    clusters: dict[Unit, list[int]] = {}
    for results in tallies:
        for key, (followed, total) in results.items():
            cell = clusters.setdefault(key, [0, 0])
            if level == "prompt":
                cell[0] += int(followed == total)
                cell[1] += 1
            else:
                cell[0] += followed
                cell[1] += total
    return clustered([(c[0], c[1]) for c in clusters.values()])
