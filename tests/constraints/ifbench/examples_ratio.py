"""Valid example params for the IFBench ``ratio:*`` constraints (property tests use them)."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {}
