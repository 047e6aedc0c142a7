"""Valid example params for the IFBench ``ratio:*`` constraints (property tests use them)."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {
    "ratio:overlap": {
        "reference_text": "The river runs under the light of the stone bridge.",
        "percentage": 30,
    },
    "ratio:sentence_balance": {},
    "ratio:sentence_type": {},
    "ratio:sentence_words": {},
    "ratio:stop_words": {"percentage": 40},
}
