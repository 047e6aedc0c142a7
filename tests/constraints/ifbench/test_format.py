"""Unit tests for the IFBench ``format:*`` constraints: verdicts, reference quirks, evidence,
params and the corrected modes."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adhere.constraints import CheckContext, Compat
from adhere.core.errors import ParamError
from adhere.core.types import ConstraintSpec, Verdict
from adhere.scoring.evaluate import build, check_strict
from tests.constraints.ifbench.examples_format import EXAMPLES

COMPATS: tuple[Compat, ...] = ("reference", "corrected")


def verdict(cid: str, text: str, compat: Compat = "reference", **params: Any) -> Verdict:
    return build(ConstraintSpec(cid, params)).check(text, CheckContext("strict", compat))


def passed(cid: str, text: str, compat: Compat = "reference", **params: Any) -> bool | None:
    return verdict(cid, text, compat, **params).passed


def test_examples_cover_every_format_id() -> None:
    assert sorted(EXAMPLES) == [
        "format:emoji",
        "format:line_indent",
        "format:list",
        "format:newline",
        "format:no_bullets_bullets",
        "format:no_whitespace",
        "format:options",
        "format:output_template",
        "format:parentheses",
        "format:quote_unquote",
        "format:quotes",
        "format:sub-bullets",
        "format:thesis",
        "format:title_case",
    ]


# --- verdict tables -----------------------------------------------------------------------------

CASES: list[tuple[str, dict[str, Any], str, bool]] = [
    # emoji
    ("format:emoji", {}, "Sunny today 🌞. Let us go out 🚶!", True),
    ("format:emoji", {}, "Sunny today 🌞. Let us go out!", False),
    ("format:emoji", {}, "Sunny today. Let us go out 🚶.", False),
    # an emoji opening the next sentence also counts for the sentence before it
    ("format:emoji", {}, "Sunny today. 🌞 Let us go out 🚶.", True),
    # a variation selector after the emoji: the second-to-last character is looked at too
    ("format:emoji", {}, "I love it \u2764\ufe0f.", True),
    ("format:emoji", {}, "Done 🎉 ...", True),
    ("format:emoji", {}, "...", False),
    # line_indent
    ("format:line_indent", {}, "Step\n  Up\n    Higher\n      Top", True),
    ("format:line_indent", {}, "Step\n  Up\n  Flat", False),
    ("format:line_indent", {}, "Step\n    Up\n  Down", False),
    ("format:line_indent", {}, "Step\n\n  Up\n \n    Higher", True),
    ("format:line_indent", {}, "Tabs\n\tdo not count", False),
    ("format:line_indent", {}, "One line only", True),
    # list
    ("format:list", {"sep": "SEPARATOR"}, "SEPARATOR apples\nSEPARATOR pears", True),
    ("format:list", {"sep": "SEPARATOR"}, "SEPARATOR apples\n- pears", False),
    ("format:list", {"sep": "!?!?"}, "fruit: !?!?apples !?!?pears", True),
    ("format:list", {"sep": "!?!?"}, "!?!?!?", False),
    ("format:list", {"sep": "Separator"}, "SEPARATOR a SEPARATOR b", False),
    # newline
    ("format:newline", {}, "Each\nword\nalone.", True),
    ("format:newline", {}, "Each word\nalone", False),
    ("format:newline", {}, "Each\n\n\nword\n---\nalone!", True),
    ("format:newline", {}, "Each\n   \nword", False),
    # no_bullets_bullets
    ("format:no_bullets_bullets", {}, "It is cold. Wear a coat.\n* scarf\n* gloves", True),
    ("format:no_bullets_bullets", {}, "It is cold.\nWear a coat.\n\n* scarf\n  * gloves", True),
    ("format:no_bullets_bullets", {}, "It is cold.\n* scarf\n* gloves", False),
    ("format:no_bullets_bullets", {}, "It is cold. Wear a coat.\n* scarf", False),
    ("format:no_bullets_bullets", {}, "It is cold. Wear a coat.\n* scarf\n* gloves\nBye.", False),
    ("format:no_bullets_bullets", {}, "It is cold. Wear a coat.\n- scarf\n- gloves", False),
    # no_whitespace
    ("format:no_whitespace", {}, "No_spaces-here.", True),
    ("format:no_whitespace", {}, "one space", False),
    ("format:no_whitespace", {}, "line\nbreak", False),
    ("format:no_whitespace", {}, "no\u00a0break", False),
    # options
    ("format:options", {"options": "yes/no/maybe"}, "Maybe.", True),
    ("format:options", {"options": "yes/no/maybe"}, "  NO!  ", True),
    ("format:options", {"options": "yes/no/maybe"}, "Yes, definitely.", False),
    ("format:options", {"options": "I know or I don't know"}, "I don't know.", True),
    ("format:options", {"options": "I know or I don't know"}, "I know or I don't know", False),
    ("format:options", {"options": "a), b), c), d)"}, "c)", True),
    ("format:options", {"options": "a), b), c), d)"}, "c) Paris", False),
    # output_template
    (
        "format:output_template",
        {},
        "My Answer: yes\nMy Conclusion: fine\nFuture Outlook: bright",
        True,
    ),
    ("format:output_template", {}, "Future Outlook: x My Conclusion: y My Answer: z", True),
    ("format:output_template", {}, "My answer: yes My Conclusion: y Future Outlook: z", False),
    ("format:output_template", {}, "My Answer: yes My Conclusion: fine", False),
    # parentheses
    ("format:parentheses", {}, "a (b [c {d (e [f] e) d} c] b) a", True),
    ("format:parentheses", {}, "a (b [c {d (e) d} c] b) a", False),
    ("format:parentheses", {}, "((((()))))", True),
    ("format:parentheses", {}, "(((((", False),
    ("format:parentheses", {}, "((((]))))", False),
    # quote_unquote
    ("format:quote_unquote", {}, 'He said "hi" to greet us, and "bye" to leave.', True),
    ("format:quote_unquote", {}, 'He said "hi" "bye" to us.', False),
    ("format:quote_unquote", {}, 'The word is "hello"', False),
    ("format:quote_unquote", {}, 'The word is "hello". 42!', False),
    ("format:quote_unquote", {}, "No quotes here.", True),
    # quotes
    ("format:quotes", {}, 'He said "she said \'they said "go" loudly\' today" once.', True),
    ("format:quotes", {}, "He said \"she said 'go' today\" once.", False),
    ("format:quotes", {}, 'Just "one" level.', False),
    # sub-bullets
    ("format:sub-bullets", {}, "* Roots\n  - absorb water\n* Leaves\n  - make food", True),
    ("format:sub-bullets", {}, "* Roots\n  - absorb water\n* Leaves", False),
    ("format:sub-bullets", {}, "* Roots - absorb water", True),
    # thesis
    ("format:thesis", {}, "<i>Encryption never fully hides video.</i>\nKeys reach memory.", True),
    ("format:thesis", {}, "<em>Encryption never fully hides video.</em> Keys reach memory.", True),
    ("format:thesis", {}, "<i>Encryption never fully hides video.</i>", False),
    ("format:thesis", {}, "<i>   </i> Keys reach memory.", False),
    ("format:thesis", {}, "<i>Unclosed thesis. Keys reach memory.", False),
    ("format:thesis", {}, "*Encryption* never fully hides video.", False),
    # title_case
    ("format:title_case", {}, "The Quick Brown Fox Jumps.", True),
    ("format:title_case", {}, "The Quick brown Fox Jumps.", False),
    ("format:title_case", {}, "NASA Launches A Rocket, 2024!", True),
    ("format:title_case", {}, "Buy An iPhone Today", True),
    ("format:title_case", {}, "The Lord of The Rings", False),
    ("format:title_case", {}, "Is It a Trap", False),
    ("format:title_case", {}, "bIG Mistake", False),
]


@pytest.mark.parametrize(("cid", "params", "text", "expected"), CASES)
def test_verdicts(cid: str, params: dict[str, Any], text: str, expected: bool) -> None:
    assert passed(cid, text, **params) is expected


@pytest.mark.parametrize(("cid", "params", "text", "expected"), CASES)
def test_corrected_mode_agrees_away_from_the_quirks(
    cid: str, params: dict[str, Any], text: str, expected: bool
) -> None:
    assert passed(cid, text, "corrected", **params) is expected


# --- reference quirks, one test each ------------------------------------------------------------


def test_line_indent_keeps_one_of_two_blank_lines_in_a_row() -> None:
    text = "Step\n  Up\n\n\n    Higher"
    # the surviving empty line has indent 0, not deeper than "  Up"
    result = verdict("format:line_indent", text)
    assert result.passed is False
    assert "a blank line the reference keeps" in result.evidence
    assert passed("format:line_indent", text, "corrected") is True


def test_line_indent_deletes_the_first_equal_blank_line_not_the_one_it_is_on() -> None:
    # lines: "A", " ", " ", "  B", " ", "   C". The walk sees the first " " (deletes it) and
    # skips the second, then sees the third " " and deletes the first remaining " ": the
    # second one. So the third survives, between "  B" and "   C" and shallower than "  B".
    text = "A\n \n \n  B\n \n   C"
    assert passed("format:line_indent", text) is False
    assert "line 5" in verdict("format:line_indent", text).evidence
    assert passed("format:line_indent", text, "corrected") is True


def _delete_while_walking(lines: list[str]) -> list[str]:
    """The removal loop done literally: walk the list by index, deleting blank lines from it."""
    lines = list(lines)
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            del lines[lines.index(line)]
        index += 1
    return lines


def _stairs(lines: list[str]) -> bool:
    depths = [len(line) - len(line.lstrip(" ")) for line in lines]
    return all(b > a for a, b in pairwise(depths))


LINE = st.sampled_from(["", " ", "  ", "\t", " \t", "a", " a", "  a", "   a", "    a", "     b"])


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(LINE, max_size=14))
def test_line_indent_matches_a_literal_walk_with_deletion(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert passed("format:line_indent", text) is _stairs(_delete_while_walking(lines))
    corrected = [line for line in lines if line.strip()]
    assert passed("format:line_indent", text, "corrected") is _stairs(corrected)


def test_line_indent_is_linear_on_a_million_blank_lines() -> None:
    # a list-deletion loop would be quadratic here; the one-pass version must not be
    text = "top\n" + "\n" * 1_000_000 + "  end"
    assert passed("format:line_indent", text) is False
    assert passed("format:line_indent", text, "corrected") is True


def test_quote_unquote_leaves_curly_quotes_alone() -> None:
    text = "He said \u201chi\u201d \u201cbye\u201d"
    assert passed("format:quote_unquote", text) is True
    corrected = verdict("format:quote_unquote", text, "corrected")
    assert corrected.passed is False
    assert "no explanation between" in corrected.evidence


def test_quote_unquote_ignores_a_quoted_quote_character() -> None:
    # the three characters '"' are removed before looking, so this is not "quote at the end"
    assert passed("format:quote_unquote", "The delimiter is '\"'") is True
    assert passed("format:quote_unquote", 'The delimiter is "\'"') is False


def test_quote_unquote_ignores_whitespace_between_quotes() -> None:
    assert passed("format:quote_unquote", 'Say "yes"\n\n  "no" then.') is False
    assert passed("format:quote_unquote", 'Say "yes" or "no" then.') is True


def test_sub_bullets_passes_without_any_star() -> None:
    result = verdict("format:sub-bullets", "No bullets at all.")
    assert result.passed is True
    assert "no '*'" in result.evidence


def test_sub_bullets_counts_every_star_even_in_bold() -> None:
    assert passed("format:sub-bullets", "* **Roots**\n  - absorb water") is False
    # a hyphen anywhere after a star is enough, even inside a word
    assert passed("format:sub-bullets", "* well-known roots") is True


def test_thesis_em_tags_leave_a_stray_angle_bracket_on_both_sides() -> None:
    # the thesis is read from 3 characters past "<em" and the rest from 4 past "</em",
    # so an empty <em></em> with nothing after it passes
    assert passed("format:thesis", "<em></em>") is True
    assert passed("format:thesis", "<i></i>") is False


def test_thesis_prefers_i_tags_wherever_they_are() -> None:
    # <i> is searched first even if an <em> comes earlier; the closer </i> is searched first too
    assert passed("format:thesis", "<em>Claim.</em> More. <i> </i>") is False
    assert passed("format:thesis", "<em>Claim.</em> More. <i>Second.</i> Tail") is True


def test_title_case_does_not_exempt_minor_words_or_contractions() -> None:
    assert passed("format:title_case", "War and Peace") is False
    # word_tokenize splits "Don't" into "Do" and "n't", and "n't" is lower case
    assert passed("format:title_case", "Don't Stop") is False
    assert passed("format:title_case", "Tokens Like 'Quoted' Pass") is True


def test_no_bullets_bullets_fails_on_a_trailing_newline() -> None:
    text = "It is cold. Wear a coat.\n* scarf\n* gloves"
    assert passed("format:no_bullets_bullets", text) is True
    result = verdict("format:no_bullets_bullets", text + "\n")
    assert result.passed is False
    assert "line 4 after the bullet points" in result.evidence


def test_no_bullets_bullets_allows_no_blank_line_inside_the_introduction() -> None:
    text = "It is cold.\n\nWear a coat.\n* scarf\n* gloves"
    result = verdict("format:no_bullets_bullets", text)
    assert result.passed is False
    assert "follows a blank line" in result.evidence


def test_no_bullets_bullets_needs_no_period() -> None:
    # any Punkt sentence counts, and any line starting with '*' is a bullet (bold included)
    assert passed("format:no_bullets_bullets", "First thought\nSecond thought\n**a**\n*b") is True


def test_options_splits_on_or_inside_words() -> None:
    # "for" contains "or": the options become "yes f" and "me"
    assert passed("format:options", "yes f", options="yes for me") is True
    assert passed("format:options", "yes for me", options="yes for me") is False


def test_options_compares_letter_options_exactly() -> None:
    options = "a), b), c), d)"
    assert passed("format:options", "b)", options=options) is True
    assert passed("format:options", "b", options=options) is False
    assert passed("format:options", "B)", options=options) is False
    assert passed("format:options", "b)\n", options=options) is False


def test_parentheses_count_depth_not_a_fully_closed_group() -> None:
    # five opened, never closed, then any matching pair: the depth reached still counts
    assert passed("format:parentheses", "((((( and later ()") is True
    # a closer that does not match the innermost opener resets the count
    assert passed("format:parentheses", "((((( ] ()") is False


def test_quotes_count_apostrophes_as_single_quotes() -> None:
    # the apostrophes of Don't, it's and isn't open, nest and close levels around one real
    # pair of double quotes: ' " ' then ' " ' closes three levels
    assert passed("format:quotes", "Don't \"it's fine' ok\" isn't") is True
    assert passed("format:quotes", 'Plain "double" only.') is False


def test_list_counts_the_separator_anywhere() -> None:
    assert passed("format:list", "a-b-c", sep="-") is True
    assert passed("format:list", "SEPARATORSEPARATOR", sep="SEPARATOR") is True


def test_newline_deletes_punctuation_before_counting() -> None:
    assert passed("format:newline", "!!!") is True
    assert passed("format:newline", "well-known\nterm") is True
    assert passed("format:newline", "well - known\nterm") is False


def test_emoji_check_passes_text_without_sentences_but_scoring_fails_it() -> None:
    assert passed("format:emoji", "") is True
    constraint = build(ConstraintSpec("format:emoji", {}))
    assert check_strict(constraint, "  ").passed is False


# --- evidence -----------------------------------------------------------------------------------

EVIDENCE: list[tuple[str, dict[str, Any], str, str]] = [
    ("format:emoji", {}, "Fine 🌞.\nNot fine.", "the last sentence (2) does not end with an emoji"),
    ("format:emoji", {}, "Fine 🌞.\nNot fine.", "line 2"),
    ("format:emoji", {}, "Not fine. Good 🌞.", "sentence 1 does not end with an emoji"),
    ("format:line_indent", {}, "A\n  B\n  C", "line 3 is indented 2 spaces, not more than line 2"),
    ("format:line_indent", {}, "A\n  B\n    C", "3 lines with indents 0, 2, 4 spaces"),
    ("format:list", {"sep": "SEP"}, "x\nSEP a", "1 occurrence of 'SEP', first at line 2"),
    ("format:newline", {}, "one\ntwo three", "3 words on 2 non-empty lines"),
    ("format:newline", {}, "one\ntwo three", "line 2 has several words: 'two three'"),
    ("format:no_bullets_bullets", {}, "Hi.\n* a", "bullet on line 2 comes after 1 sentence"),
    ("format:no_bullets_bullets", {}, "Hi. Yo.\n* a", "2 sentences then 1 bullet line"),
    ("format:no_whitespace", {}, "ab\tcd", "whitespace '\\t' at line 1"),
    ("format:options", {"options": "yes/no"}, "Perhaps", "not one of 'yes', 'no'"),
    ("format:options", {"options": "yes/no"}, "No.", "matches the option 'no'"),
    ("format:output_template", {}, "My Answer: x", "missing 'My Conclusion:', 'Future Outlook:'"),
    ("format:parentheses", {}, "((((()))))", "brackets nested 5 deep"),
    ("format:parentheses", {}, "(())", "deepest bracket nesting 2"),
    ("format:quote_unquote", {}, 'x\nsay "a"', "ends with a quoted phrase"),
    ("format:quote_unquote", {}, 'x\nsay "a"', "line 2"),
    ("format:quotes", {}, "\"a 'b' c\"", "quotes nested at most 2 deep"),
    ("format:sub-bullets", {}, "* a\n* b - c", "the '*' at line 1"),
    ("format:thesis", {}, "intro <i>claim</i> rest", "italic thesis 'claim' at line 1"),
    ("format:thesis", {}, "no tags", "no <i> or <em> tag"),
    ("format:thesis", {}, "\n<i>claim", "no </i> or </em> after the opening tag at line 2"),
    ("format:title_case", {}, "Good\nBad word", "word 3 'word' is not capitalised at line 2"),
]


@pytest.mark.parametrize(("cid", "params", "text", "expected"), EVIDENCE)
def test_evidence(cid: str, params: dict[str, Any], text: str, expected: str) -> None:
    assert expected in verdict(cid, text, **params).evidence


def test_evidence_stays_short_on_long_text() -> None:
    long_text = ("word " * 50_000 + "\n") * 4
    for cid, params in EXAMPLES.items():
        for compat in COMPATS:
            result = verdict(cid, long_text, compat, **params)
            assert 0 < len(result.evidence) <= 300, (cid, result.evidence)


# --- params -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cid", "params", "message"),
    [
        ("format:list", {}, "missing param 'sep'"),
        ("format:list", {"sep": ""}, "expects a non-empty string"),
        ("format:list", {"sep": 3}, "expects a string"),
        ("format:options", {}, "missing param 'options'"),
        ("format:options", {"options": ["yes", "no"]}, "expects a string"),
        ("format:emoji", {"N": 3}, "unknown param 'N'"),
        ("format:title_case", {"prompt": "x"}, "unknown param 'prompt'"),
    ],
)
def test_bad_params(cid: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParamError, match=message):
        build(ConstraintSpec(cid, params))


def test_null_padding_is_ignored_and_no_check_takes_the_prompt() -> None:
    padded = {"sep": "SEP", "N": None, "options": None}
    constraint = build(ConstraintSpec("format:list", padded), prompt="the prompt")
    assert constraint.to_params() == {"sep": "SEP"}
    for cid, params in EXAMPLES.items():
        built = build(ConstraintSpec(cid, params), prompt="the prompt")
        assert built.to_params() == params


def test_describe_states_the_instruction() -> None:
    assert "SEPARATOR" in build(ConstraintSpec("format:list", {"sep": "SEPARATOR"})).describe()
    options = build(ConstraintSpec("format:options", {"options": "yes/no/maybe"}))
    assert "yes/no/maybe" in options.describe()
    for cid, params in EXAMPLES.items():
        assert build(ConstraintSpec(cid, params)).describe()
