"""IFBench ``sentence:*`` constraints: verdicts, reference quirks, evidence and params."""

from __future__ import annotations

from typing import Any

import pytest

from adhere.constraints import CheckContext, Compat
from adhere.core.errors import ParamError
from adhere.core.types import ConstraintSpec, Verdict
from adhere.scoring.evaluate import build, check_loose, check_strict
from adhere.text.variants import loose_variants
from tests.constraints.ifbench.examples_sentence import EXAMPLES


def check(cid: str, text: str, compat: Compat = "reference", **params: Any) -> Verdict:
    return build(ConstraintSpec(cid, params)).check(text, CheckContext("strict", compat))


def passed(cid: str, text: str, compat: Compat = "reference", **params: Any) -> bool | None:
    return check(cid, text, compat, **params).passed


CASES: list[tuple[str, dict[str, Any], str, bool]] = [
    # sentence:alliteration_increment (score: words in runs sharing a first letter)
    (
        "sentence:alliteration_increment",
        {},
        "Hi there. Big bold bears. Six silly snakes sang.",
        True,
    ),
    ("sentence:alliteration_increment", {}, "Big bold bears. Hi there.", False),
    ("sentence:alliteration_increment", {}, "Big bears. Six snakes.", False),
    ("sentence:alliteration_increment", {}, "One sentence only.", True),
    ("sentence:alliteration_increment", {}, "", True),
    (
        "sentence:alliteration_increment",
        {},
        "No run. Dark deep dens. Wet wild wolves wander.",
        True,
    ),
    # sentence:increment
    (
        "sentence:increment",
        {"small_n": 2},
        "I ran. I ran far away. I ran far away from home.",
        True,
    ),
    ("sentence:increment", {"small_n": 2}, "I ran. I ran far. I ran far away from home.", False),
    ("sentence:increment", {"small_n": 0}, "We go. We stay. We ask.", True),
    ("sentence:increment", {"small_n": 1}, "Only one sentence here.", True),
    ("sentence:increment", {"small_n": 1}, "Go. Go now. Go now, please!", True),
    # sentence:keyword
    ("sentence:keyword", {"word": "river", "N": 2}, "I woke. The River ran. We left.", True),
    ("sentence:keyword", {"word": "river", "N": 1}, "I woke. The river ran. We left.", False),
    ("sentence:keyword", {"word": "river", "N": 4}, "I woke. The river ran. We left.", False),
    ("sentence:keyword", {"word": "river", "N": 2}, "I woke. The rivers ran.", False),
    ("sentence:keyword", {"word": "river", "N": 2}, "I woke. A river-bank.", True),
]


@pytest.mark.parametrize(("cid", "params", "text", "expected"), CASES)
def test_verdicts(cid: str, params: dict[str, Any], text: str, expected: bool) -> None:
    assert passed(cid, text, **params) is expected


def test_every_id_of_the_family_has_cases_and_examples() -> None:
    ids = {"sentence:alliteration_increment", "sentence:increment", "sentence:keyword"}
    assert {case[0] for case in CASES} == ids
    assert set(EXAMPLES) == ids
    for cid, params in EXAMPLES.items():
        constraint = build(ConstraintSpec(cid, params))
        assert constraint.describe()
        assert constraint.summary


# --- reference quirks -------------------------------------------------------------------------


def test_quirk_alliteration_counts_runs_not_pairs() -> None:
    # a run of 3 scores 3 (2 for the first pair, 1 more for the next); two runs of 2 score 4
    assert passed("sentence:alliteration_increment", "Big bold bears. Big bears, wet wolves.")
    assert not passed("sentence:alliteration_increment", "Big bears, wet wolves. Big bold bears.")


def test_quirk_alliteration_compares_first_characters_after_leading_ascii_punctuation() -> None:
    # "(big" and "'bold" start with b once leading ASCII punctuation is removed; digits count
    # as letters; curly quotes are not ASCII and stay
    assert passed("sentence:alliteration_increment", "No. (big 'bold bears.") is True
    assert passed("sentence:alliteration_increment", "No. 1st 2nd 3rd.") is False
    assert passed("sentence:alliteration_increment", "No. 1st 1nd.") is True
    assert passed("sentence:alliteration_increment", "No. “big bold.") is False


def test_quirk_alliteration_first_sentence_may_score_zero() -> None:
    # the first sentence only has to beat -1
    assert passed("sentence:alliteration_increment", "No run here.") is True


