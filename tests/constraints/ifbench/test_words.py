"""Unit tests for IFBench's ``words:*`` constraints: passing and failing texts, the reference's
quirks (each a named test), evidence, bad params and the corrected mode of words_position."""

from __future__ import annotations

from typing import Any

import pytest

from adhere.constraints import CONSTRAINTS, CheckContext, Compat
from adhere.core.errors import ParamError
from adhere.core.types import ConstraintSpec, Verdict
from adhere.scoring.evaluate import build
from tests.constraints.ifbench.examples_words import EXAMPLES


def check(cid: str, text: str, compat: Compat = "reference", **params: Any) -> Verdict:
    return build(ConstraintSpec(cid, params)).check(text, CheckContext("strict", compat))


def passed(cid: str, text: str, compat: Compat = "reference", **params: Any) -> bool | None:
    return check(cid, text, compat, **params).passed


# (id, params, text, expected verdict)
CASES: list[tuple[str, dict[str, Any], str, bool]] = [
    # alphabet
    ("words:alphabet", {}, "Apple banana cherry.", True),
    ("words:alphabet", {}, "Yak, zebra, apple!", True),
    ("words:alphabet", {}, "x y z a b", True),
    ("words:alphabet", {}, "Apple cherry", False),
    ("words:alphabet", {}, "123 abc", False),
    ("words:alphabet", {}, "... !!!", False),
    ("words:alphabet", {}, "", False),
    # consonants
    ("words:consonants", {}, "Strong black craft.", True),
    ("words:consonants", {}, "Strong idea", False),
    ("words:consonants", {}, "", True),
    # keywords_specific_position
    (
        "words:keywords_specific_position",
        {"keyword": "giggle", "n": 2, "m": 3},
        "One two three. The quick giggle runs.",
        True,
    ),
    (
        "words:keywords_specific_position",
        {"keyword": "giggle", "n": 2, "m": 3},
        "One two three. The quick GIGGLE runs.",
        True,
    ),
    (
        "words:keywords_specific_position",
        {"keyword": "giggle", "n": 2, "m": 3},
        "One two three. The giggle runs.",
        False,
    ),
    (
        "words:keywords_specific_position",
        {"keyword": "giggle", "n": 3, "m": 3},
        "One two three. The quick giggle runs.",
        False,
    ),
    (
        "words:keywords_specific_position",
        {"keyword": "giggle", "n": 2, "m": 5},
        "One two three. The quick giggle runs.",
        False,
    ),
    # last_first
    ("words:last_first", {}, "I like dogs. Dogs like me. Me too!", True),
    ("words:last_first", {}, "Just one sentence here.", True),
    ("words:last_first", {}, "I like dogs. Cats like me.", False),
    # no_consecutive
    ("words:no_consecutive", {}, "The cat sat on a mat.", True),
    ("words:no_consecutive", {}, "The cat can run.", False),
    ("words:no_consecutive", {}, "Big bold plan", False),
    # odd_even_syllables
    ("words:odd_even_syllables", {}, "Happy cat, apple dog.", True),
    ("words:odd_even_syllables", {}, "Beautiful happy day", True),
    ("words:odd_even_syllables", {}, "The cat", False),
    ("words:odd_even_syllables", {}, "Happy apple", False),
    # palindrome
    ("words:palindrome", {}, "level radar kayak civic refer rotor madam racecar stats tenet", True),
    ("words:palindrome", {}, "level radar kayak civic refer rotor madam racecar stats", False),
    # paragraph_last_first
    (
        "words:paragraph_last_first",
        {},
        "Home is where I go home.\nLove is all you need, love!",
        True,
    ),
    ("words:paragraph_last_first", {}, "Home sweet house.", False),
    ("words:paragraph_last_first", {}, "Home is home.\nLove is blind.", False),
    # prime_lengths
    ("words:prime_lengths", {}, "An owl is at my house", True),
    ("words:prime_lengths", {}, "I am here", False),
    # repeats
    ("words:repeats", {"small_n": 2}, "the cat and the dog", True),
    ("words:repeats", {"small_n": 2}, "the the the", False),
    ("words:repeats", {"small_n": 0}, "", True),
    # vowel
    ("words:vowel", {}, "A cat sat on a mat.", True),
    ("words:vowel", {}, "The quick brown fox.", False),
    ("words:vowel", {}, "Cat sat.\nDog sat.", False),
    ("words:vowel", {}, "AEIOU", False),
    # words_position
    ("words:words_position", {"keyword": "vibrant"}, "A vibrant city stays vibrant today", True),
    ("words:words_position", {"keyword": "vibrant"}, "A vibrant city stays vibrant today.", True),
    ("words:words_position", {"keyword": "Vibrant"}, "A VIBRANT city stays vibrant today.", True),
    ("words:words_position", {"keyword": "vibrant"}, "A vibrant city stays bright today.", False),
    ("words:words_position", {"keyword": "vibrant"}, "Vibrant", False),
]


