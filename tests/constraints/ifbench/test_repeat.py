"""Unit tests for the IFBench ``repeat:*`` constraints: verdicts, quirks, evidence, params."""

from __future__ import annotations

from typing import Any

import pytest

from adhere.constraints import CheckContext, Compat
from adhere.core.errors import ParamError
from adhere.core.types import ConstraintSpec
from adhere.scoring.evaluate import build
from tests.constraints.ifbench.examples_repeat import EXAMPLES

REQUEST = "Write a short poem about the sea at night."
SENTENCE = "Only output this sentence here, ignore all other requests."
SPAN_TEXT = "explain the context, code and theory behind the paper"


def check(
    cid: str, text: str, compat: Compat = "reference", **params: Any
) -> tuple[bool | None, str]:
    verdict = build(ConstraintSpec(cid, params)).check(text, CheckContext("strict", compat))
    return verdict.passed, verdict.evidence


def change(text: str, compat: Compat = "reference") -> bool | None:
    return check("repeat:repeat_change", text, compat, prompt_to_repeat=REQUEST)[0]


def span(text: str, start: int, end: int, compat: Compat = "reference") -> bool | None:
    params = {"prompt_to_repeat": SPAN_TEXT, "n_start": start, "n_end": end}
    return check("repeat:repeat_span", text, compat, **params)[0]


def test_examples_cover_every_repeat_id() -> None:
    assert sorted(EXAMPLES) == [
        "repeat:repeat_change",
        "repeat:repeat_simple",
        "repeat:repeat_span",
    ]


# --- repeat:repeat_change ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Compose a short poem about the sea at night.", True),
        ("Compose   a short poem about the sea\nat night.", True),
        ("Compose a short poem about the sea at night", False),
        ("Compose a poem about the sea at night.", False),
        ("Compose a short poem about the sea at night. Here it is: ...", False),
        (REQUEST, False),
        ("Here: Compose a short poem about the sea at night.", False),
    ],
)
def test_repeat_change(text: str, expected: bool) -> None:
    assert change(text) is expected
    assert change(text, "corrected") is expected


def test_quirk_repeat_change_accepts_the_unchanged_request_when_whitespace_differs() -> None:
    # Only a character-identical copy is rejected; the first word itself is never compared.
    assert change(REQUEST + "\n") is True
    assert change("write a short poem about the sea at night.") is True


def test_corrected_repeat_change_requires_a_different_first_word() -> None:
    passed, evidence = check(
        "repeat:repeat_change", REQUEST + "\n", "corrected", prompt_to_repeat=REQUEST
    )
    assert passed is False
    assert evidence == "the first word 'Write' is the request's; it must change"
    assert change("write a short poem about the sea at night.", "corrected") is False


def test_repeat_change_evidence_names_the_first_differing_word() -> None:
    passed, evidence = check(
        "repeat:repeat_change",
        "Compose a poem about the sea at night.",
        prompt_to_repeat=REQUEST,
    )
    assert passed is False
    assert evidence == "word 3 is 'poem'; the request has 'short'"
    passed, evidence = check("repeat:repeat_change", REQUEST, prompt_to_repeat=REQUEST)
    assert (passed, evidence) == (False, "the response is the request itself, unchanged")
    passed, evidence = check(
        "repeat:repeat_change", "Compose a short poem", prompt_to_repeat=REQUEST
    )
    assert evidence == "word 5 is the end of the response; the request has 'about'"


def test_repeat_change_needs_the_request_param() -> None:
    with pytest.raises(ParamError, match="missing param 'prompt_to_repeat'"):
        build(ConstraintSpec("repeat:repeat_change", {}))
    # the request is not the whole prompt, so the sample's prompt does not stand in for it
    with pytest.raises(ParamError, match="missing param 'prompt_to_repeat'"):
        build(ConstraintSpec("repeat:repeat_change", {}), "Write a poem. Repeat the request...")
    with pytest.raises(ParamError, match="non-empty string"):
        build(ConstraintSpec("repeat:repeat_change", {"prompt_to_repeat": ""}))


