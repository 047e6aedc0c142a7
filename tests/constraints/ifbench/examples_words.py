"""Valid example params for the IFBench ``words:*`` constraints (property tests use them)."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {
    "words:alphabet": {},
    "words:consonants": {},
    "words:keywords_specific_position": {"keyword": "river", "n": 2, "m": 3},
    "words:last_first": {},
    "words:no_consecutive": {},
    "words:odd_even_syllables": {},
    "words:palindrome": {},
    "words:paragraph_last_first": {},
    "words:prime_lengths": {},
    "words:repeats": {"small_n": 2},
    "words:start_verb": {},
    "words:vowel": {},
    "words:words_position": {"keyword": "light"},
}
