"""One test per quirk of the references (../shared/reference/README.md, "Quirks").

Each test states the reference behaviour that adhere reproduces by default; where a corrected
mode exists, the test also shows what it changes.
"""

from __future__ import annotations

from typing import Any

import pytest

from adhere.constraints import CheckContext, Compat
from adhere.core.types import ConstraintSpec, Message, Sample
from adhere.scoring.evaluate import build, score_sample
from adhere.text.punkt import count_sentences
from adhere.text.variants import loose_variants
from adhere.text.words import count_words


def passed(cid: str, text: str, compat: Compat = "reference", **params: Any) -> bool | None:
    return build(ConstraintSpec(cid, params)).check(text, CheckContext("strict", compat)).passed


def sample(*specs: ConstraintSpec) -> Sample:
    return Sample("1", "test", (Message("user", "p"),), specs)


# --- the scoring loop -------------------------------------------------------------------------


def test_empty_response_fails_even_no_comma_without_running_the_check() -> None:
    spec = ConstraintSpec("punctuation:no_comma", {})
    strict, loose = score_sample(sample(spec), [build(spec)], "  \n ")
    assert strict.verdicts[0].passed is False
    assert strict.verdicts[0].evidence == "empty response"
    assert loose.verdicts[0].passed is False
    # the check itself would pass on that text
    assert passed("punctuation:no_comma", "  \n ") is True


def test_loose_variants_are_the_references_eight() -> None:
    texts = [v.text for v in loose_variants("*a*\nb, c\n*d*")]
    assert texts == [
        "*a*\nb, c\n*d*",
        "a\nb, c\nd",
        "b, c\n*d*",
        "*a*\nb, c",
        "b, c",
        "b, c\nd",
        "a\nb, c",
        "b, c",
    ]


def test_loose_tries_each_instruction_on_its_own_variants() -> None:
    quotation = ConstraintSpec("startend:quotation", {})
    ending = ConstraintSpec("startend:end_checker", {"end_phrase": "Quoted, answer"})
    no_comma = ConstraintSpec("punctuation:no_comma", {})
    specs = (quotation, ending, no_comma)
    response = 'Intro line\n"Quoted, answer"\nP.S. bye'
    strict, loose = score_sample(sample(*specs), [build(s) for s in specs], response)
    assert strict.follow_instruction_list == [False, False, False]
    # quotation holds with the first and last lines removed, the ending with the last line
    # removed: different variants for different instructions; the comma is in every variant.
    assert loose.follow_instruction_list == [True, True, False]
    assert "first and last lines removed" in loose.verdicts[0].evidence
    assert loose.verdicts[1].evidence.endswith("(with last line removed)")


def test_loose_skips_variants_that_are_empty() -> None:
    spec = ConstraintSpec("punctuation:no_comma", {})
    _, loose = score_sample(sample(spec), [build(spec)], "a, b")
    # single line: the first/last-line-removed variants are empty and are not checked
    assert loose.verdicts[0].passed is False


def test_missing_response_fails_with_evidence_no_response() -> None:
    spec = ConstraintSpec("punctuation:no_comma", {})
    strict, loose = score_sample(sample(spec), [build(spec)], None)
    assert [v.evidence for v in (*strict.verdicts, *loose.verdicts)] == ["no response"] * 2
    assert strict.follow_all_instructions is False


# --- words and sentences ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "n"), [("don't", 2), ("3.5", 2), ("e-mail", 2), ("", 0)])
def test_words_are_backslash_w_runs(text: str, n: int) -> None:
    assert count_words(text) == n


def test_sentences_are_punkt_english() -> None:
    assert count_sentences("Dr. Smith went home. He slept.") == 2
    assert count_sentences("1. a\n2. b") == 1


def test_less_than_is_strict_and_at_least_is_inclusive() -> None:
    cid = "length_constraints:number_words"
    assert passed(cid, "one two three", num_words=3, relation="less than") is False
    assert passed(cid, "one two", num_words=3, relation="less than") is True
    assert passed(cid, "one two three", num_words=3, relation="at least") is True


