"""The ``verbalizer`` probe (Li et al., "Instruction-following Evaluation through Verbalizer
Manipulation"): binary classification items whose instruction says which word to answer for each
label. The mapping is *natural* (positive -> "positive"), *neutral* (positive -> "foo",
negative -> "bar") or *flipped* (positive -> "negative", negative -> "positive"). A model that
follows instructions answers the mapped word whatever its priors; the drop from natural to
flipped shows how far its priors win over the instruction.

Items: the built-in set ``adhere-verbalizer`` (``data/verbalizer_items.jsonl``, written for
adhere: 120 short reviews, half positive, and 100 arithmetic statements, half true), a JSONL
file in the same format (``id``, ``task`` — ``sentiment`` or ``arithmetic`` —, ``text``,
``label``), or SST-2 from the Hugging Face hub (``hf:stanfordnlp/sst2`` or ``hf:glue/sst2``, its
validation split, as ``sentiment`` items).

Judging (deterministic; :func:`judge`): the response, after any reasoning trace, must give one
of the two mapped words, either as the whole response or on an ``Answer: WORD`` line (case,
surrounding whitespace, punctuation, quotes and emphasis ignored; see
:mod:`adhere.probes.answers`); it is right when that word is the one mapped to the item's label.
Anything else is wrong, with the reason in words.
"""

from __future__ import annotations

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
    fetch,
    item_suite,
    offline_help,
    pair,
    paired_figures,
    quote,
    read_choice,
    table_rows,
    text_field,
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
)
from adhere.scoring.stats import PairedCounts
from adhere.suites.registry import Suite

NAME = "verbalizer"
BUILT_IN = "adhere-verbalizer"
ITEMS_FILE = Path(__file__).parent / "data" / "verbalizer_items.jsonl"
LEVELS = ("natural", "neutral", "flipped")


@frozen
class Task:
    """A binary classification task. Fields: labels (the two labels, in the order the
    instruction names them), prompt (the instruction, with ``{first}`` and ``{second}`` for the
    mapped words and ``{text}`` for the item), words (per level, the words for the two labels)."""

    labels: tuple[str, str]
    prompt: str
    words: Mapping[str, tuple[str, str]]


TASKS: dict[str, Task] = {
    "sentiment": Task(
        ("positive", "negative"),
        "Read the review below and decide whether its sentiment is positive or negative. "
        'If it is positive, answer "{first}". If it is negative, answer "{second}". '
        "Reply with that one word only.\n\nReview: {text}",
        {
            "natural": ("positive", "negative"),
            "neutral": ("foo", "bar"),
            "flipped": ("negative", "positive"),
        },
    ),
    "arithmetic": Task(
        ("true", "false"),
        "Decide whether the arithmetic statement below is true or false. "
        'If it is true, answer "{first}". If it is false, answer "{second}". '
        "Reply with that one word only.\n\nStatement: {text}",
        {
            "natural": ("true", "false"),
            "neutral": ("foo", "bar"),
            "flipped": ("false", "true"),
        },
    ),
}
"""The tasks, their instructions and their verbalizers (one per naturalness level)."""


@frozen
class Item:
    """One labelled item. Fields: id, task (a key of :data:`TASKS`), text, label (one of the
    task's labels)."""

    id: str
    task: str
    text: str
    label: str

    def to_dict(self) -> dict[str, JSONValue]:
        return {"id": self.id, "task": self.task, "text": self.text, "label": self.label}


def parse_item(record: Mapping[str, Any], where: Where) -> Item:
    """An :class:`Item` from a JSON record of an items file; errors name the field."""
    ident = text_field(record, "id", where)
    task = text_field(record, "task", where)
    if task not in TASKS:
        raise where.error("task", f"expected one of {', '.join(TASKS)}, found {task!r}")
    text = text_field(record, "text", where)
    label = text_field(record, "label", where)
    if label not in TASKS[task].labels:
        labels = " or ".join(repr(x) for x in TASKS[task].labels)
        raise where.error("label", f"expected {labels} for task {task!r}, found {label!r}")
    return Item(ident, task, text, label)


# --- where items come from -----------------------------------------------------------------------

HUB: dict[str, HubSource] = {
    "stanfordnlp/sst2": HubSource("stanfordnlp/sst2", "data/validation-*.parquet"),
    "glue/sst2": HubSource("nyu-mll/glue", "sst2/validation-*.parquet"),
    "nyu-mll/glue/sst2": HubSource("nyu-mll/glue", "sst2/validation-*.parquet"),
}
"""Hugging Face datasets the probe reads (SST-2's validation split: the test split has no
labels), by the name given after ``hf:``."""

_SST2_LABELS = {0: "negative", 1: "positive", "0": "negative", "1": "positive"}

FIELDS = "id, task (sentiment or arithmetic), text and label"


