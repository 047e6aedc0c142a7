"""IFBench ``count:*`` constraints: verdicts, reference quirks, evidence, params, corrected mode."""

from __future__ import annotations

from typing import Any

import pytest

from adhere.constraints import CheckContext, Compat
from adhere.core.errors import ParamError
from adhere.core.types import ConstraintSpec, Verdict
from adhere.scoring.evaluate import build
from tests.constraints.ifbench.examples_count import EXAMPLES


def check(cid: str, text: str, compat: Compat = "reference", **params: Any) -> Verdict:
    return build(ConstraintSpec(cid, params)).check(text, CheckContext("strict", compat))


def passed(cid: str, text: str, compat: Compat = "reference", **params: Any) -> bool | None:
    return check(cid, text, compat, **params).passed


KEYWORDS = {
    "keyword1": "door",
    "keyword2": "bread",
    "keyword3": "blue",
    "keyword4": "lamp",
    "keyword5": "river",
}
KEYWORDS_OK = "door " + "bread " * 2 + "blue " * 3 + "lamp " * 5 + "river " * 7

CASES: list[tuple[str, dict[str, Any], str, bool]] = [
    # count:conjunctions
    ("count:conjunctions", {"small_n": 3}, "I came and saw, but left; so what?", True),
    ("count:conjunctions", {"small_n": 4}, "I came and saw, but left; so what?", False),
    ("count:conjunctions", {"small_n": 0}, "", True),
    ("count:conjunctions", {"small_n": 2}, "Bread or butter (nor jam).", True),
    ("count:conjunctions", {"small_n": 1}, "android fort sorry", False),
    # count:keywords_multiple
    ("count:keywords_multiple", KEYWORDS, KEYWORDS_OK, True),
    ("count:keywords_multiple", KEYWORDS, KEYWORDS_OK.upper(), True),
    ("count:keywords_multiple", KEYWORDS, KEYWORDS_OK + " door", False),
    ("count:keywords_multiple", KEYWORDS, KEYWORDS_OK.replace("lamp ", "", 1), False),
    # count:numbers
    ("count:numbers", {"N": 3}, "I have 2 cats, 3 dogs and 14 fish.", True),
    ("count:numbers", {"N": 2}, "I have 2 cats, 3 dogs and 14 fish.", False),
    ("count:numbers", {"N": 0}, "No digits here.", True),
    ("count:numbers", {"N": 1}, "Pi is about 3.14159.", True),
    ("count:numbers", {"N": 1}, "A population of 1,000,000 people.", True),
    ("count:numbers", {"N": 2}, "Version 2b and x86", True),
    # count:person_names
    ("count:person_names", {"N": 2}, "Emma met Liam and Emma again.", True),
    ("count:person_names", {"N": 3}, "Emma met Liam and Emma again.", False),
    ("count:person_names", {"N": 1}, "Emma's book", True),
    ("count:person_names", {"N": 1}, "Leonardo visited Miami; available to emma", False),
    ("count:person_names", {"N": 0}, "", True),
    # count:pronouns
    ("count:pronouns", {"N": 5}, "I told her that they would call me.", True),
    ("count:pronouns", {"N": 6}, "I told her that they would call me.", False),
    ("count:pronouns", {"N": 3}, "Pronouns: she/her/hers.", True),
    ("count:pronouns", {"N": 2}, "IT'S MINE.", True),
    ("count:pronouns", {"N": 1}, "The cat sat.", False),
    # count:punctuation
    ("count:punctuation", {}, "Really?! Why? Yes. Fine, ok; so: go!", True),
    ("count:punctuation", {}, "Really‽ Yes. Fine, ok; so: go! Why?", True),
    ("count:punctuation", {}, "Really? Yes. Fine, ok; so: go!", False),
    ("count:punctuation", {}, "Really?! Yes. Fine, ok; so go!", False),
    ("count:punctuation", {}, "Really!? Yes. Fine, ok; so: go?", False),
    # count:unique_word_count
    ("count:unique_word_count", {"N": 4}, "The cat saw the dog. the DOG!", True),
    ("count:unique_word_count", {"N": 5}, "The cat saw the dog. the DOG!", False),
    ("count:unique_word_count", {"N": 0}, "", True),
    ("count:unique_word_count", {"N": 2}, "end. (end) 'end' end", False),
    # count:word_count_range
    ("count:word_count_range", {"min_words": 3, "max_words": 5}, "one two three", True),
    ("count:word_count_range", {"min_words": 3, "max_words": 5}, "a b c d e", True),
    ("count:word_count_range", {"min_words": 3, "max_words": 5}, "a b c d e f", False),
    ("count:word_count_range", {"min_words": 3, "max_words": 5}, "a b", False),
    ("count:word_count_range", {"min_words": 2, "max_words": 2}, "don't", True),
    # count:words_japanese
    ("count:words_japanese", {"N": 2}, "I 私 like 好き sushi 寿司", True),
    ("count:words_japanese", {"N": 2}, "I 私 like love sushi 寿司", False),
    ("count:words_japanese", {"N": 3}, "a b カタカナ c d ひらがな。", True),
    ("count:words_japanese", {"N": 1}, "", True),
    ("count:words_japanese", {"N": 2}, "word 42 word 中文", True),
    ("count:words_japanese", {"N": 2}, "word -- word 中", True),
    ("count:words_japanese", {"N": 2}, "word 한국어", False),
]


