"""Shared by the probes that judge answers themselves (``verbalizer``, ``options``): reading a
short answer out of a response, and reading the probes' item sets (built in, local JSONL, or a
Hugging Face dataset).

Reading an answer (deterministic, no model):

- a reasoning trace (``<think>`` … ``</think>``) is cut off first, as scoring does; a trace that
  never closes leaves no answer;
- :func:`trim` removes surrounding whitespace and, around the answer, any of the characters in
  :data:`WRAPPERS` (punctuation, quotes, brackets, ``*`` and ``_`` of Markdown emphasis, ``#``);
- :func:`read_choice` accepts one of the allowed answers when the trimmed response *is* that
  answer (the whole response), or when the response has a line ``Answer: X`` (``Final answer:``,
  any case, Markdown emphasis allowed) whose trimmed rest is that answer, and every such line
  names the same one. Anything else is no answer.

Items are dicts validated by each probe's own parser (``parse(record, where)``); this module
turns lines of a file into records, and names the file, the line and the field in every error.
It also gives both probes their paired differences as headline figures (:func:`paired_figures`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from adhere.core.errors import InputError
from adhere.core.frozen import frozen
from adhere.core.types import Sample
from adhere.probes.base import Figure
from adhere.scoring.stats import PairedCounts
from adhere.suites.hub import download_dataset
from adhere.suites.jsonl import read_jsonl
from adhere.suites.registry import Suite
from adhere.text.reasoning import final_answer

WRAPPERS = " \t\r\n.,;:!?\"'`*_#()[]{}<>\u201c\u201d\u2018\u2019\u00ab\u00bb"
"""Characters trimmed from both ends of an answer."""

_ANSWER_LINE = re.compile(
    r"^[\s*_#>-]*(?:final\s+)?answer[\s*_]*(?:is)?[\s*_]*[:=\-\u2013\u2014][\s*_]*(?P<rest>.*)$",
    re.IGNORECASE | re.MULTILINE,
)


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_Identified)


def trim(text: str) -> str:
    """``text`` without surrounding whitespace, punctuation, quotes, brackets or emphasis."""
    return text.strip(WRAPPERS)


def answer_text(response: str | None) -> str | None:
    """The part of ``response`` that answers: after a closed reasoning trace; None where there
    is no response or the trace never closes."""
    if response is None:
        return None
    return final_answer(response).text


def quote(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut to ``limit`` characters, in double quotes (for evidence)."""
    flat = " ".join(text.split())
    return '"' + (flat if len(flat) <= limit else flat[: limit - 1] + "\u2026") + '"'


@frozen
class Reading:
    """An answer read from a response. Fields: answer (the allowed answer found, as spelled in
    the allowed list, or None), how (``whole response``, ``answer line`` or why none was
    found), text (the text that was read, after the reasoning trace; None: no text)."""

    answer: str | None
    how: str
    text: str | None


def read_choice(response: str | None, allowed: Sequence[str], *, fold: bool = True) -> Reading:
    """The allowed answer that ``response`` gives (see the module docstring). ``fold``: compare
    without regard to case."""
    text = answer_text(response)
    if response is None:
        return Reading(None, "no response", None)
    if text is None:
        return Reading(None, "the reasoning trace never closes", None)

    def match(candidate: str) -> str | None:
        found = trim(candidate)
        for option in allowed:
            if found == option or (fold and found.casefold() == option.casefold()):
                return option
        return None

    whole = match(text)
    if whole is not None:
        return Reading(whole, "whole response", text)
    named = {match(m.group("rest")) for m in _ANSWER_LINE.finditer(text)}
    if len(named) == 1 and None not in named:
        return Reading(named.pop(), "answer line", text)
    if len(named - {None}) > 1:
        return Reading(None, "answer lines name different answers", text)
    return Reading(None, "not one of the allowed answers", text)


# --- item files ----------------------------------------------------------------------------------