# --- keywords ---------------------------------------------------------------------------------


def test_keywords_are_unescaped_case_insensitive_regexes_without_word_boundaries() -> None:
    assert passed("keywords:existence", "A CATEGORY.", keywords=["cat"]) is True
    assert passed("keywords:existence", "colour", keywords=["colou?r"]) is True
    assert (
        passed(
            "keywords:frequency", "cat category", keyword="cat", frequency=2, relation="at least"
        )
        is True
    )
    # corrected mode: literal, whole words
    assert passed("keywords:existence", "A CATEGORY.", "corrected", keywords=["cat"]) is False


def test_forbidden_words_use_word_boundaries() -> None:
    assert passed("keywords:forbidden_words", "a category", forbidden_words=["cat"]) is True
    assert passed("keywords:forbidden_words", "a Cat!", forbidden_words=["cat"]) is False


def test_letter_frequency_lowercases_and_counts_characters() -> None:
    cid = "keywords:letter_frequency"
    assert passed(cid, "Aa a", letter="A", let_frequency=3, let_relation="at least") is True
    # a non a-z "letter" is counted literally (the newest reference; the published verdicts)
    assert passed(cid, "#1 #2", letter="#", let_frequency=2, let_relation="at least") is True
    assert passed(cid, "#1", letter="#", let_frequency=2, let_relation="less than") is True


# --- detectable content -----------------------------------------------------------------------


def test_postscript_is_lowercased_and_may_sit_anywhere_in_a_line() -> None:
    cid = "detectable_content:postscript"
    assert passed(cid, "see the p.s. below", postscript_marker="P.S.") is True
    assert passed(cid, "P. S. late", postscript_marker="P.S.") is True
    assert passed(cid, "P.P.S more", postscript_marker="P.P.S") is True
    assert passed(cid, "PS: nope", postscript_marker="P.S.") is False
    # corrected mode: the marker must open a line
    assert passed(cid, "see the p.s. below", "corrected", postscript_marker="P.S.") is False
    assert passed(cid, "text\nP.S. late", "corrected", postscript_marker="P.S.") is True


def test_placeholders_count_empty_brackets() -> None:
    cid = "detectable_content:number_placeholders"
    assert passed(cid, "[] and [x]", num_placeholders=2) is True
    assert passed(cid, "[a\n] [b]", num_placeholders=2) is False


# --- detectable format ------------------------------------------------------------------------


def test_highlights_count_single_and_double_asterisk_spans() -> None:
    cid = "detectable_format:number_highlighted_sections"
    assert passed(cid, "**bold**", num_highlights=1) is True
    assert passed(cid, "**bold**", num_highlights=2) is False
    assert passed(cid, "*a* *b*", num_highlights=2) is True
    assert passed(cid, "* * ** **", num_highlights=1) is False


def test_bullets_need_an_exact_count_and_a_rule_counts() -> None:
    cid = "detectable_format:number_bullet_lists"
    assert passed(cid, "* a\n* b\n---", num_bullets=3) is True
    assert passed(cid, "1. a\n2. b", num_bullets=0) is True
    assert passed(cid, "* a\n* b", num_bullets=1) is False
    assert passed(cid, "**bold** line\n- dash", num_bullets=1) is True


def test_paragraphs_split_on_dividers_without_newlines() -> None:
    cid = "length_constraints:number_paragraphs"
    assert passed(cid, "a***b", num_paragraphs=2) is True
    assert passed(cid, "***\na\n***\nb\n***", num_paragraphs=2) is True  # outer empties dropped
    assert passed(cid, "\n***\na\n***\nb", num_paragraphs=2) is True  # empty first piece dropped
    assert passed(cid, "a\n***\n\n***\nb", num_paragraphs=2) is False