@pytest.mark.parametrize(("cid", "params", "text", "expected"), CASES)
def test_verdicts(cid: str, params: dict[str, Any], text: str, expected: bool) -> None:
    assert passed(cid, text, **params) is expected


def test_every_id_of_the_family_has_cases_and_examples() -> None:
    ids = {
        "count:conjunctions",
        "count:keywords_multiple",
        "count:numbers",
        "count:person_names",
        "count:pronouns",
        "count:punctuation",
        "count:unique_word_count",
        "count:word_count_range",
        "count:words_japanese",
    }
    assert {case[0] for case in CASES} == ids
    assert set(EXAMPLES) == ids
    for cid, params in EXAMPLES.items():
        constraint = build(ConstraintSpec(cid, params))
        assert constraint.describe()
        assert constraint.summary


# --- reference quirks -------------------------------------------------------------------------


def test_quirk_conjunctions_counts_tokens_as_written() -> None:
    # "and", "And" and "and," are three different conjunctions to the reference.
    text = "and And and,"
    assert passed("count:conjunctions", text, small_n=3) is True
    assert passed("count:conjunctions", text, "corrected", small_n=3) is False
    assert passed("count:conjunctions", text, "corrected", small_n=1) is True


def test_quirk_keywords_multiple_counts_substrings() -> None:
    params = dict(KEYWORDS, keyword1="art")
    text = KEYWORDS_OK.replace("door", "start")  # "art" only inside "start"
    assert passed("count:keywords_multiple", text, **params) is True
    assert passed("count:keywords_multiple", text, "corrected", **params) is False
    whole = KEYWORDS_OK.replace("door", "art")
    assert passed("count:keywords_multiple", whole, "corrected", **params) is True


def test_quirk_keywords_multiple_strips_the_keywords() -> None:
    params = dict(KEYWORDS, keyword1="  door ")
    assert passed("count:keywords_multiple", KEYWORDS_OK, **params) is True


def test_quirk_numbers_join_across_removed_punctuation() -> None:
    # Punctuation is removed before digit runs are found: a date, a range or a fraction is
    # one number, while a space still separates two.
    assert passed("count:numbers", "On 2024-01-05.", N=1) is True
    assert passed("count:numbers", "Pages 5-10 and 1/2.", N=2) is True
    assert passed("count:numbers", "3 . 5", N=2) is True
    assert passed("count:numbers", "Fullwidth ５ counts", N=1) is True


def test_quirk_person_names_are_case_sensitive_and_whole_words() -> None:
    assert passed("count:person_names", "EMMA and emma", N=1) is False
    assert passed("count:person_names", "Grace under pressure", N=1) is True
    assert passed("count:person_names", "Emma_Liam", N=1) is False


def test_quirk_pronouns_tokenize_the_lower_cased_text() -> None:
    # "I'm" becomes "i" and "'m"; "cannot" is not split into pronouns; "/" separates.
    assert passed("count:pronouns", "I'm sure.", N=1) is True
    assert passed("count:pronouns", "he/him", N=2) is True
    assert passed("count:pronouns", "he-him", N=1) is False


def test_quirk_interrobang_does_not_also_supply_question_and_exclamation() -> None:
    text = "Wait?! A, b; c: d."
    assert passed("count:punctuation", text) is False
    assert passed("count:punctuation", text + " Why? No!") is True
    # only the first ?! is taken out: a second one supplies both marks
    assert passed("count:punctuation", "Wait?! Now?! A, b; c: d.") is True
    # the interrobang sign itself is not taken out, and does not count as ? or !
    assert passed("count:punctuation", "‽ A, b; c: d.") is False


def test_quirk_unique_words_counts_a_bare_punctuation_token() -> None:
    text = "cat -- dog"
    assert passed("count:unique_word_count", text, N=3) is True
    assert passed("count:unique_word_count", text, "corrected", N=3) is False
    assert passed("count:unique_word_count", text, "corrected", N=2) is True