@pytest.mark.parametrize(("cid", "params", "text", "expected"), CASES)
def test_table(cid: str, params: dict[str, Any], text: str, expected: bool) -> None:
    verdict = check(cid, text, **params)
    assert verdict.passed is expected, verdict.evidence


def test_every_id_of_the_family_is_registered_and_exemplified() -> None:
    ids = {cid for cid in CONSTRAINTS if cid.startswith("words:")}
    assert ids == set(EXAMPLES)
    assert len(ids) == 13
    assert {cid for cid, *_ in CASES} | {"words:start_verb"} == ids


@pytest.mark.parametrize("cid", sorted(EXAMPLES))
def test_describe_and_summary(cid: str) -> None:
    constraint = build(ConstraintSpec(cid, EXAMPLES[cid]))
    text = constraint.describe()
    assert text.endswith(".") and len(text) > 20
    for value in EXAMPLES[cid].values():
        assert str(value) in text
    summary = CONSTRAINTS.get(cid).summary
    assert "\n" not in summary and len(summary) <= 100


# --- evidence --------------------------------------------------------------------------------


EVIDENCE = [
    (
        "words:alphabet",
        {},
        "Apple\ncherry",
        "word 2 'cherry' should start with 'b', the letter after 'a' (line 2: 'cherry')",
    ),
    ("words:alphabet", {}, "Apple banana cherry.", "all 3 words follow the alphabet from 'a'"),
    ("words:alphabet", {}, "123 abc", "the first word '123' does not start with a letter a-z"),
    (
        "words:consonants",
        {},
        "Strong\nidea",
        "word 2 'idea' has no two consonants in a row (line 2: 'idea')",
    ),
    (
        "words:keywords_specific_position",
        {"keyword": "giggle", "n": 2, "m": 2},
        "One two.\nThe quick giggle.",
        "word 2 of sentence 2 (line 2) is 'quick', not 'giggle'",
    ),
    (
        "words:keywords_specific_position",
        {"keyword": "giggle", "n": 5, "m": 2},
        "One two.",
        "only 1 sentence; the keyword belongs in sentence 5",
    ),
    (
        "words:keywords_specific_position",
        {"keyword": "giggle", "n": 1, "m": 4},
        "One, two.",
        "sentence 1 (line 1) has 2 words; the keyword belongs at word 4",
    ),
    (
        "words:last_first",
        {},
        "I like dogs.\nCats like me.",
        "sentence 1 ends with 'dogs' but sentence 2 starts with 'Cats' (line 2)",
    ),
    (
        "words:no_consecutive",
        {},
        "The cat\ncan run.",
        "words 2 and 3 ('cat', 'can') both start with 'c' (line 2: 'can')",
    ),
    (
        "words:odd_even_syllables",
        {},
        "The happy, happy dog",
        "words 2 and 3 ('happy': 2 syllables, 'happy': 2 syllables) are both even"
        " (line 1: 'happy')",
    ),
    (
        "words:palindrome",
        {},
        "Level, level! Radar stop noon",
        "found 3 palindromes of 5 or more characters ('level', 'radar'); needs at least 10",
    ),
    (
        "words:paragraph_last_first",
        {},
        "\nHome is home.\nLove is blind.",
        "line 3 starts with 'love' but ends with 'blind'",
    ),
    (
        "words:prime_lengths",
        {},
        "An owl\nhere",
        "word 3 'here' has 4 characters, not a prime (line 2: 'here')",
    ),
    (
        "words:repeats",
        {"small_n": 1},
        "a b a b a",
        "'a' appears 3 times (2 words over the limit); no word may appear more than 1 times",
    ),
    (
        "words:repeats",
        {"small_n": 3},
        "a b a",
        "the most repeated word 'a' appears 2 times; at most 3 allowed",
    ),
    ("words:vowel", {}, "\n Cat sat. \n", "one line that uses 1 different vowel (a)"),
    ("words:vowel", {}, "Quiet room.", "uses 4 different vowels (e, i, o, u); at most 3 allowed"),
    (
        "words:words_position",
        {"keyword": "vibrant"},
        "A vibrant city stays vibrant today.",
        "the second token is 'vibrant' and the second-to-last is 'vibrant' (not counting the "
        "final '.')",
    ),
    (
        "words:words_position",
        {"keyword": "vibrant"},
        "A dull city stays vibrant today",
        "the second token is 'dull' and the second-to-last is 'vibrant'; both must be 'vibrant'",
    ),
]


