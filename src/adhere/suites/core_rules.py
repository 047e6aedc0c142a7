"""The data that ``adhere-core`` is generated from, besides the base tasks: sensible params for
every constraint, what a constraint needs from a task, and which constraints must not share a
sample.

Params are chosen from :data:`PARAMS`. A string value starting with ``@`` is filled from the
sample (:data:`PLACEHOLDERS`): ``@kw0``…``@kw4`` are the task's topical keywords, ``@avoid0`` and
``@avoid1`` words a natural answer would use, ``@rare`` a letter that appears in none of the
task's words, ``@passage`` the task's text to work on, ``@task`` the task's request and
``@request`` the whole request (the task and the other instructions of the sample).

Conflicts are declared four ways (:func:`conflicting` reads them all):

- :data:`EXCLUSIVE`: constraints that stand alone in a sample (their instruction replaces the
  answer, or the task itself);
- :data:`GROUPS`: at most one constraint of each group per sample;
- :data:`CONFLICTS`: pairs that contradict, or make each other trivial (``family:*`` matches a
  whole family);
- :data:`ONLY_WITH`: constraints that combine only with the ids listed.
"""

from __future__ import annotations

from typing import Any

PLACEHOLDERS = (
    "@kw0",
    "@kw1",
    "@kw2",
    "@kw3",
    "@kw4",
    "@avoid0",
    "@avoid1",
    "@rare",
    "@passage",
    "@task",
    "@request",
)

RARE_LETTERS = "zqxjkvw"
"""``@rare`` is the first of these letters that appears in none of the task's words."""

_AT_LEAST = "at least"
_LESS = "less than"

