"""The linear-time markdown scanners give exactly the reference regexes' matches."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from adhere.constraints.ifeval.detectable_content import _PPS, _PS
from adhere.text.markdown import (
    BOLD_RE,
    DASH_BULLET_RE,
    HIGHLIGHT_RE,
    STAR_BULLET_RE,
    bracket_spans,
    title_spans,
)

PIECES = st.sampled_from(
    [
        "[",
        "]",
        "<<",
        ">>",
        "<",
        ">",
        "*",
        "**",
        "-",
        "\n",
        "\n\n",
        " ",
        "\t",
        "\r",
        "\x0b",
        "a",
        "b c",
        "p.",
        "p. s.",
        "P.S.",
        "s.",
        "p.p.s",
        "\u2028",
        "\x85",
        "x",
    ]
)
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=60).map("".join)
SETTINGS = settings(max_examples=400, deadline=None)


@SETTINGS
@given(TEXT)
def test_brackets_match_the_lazy_regex(text: str) -> None:
    expected = [m.span() for m in re.finditer(r"\[.*?\]", text)]
    assert list(bracket_spans(text)) == expected


@SETTINGS
@given(TEXT)
def test_titles_match_the_greedy_regex(text: str) -> None:
    expected = [m.span() for m in re.finditer(r"<<[^\n]+>>", text)]
    assert list(title_spans(text)) == expected


@SETTINGS
@given(TEXT)
def test_bullets_count_like_the_reference_patterns(text: str) -> None:
    stars = re.findall(r"^\s*\*[^\*].*$", text, flags=re.MULTILINE)
    dashes = re.findall(r"^\s*-.*$", text, flags=re.MULTILINE)
    assert len(STAR_BULLET_RE.findall(text)) == len(stars)
    assert len(DASH_BULLET_RE.findall(text)) == len(dashes)


@SETTINGS
@given(TEXT)
def test_highlight_patterns_are_the_references(text: str) -> None:
    assert HIGHLIGHT_RE.findall(text) == re.findall(r"\*[^\n\*]*\*", text)
    assert BOLD_RE.findall(text) == re.findall(r"\*\*[^\n\*]*\*\*", text)


@SETTINGS
@given(TEXT)
def test_postscript_search_agrees_with_findall(text: str) -> None:
    lowered = text.lower()
    ps = re.findall(r"\s*p\.\s?s\..*$", lowered, flags=re.MULTILINE)
    pps = re.findall(r"\s*p\.\s?p\.\s?s.*$", lowered, flags=re.MULTILINE)
    assert bool(_PS.search(lowered)) == bool(ps)
    assert bool(_PPS.search(lowered)) == bool(pps)
