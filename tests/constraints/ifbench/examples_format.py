"""Valid example params for the IFBench ``format:*`` constraints (property tests use them)."""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {
    "format:emoji": {},
    "format:line_indent": {},
    "format:list": {"sep": "SEPARATOR"},
    "format:newline": {},
    "format:no_bullets_bullets": {},
    "format:no_whitespace": {},
    "format:options": {"options": "yes/no/maybe"},
    "format:output_template": {},
    "format:parentheses": {},
    "format:quote_unquote": {},
    "format:quotes": {},
    "format:sub-bullets": {},
    "format:thesis": {},
    "format:title_case": {},
}
