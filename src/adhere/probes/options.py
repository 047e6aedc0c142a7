"""The ``options`` probe (Lim & Lim, "The Atomic Instruction Gap"): multiple-choice items asked
with the option labels written as letters (A-D), numbers (1-4) or Roman numerals (I-IV); with
an explicit answer-format instruction (``instructed``), without it (``plain``), or with the
options' texts removed so that only their labels remain (``no_text``, compared with the random
baseline 1/k); with no examples or with three solved examples (``shots``). None of this
changes what is asked: a model that follows instructions answers with the right label whatever
the labels look like and whether or not the format is spelled out.

Items: the built-in set ``adhere-options`` (``data/option_items.jsonl``, written for adhere: 210
questions of general knowledge, arithmetic and word meaning, four options each, one correct,
the correct position balanced), a JSONL file in the same format (``id``, ``question``,
``options`` — two to four strings —, ``answer`` — the 0-based index of the correct option —,
optional ``topic``), or MMLU from the Hugging Face hub (``hf:cais/mmlu``, its test split, or
one subject: ``hf:cais/mmlu/astronomy``). ``--limit N`` asks the first N items; solved examples
are drawn from all of them.

A prompt is: the instruction (``instructed`` and ``no_text``; none for ``plain``), then for
k-shot k solved examples (other items, drawn with the seed, the same for every format and
condition of an item; shown with their option texts, in the variant's label format, each
followed by ``Answer: LABEL``), then the question with its labelled options (``no_text``:
labels only), ending with ``Answer:`` when there are examples.

Judging (deterministic; :func:`judge`): the response, after any reasoning trace, is trimmed of
surrounding whitespace, punctuation, quotes, brackets and emphasis (``(B).`` and ``**B**`` read
``B``). *Strict accuracy*: the trimmed response is exactly the correct label (case counts).
*Label fidelity*: it is exactly one of the offered labels, right or wrong. The details also give
a lenient accuracy that accepts an ``Answer: LABEL`` line and any case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from adhere.core.errors import InputError
from adhere.core.frozen import frozen
from adhere.core.types import JSONValue, Message, Sample
from adhere.probes.answers import (
    HubSource,
    ItemSource,
    Where,
    answer_text,
    fetch,
    item_suite,
    offline_help,
    pair,
    paired_figures,
    quote,
    read_choice,
    table_rows,
    text_field,
    trim,
)
from adhere.probes.base import (
    Figure,
    Probe,
    ProbeMetric,
    ProbeParam,
    ScoredVariant,
    Series,
    rate_figure,
    rate_point,
    register,
    seeded_rng,
)
from adhere.scoring.stats import PairedCounts
from adhere.suites.registry import Suite

NAME = "options"
BUILT_IN = "adhere-options"
ITEMS_FILE = Path(__file__).parent / "data" / "option_items.jsonl"

FORMATS: dict[str, tuple[str, ...]] = {
    "alpha": ("A", "B", "C", "D"),
    "numeric": ("1", "2", "3", "4"),
    "roman": ("I", "II", "III", "IV"),
}
"""The label formats, each with its labels in order."""
CONDITIONS = ("instructed", "plain", "no_text")
SHOTS = ("0", "1", "2", "3", "4", "5")
"""The shot counts that may be chosen (the default is 0 and 3)."""


@frozen
class Item:
    """One multiple-choice item. Fields: id, question, options (2 to 4 texts), answer (the
    0-based index of the correct option), topic (free text; empty when not given)."""

    id: str
    question: str
    options: tuple[str, ...]
    answer: int
    topic: str = ""

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "topic": self.topic,
            "question": self.question,
            "options": list(self.options),
            "answer": self.answer,
        }


def parse_item(record: Mapping[str, Any], where: Where) -> Item:
    """An :class:`Item` from a JSON record of an items file; errors name the field."""
    ident = text_field(record, "id", where)
    question = text_field(record, "question", where)
    options = record.get("options")
    if (
        not isinstance(options, (list, tuple))
        or not 2 <= len(options) <= 4
        or not all(isinstance(o, str) and o.strip() for o in options)
    ):
        raise where.error(
            "options", f"expected a list of 2 to 4 non-empty strings, found {options!r:.80}"
        )
    texts = tuple(o.strip() for o in options)
    if len(set(texts)) != len(texts):
        raise where.error("options", "expected different options, found one twice")
    answer = record.get("answer")
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(texts):
        raise where.error(
            "answer",
            f"expected the 0-based index of the correct option (0 to {len(texts) - 1}), "
            f"found {answer!r}",
        )
    topic = record.get("topic", "")
    if not isinstance(topic, str):
        raise where.error("topic", f"expected a string, found {topic!r}")
    return Item(ident, question, texts, answer, topic)


# --- where items come from -----------------------------------------------------------------------

HUB_DATASET = "cais/mmlu"
_SUBJECT = re.compile(r"^[a-z_]+$")
FIELDS = "id, question, options and answer (the 0-based index of the correct option)"
_LETTERS = {"A": 0, "B": 1, "C": 2, "D": 3}


def mmlu_items(paths: Sequence[Path]) -> list[Item]:
    """MMLU rows (``question``, ``choices``, ``answer`` as an index or a letter, ``subject``) as
    items. Unlike an items file, options may repeat (a few MMLU questions offer the same text
    twice; their labels still differ)."""
    items = []
    for path in paths:
        for number, row in table_rows(path):
            where = Where(str(path), number)
            question = text_field(row, "question", where)
            choices = row.get("choices")
            if not isinstance(choices, (list, tuple)) or not 2 <= len(choices) <= 4:
                raise where.error("choices", f"expected 2 to 4 options, found {choices!r:.80}")
            answer = row.get("answer")
            answer = _LETTERS.get(answer.strip(), answer) if isinstance(answer, str) else answer
            if not isinstance(answer, int) or not 0 <= answer < len(choices):
                raise where.error(
                    "answer", f"expected an option's index or letter, found {answer!r}"
                )
            subject = str(row.get("subject") or path.parent.name)
            options = tuple(str(c).strip() for c in choices)
            items.append(Item(f"mmlu-{subject}-{number}", question, options, answer, subject))
    return items


def _from_hub(name: str) -> tuple[str, list[Path], list[Item]]:
    rest = name.removeprefix("hf:")
    subject = rest.removeprefix(HUB_DATASET + "/") if rest != HUB_DATASET else "all"
    if not rest.startswith(HUB_DATASET) or not _SUBJECT.match(subject):
        raise InputError(
            f"unknown dataset for the options probe; known: hf:{HUB_DATASET} (all subjects) or "
            f"hf:{HUB_DATASET}/SUBJECT (e.g. hf:{HUB_DATASET}/astronomy)",
            field="suite",
        )
    paths = fetch(HubSource(HUB_DATASET, f"{subject}/test-*.parquet"), offline_help(FIELDS))
    return ("mmlu" if subject == "all" else f"mmlu-{subject}"), paths, mmlu_items(paths)


def _to_sample(item: Item, suite: str, asked: bool) -> Sample:
    metadata = {"item": item.to_dict(), "asked": asked}
    return Sample(item.id, suite, (Message("user", item.question),), (), metadata)


ITEMS: ItemSource[Item] = ItemSource(
    NAME,
    BUILT_IN,
    ITEMS_FILE,
    FIELDS,
    f"hf:{HUB_DATASET}[/SUBJECT]",
    parse_item,
    _from_hub,
    _to_sample,
    pool=True,
)
"""Where the probe's items come from."""


