"""Valid example params for the IFBench ``count:*`` constraints (property tests use them)."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {
    "count:conjunctions": {"small_n": 3},
    "count:keywords_multiple": {
        "keyword1": "river",
        "keyword2": "light",
        "keyword3": "stone",
        "keyword4": "then",
        "keyword5": "a",
    },
    "count:numbers": {"N": 2},
    "count:person_names": {"N": 2},
    "count:pronouns": {"N": 3},
    "count:punctuation": {},
    "count:unique_word_count": {"N": 10},
    "count:word_count_range": {"min_words": 5, "max_words": 20},
    "count:words_japanese": {"N": 2},
}