def sst2_items(paths: Sequence[Path], prefix: str = "sst2") -> list[Item]:
    """SST-2 rows (``sentence``, ``label`` 0 = negative / 1 = positive, optional ``idx``) as
    sentiment items; unlabelled rows (label -1) are left out."""
    items = []
    for path in paths:
        for number, row in table_rows(path):
            where = Where(str(path), number)
            label = row.get("label")
            if label in (-1, "-1"):
                continue
            if label not in _SST2_LABELS:
                raise where.error("label", f"expected 0 or 1, found {label!r}")
            text = text_field(row, "sentence", where)
            ident = row.get("idx", f"{path.stem}-{number}")
            items.append(Item(f"{prefix}-{ident}", "sentiment", text, _SST2_LABELS[label]))
    if not items:
        raise InputError("expected labelled rows, found none", path=str(paths[0]))
    return items


def _from_hub(name: str) -> tuple[str, list[Path], list[Item]]:
    key = name.removeprefix("hf:")
    if key not in HUB:
        known = ", ".join("hf:" + k for k in HUB)
        raise InputError(f"unknown dataset for the verbalizer probe; known: {known}", field="suite")
    paths = fetch(HUB[key], offline_help(FIELDS))
    return "sst2", paths, sst2_items(paths)


def _to_sample(item: Item, suite: str, asked: bool) -> Sample:
    return Sample(item.id, suite, (Message("user", item.text),), (), {"item": item.to_dict()})


ITEMS: ItemSource[Item] = ItemSource(
    NAME,
    BUILT_IN,
    ITEMS_FILE,
    FIELDS,
    ", ".join("hf:" + k for k in HUB),
    parse_item,
    _from_hub,
    _to_sample,
)
"""Where the probe's items come from."""


def load_items_suite(name: str | None, limit: int | None) -> Suite:
    """The probe's items as a suite (see the module docstring): each sample's id is the item's,
    its message the item's text, ``metadata["item"]`` the item; no constraints."""
    return item_suite(ITEMS, name, limit)


# --- judging -------------------------------------------------------------------------------------


@frozen
class Judgement:
    """A response judged. Fields: correct, answered (the mapped word the response gave, or
    None), evidence (why, in words)."""

    correct: bool
    answered: str | None
    evidence: str


def judge(
    response: str | None, words: Sequence[str], labels: Sequence[str], gold: str
) -> Judgement:
    """Judge ``response`` for an item whose label is ``gold``, under the mapping ``labels[i]``
    -> ``words[i]`` (see the module docstring for the rule)."""
    expected = words[labels.index(gold)]
    reading = read_choice(response, words)
    if reading.answer is None:
        said = "" if reading.text is None else f": {quote(reading.text)}"
        allowed = " or ".join(f'"{w}"' for w in words)
        return Judgement(
            False,
            None,
            f"no mapped word ({reading.how}{said}); expected {allowed} alone or on "
            f'an "Answer:" line — wanted "{expected}" for {gold}',
        )
    meaning = labels[words.index(reading.answer)]
    where = "the whole response" if reading.how == "whole response" else 'on an "Answer:" line'
    if reading.answer == expected:
        return Judgement(
            True,
            reading.answer,
            f'answered "{reading.answer}" ({where}), the word for {gold}: right',
        )
    return Judgement(
        False,
        reading.answer,
        f'answered "{reading.answer}" ({where}), the word for {meaning}; '
        f'expected "{expected}" for {gold}: wrong',
    )


def judge_variant(variant: ScoredVariant) -> Judgement:
    """Judge a scored variant of this probe by the mapping its metadata records."""
    info = variant.info
    return judge(variant.response, list(info["words"]), list(info["labels"]), str(info["label"]))


# --- the probe -----------------------------------------------------------------------------------


@register
class VerbalizerProbe(Probe):
    """See the module docstring."""

    name: ClassVar[str] = NAME
    summary: ClassVar[str] = (
        "Label words natural (positive->'positive'), neutral ('foo'/'bar') or flipped "
        "(positive->'negative') in classification instructions; own items, or SST-2"
    )
    metric_help: ClassVar[str] = (
        "Accuracy (the response is the mapped word) per level, per task and overall, with "
        "Wilson intervals; the natural -> flipped drop with a paired bootstrap interval"
    )
    params: ClassVar[tuple[ProbeParam, ...]] = (
        ProbeParam("levels", "list", list(LEVELS), "naturalness levels to run", LEVELS),
        ProbeParam("tasks", "list", list(TASKS), "tasks whose items are run", tuple(TASKS)),
    )
    default_suite: ClassVar[str] = BUILT_IN

    def base_suite(self, name: str | None, limit: int | None) -> Suite:
        return load_items_suite(name, limit)

    def variants(
        self,
        suite: Suite,
        seed: int,
        stage: int = 0,
        earlier: Mapping[str, str | None] | None = None,
    ) -> list[Sample]:
        """One variant per item of the chosen tasks and per level, item by item. No random
        choice is made: the seed does not change the variants."""
        levels = [lv for lv in LEVELS if lv in self._chosen("levels")]
        tasks = set(self._chosen("tasks"))
        out = []
        for sample in suite.samples:
            found = sample.metadata.get("item")
            if not isinstance(found, Mapping):
                continue
            item = parse_item(found, Where(f"sample {sample.id}"))
            if item.task not in tasks:
                continue
            for level in levels:
                out.append(make_variant(sample, item, level))
        return out

    def _chosen(self, param: str) -> list[str]:
        value = self.options[param]
        return [str(v) for v in value] if isinstance(value, list) else []

    def metric(self, scored: Sequence[ScoredVariant]) -> ProbeMetric:
        return verbalizer_metric(scored)


