"""Syllable counts as ``syllapy.count`` (0.7.2) gives them, which IFBench uses.

syllapy looks a word up in a table of about 6,400 English words that ships with it
(``data.csv``: ``word,count``) and falls back on a vowel-group rule for the rest. Its module
imports ``pkg_resources`` (gone from recent setuptools), so adhere does not import it: the
table is read from syllapy's installed package folder, found without running its code, on the
first count, and the rules are reimplemented here.

How a word is counted, in syllapy's order:

1. whitespace is stripped from both ends, the word is lower-cased, then ASCII punctuation
   (``string.punctuation``) is stripped from both ends;
2. nothing left: 0 syllables; any Unicode digit (``\\d``) in what is left: 0;
3. a word in the table: the table's count;
4. a word with a hyphen after at least one other character is split at its first hyphen; the
   part after it stops at a line break and must not be empty. Both parts are counted from step
   1 again; the word has their sum, or 0 when either part has 0;
5. otherwise: one syllable per run of the letters ``aeiouy``, one fewer for a final ``e``, one
   more for a final ``le`` after a letter outside that set, and never fewer than 1.

syllapy counts step 4 by recursing once per hyphenated part, so a word of about a thousand
hyphenated parts makes it fail with ``RecursionError``; this module walks the parts in a loop
and gives the count the rules define, in time linear in the word's length.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import string
from pathlib import Path

__all__ = ["SyllableDataError", "count", "data_path"]

_PUNCTUATION = string.punctuation
_VOWEL_RUN = re.compile(r"[aeiouy]+")
_DIGIT = re.compile(r"\d")

_table: dict[str, int] | None = None
_longest_entry = 0


class SyllableDataError(RuntimeError):
    """syllapy's word table cannot be found or read."""


def data_path() -> Path:
    """Where syllapy's word table (``data.csv``) lies, found without importing syllapy."""
    try:
        spec = importlib.util.find_spec("syllapy")
    except (ImportError, ValueError) as exc:  # pragma: no cover - broken installs only
        raise SyllableDataError(f"cannot locate the syllapy package: {exc}") from exc
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    if not folders:
        raise SyllableDataError(
            "syllable counts need the syllapy package's word table, but syllapy is not "
            "installed (pip install syllapy==0.7.2)"
        )
    return Path(folders[0]) / "data.csv"


def _load() -> dict[str, int]:
    global _table, _longest_entry
    if _table is None:
        path = data_path()
        table: dict[str, int] = {}
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.reader(handle):
                    table[row[0]] = int(row[1])
        except (OSError, IndexError, ValueError, UnicodeDecodeError) as exc:
            raise SyllableDataError(
                f"cannot read syllapy's word table at {path}: {exc} (reinstall syllapy==0.7.2)"
            ) from exc
        _longest_entry = max(map(len, table), default=0)
        _table = table
    return _table


def _vowel_rule(word: str) -> int:
    """Step 5 for a non-empty word."""
    total = len(_VOWEL_RUN.findall(word))
    if word.endswith("e"):
        total -= 1
        if word.endswith("le") and len(word) > 2 and word[-3] not in "aeiouy":
            total += 1
    return max(total, 1)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` with whitespace, then ASCII punctuation, stripped from both ends."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start] in _PUNCTUATION:
        start += 1
    while end > start and text[end - 1] in _PUNCTUATION:
        end -= 1
    return start, end


def _part(piece: str, table: dict[str, int]) -> int:
    """Steps 1-3 and 5 for a piece with no hyphen (a part before a hyphen)."""
    start, end = _trimmed(piece, 0, len(piece))
    if start == end:
        return 0
    word = piece[start:end]
    found = table.get(word)
    return found if found is not None else _vowel_rule(word)


def count(word: str) -> int:
    """The number of syllables in ``word``, exactly as ``syllapy.count(word)`` gives it.

    A value that is not a string counts 0, as in syllapy. Raises :class:`SyllableDataError`
    when syllapy's word table is missing.
    """
    if not isinstance(word, str):
        return 0  # type: ignore[unreachable]
    table = _load()
    # Lower-casing is done once: every character of a lower-cased string is its own lower case,
    # so the lower-casing syllapy repeats on each part changes nothing.
    text = word.strip().lower()
    start, end = 0, len(text)
    while start < end and text[start] in _PUNCTUATION:
        start += 1
    while end > start and text[end - 1] in _PUNCTUATION:
        end -= 1
    if start == end or _DIGIT.search(text, start, end):
        # Every later part lies inside this span, so no part can hold a digit either.
        return 0
    total = 0
    newline = -1
    while True:
        if end - start <= _longest_entry:
            found = table.get(text[start:end])
            if found is not None:
                return 0 if found == 0 else total + found
        hyphen = text.find("-", start, end)
        rest = hyphen + 1
        if hyphen > start and newline < rest:
            newline = text.find("\n", rest)
            if newline == -1:
                newline = len(text)
        if hyphen <= start or rest >= min(end, newline):
            # No split: no hyphen after the first character, or nothing but a line break
            # (or the end) after it. The span never starts with a hyphen (it is stripped).
            return total + _vowel_rule(text[start:end])
        first = _part(text[start:hyphen], table)
        if first == 0:
            return 0
        total += first
        start, end = _trimmed(text, rest, min(end, newline))
        if start == end:
            return 0