def test_nth_paragraph_counts_non_empty_but_indexes_the_raw_list() -> None:
    cid = "length_constraints:nth_paragraph_first_word"
    kw: dict[str, Any] = {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "one"}
    assert passed(cid, "\n\nOne\n\nTwo", **kw) is False
    assert passed(cid, "One\n\nTwo", **kw) is True
    assert passed(cid, "\n\nOne\n\nTwo", "corrected", **kw) is True
    # the first word loses leading quotes and is cut at . , ? ! ' "
    assert passed(cid, "'\"One's day.\n\nTwo", **kw) is True


def test_sections_are_case_sensitive() -> None:
    cid = "detectable_format:multiple_sections"
    assert (
        passed(cid, "SECTION 1 a SECTION 2 b", section_spliter="Section", num_sections=2) is False
    )
    assert passed(cid, "Section1 a Section 2 b", section_spliter="Section", num_sections=2) is True


def test_two_responses() -> None:
    cid = "combination:two_responses"
    assert passed(cid, "a ****** b") is True
    assert passed(cid, "******a******b") is True
    assert passed(cid, "a ****** a ") is False
    assert passed(cid, "a ************ b") is False


def test_repeat_prompt_is_a_case_insensitive_prefix_after_strip() -> None:
    cid = "combination:repeat_prompt"
    assert passed(cid, "  WRITE a poem. Here it is", prompt_to_repeat="Write a poem. ") is True
    assert passed(cid, "Sure! Write a poem.", prompt_to_repeat="Write a poem.") is False


def test_end_checker_strips_quotes_and_lowercases() -> None:
    cid = "startend:end_checker"
    assert passed(cid, '"The answer. ANY OTHER QUESTIONS?"  ', end_phrase="Any other questions?")
    assert passed(cid, "Any other questions? Thanks", end_phrase="Any other questions?") is False


def test_quotation_needs_ascii_quotes_and_two_characters() -> None:
    cid = "startend:quotation"
    assert passed(cid, '  "hi"  ') is True
    assert passed(cid, '"') is False
    assert passed(cid, "“hi”") is False


def test_json_format_strips_one_fence_and_accepts_any_json_value() -> None:
    cid = "detectable_format:json_format"
    assert passed(cid, '```json\n{"a": 1}\n```') is True
    assert passed(cid, "NaN") is True
    assert passed(cid, '"text"') is True
    assert passed(cid, '```js\n{"a": 1}\n```') is False
    assert passed(cid, "[" * 100_000) is False


def test_title_needs_content_on_one_line() -> None:
    cid = "detectable_format:title"
    assert passed(cid, "<<A title>>\nbody") is True
    assert passed(cid, "<<  >> body") is False
    assert passed(cid, "<<A\ntitle>>") is False


def test_no_comma_looks_only_for_the_ascii_comma() -> None:
    assert passed("punctuation:no_comma", "a，b") is True
    assert passed("punctuation:no_comma", "a,b") is False


# --- case and language ------------------------------------------------------------------------


def test_case_checks_test_str_methods_before_the_language() -> None:
    assert passed("change_case:english_capital", "123") is False
    assert passed("change_case:english_lowercase", "123") is False
    assert passed("change_case:english_capital", "THIS IS AN ENGLISH SENTENCE ABOUT CATS.")
    assert passed("change_case:english_lowercase", "this is an english sentence about cats.")
    assert passed("change_case:english_lowercase", "ceci est une phrase en français.") is False


def test_language_detector_exception_counts_as_a_pass_by_default() -> None:
    # no letters: the detector finds no features and the reference counts that as followed
    assert passed("language:response_language", "1234 5678 !!!", language="fr") is True
    assert passed("change_case:english_capital", "ÀÁ 12") is not None
    assert passed("language:response_language", "1234 5678", "corrected", language="fr") is None


def test_capital_words_are_nltk_tokens_and_the_pronoun_i_counts() -> None:
    cid = "change_case:capital_word_frequency"
    kw: dict[str, Any] = {"capital_frequency": 3, "capital_relation": "at least"}
    assert passed(cid, "I said NO to THEM", **kw) is True
    assert passed(cid, "DON'T", capital_frequency=2, capital_relation="at least") is True
