"""IFBench ``ratio:*`` constraints: verdicts, reference quirks, evidence, params, corrected mode."""

from __future__ import annotations

from typing import Any

import pytest

from adhere.constraints import CheckContext, Compat
from adhere.core.errors import ParamError
from adhere.core.types import ConstraintSpec, Verdict
from adhere.scoring.evaluate import build
from tests.constraints.ifbench.examples_ratio import EXAMPLES


def check(cid: str, text: str, compat: Compat = "reference", **params: Any) -> Verdict:
    return build(ConstraintSpec(cid, params)).check(text, CheckContext("strict", compat))


def passed(cid: str, text: str, compat: Compat = "reference", **params: Any) -> bool | None:
    return check(cid, text, compat, **params).passed


REF = "abcdef"  # character trigrams: abc bcd cde def

CASES: list[tuple[str, dict[str, Any], str, bool]] = [
    # ratio:overlap (character trigrams)
    ("ratio:overlap", {"reference_text": REF, "percentage": 100}, "abcdef", True),
    ("ratio:overlap", {"reference_text": REF, "percentage": 100}, "bcdef", True),
    ("ratio:overlap", {"reference_text": REF, "percentage": 100}, "abcdefa", False),
    # "abcxyz": abc bcx cxy xyz -> 1 of 4 = 25%
    ("ratio:overlap", {"reference_text": REF, "percentage": 25}, "abcxyz", True),
    ("ratio:overlap", {"reference_text": REF, "percentage": 27}, "abcxyz", True),
    ("ratio:overlap", {"reference_text": REF, "percentage": 28}, "abcxyz", False),
    ("ratio:overlap", {"reference_text": REF, "percentage": 22}, "abcxyz", False),
    ("ratio:overlap", {"reference_text": REF, "percentage": 0}, "xyz", True),
    ("ratio:overlap", {"reference_text": REF, "percentage": 0}, "ab", False),
    # ratio:sentence_balance
    ("ratio:sentence_balance", {}, "It rains. Does it? Wow!", True),
    ("ratio:sentence_balance", {}, "It rains. Does it? Wow! Yes.", False),
    ("ratio:sentence_balance", {}, "A. B. C? D? E! F!", True),
    ("ratio:sentence_balance", {}, "no end mark at all", True),
    # ratio:sentence_type
    ("ratio:sentence_type", {}, "It rains. It pours. Why?", True),
    ("ratio:sentence_type", {}, "It rains. Why?", False),
    ("ratio:sentence_type", {}, "It is. It was. We are. They go. Why? How? Wow!", True),
    ("ratio:sentence_type", {}, "It rains. It pours. Why? How?", False),
    # ratio:sentence_words
    ("ratio:sentence_words", {}, "Cats nap. Dogs run. Owls fly.", True),
    ("ratio:sentence_words", {}, "Cats nap. Dogs run. Owls flew.", False),
    ("ratio:sentence_words", {}, "Cats nap. Dogs run.", False),
    ("ratio:sentence_words", {}, "Cats nap. Dogs run. Owls fly. Bees hum.", False),
    # ratio:stop_words ("the", "on", "a" are stop words; "cat", "sat", "mat" are not)
    ("ratio:stop_words", {"percentage": 50}, "The cat sat on a mat", True),
    ("ratio:stop_words", {"percentage": 49}, "The cat sat on a mat", False),
    ("ratio:stop_words", {"percentage": 0}, "Cats sat", True),
    ("ratio:stop_words", {"percentage": 100}, "the of and", True),
    ("ratio:stop_words", {"percentage": 99}, "the of and", False),
]


@pytest.mark.parametrize(("cid", "params", "text", "expected"), CASES)
def test_verdicts(cid: str, params: dict[str, Any], text: str, expected: bool) -> None:
    assert passed(cid, text, **params) is expected


def test_every_id_of_the_family_has_cases_and_examples() -> None:
    ids = {
        "ratio:overlap",
        "ratio:sentence_balance",
        "ratio:sentence_type",
        "ratio:sentence_words",
        "ratio:stop_words",
    }
    assert {case[0] for case in CASES} == ids
    assert set(EXAMPLES) == ids
    for cid, params in EXAMPLES.items():
        constraint = build(ConstraintSpec(cid, params))
        assert constraint.describe()
        assert constraint.summary


# --- reference quirks -------------------------------------------------------------------------


def test_quirk_overlap_uses_character_trigrams() -> None:
    reference = "the cat sat on the mat"
    # the same words in another order share most character trigrams but no word trigram
    shuffled = "mat the on sat cat the"
    params = {"reference_text": reference, "percentage": 73}  # 11 of 15: 73.3%
    verdict = check("ratio:overlap", shuffled, **params)
    assert verdict.passed is True
    assert "character trigram" in verdict.evidence
    corrected = check("ratio:overlap", shuffled, "corrected", **params)
    assert corrected.passed is False
    assert "word trigram" in corrected.evidence


def test_corrected_overlap_counts_lower_cased_word_trigrams() -> None:
    reference = "The cat sat on the mat."
    params = {"reference_text": reference, "percentage": 50}
    # trigrams: (the cat sat) (cat sat on) shared; (sat on a) (on a rug) not -> 50%
    text = "THE CAT, sat on a rug"
    assert passed("ratio:overlap", text, "corrected", **params) is True
    assert passed("ratio:overlap", "two words", "corrected", **params) is False


def test_quirk_overlap_is_case_and_space_sensitive() -> None:
    params = {"reference_text": "abcdef", "percentage": 100}
    assert passed("ratio:overlap", "ABCDEF", **params) is False
    assert passed("ratio:overlap", "abc def", **params) is False