def load_items_suite(name: str | None, limit: int | None) -> Suite:
    """The probe's items as a suite: each sample's id is the item's, its message the question,
    ``metadata["item"]`` the item; no constraints. Every item is in the suite, as the pool that
    solved examples are drawn from; ``metadata["asked"]`` is true for the first ``limit`` (all
    without a limit), the ones that are asked."""
    return item_suite(ITEMS, name, limit)


# --- prompts -------------------------------------------------------------------------------------


def labels_for(fmt: str, k: int) -> tuple[str, ...]:
    """The first ``k`` labels of format ``fmt``."""
    return FORMATS[fmt][:k]


def instruction(labels: Sequence[str]) -> str:
    """The explicit answer-format instruction for ``labels``."""
    said = ", ".join(labels[:-1]) + f" or {labels[-1]}"
    return (
        "Answer the following multiple-choice question. Reply with the label of the correct "
        f"option only ({said}), with no other text."
    )


def block(item: Item, fmt: str, texts: bool) -> str:
    """The question with its labelled options (``texts`` False: labels only)."""
    labels = labels_for(fmt, len(item.options))
    lines = [f"Question: {item.question}"]
    lines += [
        f"{label}. {text}" if texts else f"{label}."
        for label, text in zip(labels, item.options, strict=True)
    ]
    return "\n".join(lines)