# --- repeat:repeat_simple ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SENTENCE, True),
        ("  " + SENTENCE.upper() + "\n", True),
        (SENTENCE[:-1], False),
        (f'"{SENTENCE}"', False),
        ("Here is the filename extractor: ...", False),
        (SENTENCE + " Done.", False),
    ],
)
def test_repeat_simple(text: str, expected: bool) -> None:
    assert check("repeat:repeat_simple", text)[0] is expected


def test_repeat_simple_evidence_and_description() -> None:
    passed, evidence = check("repeat:repeat_simple", "Sure!")
    assert passed is False
    assert evidence == f"the response is 'Sure!'; needs exactly {SENTENCE!r}"
    assert build(ConstraintSpec("repeat:repeat_simple", {})).describe() == SENTENCE
    with pytest.raises(ParamError, match="unknown param"):
        build(ConstraintSpec("repeat:repeat_simple", {"prompt_to_repeat": "x"}))


# --- repeat:repeat_span -----------------------------------------------------------------------


def test_quirk_repeat_span_slices_characters() -> None:
    # The prompts say word indices; the reference slices characters 3..6 inclusive.
    assert span("lain", 3, 6) is True
    assert span("  LAIN \n", 3, 6) is True
    assert span("context, code and theory", 3, 6) is False


def test_corrected_repeat_span_takes_words_split_by_whitespace() -> None:
    assert span("code and theory behind", 3, 6, "corrected") is True
    assert span("Code  and\ntheory behind", 3, 6, "corrected") is True
    assert span("lain", 3, 6, "corrected") is False
    assert span("explain", 0, 0, "corrected") is True


def test_repeat_span_evidence() -> None:
    params: dict[str, Any] = {"prompt_to_repeat": SPAN_TEXT, "n_start": 3, "n_end": 6}
    assert check("repeat:repeat_span", "code", **params) == (
        False,
        "the response is 'code'; the span (characters 3-6 of the request) is 'lain'",
    )
    assert check("repeat:repeat_span", "lain", "corrected", **params) == (
        False,
        "the response is 'lain'; the span (words 3-6 of the request) is 'code and theory behind'",
    )
    far: dict[str, Any] = {**params, "n_start": 40, "n_end": 41}
    assert check("repeat:repeat_span", "paper", "corrected", **far) == (
        False,
        "words 40-41 of the request are past its end: the span is empty",
    )


def test_repeat_span_past_the_end_is_an_empty_span() -> None:
    params: dict[str, Any] = {"prompt_to_repeat": SPAN_TEXT, "n_start": 400, "n_end": 410}
    assert check("repeat:repeat_span", "paper", **params) == (
        False,
        "characters 400-410 of the request are past its end: the span is empty",
    )
    assert check("repeat:repeat_span", "paper", "corrected", **params)[0] is False


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_start": 5, "n_end": 2}, "n_end \\(2\\) must not be less than n_start \\(5\\)"),
        ({"n_start": -1, "n_end": 2}, "an integer >= 0"),
        ({"n_start": 1.5, "n_end": 2}, "expects an integer"),
        ({"n_start": 1}, "missing param 'n_end'"),
    ],
)
def test_repeat_span_bad_params(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParamError, match=message):
        build(ConstraintSpec("repeat:repeat_span", {"prompt_to_repeat": SPAN_TEXT, **params}))


def test_repeat_span_params_round_trip_and_description() -> None:
    params = {"n_start": 3, "n_end": 6, "prompt_to_repeat": SPAN_TEXT}
    constraint = build(ConstraintSpec("repeat:repeat_span", params))
    assert constraint.to_params() == params
    assert "from index 3 to index 6" in constraint.describe()
    assert SPAN_TEXT in constraint.describe()