def make_variant(sample: Sample, item: Item, level: str) -> Sample:
    """The variant of ``sample`` (an item) at naturalness ``level``."""
    task = TASKS[item.task]
    first, second = task.words[level]
    prompt = task.prompt.format(first=first, second=second, text=item.text)
    info: dict[str, JSONValue] = {
        "name": NAME,
        "variant": level,
        "level": level,
        "task": item.task,
        "label": item.label,
        "labels": list(task.labels),
        "words": [first, second],
        "expected": task.words[level][task.labels.index(item.label)],
    }
    return Sample(
        id=f"{sample.id}~{level}",
        suite=sample.suite,
        messages=(Message("user", prompt),),
        constraints=(),
        metadata={**sample.metadata, "probe": info},
        parent_id=sample.id,
    )


# --- the metric ----------------------------------------------------------------------------------

DROP_NOTE = (
    "accuracy with natural words minus accuracy with flipped words, on the same items; 95 % "
    "paired bootstrap interval over items"
)


def verbalizer_metric(scored: Sequence[ScoredVariant]) -> ProbeMetric:
    """Accuracy per level (overall and per task) and the natural -> flipped drop."""
    # (task, level) -> per item: [right, responses]
    cells: dict[tuple[str, str], dict[str, list[int]]] = {}
    answered: dict[tuple[str, str], int] = {}
    failures: list[dict[str, JSONValue]] = []
    for variant in scored:
        info = variant.info
        if info.get("name") != NAME:
            continue
        verdict = judge_variant(variant)
        key = (str(info["task"]), str(info["level"]))
        counts = cells.setdefault(key, {}).setdefault(str(variant.sample.parent_id), [0, 0])
        counts[0] += verdict.correct
        counts[1] += 1
        answered[key] = answered.get(key, 0) + (verdict.answered is not None)
        if not verdict.correct and len(failures) < 50:
            failures.append({"id": variant.sample.id, "evidence": verdict.evidence})
    tasks = sorted({t for t, _ in cells})
    levels = [lv for lv in LEVELS if any(lv == level for _, level in cells)]

    def totals(task: str | None, level: str) -> tuple[int, int]:
        keys = [k for k in cells if k[1] == level and (task is None or k[0] == task)]
        right = sum(c[0] for k in keys for c in cells[k].values())
        return right, sum(c[1] for k in keys for c in cells[k].values())

    headline = [
        rate_figure(f"accuracy, {level}", *totals(None, level), "responses giving the mapped word")
        for level in levels
    ]
    drops = _drops(cells, tasks) if {"natural", "flipped"} <= set(levels) else {}
    headline += drops.values()  # overall first, then per task
    series = [
        Series(
            "Accuracy by verbalizer",
            "verbalizer",
            "accuracy",
            tuple(rate_point(level, *totals(task, level)) for level in levels),
            group=task or "all tasks",
        )
        for task in [None, *tasks]
    ]
    table: list[JSONValue] = []
    for task in tasks:
        for level in levels:
            right, total = totals(task, level)
            point = rate_point(level, right, total)
            table.append(
                {
                    "task": task,
                    "level": level,
                    "right": right,
                    "responses": total,
                    "accuracy": round(point.value, 6),
                    "ci95": [round(point.low, 6), round(point.high, 6)],
                    "answered_a_mapped_word": answered.get((task, level), 0),
                }
            )
    details: dict[str, JSONValue] = {
        "cells": table,
        "drop_natural_to_flipped": {k: d.to_dict() for k, d in drops.items()},
        "judging": (
            "right when the response (after any reasoning trace) is the mapped word for the "
            "item's label, as the whole response or on an 'Answer: WORD' line; case, surrounding "
            "whitespace, punctuation, quotes and emphasis ignored"
        ),
        "failures": failures,
    }
    return ProbeMetric(tuple(headline), tuple(series), details)


def _drops(
    cells: Mapping[tuple[str, str], Mapping[str, list[int]]], tasks: list[str]
) -> dict[str, Figure]:
    """Natural minus flipped accuracy, overall and per task, paired by item."""

    def level(name: str, chosen: list[str]) -> dict[str, list[int]]:
        return {i: c for t in chosen for i, c in cells.get((t, name), {}).items()}

    natural, flipped = level("natural", tasks), level("flipped", tasks)
    paired = [i for i in natural if i in flipped and natural[i][1] == flipped[i][1]]
    index = {item: n for n, item in enumerate(paired)}

    def group(task: str | None) -> PairedCounts:
        chosen = tasks if task is None else [task]
        return pair(level("flipped", chosen), level("natural", chosen), index)

    groups = {"all": group(None), **{task: group(task) for task in tasks}}
    names = {
        key: "drop natural -> flipped" + ("" if key == "all" else f", {key}") for key in groups
    }
    return paired_figures(groups, len(index), names, DROP_NOTE)
