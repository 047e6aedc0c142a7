"""Valid example params for the IFBench ``repeat:*`` constraints (property tests use them)."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {
    "repeat:repeat_change": {"prompt_to_repeat": "Name two rivers in France."},
    "repeat:repeat_simple": {},
    "repeat:repeat_span": {
        "prompt_to_repeat": "Describe the light on the river at dusk.",
        "n_start": 2,
        "n_end": 5,
    },
}
