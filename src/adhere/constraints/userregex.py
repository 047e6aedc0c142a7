"""Patterns that come from data files (keywords, markers) and may or may not be valid regexes.

Keyword checks search with the keyword itself as a case-insensitive regex (as the references
do). Most keywords are plain words, and compiling a regex costs far more than the search (a
cold ``adhere score`` of IFEval spent ~30 ms compiling keyword patterns). A plain keyword is
therefore matched without ``re`` where that provably finds the same matches: the keyword is
made only of ASCII letters, digits, spaces and a few punctuation marks that ``re`` takes
literally, and the text is ASCII (with ``re.IGNORECASE`` an ASCII letter also matches a few
non-ASCII letters, such as the Kelvin sign for ``k``; such texts go to ``re``). Under those
conditions a case-insensitive match is a match of the lower-cased strings, and ``\\b`` is a
change between ``[A-Za-z0-9_]`` and any other character.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Protocol

# Characters re takes literally anywhere in a pattern (no metacharacters, no escapes).
_PLAIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '\"-,;:!@%&=<>/~`_#"
)
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


class Span(Protocol):
    """What the checks use of a match: where it starts and ends."""

    def start(self) -> int: ...

    def end(self) -> int: ...


class Searcher(Protocol):
    """What the checks use of a pattern."""

    def search(self, text: str, /) -> Span | None: ...

    def finditer(self, text: str, /) -> Iterator[Span]: ...


class _Found:
    __slots__ = ("_end", "_start")

    def __init__(self, start: int, end: int) -> None:
        self._start = start
        self._end = end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end


class LiteralPattern:
    """A plain keyword searched case-insensitively, as a whole word (between ``\\b``) or
    anywhere, giving the same matches as the regex ``regex`` (compiled only for texts that
    are not ASCII)."""

    def __init__(self, literal: str, whole_word: bool, regex: str) -> None:
        self.literal = literal.lower()
        self.whole_word = whole_word
        self.regex = regex

    def _compiled(self) -> re.Pattern[str]:
        return user_pattern(self.regex, re.IGNORECASE)[0]

    def _spans(self, text: str) -> Iterator[tuple[int, int]]:
        lowered = text.lower()
        literal = self.literal
        size = len(literal)
        position = lowered.find(literal)
        if not self.whole_word:
            while position >= 0:
                yield position, position + size
                position = lowered.find(literal, position + size)
            return
        first_inside = literal[0] in _WORD_CHARS
        last_inside = literal[-1] in _WORD_CHARS
        while position >= 0:
            end = position + size
            before = position > 0 and text[position - 1] in _WORD_CHARS
            after = end < len(text) and text[end] in _WORD_CHARS
            if before != first_inside and after != last_inside:
                yield position, end
                position = lowered.find(literal, end)
            else:
                position = lowered.find(literal, position + 1)

    def search(self, text: str) -> Span | None:
        if not text.isascii():
            return self._compiled().search(text)
        for start, end in self._spans(text):
            return _Found(start, end)
        return None

    def finditer(self, text: str) -> Iterator[Span]:
        if not text.isascii():
            yield from self._compiled().finditer(text)
            return
        for start, end in self._spans(text):
            yield _Found(start, end)


@functools.lru_cache(maxsize=1024)
def user_pattern(pattern: str, flags: int = 0) -> tuple[re.Pattern[str], bool]:
    """``pattern`` compiled as the reference does (unescaped), and whether that worked.

    The references pass keywords to ``re`` unescaped; a keyword that is not a valid regex would
    crash them. adhere then matches it literally instead and says so in the evidence.
    """
    try:
        return re.compile(pattern, flags), True
    except (re.error, RecursionError, OverflowError):
        return re.compile(re.escape(pattern), flags), False


def _is_plain(text: str) -> bool:
    return bool(text) and all(ch in _PLAIN for ch in text)


@functools.lru_cache(maxsize=1024)
def keyword_pattern(keyword: str) -> tuple[Searcher, bool]:
    """``user_pattern(keyword, re.IGNORECASE)``, without ``re`` where the keyword is plain."""
    if _is_plain(keyword):
        return LiteralPattern(keyword, False, keyword), True
    return user_pattern(keyword, re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def word_pattern(word: str) -> tuple[Searcher, bool]:
    """The reference's ``\\b`` + word + ``\\b`` (case-insensitive) and whether it is a valid
    regex; where it is not, the word is matched literally between the ``\\b``."""
    if _is_plain(word):
        return LiteralPattern(word, True, r"\b" + word + r"\b"), True
    pattern, valid = user_pattern(r"\b" + word + r"\b", re.IGNORECASE)
    if not valid:
        pattern = user_pattern(r"\b" + re.escape(word) + r"\b", re.IGNORECASE)[0]
    return pattern, valid


@functools.lru_cache(maxsize=1024)
def literal_word(word: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """``word`` matched literally and as a whole word (the corrected mode's keyword match)."""
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", flags)