def prompt(item: Item, fmt: str, condition: str, examples: Sequence[Item]) -> str:
    """The user message for ``item`` in label format ``fmt`` under ``condition``, after the
    solved ``examples`` (see the module docstring)."""
    parts = []
    if condition != "plain":
        parts.append(instruction(labels_for(fmt, len(item.options))))
    for example in examples:
        label = labels_for(fmt, len(example.options))[example.answer]
        parts.append(f"{block(example, fmt, True)}\nAnswer: {label}")
    asked = block(item, fmt, condition != "no_text")
    parts.append(f"{asked}\nAnswer:" if examples else asked)
    return "\n\n".join(parts)


def draw_examples(items: Sequence[Item], position: int, count: int, seed: int) -> list[Item]:
    """``count`` items other than ``items[position]``, drawn with a generator seeded by the
    seed and the item's id (the same draw for every variant of the item)."""
    if count == 0:
        return []
    if len(items) <= count:
        raise InputError(
            f"{count}-shot prompts need at least {count + 1} items; the item set has {len(items)}",
            field="shots",
        )
    rng = seeded_rng(seed, items[position].id)
    others = [n for n in range(len(items)) if n != position]
    return [items[n] for n in rng.sample(others, count)]


# --- judging -------------------------------------------------------------------------------------


@frozen
class Judgement:
    """A response judged. Fields: strict (exactly the correct label), faithful (exactly one of
    the offered labels), lenient (the correct label, read leniently: an ``Answer:`` line, any
    case), evidence (in words)."""

    strict: bool
    faithful: bool
    lenient: bool
    evidence: str


def judge(response: str | None, labels: Sequence[str], gold: str) -> Judgement:
    """Judge ``response`` against the offered ``labels`` and the correct label ``gold`` (see
    the module docstring)."""
    text = answer_text(response)
    if text is None:
        why = "no response" if response is None else "the reasoning trace never closes"
        return Judgement(False, False, False, f"{why}; the correct label is {gold}")
    found = trim(text)
    lenient = read_choice(text, labels).answer == gold
    offered = ", ".join(labels)
    if found == gold:
        return Judgement(True, True, True, f"answered {quote(found)}, the correct label")
    if found in labels:
        return Judgement(
            False,
            True,
            lenient,
            f"answered {quote(found)}, an offered label; the correct one is {gold}",
        )
    return Judgement(
        False,
        False,
        lenient,
        f"answered {quote(text)}: not exactly one of the labels {offered} (after trimming); "
        f"the correct one is {gold}",
    )


def judge_variant(variant: ScoredVariant) -> Judgement:
    """Judge a scored variant of this probe by the labels its metadata records."""
    info = variant.info
    return judge(variant.response, list(info["labels"]), str(info["gold"]))


# --- the probe -----------------------------------------------------------------------------------