PARAMS: dict[str, tuple[dict[str, Any], ...]] = {
    # --- IFEval ---------------------------------------------------------------------------------
    "change_case:capital_word_frequency": (
        {"capital_frequency": 3, "capital_relation": _AT_LEAST},
        {"capital_frequency": 5, "capital_relation": _AT_LEAST},
        {"capital_frequency": 2, "capital_relation": _LESS},
    ),
    "change_case:english_capital": ({},),
    "change_case:english_lowercase": ({},),
    "combination:repeat_prompt": ({"prompt_to_repeat": "@request"},),
    "combination:two_responses": ({},),
    "detectable_content:number_placeholders": (
        {"num_placeholders": 1},
        {"num_placeholders": 2},
        {"num_placeholders": 3},
    ),
    "detectable_content:postscript": (
        {"postscript_marker": "P.S."},
        {"postscript_marker": "P.P.S"},
    ),
    "detectable_format:constrained_response": ({},),
    "detectable_format:json_format": ({},),
    "detectable_format:multiple_sections": (
        {"section_spliter": "Section", "num_sections": 2},
        {"section_spliter": "Part", "num_sections": 3},
        {"section_spliter": "Chapter", "num_sections": 3},
        {"section_spliter": "Section", "num_sections": 4},
    ),
    "detectable_format:number_bullet_lists": (
        {"num_bullets": 2},
        {"num_bullets": 3},
        {"num_bullets": 4},
        {"num_bullets": 5},
    ),
    "detectable_format:number_highlighted_sections": (
        {"num_highlights": 2},
        {"num_highlights": 3},
    ),
    "detectable_format:title": ({},),
    "keywords:existence": (
        {"keywords": ["@kw0", "@kw1"]},
        {"keywords": ["@kw2"]},
        {"keywords": ["@kw1", "@kw3", "@kw4"]},
    ),
    "keywords:forbidden_words": (
        {"forbidden_words": ["@avoid0", "@avoid1"]},
        {"forbidden_words": ["@avoid0"]},
        {"forbidden_words": ["@avoid1"]},
    ),
    "keywords:frequency": (
        {"keyword": "@kw0", "frequency": 2, "relation": _AT_LEAST},
        {"keyword": "@kw3", "frequency": 3, "relation": _AT_LEAST},
        {"keyword": "@avoid0", "frequency": 2, "relation": _LESS},
    ),
    "keywords:letter_frequency": (
        {"letter": "@rare", "let_frequency": 2, "let_relation": _LESS},
        {"letter": "e", "let_frequency": 20, "let_relation": _AT_LEAST},
        {"letter": "s", "let_frequency": 12, "let_relation": _AT_LEAST},
    ),
    "language:response_language": (
        {"language": "fr"},
        {"language": "de"},
        {"language": "es"},
        {"language": "it"},
        {"language": "pt"},
    ),
    "length_constraints:nth_paragraph_first_word": (
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "however"},
        {"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "meanwhile"},
        {"num_paragraphs": 3, "nth_paragraph": 3, "first_word": "finally"},
        {"num_paragraphs": 4, "nth_paragraph": 3, "first_word": "overall"},
    ),
    "length_constraints:number_paragraphs": (
        {"num_paragraphs": 2},
        {"num_paragraphs": 3},
        {"num_paragraphs": 4},
    ),
    "length_constraints:number_sentences": (
        {"num_sentences": 4, "relation": _AT_LEAST},
        {"num_sentences": 6, "relation": _AT_LEAST},
        {"num_sentences": 5, "relation": _LESS},
        {"num_sentences": 8, "relation": _LESS},
    ),
    "length_constraints:number_words": (
        {"num_words": 80, "relation": _LESS},
        {"num_words": 120, "relation": _LESS},
        {"num_words": 150, "relation": _AT_LEAST},
        {"num_words": 250, "relation": _AT_LEAST},
    ),
    "punctuation:no_comma": ({},),
    "startend:end_checker": (
        {"end_phrase": "That is all for now."},
        {"end_phrase": "Thanks for reading."},
        {"end_phrase": "Hope this helps!"},
    ),
    "startend:quotation": ({},),
    # --- IFBench --------------------------------------------------------------------------------
    "count:conjunctions": ({"small_n": 3}, {"small_n": 4}),
    "count:keywords_multiple": (
        {
            "keyword1": "@kw0",
            "keyword2": "@kw1",
            "keyword3": "@kw2",
            "keyword4": "@kw3",
            "keyword5": "@kw4",
        },
    ),
    "count:numbers": ({"N": 2}, {"N": 3}, {"N": 4}),
    "count:person_names": ({"N": 2}, {"N": 3}),
    "count:pronouns": ({"N": 5}, {"N": 8}),
    "count:punctuation": ({},),
    "count:unique_word_count": ({"N": 30}, {"N": 40}, {"N": 50}),
    "count:word_count_range": (
        {"min_words": 50, "max_words": 100},
        {"min_words": 80, "max_words": 150},
        {"min_words": 120, "max_words": 200},
    ),
    "count:words_japanese": ({"N": 2}, {"N": 3}),
    "custom:character_reverse": ({},),
    "custom:csv_city": ({},),
    "custom:csv_quotes": ({},),
    "custom:csv_special_character": ({},),
    "custom:date_format_list": ({},),
    "custom:european_capitals_sort": ({},),
    "custom:mcq_count_length": ({},),
    "custom:multiples": ({},),
    "custom:reverse_newline": ({},),
    "custom:sentence_alphabet": ({},),
    "custom:word_reverse": ({},),
    "format:emoji": ({},),
    "format:line_indent": ({},),
    "format:list": ({"sep": "->"}, {"sep": "=>"}, {"sep": "~>"}),
    "format:newline": ({},),
    "format:no_bullets_bullets": ({},),
    "format:no_whitespace": ({},),
    "format:options": ({"options": "yes/no/maybe"}, {"options": "yes/no"}),
    "format:output_template": ({},),
    "format:parentheses": ({},),
    "format:quote_unquote": ({},),
    "format:quotes": ({},),
    "format:sub-bullets": ({},),
    "format:thesis": ({},),
    "format:title_case": ({},),
    "ratio:overlap": (
        {"reference_text": "@passage", "percentage": 20},
        {"reference_text": "@passage", "percentage": 30},
        {"reference_text": "@passage", "percentage": 40},
    ),
    "ratio:sentence_balance": ({},),
    "ratio:sentence_type": ({},),
    "ratio:sentence_words": ({},),
    "ratio:stop_words": ({"percentage": 35}, {"percentage": 40}, {"percentage": 45}),
    "repeat:repeat_change": ({"prompt_to_repeat": "@task"},),
    "repeat:repeat_simple": ({},),
    "repeat:repeat_span": (
        {"n_start": 0, "n_end": 3, "prompt_to_repeat": "@task"},
        {"n_start": 1, "n_end": 4, "prompt_to_repeat": "@task"},
        {"n_start": 2, "n_end": 6, "prompt_to_repeat": "@task"},
        {"n_start": 3, "n_end": 7, "prompt_to_repeat": "@task"},
    ),
    "sentence:alliteration_increment": ({},),
    "sentence:increment": ({"small_n": 1}, {"small_n": 2}),
    "sentence:keyword": ({"word": "@kw1", "N": 2}, {"word": "@kw2", "N": 3}),
    "words:alphabet": ({},),
    "words:consonants": ({},),
    "words:keywords_specific_position": (
        {"keyword": "@kw0", "n": 2, "m": 3},
        {"keyword": "@kw4", "n": 3, "m": 2},
        {"keyword": "@kw2", "n": 2, "m": 4},
    ),
    "words:last_first": ({},),
    "words:no_consecutive": ({},),
    "words:odd_even_syllables": ({},),
    "words:palindrome": ({},),
    "words:paragraph_last_first": ({},),
    "words:prime_lengths": ({},),
    "words:repeats": ({"small_n": 3}, {"small_n": 4}),
    "words:start_verb": ({},),
    "words:vowel": ({},),
    "words:words_position": ({"keyword": "@kw0"}, {"keyword": "@kw3"}),
}
"""Each constraint id -> the param sets a sample may use (one is drawn per use)."""