def test_quirk_unique_words_keep_inner_and_non_ascii_punctuation() -> None:
    # only ASCII punctuation at the ends is trimmed
    assert passed("count:unique_word_count", "don't dont «dont»", N=3) is True


def test_quirk_words_japanese_skips_digit_and_punctuation_words() -> None:
    assert passed("count:words_japanese", "a 2024 b ... c 東京", N=2) is True
    assert passed("count:words_japanese", "a ２０２４ b", N=2) is True  # fullwidth digits
    # a word with any kana or kanji counts, even mixed with Latin letters
    assert passed("count:words_japanese", "a abc漢 b", N=2) is True


# --- evidence ---------------------------------------------------------------------------------


def test_evidence_conjunctions() -> None:
    verdict = check("count:conjunctions", "and but, And", small_n=4)
    assert verdict.evidence == (
        "3 different conjunction tokens ('and', 'but,', 'And'); needs at least 4"
    )
    verdict = check("count:conjunctions", "and but, And", "corrected", small_n=2)
    assert verdict.evidence == "2 different conjunctions ('and', 'but'); needs at least 2"


def test_evidence_keywords_multiple_names_each_wrong_count() -> None:
    verdict = check("count:keywords_multiple", KEYWORDS_OK + " door lamp", **KEYWORDS)
    assert verdict.passed is False
    assert verdict.evidence == (
        "counted as substrings, case-insensitive: 'door' 2 times (needs 1); "
        "'lamp' 6 times (needs 5)"
    )


def test_evidence_numbers_shows_what_was_counted() -> None:
    verdict = check("count:numbers", "It costs $3.50 for 2.", N=1)
    assert verdict.evidence == (
        "2 numbers once punctuation is removed ('350', '2'); needs exactly 1"
    )


def test_evidence_person_names_and_pronouns() -> None:
    assert check("count:person_names", "Liam and Emma", N=3).evidence == (
        "2 listed names (Emma, Liam); needs at least 3"
    )
    assert check("count:pronouns", "She and I.", N=1).evidence == (
        "2 pronouns ('she', 'i'); needs at least 1"
    )


def test_evidence_punctuation_names_the_missing_marks() -> None:
    assert check("count:punctuation", "Hello.").evidence == "no interrobang (?!, !? or ‽)"
    evidence = check("count:punctuation", "Hi?! a, b.").evidence
    assert evidence.startswith("has an interrobang but lacks '!' '?' ';' ':'")


def test_evidence_word_counts() -> None:
    assert check("count:unique_word_count", "a a b", N=3).evidence == (
        "2 unique words; needs at least 3"
    )
    assert check("count:word_count_range", "a b c", min_words=4, max_words=6).evidence == (
        "3 words; needs between 4 and 6"
    )


def test_evidence_words_japanese_points_at_the_word() -> None:
    verdict = check("count:words_japanese", "私 は\nthe cat", N=3)
    assert verdict.passed is False
    assert verdict.evidence == (
        "word 3 'the' (line 2) has no kana or kanji; every 3rd word must be Japanese"
    )
    assert check("count:words_japanese", "a 私 b 猫", N=2).evidence == (
        "all 2 checked words (every 2nd of 4 words, digits and bare punctuation skipped) "
        "are Japanese"
    )
    assert "every 11th word" in build(ConstraintSpec("count:words_japanese", {"N": 11})).describe()


# --- params -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cid", "params", "message"),
    [
        ("count:conjunctions", {}, "missing param 'small_n'"),
        ("count:conjunctions", {"small_n": -1}, "expects an integer >= 0"),
        ("count:numbers", {"N": "3"}, "expects an integer"),
        ("count:words_japanese", {"N": 0}, "expects an integer >= 1"),
        ("count:word_count_range", {"min_words": 5, "max_words": 4}, "max_words"),
        ("count:word_count_range", {"min_words": 5}, "missing param 'max_words'"),
        ("count:keywords_multiple", dict(KEYWORDS, keyword3="  "), "non-empty string"),
        ("count:keywords_multiple", {"keyword1": "a"}, "missing param"),
        ("count:punctuation", {"N": 3}, "unknown param 'N'"),
        ("count:person_names", {"N": 2.5}, "expects an integer"),
    ],
)
def test_bad_params(cid: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParamError, match=message):
        build(ConstraintSpec(cid, params))


def test_null_padded_params_load() -> None:
    spec = ConstraintSpec("count:numbers", {"N": 5.0, "small_n": None, "keyword1": None})
    assert build(spec).to_params() == {"N": 5}


def test_huge_response_is_linear_enough() -> None:
    text = "Emma and Liam, or 3.5 and 私. " * 20_000
    for cid, params in EXAMPLES.items():
        assert passed(cid, text, **params) in (True, False)