@register
class OptionsProbe(Probe):
    """See the module docstring."""

    name: ClassVar[str] = NAME
    summary: ClassVar[str] = (
        "Multiple-choice option labels as letters, numbers or Roman numerals; with and without "
        "an answer-format instruction, with option texts removed, 0- or 3-shot; own items, or MMLU"
    )
    metric_help: ClassVar[str] = (
        "Strict accuracy (exactly the correct label) and label fidelity (exactly an offered "
        "label) per format, condition and shots, with Wilson intervals; no-text accuracy vs "
        "the random baseline 1/k; paired bootstrap gaps between formats, conditions and shots"
    )
    params: ClassVar[tuple[ProbeParam, ...]] = (
        ProbeParam("formats", "list", list(FORMATS), "label formats", tuple(FORMATS)),
        ProbeParam("conditions", "list", list(CONDITIONS), "instruction conditions", CONDITIONS),
        ProbeParam("shots", "list", ["0", "3"], "solved examples before the question", SHOTS),
    )
    default_suite: ClassVar[str] = BUILT_IN

    def base_suite(self, name: str | None, limit: int | None) -> Suite:
        return load_items_suite(name, limit)

    def chosen(self, param: str, order: Sequence[str]) -> list[str]:
        """The values of list parameter ``param``, in the order of ``order``, each once."""
        value = self.options[param]
        picked = {str(v) for v in value} if isinstance(value, list) else set()
        return [v for v in order if v in picked]

    def variants(
        self,
        suite: Suite,
        seed: int,
        stage: int = 0,
        earlier: Mapping[str, str | None] | None = None,
    ) -> list[Sample]:
        """Every format x condition x shots variant of every asked item, item by item; the
        seed chooses each item's solved examples from all the items of the suite."""
        formats = self.chosen("formats", list(FORMATS))
        conditions = self.chosen("conditions", CONDITIONS)
        shots = [int(s) for s in self.chosen("shots", SHOTS)]
        pairs: list[tuple[Sample, Item]] = []
        for sample in suite.samples:
            found = sample.metadata.get("item")
            if isinstance(found, Mapping):
                pairs.append((sample, parse_item(found, Where(f"sample {sample.id}"))))
        pool = [item for _, item in pairs]
        out = []
        for position, (sample, item) in enumerate(pairs):
            if sample.metadata.get("asked") is False:
                continue
            for count in shots:
                examples = draw_examples(pool, position, count, seed)
                for fmt in formats:
                    for condition in conditions:
                        out.append(make_variant(sample, item, fmt, condition, examples))
        return out

    def metric(self, scored: Sequence[ScoredVariant]) -> ProbeMetric:
        return options_metric(scored)


def make_variant(
    sample: Sample, item: Item, fmt: str, condition: str, examples: Sequence[Item]
) -> Sample:
    """The variant of ``sample`` (an item) in label format ``fmt`` under ``condition``, after
    the solved ``examples``."""
    labels = labels_for(fmt, len(item.options))
    shots = len(examples)
    info: dict[str, JSONValue] = {
        "name": NAME,
        "variant": f"{fmt}/{condition}/{shots}-shot",
        "format": fmt,
        "condition": condition,
        "shots": shots,
        "labels": list(labels),
        "gold": labels[item.answer],
        "examples": [e.id for e in examples],
    }
    return Sample(
        id=f"{sample.id}~{fmt}.{condition}.{shots}shot",
        suite=sample.suite,
        messages=(Message("user", prompt(item, fmt, condition, examples)),),
        constraints=(),
        metadata={**sample.metadata, "probe": info},
        parent_id=sample.id,
    )


# --- the metric ----------------------------------------------------------------------------------


@frozen
class Outcome:
    """One judged response: item (the parent id), format, condition, shots, judgement, k (the
    number of options)."""

    item: str
    format: str
    condition: str
    shots: int
    judgement: Judgement
    k: int