MIN_TASK_WORDS = 8
"""Tasks used by ``repeat:repeat_span`` must have more words than the largest ``n_end``."""

# --- what a constraint needs from its task ------------------------------------------------------

STANDALONE = ("custom:*",)
"""Constraints whose instruction is a whole task of its own: their samples have no base task."""

EMBEDS_REQUEST = ("combination:repeat_prompt", "repeat:repeat_change", "repeat:repeat_span")
"""Constraints whose instruction quotes the request: the message is their instruction alone."""

REQUIRES: dict[str, str] = {
    "detectable_format:constrained_response": "question",
    "format:options": "question",
    "ratio:overlap": "passage",
    "combination:repeat_prompt": "no_passage",
    "repeat:repeat_change": "no_passage",
    "repeat:repeat_span": "no_passage",
}
"""What a task must be for the constraint: ``question`` (a yes/no question), ``passage`` (has a
text to work on) or ``no_passage`` (a one-line request that can be quoted back)."""

# --- conflicts -----------------------------------------------------------------------------------

EXCLUSIVE = (
    "custom:*",
    "repeat:*",
    "format:options",
    "format:no_whitespace",
    "detectable_format:constrained_response",
)

GROUPS: dict[str, tuple[str, ...]] = {
    "layout": (
        "combination:two_responses",
        "detectable_format:json_format",
        "detectable_format:multiple_sections",
        "detectable_format:number_bullet_lists",
        "format:line_indent",
        "format:list",
        "format:newline",
        "format:no_bullets_bullets",
        "format:output_template",
        "format:sub-bullets",
        "length_constraints:nth_paragraph_first_word",
        "length_constraints:number_paragraphs",
        "words:paragraph_last_first",
        "words:vowel",
    ),
    "case": (
        "change_case:capital_word_frequency",
        "change_case:english_capital",
        "change_case:english_lowercase",
        "format:title_case",
    ),
    "length": ("count:word_count_range", "length_constraints:number_words"),
    "sentences": (
        "length_constraints:number_sentences",
        "ratio:sentence_balance",
        "ratio:sentence_type",
        "ratio:sentence_words",
        "sentence:alliteration_increment",
        "sentence:increment",
        "words:last_first",
    ),
    "every_word": (
        "words:alphabet",
        "words:consonants",
        "words:no_consecutive",
        "words:odd_even_syllables",
        "words:prime_lengths",
        "words:vowel",
    ),
}