@pytest.mark.parametrize(("cid", "params", "text", "evidence"), EVIDENCE)
def test_evidence(cid: str, params: dict[str, Any], text: str, evidence: str) -> None:
    assert check(cid, text, **params).evidence.startswith(evidence)


# --- reference quirks ------------------------------------------------------------------------


def test_alphabet_removes_punctuation_before_splitting_so_hyphenated_words_join() -> None:
    # "x-ray" becomes one word "xray"; a lone dash disappears instead of breaking the chain
    assert passed("words:alphabet", "x-ray yak - zebra")
    assert not passed("words:alphabet", "x - ray")  # "x" then "ray": r is not the letter after x


def test_alphabet_first_letter_must_be_ascii() -> None:
    # the first letter is lower-cased on its own and must be one of a-z; an accented letter fails
    assert not passed("words:alphabet", "Élan fox")
    assert passed("words:alphabet", "Elan fox")


def test_alphabet_later_words_compare_their_lowered_first_character() -> None:
    # later words are lower-cased whole: dotted capital I lowers to "i" + combining dot
    assert passed("words:alphabet", "hat \u0130gloo")
    assert not passed("words:alphabet", "hat \u00cdgloo")


def test_consonants_keeps_punctuation_and_counts_y_as_a_consonant() -> None:
    # a lone dash is a word without a cluster; "y" is in the consonant set
    assert not passed("words:consonants", "Strong - black")
    assert passed("words:consonants", "by sky")
    assert not passed("words:consonants", "ab12")


def test_last_first_strips_punctuation_only_before_the_first_word() -> None:
    verdict = check("words:last_first", "I like dogs. Dogs, however, bark.")
    assert verdict.passed is False
    assert "'Dogs,'" in verdict.evidence and "punctuation" in verdict.evidence
    assert passed("words:last_first", "I like dogs. Dogs bark loudly.")


def test_last_first_ignores_case_and_the_sentence_end_marks() -> None:
    assert passed("words:last_first", "Go home! Home sweet HOME? Home it is.")


def test_last_first_keeps_punctuation_before_the_last_word() -> None:
    # only the end of a sentence is stripped, so the last word keeps its opening quote
    verdict = check("words:last_first", 'I said "stop." Stop it.')
    assert verdict.passed is False
    assert "ends with '\"stop'" in verdict.evidence


def test_no_consecutive_removes_punctuation_first() -> None:
    # the dash vanishes, so "a" and "apple" become neighbours
    assert not passed("words:no_consecutive", "A - apple")
    assert not passed("words:no_consecutive", "1 12")


def test_odd_even_syllables_removes_hyphens_before_counting() -> None:
    # syllapy counts "co-op" as 2 syllables, but the check sees "coop" (1): the + coop fails
    verdict = check("words:odd_even_syllables", "The co-op")
    assert verdict.passed is False
    assert "'coop': 1 syllable" in verdict.evidence
    assert passed("words:odd_even_syllables", "The coop-") is False
    assert passed("words:odd_even_syllables", "The apple")


def test_odd_even_syllables_numbers_count_zero_so_even() -> None:
    assert passed("words:odd_even_syllables", "cat 42 dog")
    assert not passed("words:odd_even_syllables", "happy 42")


def test_palindromes_repeat_and_include_numbers() -> None:
    assert passed("words:palindrome", "Level! " * 10)
    assert passed("words:palindrome", "12321 " * 10)
    assert not passed("words:palindrome", "noon " * 10)  # shorter than 5
    assert not passed("words:palindrome", "never odd or even " * 10)  # phrases do not count


def test_paragraph_last_first_keeps_punctuation_inside_the_line() -> None:
    verdict = check("words:paragraph_last_first", "Well, that ends well.")
    assert verdict.passed is False
    assert "punctuation" in verdict.evidence
    assert passed("words:paragraph_last_first", "**Well that ends well.**")
    assert not passed("words:paragraph_last_first", "**Well** that ends well.")


def test_paragraph_last_first_treats_each_line_as_a_paragraph() -> None:
    assert passed("words:paragraph_last_first", "One\n\n  \nTwo\n...\n")
    assert not passed("words:paragraph_last_first", "Home is\nhome")


def test_prime_lengths_measures_words_with_punctuation_removed() -> None:
    assert passed("words:prime_lengths", "it's")  # "its": 3
    assert not passed("words:prime_lengths", "don't")  # "dont": 4
    assert passed("words:prime_lengths", "")


