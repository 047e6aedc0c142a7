"""Plain keywords are matched without ``re``; the matches must be exactly those of the regex
the reference searches with (``re.IGNORECASE``; ``\\b`` around forbidden words)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adhere.constraints.userregex import (
    LiteralPattern,
    keyword_pattern,
    user_pattern,
    word_pattern,
)

# ASCII letters of both cases, digits, the underscore, spaces and punctuation (some of it
# regex-special), and letters that re.IGNORECASE matches to ASCII ones (Kelvin sign, long s,
# dotted and dotless i) or that are word characters outside ASCII.
TEXT_CHARS = "aAbBkKsSiI019_ -'.,!?\n\u212a\u017f\u0130\u0131\u00e9"
WORD_CHARS = "aAbBkKsSiI019_ -',"

texts = st.text(alphabet=TEXT_CHARS, max_size=40)
words = st.text(alphabet=WORD_CHARS, min_size=1, max_size=4)


def spans(found: object) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in found]  # type: ignore[attr-defined]


@settings(max_examples=600, deadline=None)
@given(words, texts)
def test_keyword_matches_equal_the_regex(keyword: str, text: str) -> None:
    ours, valid = keyword_pattern(keyword)
    assert valid and isinstance(ours, LiteralPattern)
    regex = re.compile(keyword, re.IGNORECASE)
    assert spans(ours.finditer(text)) == spans(regex.finditer(text))
    first, expected = ours.search(text), regex.search(text)
    assert (first is None) is (expected is None)
    if first is not None and expected is not None:
        assert (first.start(), first.end()) == expected.span()


@settings(max_examples=600, deadline=None)
@given(words, texts)
def test_whole_word_matches_equal_the_regex(word: str, text: str) -> None:
    ours, valid = word_pattern(word)
    assert valid and isinstance(ours, LiteralPattern)
    regex = re.compile(r"\b" + word + r"\b", re.IGNORECASE)
    assert spans(ours.finditer(text)) == spans(regex.finditer(text))
    first, expected = ours.search(text), regex.search(text)
    assert (first is None) is (expected is None)
    if first is not None and expected is not None:
        assert (first.start(), first.end()) == expected.span()


@pytest.mark.parametrize(
    ("word", "text", "span"),
    [
        ("cat", "Concatenate the CAT.", (16, 19)),  # not inside 'Concatenate'
        ("k", "The \u212a sign", (4, 5)),  # the Kelvin sign matches 'k' (through re)
        ("-", "a-b", (1, 2)),  # a non-word character needs word characters around it
        ("it's", "IT'S here", (0, 4)),
        ("snake_case", "snake_cases snake_case", (12, 22)),
    ],
)
def test_whole_word_examples(word: str, text: str, span: tuple[int, int]) -> None:
    found = word_pattern(word)[0].search(text)
    assert found is not None and (found.start(), found.end()) == span


def test_regex_keywords_still_go_to_re() -> None:
    pattern, valid = keyword_pattern("colou?r")
    assert valid and isinstance(pattern, re.Pattern)
    assert spans(pattern.finditer("Color and COLOUR")) == [(0, 5), (10, 16)]
    broken, valid = word_pattern("a(b")
    assert not valid and isinstance(broken, re.Pattern)
    assert broken.search("x a(b y") is not None
    assert user_pattern("a(b", re.IGNORECASE)[1] is False