_ENGLISH_WORDS = (
    "change_case:english_capital",
    "change_case:english_lowercase",
    "count:conjunctions",
    "count:keywords_multiple",
    "count:pronouns",
    "count:words_japanese",
    "format:output_template",
    "keywords:existence",
    "keywords:forbidden_words",
    "keywords:frequency",
    "ratio:overlap",
    "ratio:stop_words",
    "sentence:keyword",
    "startend:end_checker",
    "words:*",
)
"""Constraints that ask for English words: they contradict (or are void in) another language."""

_FIXED_CASE = (
    "count:person_names",
    "count:words_japanese",
    "detectable_content:postscript",
    "detectable_format:multiple_sections",
    "format:output_template",
    "startend:end_checker",
)
"""Constraints whose required text has a fixed case (or none), against the whole-answer cases."""

CONFLICTS: tuple[tuple[str, str], ...] = (
    *(("language:response_language", other) for other in _ENGLISH_WORDS),
    *(
        (case, other)
        for case in ("change_case:english_capital", "change_case:english_lowercase")
        for other in _FIXED_CASE
    ),
    ("change_case:english_capital", "format:thesis"),
    ("change_case:english_capital", "words:start_verb"),
    ("format:title_case", "count:words_japanese"),
    ("format:title_case", "count:numbers"),
    ("format:title_case", "startend:end_checker"),
    ("count:keywords_multiple", "keywords:frequency"),
    ("count:keywords_multiple", "words:repeats"),
    ("count:keywords_multiple", "words:words_position"),
    ("count:keywords_multiple", "length_constraints:number_words"),
    ("count:keywords_multiple", "count:word_count_range"),
    ("words:palindrome", "length_constraints:number_words"),
    ("words:palindrome", "count:word_count_range"),
    ("words:repeats", "keywords:frequency"),
    ("words:repeats", "length_constraints:number_words"),
    ("words:repeats", "count:word_count_range"),
    ("count:punctuation", "punctuation:no_comma"),
    ("count:numbers", "detectable_format:multiple_sections"),
    ("count:words_japanese", "words:*"),
    ("count:words_japanese", "sentence:alliteration_increment"),
    ("count:words_japanese", "startend:end_checker"),
    ("detectable_format:title", "format:newline"),
    ("detectable_format:title", "words:paragraph_last_first"),
    ("detectable_format:title", "words:start_verb"),
    ("detectable_format:title", "words:words_position"),
    ("format:emoji", "ratio:*"),
    ("format:emoji", "startend:end_checker"),
    ("format:emoji", "startend:quotation"),
    ("format:emoji", "words:last_first"),
    ("format:emoji", "words:paragraph_last_first"),
    ("format:quote_unquote", "format:quotes"),
    ("format:quote_unquote", "startend:quotation"),
    ("format:thesis", "format:newline"),
    ("format:thesis", "words:paragraph_last_first"),
    ("format:thesis", "words:start_verb"),
    ("format:thesis", "words:words_position"),
    ("startend:end_checker", "format:newline"),
    ("startend:end_checker", "words:last_first"),
    ("startend:end_checker", "words:paragraph_last_first"),
    ("startend:end_checker", "words:words_position"),
    ("startend:end_checker", "sentence:increment"),
    ("startend:end_checker", "ratio:sentence_words"),
    ("startend:quotation", "words:paragraph_last_first"),
    ("startend:quotation", "words:start_verb"),
    ("startend:quotation", "words:words_position"),
    ("detectable_content:postscript", "words:paragraph_last_first"),
    ("words:no_consecutive", "sentence:alliteration_increment"),
    ("language:response_language", "length_constraints:nth_paragraph_first_word"),
    ("format:title_case", "format:thesis"),  # <i> is a lower-case word to the tokenizer
    ("format:sub-bullets", "detectable_format:number_highlighted_sections"),  # '*' needs a '-'
    # nothing may follow the bullet points
    ("format:no_bullets_bullets", "detectable_content:postscript"),
    ("format:no_bullets_bullets", "startend:end_checker"),
    ("format:no_bullets_bullets", "startend:quotation"),
    # exactly three sentences of equal length: too few for many parts or many words
    *(
        ("ratio:sentence_words", other)
        for other in (
            "combination:two_responses",
            "count:keywords_multiple",
            "count:word_count_range",
            "detectable_format:multiple_sections",
            "detectable_format:number_bullet_lists",
            "format:sub-bullets",
            "length_constraints:nth_paragraph_first_word",
            "length_constraints:number_paragraphs",
            "length_constraints:number_words",
        )
    ),
    ("words:start_verb", "detectable_format:multiple_sections"),
    ("words:start_verb", "format:output_template"),
    ("words:words_position", "detectable_format:multiple_sections"),
    ("words:words_position", "format:output_template"),
)

