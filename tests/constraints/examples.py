"""Valid example params for every constraint, shared by the table-driven and property tests."""

from __future__ import annotations

from typing import Any

EXAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    "keywords:existence": {"keywords": ["river", "stone"]},
    "keywords:frequency": {"keyword": "light", "frequency": 2, "relation": "at least"},
    "keywords:forbidden_words": {"forbidden_words": ["very", "really"]},
    "keywords:letter_frequency": {"letter": "z", "let_frequency": 3, "let_relation": "less than"},
    "language:response_language": {"language": "de"},
    "length_constraints:number_sentences": {"num_sentences": 3, "relation": "at least"},
    "length_constraints:number_paragraphs": {"num_paragraphs": 2},
    "length_constraints:number_words": {"num_words": 50, "relation": "less than"},
    "length_constraints:nth_paragraph_first_word": {
        "num_paragraphs": 2,
        "nth_paragraph": 2,
        "first_word": "then",
    },
    "detectable_content:number_placeholders": {"num_placeholders": 2},
    "detectable_content:postscript": {"postscript_marker": "P.S."},
    "detectable_format:number_bullet_lists": {"num_bullets": 2},
    "detectable_format:constrained_response": {},
    "detectable_format:number_highlighted_sections": {"num_highlights": 2},
    "detectable_format:multiple_sections": {"section_spliter": "Part", "num_sections": 2},
    "detectable_format:json_format": {},
    "detectable_format:title": {},
    "combination:two_responses": {},
    "combination:repeat_prompt": {"prompt_to_repeat": "Name two rivers."},
    "startend:end_checker": {"end_phrase": "That is all."},
    "startend:quotation": {},
    "change_case:capital_word_frequency": {"capital_frequency": 2, "capital_relation": "at least"},
    "change_case:english_capital": {},
    "change_case:english_lowercase": {},
    "punctuation:no_comma": {},
}


def _ifbench_examples() -> dict[str, dict[str, Any]]:
    from tests.constraints.ifbench import (
        examples_count,
        examples_custom,
        examples_format,
        examples_ratio,
        examples_repeat,
        examples_sentence,
        examples_words,
    )

    merged: dict[str, dict[str, Any]] = {}
    for module in (
        examples_count,
        examples_custom,
        examples_format,
        examples_ratio,
        examples_repeat,
        examples_sentence,
        examples_words,
    ):
        merged.update(module.EXAMPLES)
    return merged


IFEVAL_IDS = frozenset(EXAMPLE_PARAMS)
EXAMPLE_PARAMS.update(_ifbench_examples())