def file_version(paths: Sequence[Path]) -> str:
    """``sha256:`` and 16 hex digits of the files' contents (a changed file is a new suite)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return "sha256:" + digest.hexdigest()[:16]


@frozen
class Where:
    """Where a record came from, for errors: path and line (None: not a line of a file)."""

    path: str
    line: int | None = None

    def error(self, field: str, message: str) -> InputError:
        return InputError(message, path=self.path, line=self.line, field=field)


def text_field(record: Mapping[str, Any], field: str, where: Where) -> str:
    """A required non-empty string field of ``record``."""
    value = record.get(field)
    if not isinstance(value, str) or not value.strip():
        found = "nothing" if value is None else repr(value)[:80]
        raise where.error(field, f"expected a non-empty string, found {found}")
    return value.strip()


def load_items(path: Path, parse: Callable[[Mapping[str, Any], Where], T]) -> list[T]:
    """The items of a JSONL file in a probe's own format, parsed and checked: at least one, and
    no id twice (the error names both lines)."""
    items: list[T] = []
    first: dict[str, int] = {}
    for number, record in read_jsonl(path):
        item = parse(record, Where(str(path), number))
        if item.id in first:
            raise InputError(
                f"duplicate id {item.id!r} (first on line {first[item.id]}); every item needs "
                "its own id",
                path=str(path),
                line=number,
                field="id",
            )
        first[item.id] = number
        items.append(item)
    if not items:
        raise InputError("expected at least one item, found none", path=str(path))
    return items


@frozen
class ItemSource(Generic[T]):
    """Where a probe's items come from, and how they become samples. Fields: probe (its name),
    built_in (the name of the built-in set), items_file (its JSONL file), fields (the fields of
    an item, for messages), hub (the ``hf:`` names it reads, for messages), parse (a record to
    an item), from_hub (an ``hf:`` name to the suite name, the data files and the items; an
    unknown name raises), to_sample (an item, the suite name and whether it is asked, to a
    sample), pool (keep the items past the limit, not asked, as a pool to draw from)."""

    probe: str
    built_in: str
    items_file: Path
    fields: str
    hub: str
    parse: Callable[[Mapping[str, Any], Where], T]
    from_hub: Callable[[str], tuple[str, list[Path], list[T]]]
    to_sample: Callable[[T, str, bool], Sample]
    pool: bool = False


def item_suite(source: ItemSource[T], name: str | None, limit: int | None) -> Suite:
    """The items named ``name`` (empty: the built-in set; ``hf:…``: from the hub; else a JSONL
    file of items) as a suite of the first ``limit`` items (with ``source.pool``, all of them,
    the first ``limit`` marked as asked)."""
    if limit is not None and (isinstance(limit, bool) or limit < 1):
        raise InputError(f"expected a positive whole number, found {limit!r}", field="limit")
    if name in (None, "", source.built_in):
        items = load_items(source.items_file, source.parse)
        suite_name, version, where = source.built_in, file_version([source.items_file]), "built in"
    elif name.startswith("hf:"):
        suite_name, paths, items = source.from_hub(name)
        version, where = file_version(paths), f"{name} ({paths[0]})"
    else:
        path = Path(name)
        if not path.is_file():
            raise InputError(
                f"no such file. The {source.probe} probe runs on its own items: "
                f"{source.built_in} (built in, the default), {source.hub}, or a JSONL file of "
                f"items with the fields {source.fields}",
                path=name,
            )
        items = load_items(path, source.parse)
        suite_name, version, where = path.stem, file_version([path]), str(path)
    cut = len(items) if limit is None else limit
    kept = items if source.pool else items[:cut]
    samples = tuple(source.to_sample(item, suite_name, n < cut) for n, item in enumerate(kept))
    return Suite(suite_name, version, samples, where)


def offline_help(fields: str) -> str:
    """How to run a probe whose items have ``fields`` without the hub."""
    return (
        "to run without the hub, use the built-in items (no --suite) or a JSONL file of items "
        f"with the fields {fields}"
    )


# --- the Hugging Face hub ------------------------------------------------------------------------


@frozen
class HubSource:
    """Rows of a Hugging Face dataset: dataset (``owner/name``), files (a glob inside the
    dataset's repository, e.g. ``data/validation-*.parquet``)."""

    dataset: str
    files: str


def fetch(source: HubSource, offline_help: str) -> list[Path]:
    """The local paths of ``source``'s files, downloaded with ``huggingface_hub`` (the extra
    ``adhere[hub]``). Without the extra, offline, or for a missing file the error says so and
    how to run without the hub (``offline_help``)."""
    label = f"hf:{source.dataset}"
    folder = download_dataset(source.dataset, [source.files], label, offline_help)
    found = sorted(p for p in folder.glob(source.files) if p.is_file())
    if not found:
        raise InputError(
            f"no file matching {source.files!r} in the Hugging Face dataset "
            f"{source.dataset!r}; {offline_help}",
            path=label,
        )
    return found


def table_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row number, row)`` of a Parquet, JSONL or CSV data file (row numbers from 1; for
    JSONL the line number). Parquet needs ``pyarrow`` (the extra ``adhere[parquet]``)."""
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(
                "reading a Parquet data file needs pyarrow: pip install 'adhere[parquet]'",
                path=str(path),
            ) from None
        for number, row in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield number, dict(row)
    elif path.suffix == ".csv":
        import csv

        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=1):
                yield number, dict(row)
    else:
        yield from read_jsonl(path)


# --- paired differences --------------------------------------------------------------------------


def paired_figures(
    groups: Mapping[str, PairedCounts], units: int, names: Mapping[str, str], note: str
) -> dict[str, Figure]:
    """Run B minus run A per group (:func:`adhere.scoring.stats.paired_bootstrap` over
    ``units`` paired units) as headline figures named ``names[group]``. Without numpy (the extra
    ``adhere[report]``) the estimates come without intervals, and the note says so."""
    try:
        from adhere.scoring.stats import paired_bootstrap

        differences = paired_bootstrap(groups, units)
    except ImportError:
        out = {}
        for key, counts in groups.items():
            total = sum(counts.n)
            value = (sum(counts.b) - sum(counts.a)) / total if total else 0.0
            out[key] = Figure(names[key], value, None, None, f"{note} (no interval: needs numpy)")
        return out
    return {
        key: Figure(names[key], d.estimate, d.low, d.high, note) for key, d in differences.items()
    }


def pair(
    a: Mapping[str, Sequence[int]], b: Mapping[str, Sequence[int]], index: Mapping[str, int]
) -> PairedCounts:
    """Paired counts for :func:`paired_figures` from per-item ``[hits, responses]`` in runs A
    and B; items missing from either, or answered a different number of times, are left out."""
    items = [i for i in a if i in b and a[i][1] == b[i][1]]
    return PairedCounts(
        prompts=[index[i] for i in items],
        a=[a[i][0] for i in items],
        b=[b[i][0] for i in items],
        n=[a[i][1] for i in items],
    )
