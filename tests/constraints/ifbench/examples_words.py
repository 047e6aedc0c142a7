"""Valid example params for the IFBench ``words:*`` constraints (property tests use them)."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {}