def _select(
    outcomes: Sequence[Outcome],
    fmt: str | None = None,
    condition: str | None = None,
    shots: int | None = None,
) -> list[Outcome]:
    return [
        o
        for o in outcomes
        if (fmt is None or o.format == fmt)
        and (condition is None or o.condition == condition)
        and (shots is None or o.shots == shots)
    ]


def _paired(a: Sequence[Outcome], b: Sequence[Outcome], index: Mapping[str, int]) -> PairedCounts:
    """Per item: strict hits and responses in ``a`` and in ``b``, paired."""

    def per_item(outcomes: Sequence[Outcome]) -> dict[str, list[int]]:
        counts: dict[str, list[int]] = {}
        for o in outcomes:
            cell = counts.setdefault(o.item, [0, 0])
            cell[0] += o.judgement.strict
            cell[1] += 1
        return counts

    return pair(per_item(a), per_item(b), index)


GAP_NOTE = "difference of strict accuracy on the same items; 95 % paired bootstrap interval"


def options_metric(scored: Sequence[ScoredVariant]) -> ProbeMetric:
    """Strict accuracy and label fidelity per format, condition and shots; the no-text
    condition against the random baseline; paired gaps (see the module docstring)."""
    outcomes: list[Outcome] = []
    failures: list[JSONValue] = []
    for variant in scored:
        info = variant.info
        if info.get("name") != NAME:
            continue
        verdict = judge_variant(variant)
        fmt, condition, shots = str(info["format"]), str(info["condition"]), int(info["shots"])
        item = str(variant.sample.parent_id)
        outcomes.append(Outcome(item, fmt, condition, shots, verdict, len(info["labels"])))
        if not verdict.strict and len(failures) < 50:
            failures.append({"id": variant.sample.id, "evidence": verdict.evidence})
    formats = [f for f in FORMATS if _select(outcomes, fmt=f)]
    conditions = [c for c in CONDITIONS if _select(outcomes, condition=c)]
    shot_counts = sorted({o.shots for o in outcomes})
    if not outcomes:
        return ProbeMetric((), (), {"note": "no responses of this probe"})
    ref_condition = "instructed" if "instructed" in conditions else conditions[0]
    ref_shots = shot_counts[0]

    def strict(chosen: Sequence[Outcome]) -> tuple[int, int]:
        return sum(o.judgement.strict for o in chosen), len(chosen)

    def faithful(chosen: Sequence[Outcome]) -> tuple[int, int]:
        return sum(o.judgement.faithful for o in chosen), len(chosen)

    setting = f"{ref_condition}, {ref_shots}-shot"
    headline = [
        rate_figure(
            f"strict accuracy, {fmt} ({setting})",
            *strict(_select(outcomes, fmt, ref_condition, ref_shots)),
            "the response is exactly the correct label",
        )
        for fmt in formats
    ]
    headline += [
        rate_figure(
            f"label fidelity, {condition} ({ref_shots}-shot)",
            *faithful(_select(outcomes, None, condition, ref_shots)),
            "the response is exactly one of the offered labels, right or wrong",
        )
        for condition in conditions
    ]
    if "no_text" in conditions:
        headline.append(_versus_baseline(_select(outcomes, None, "no_text", ref_shots), ref_shots))
    headline += _gaps(outcomes, formats, conditions, shot_counts, ref_condition, ref_shots)

    series = []
    for title, measure in (("Strict accuracy", strict), ("Label fidelity", faithful)):
        for condition in conditions:
            for count in shot_counts:
                points = tuple(
                    rate_point(fmt, *measure(_select(outcomes, fmt, condition, count)))
                    for fmt in formats
                )
                series.append(
                    Series(
                        f"{title} by label format",
                        "label format",
                        title.lower(),
                        points,
                        group=f"{condition}, {count}-shot",
                    )
                )
    details: dict[str, JSONValue] = {
        "cells": _cells(outcomes, formats, conditions, shot_counts),
        "judging": (
            "strict: the response, after any reasoning trace and trimmed of surrounding "
            "whitespace, punctuation, quotes, brackets and emphasis, is exactly the correct "
            "label (case counts); fidelity: it is exactly one of the offered labels; lenient: "
            "the correct label as the whole response or on an 'Answer: LABEL' line, any case"
        ),
        "failures": failures,
    }
    return ProbeMetric(tuple(headline), tuple(series), details)


