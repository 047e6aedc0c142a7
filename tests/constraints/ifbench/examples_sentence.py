"""Valid example params for the IFBench ``sentence:*`` constraints (property tests use them)."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {
    "sentence:alliteration_increment": {},
    "sentence:increment": {"small_n": 2},
    "sentence:keyword": {"word": "river", "N": 2},
}