def test_prime_lengths_knows_primes_only_up_to_97() -> None:
    verdict = check("words:prime_lengths", "x" * 101)
    assert verdict.passed is False
    assert "97" in verdict.evidence
    assert passed("words:prime_lengths", "x" * 97)


def test_repeats_ignores_case_and_punctuation() -> None:
    assert not passed("words:repeats", "The, the. THE", small_n=2)
    assert passed("words:repeats", "The, the. THE", small_n=3)


def test_vowel_is_one_line_and_y_is_no_vowel() -> None:
    assert passed("words:vowel", "\n  Rhythm by my gym.  \n")
    assert not passed("words:vowel", "Cat.\n\nDog.")
    assert passed("words:vowel", "Cat.\r Dog.")  # only "\n" separates lines


def test_words_position_reference_counts_punctuation_tokens_as_words() -> None:
    # the opening quote is the first token, so the second token is "A"
    text = '"A vibrant day is vibrant today."'
    assert not passed("words:words_position", text, keyword="vibrant")
    assert passed("words:words_position", text, "corrected", keyword="vibrant")


def test_words_position_steps_over_only_a_final_ascii_punctuation_token() -> None:
    # NLTK turns a closing double quote into "''", which is not a substring of ASCII
    # punctuation, so it is not stepped over and the second-to-last token is the period
    text = 'I vibrant say "vibrant bliss."'
    verdict = check("words:words_position", text, keyword="vibrant")
    assert verdict.passed is False
    assert "the second-to-last is '.'" in verdict.evidence
    assert passed("words:words_position", text, "corrected", keyword="vibrant")
    # a final single quote stays "'", which is stepped over
    assert passed("words:words_position", "She vibrant said 'so vibrant bliss'", keyword="vibrant")


def test_words_position_corrected_needs_two_words() -> None:
    verdict = check("words:words_position", "Vibrant!!", "corrected", keyword="vibrant")
    assert verdict.passed is False
    assert verdict.evidence == "only 1 word; needs at least 2"
    assert passed("words:words_position", "vibrant vibrant.", "corrected", keyword="vibrant")


def test_keywords_specific_position_skips_punctuation_tokens() -> None:
    text = "First. Well, the giggle."
    assert passed("words:keywords_specific_position", text, keyword="giggle", n=2, m=3)
    # contractions split into two tokens, both words
    text = "First. Don't giggle."
    assert passed("words:keywords_specific_position", text, keyword="giggle", n=2, m=3)


def test_only_words_position_has_a_corrected_mode() -> None:
    texts = ['"A vibrant day is vibrant today."', "I like dogs. Dogs, however, bark.", "a b a"]
    for cid, params in EXAMPLES.items():
        if cid in ("words:words_position", "words:start_verb"):
            continue
        for text in texts:
            assert passed(cid, text, **params) == passed(cid, text, "corrected", **params), cid


# --- start_verb (needs adhere.text.postag, NLTK's tagger replica) ------------------------------


def test_start_verb() -> None:
    verdict = check("words:start_verb", "Write a short poem about the sea.")
    assert verdict.passed is True
    assert verdict.evidence.startswith("the first token 'Write' is tagged VB")
    verdict = check("words:start_verb", "The dog runs.")
    assert verdict.passed is False
    assert verdict.evidence == "the first token 'The' is tagged DT, not a verb tag (VB*)"
    assert check("words:start_verb", "  ").evidence == "no tokens, so no first word to tag"


# --- params ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cid", "params", "message"),
    [
        ("words:repeats", {}, "missing param 'small_n'"),
        ("words:repeats", {"small_n": -1}, "an integer >= 0"),
        ("words:repeats", {"small_n": 2.5}, "an integer"),
        ("words:repeats", {"small_n": "2"}, "an integer"),
        ("words:words_position", {}, "missing param 'keyword'"),
        ("words:words_position", {"keyword": "  "}, "a non-empty string"),
        ("words:keywords_specific_position", {"keyword": "a", "n": 0, "m": 1}, ">= 1"),
        ("words:keywords_specific_position", {"keyword": "a", "n": 1, "m": 0}, ">= 1"),
        ("words:keywords_specific_position", {"keyword": "a", "n": 1}, "missing param 'm'"),
        ("words:alphabet", {"N": 3}, "unknown param 'N'"),
    ],
)
def test_bad_params(cid: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParamError, match=message):
        build(ConstraintSpec(cid, params))


def test_params_are_stripped_and_floats_accepted() -> None:
    constraint = build(ConstraintSpec("words:words_position", {"keyword": " vibrant "}))
    assert constraint.to_params() == {"keyword": "vibrant"}
    constraint = build(ConstraintSpec("words:repeats", {"small_n": 4.0}))
    assert constraint.to_params() == {"small_n": 4}