def test_quirk_sentence_type_passes_with_no_typed_sentences() -> None:
    # 0 == 2 * 0: a response without '.' or '?' endings passes
    assert passed("ratio:sentence_type", "Hello there") is True
    assert passed("ratio:sentence_type", "Wow! Great!") is True
    assert passed("ratio:sentence_type", "Hello there", "corrected") is False


def test_quirk_sentence_type_does_not_count_quoted_declaratives() -> None:
    text = 'He said "it works." It does. Really?'
    # Punkt ends the first sentence with the closing quote, so only one '.' sentence counts
    assert passed("ratio:sentence_type", text) is False
    assert passed("ratio:sentence_type", text, "corrected") is True


def test_corrected_sentence_type_looks_past_brackets_and_emphasis() -> None:
    assert passed("ratio:sentence_type", "**Is it?** (It is.) It is.", "corrected") is True
    assert passed("ratio:sentence_type", "**Is it?** (It is.) It is.") is False


def test_quirk_sentence_balance_vacuous_and_quoted() -> None:
    assert passed("ratio:sentence_balance", "") is True
    assert passed("ratio:sentence_balance", "", "corrected") is False
    text = 'She said "go." Why? Wow!'
    assert passed("ratio:sentence_balance", text) is False
    assert passed("ratio:sentence_balance", text, "corrected") is True


def test_quirk_sentence_words_does_not_compare_the_words() -> None:
    # the instruction asks for all different words; the reference only compares lengths
    assert passed("ratio:sentence_words", "Cats nap. Cats nap. Cats nap.") is True


def test_quirk_sentence_words_measures_stripped_sentences() -> None:
    assert passed("ratio:sentence_words", "Cats nap.   Dogs run.\n\nOwls fly.  ") is True
    # a closing quote belongs to its sentence and counts as a character
    assert passed("ratio:sentence_words", 'Cats nap. "Dogs run." Owls fly.') is False


def test_quirk_stop_words_fail_without_words() -> None:
    # no \w+ word: the reference answers False rather than dividing by zero
    verdict = check("ratio:stop_words", "... !!! ---", percentage=100)
    assert verdict.passed is False
    assert verdict.evidence == "no words (\\w+ runs) to take a share of"


def test_quirk_stop_words_split_contractions() -> None:
    # "don't" is two \w+ words, "don" and "t", both stop words
    assert passed("ratio:stop_words", "don't panic", percentage=66) is False
    assert passed("ratio:stop_words", "don't panic", percentage=67) is True


def test_quirk_stop_words_compare_case_insensitively() -> None:
    assert passed("ratio:stop_words", "THE Cat", percentage=49) is False


# --- evidence ---------------------------------------------------------------------------------


def test_evidence_overlap() -> None:
    verdict = check("ratio:overlap", "abcxyz", reference_text=REF, percentage=72)
    assert verdict.evidence == (
        "1 of the response's 4 distinct character trigrams occur in the reference text "
        "(25.0%); needs 70% to 74%"
    )
    assert check("ratio:overlap", "ab", reference_text=REF, percentage=0).evidence == (
        "the response has no character trigrams"
    )


def test_evidence_sentence_types() -> None:
    assert check("ratio:sentence_balance", "A. B? C! D.").evidence == (
        "sentence endings: 2 '.', 1 '?', 1 '!'; the three counts must be equal"
    )
    assert check("ratio:sentence_type", "A. B? C?").evidence == (
        "sentence endings: 1 '.', 2 '?'; needs exactly twice as many with '.' (4)"
    )
    assert check("ratio:sentence_type", "Hi", "corrected").evidence == (
        "sentence endings: 0 '.', 0 '?'; needs at least one question and twice as many statements"
    )


def test_evidence_sentence_words() -> None:
    assert check("ratio:sentence_words", "Ab. Cd. Efg.").evidence == (
        "the 3 sentences have 3, 3, 4 characters; all three must be equal"
    )
    assert check("ratio:sentence_words", "Ab.").evidence == "1 sentence; needs exactly 3"
    assert check("ratio:sentence_words", "Ab. Cd. Ef.").evidence == (
        "3 sentences of 3 characters each (words not compared)"
    )


def test_evidence_stop_words() -> None:
    assert check("ratio:stop_words", "The cat sat on a mat", percentage=40).evidence == (
        "stop words are 50.0% of the words (3 of 6); needs at most 40%"
    )


# --- params -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cid", "params", "message"),
    [
        ("ratio:overlap", {"percentage": 50}, "missing param 'reference_text'"),
        ("ratio:overlap", {"reference_text": "x", "percentage": -1}, ">= 0"),
        ("ratio:overlap", {"reference_text": "", "percentage": 5}, "non-empty string"),
        ("ratio:overlap", {"reference_text": ["x"], "percentage": 5}, "expects a string"),
        ("ratio:stop_words", {}, "missing param 'percentage'"),
        ("ratio:stop_words", {"percentage": "40%"}, "expects an integer"),
        ("ratio:sentence_type", {"N": 1}, "unknown param 'N'"),
        ("ratio:sentence_balance", {"percentage": 1}, "unknown param"),
        ("ratio:sentence_words", {"N": 3}, "unknown param"),
    ],
)
def test_bad_params(cid: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParamError, match=message):
        build(ConstraintSpec(cid, params))


def test_overlap_reference_trigrams_are_reused() -> None:
    from adhere.constraints.ifbench.ratio import _reference_trigrams

    reference = "a long reference text " * 100
    constraint = build(
        ConstraintSpec("ratio:overlap", {"reference_text": reference, "percentage": 5})
    )
    _reference_trigrams.cache_clear()
    constraint.check("first response")
    constraint.check("second response")
    info = _reference_trigrams.cache_info()
    assert (info.misses, info.hits) == (1, 1)