def _versus_baseline(chosen: Sequence[Outcome], shots: int) -> Figure:
    """No-text strict accuracy minus the random baseline (the mean of 1/k), with the Wilson
    interval of the accuracy shifted by the baseline."""
    hits = sum(o.judgement.strict for o in chosen)
    baseline = sum(1 / o.k for o in chosen) / len(chosen) if chosen else 0.0
    rate = rate_figure("", hits, len(chosen))
    low = None if rate.low is None else rate.low - baseline
    high = None if rate.high is None else rate.high - baseline
    return Figure(
        f"no-text accuracy minus random baseline ({shots}-shot)",
        rate.value - baseline,
        low,
        high,
        f"strict accuracy with the option texts removed ({rate.value:.3f}) minus 1/k "
        f"({baseline:.3f}); below 0: worse than guessing; Wilson interval",
    )


def _gaps(
    outcomes: Sequence[Outcome],
    formats: Sequence[str],
    conditions: Sequence[str],
    shot_counts: Sequence[int],
    ref_condition: str,
    ref_shots: int,
) -> list[Figure]:
    """Paired differences: each format minus the first, plain minus instructed, and each
    shot count minus the fewest."""
    index = {item: n for n, item in enumerate(dict.fromkeys(o.item for o in outcomes))}
    groups: dict[str, PairedCounts] = {}
    names: dict[str, str] = {}
    base = formats[0]
    for fmt in formats[1:]:
        key = f"format:{fmt}"
        groups[key] = _paired(
            _select(outcomes, base, ref_condition, ref_shots),
            _select(outcomes, fmt, ref_condition, ref_shots),
            index,
        )
        names[key] = f"{fmt} minus {base} ({ref_condition}, {ref_shots}-shot)"
    if "plain" in conditions and "instructed" in conditions:
        groups["condition:plain"] = _paired(
            _select(outcomes, None, "instructed", ref_shots),
            _select(outcomes, None, "plain", ref_shots),
            index,
        )
        names["condition:plain"] = f"plain minus instructed ({ref_shots}-shot)"
    for count in shot_counts[1:]:
        key = f"shots:{count}"
        groups[key] = _paired(
            _select(outcomes, None, ref_condition, ref_shots),
            _select(outcomes, None, ref_condition, count),
            index,
        )
        names[key] = f"{count}-shot minus {ref_shots}-shot ({ref_condition})"
    if not groups:
        return []
    return list(paired_figures(groups, len(index), names, GAP_NOTE).values())


def _cells(
    outcomes: Sequence[Outcome],
    formats: Sequence[str],
    conditions: Sequence[str],
    shot_counts: Sequence[int],
) -> list[JSONValue]:
    """Every format x condition x shots cell: counts, rates and intervals."""
    table: list[JSONValue] = []
    for fmt in formats:
        for condition in conditions:
            for count in shot_counts:
                chosen = _select(outcomes, fmt, condition, count)
                if not chosen:
                    continue
                row: dict[str, JSONValue] = {
                    "format": fmt,
                    "condition": condition,
                    "shots": count,
                    "responses": len(chosen),
                    "random_baseline": round(sum(1 / o.k for o in chosen) / len(chosen), 6),
                }
                for measure in ("strict", "faithful", "lenient"):
                    hits = sum(getattr(o.judgement, measure) for o in chosen)
                    point = rate_point(measure, hits, len(chosen))
                    row[measure] = {
                        "hits": hits,
                        "rate": round(point.value, 6),
                        "ci95": [round(point.low, 6), round(point.high, 6)],
                    }
                table.append(row)
    return table
