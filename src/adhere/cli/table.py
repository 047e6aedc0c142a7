"""Plain-text tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def render(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the first column left-aligned, the rest right."""
    widths = [max(len(str(r[i])) for r in (headers, *rows)) for i in range(len(headers))]

    def fmt(row: Sequence[str]) -> str:
        cells = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(headers), rule, *(fmt(r) for r in rows)])


def _cell(rate: dict[str, Any]) -> str:
    low, high = rate["ci95"]
    return f"{rate['accuracy']:.4f} [{low:.3f}, {high:.3f}]"


def accuracy_table(summary: dict[str, Any]) -> str:
    """Prompt- and instruction-level accuracy, strict and loose, overall and per family."""
    headers = ["", "n prompts", "prompt strict", "instr. strict", "prompt loose", "instr. loose"]
    strict, loose = summary["strict"], summary["loose"]

    def row(name: str, s: dict[str, Any], lo: dict[str, Any]) -> list[str]:
        return [
            name,
            str(s["prompt_level"]["total"]),
            _cell(s["prompt_level"]),
            _cell(s["instruction_level"]),
            _cell(lo["prompt_level"]),
            _cell(lo["instruction_level"]),
        ]

    rows = [row("overall", strict, loose)]
    for family in strict["families"]:
        rows.append(row(f"  {family}", strict["families"][family], loose["families"][family]))
    return render(headers, rows)