def test_quirk_increment_words_are_counted_after_removing_ascii_punctuation() -> None:
    # "--" vanishes, "well-known" becomes one word, an em dash stays a word
    assert passed("sentence:increment", "A well-known fact. A fact -- B C.", small_n=1) is True
    assert passed("sentence:increment", "One two. One — two.", small_n=1) is True


def test_quirk_increment_without_sentences_cannot_be_decided() -> None:
    # the reference indexes the first sentence and raises IndexError on a blank text
    verdict = check("sentence:increment", "  \n ", small_n=2)
    assert verdict.passed is None
    assert "IndexError" in verdict.evidence
    # the scoring loop fails an empty response before any check runs
    constraint = build(ConstraintSpec("sentence:increment", {"small_n": 2}))
    strict = check_strict(constraint, "   ")
    assert strict.passed is False
    assert check_loose(constraint, loose_variants("   "), strict=strict).passed is False


def test_quirk_keyword_uses_regex_word_boundaries() -> None:
    # \b after a keyword ending in a non-word character needs a word character next
    assert passed("sentence:keyword", "Fine. I like C++ a lot.", word="C++", N=2) is False
    assert passed("sentence:keyword", "Fine. I like C++x.", word="C++", N=2) is True
    assert passed("sentence:keyword", "Fine. Uses a.b here.", word="a.b", N=2) is True
    assert passed("sentence:keyword", "Fine. Uses axb here.", word="a.b", N=2) is False


def test_quirk_keyword_is_not_stripped() -> None:
    assert passed("sentence:keyword", "Fine. The river.", word=" river", N=2) is True
    assert passed("sentence:keyword", "Fine. Theriver.", word=" river", N=2) is False


def test_quirk_keyword_sentences_are_punkt_sentences() -> None:
    # "Dr." does not end a sentence; "1. a\n2. b" is one sentence
    assert passed("sentence:keyword", "Dr. Smith left. The river rose.", word="river", N=2)
    assert not passed("sentence:keyword", "1. a\n2. river", word="river", N=2)


# --- evidence ---------------------------------------------------------------------------------


def test_evidence_alliteration() -> None:
    verdict = check("sentence:alliteration_increment", "Big bold bears.\nHi there.")
    assert verdict.evidence == (
        "sentence 2 (line 2) has 0 alliterative words, not more than sentence 1's 3"
    )
    assert check("sentence:alliteration_increment", "Hi. Big bears.").evidence == (
        "alliterative words per sentence grow: 0, 2 (2 sentences)"
    )
    assert check("sentence:alliteration_increment", "").evidence == "no sentences"


def test_evidence_increment() -> None:
    verdict = check("sentence:increment", "I ran.\nI ran far away. I ran.", small_n=2)
    assert verdict.evidence == (
        "sentence 3 (line 2) has 2 words; needs 6, 2 more than sentence 2's 4"
    )
    assert check("sentence:increment", "Go. Go now.", small_n=1).evidence == (
        "words per sentence: 1, 2; each has 1 more than the last"
    )


def test_evidence_keyword() -> None:
    assert check("sentence:keyword", "A b.\nThe river.", word="river", N=2).evidence == (
        "sentence 2 (line 2) contains 'river'"
    )
    assert check("sentence:keyword", "A b. The sea.", word="river", N=2).evidence == (
        "sentence 2 (line 1) 'The sea.' does not contain the word 'river'"
    )
    assert check("sentence:keyword", "A b.", word="river", N=3).evidence == (
        "only 1 sentence; sentence 3 is missing"
    )


# --- params -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cid", "params", "message"),
    [
        ("sentence:increment", {}, "missing param 'small_n'"),
        ("sentence:increment", {"small_n": -2}, ">= 0"),
        ("sentence:keyword", {"word": "x", "N": 0}, ">= 1"),
        ("sentence:keyword", {"word": "", "N": 2}, "non-empty string"),
        ("sentence:keyword", {"N": 2}, "missing param 'word'"),
        ("sentence:keyword", {"word": "x"}, "missing param 'N'"),
        ("sentence:alliteration_increment", {"small_n": 1}, "unknown param"),
    ],
)
def test_bad_params(cid: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParamError, match=message):
        build(ConstraintSpec(cid, params))


def test_describe_states_the_instruction() -> None:
    keyword = build(ConstraintSpec("sentence:keyword", {"word": "river", "N": 3}))
    assert keyword.describe() == "Use the word 'river' in sentence number 3 of your answer."
    increment = build(ConstraintSpec("sentence:increment", {"small_n": 4}))
    assert "exactly 4 more words" in increment.describe()