_EVERY_WORD_PARTNERS = (
    "count:word_count_range",
    "length_constraints:number_sentences",
    "length_constraints:number_words",
    "punctuation:no_comma",
)

ONLY_WITH: dict[str, tuple[str, ...]] = {
    # The repeated request counts as part of the answer, so most checks would see (or be
    # satisfied by) the instruction texts themselves; keep to the ones it cannot satisfy.
    "combination:repeat_prompt": (
        "detectable_format:number_bullet_lists",
        "format:parentheses",
        "format:quotes",
        "length_constraints:number_sentences",
        "length_constraints:number_words",
        "startend:end_checker",
        "words:palindrome",
    ),
    "detectable_format:json_format": (
        "change_case:english_lowercase",
        "count:numbers",
        "count:person_names",
        "count:pronouns",
        "count:unique_word_count",
        "detectable_content:number_placeholders",
        "keywords:existence",
        "keywords:forbidden_words",
        "keywords:frequency",
        "keywords:letter_frequency",
        "language:response_language",
        "length_constraints:number_words",
    ),
    "words:alphabet": (*_EVERY_WORD_PARTNERS, "format:newline"),
    "words:consonants": (*_EVERY_WORD_PARTNERS, "format:newline"),
    "words:odd_even_syllables": (*_EVERY_WORD_PARTNERS, "format:newline"),
    "words:prime_lengths": (*_EVERY_WORD_PARTNERS, "format:newline"),
    "words:vowel": _EVERY_WORD_PARTNERS,
}


def matches(pattern: str, constraint_id: str) -> bool:
    """Whether ``constraint_id`` is ``pattern``, or in its family when it ends in ``:*``."""
    if pattern.endswith(":*"):
        return constraint_id.startswith(pattern[:-1])
    return constraint_id == pattern


def _any(patterns: tuple[str, ...], constraint_id: str) -> bool:
    return any(matches(p, constraint_id) for p in patterns)


def is_exclusive(constraint_id: str) -> bool:
    return _any(EXCLUSIVE, constraint_id)


def is_standalone(constraint_id: str) -> bool:
    return _any(STANDALONE, constraint_id)


def conflicting(a: str, b: str) -> bool:
    """Whether the constraints ``a`` and ``b`` must not share a sample (see the module doc)."""
    if a == b or is_exclusive(a) or is_exclusive(b):
        return True
    if any(a in members and b in members for members in GROUPS.values()):
        return True
    for first, second in ((a, b), (b, a)):
        if first in ONLY_WITH and second not in ONLY_WITH[first]:
            return True
    return any(
        (matches(x, a) and matches(y, b)) or (matches(x, b) and matches(y, a)) for x, y in CONFLICTS
    )
