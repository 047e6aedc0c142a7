"""Markdown and terminal views of the report's numbers (for CI logs, pull requests and
leaderboards)."""

from __future__ import annotations

from collections.abc import Sequence

from adhere.core.version import __version__
from adhere.report.compare import Comparison, shared_count_note
from adhere.report.runs import ScoredRun
from adhere.report.summary import (
    COMPARISON_HEADER,
    GROUP_HEADER,
    comparison_rows,
    group_rows,
    headline_rows,
    probe_rows,
)

RUN_HEADER = [
    "run",
    "prompt strict",
    "instruction strict",
    "prompt loose",
    "instruction loose",
    "records",
]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


def _probe_markdown(run: ScoredRun) -> str:
    probe = run.probe or {}
    rows = [row[:2] for row in probe_rows(probe)]
    head = f"\n## {_cell(str(probe.get('probe')))} probe: {_cell(run.name)}\n\n"
    head += f"{_cell(str(probe.get('metric_help', '')))}\n"
    return head + _md_table(["figure", "value [95 % CI]"], rows)


def to_markdown(
    runs: Sequence[ScoredRun], comparisons: Sequence[Comparison], notes: Sequence[str] = ()
) -> str:
    """The runs' headline numbers and every comparison, as Markdown."""
    parts = [f"# adhere report\n\nadhere {__version__}. Intervals are 95 % (docs/statistics.md).\n"]
    parts.append(_md_table(RUN_HEADER, headline_rows(runs)))
    for run in runs:
        parts.append(f"\n**{_cell(run.name)}**: suite {_cell(run.suite)}, run `{run.run_id}`")
    parts.extend(f"\n> {_cell(note)}" for note in notes)
    for run in runs:
        if run.probe:
            parts.append(_probe_markdown(run))
    for comparison in comparisons:
        parts.append(
            f"\n## {_cell(comparison.other)} vs {_cell(comparison.baseline)}\n\n"
            f"{shared_count_note(comparison)}; paired bootstrap with {comparison.resamples} "
            f"resamples (seed {comparison.seed}); exact McNemar test on prompt-level flips.\n"
        )
        parts.append(_md_table(COMPARISON_HEADER, comparison_rows(comparison)))
        parts.append("\n### Per family, instruction level (strict)\n")
        parts.append(
            _md_table(["family", *GROUP_HEADER[1:]], group_rows(comparison, "families", "strict"))
        )
    return "\n".join(parts) + "\n"


def plain_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def comparison_text(comparison: Comparison) -> str:
    """The comparison table for a terminal."""
    head = (
        f"{comparison.other} vs {comparison.baseline} (baseline): {shared_count_note(comparison)}"
    )
    body = plain_table(COMPARISON_HEADER, comparison_rows(comparison))
    families = plain_table(
        ["family", *GROUP_HEADER[1:]], group_rows(comparison, "families", "strict")
    )
    flips = comparison.flips
    strict_flips = [f for f in flips if f.mode == "strict"]
    fixed = sum(1 for f in strict_flips if f.other)
    note = (
        f"difference = other - baseline; 95 % paired bootstrap interval ({comparison.resamples} "
        f"resamples, seed {comparison.seed}); McNemar: exact two-sided test on prompts fixed vs "
        f"broken. Strict flips: {fixed} fixed, {len(strict_flips) - fixed} broken."
    )
    return f"{head}\n\n{body}\n\nper family, instruction level, strict:\n{families}\n\n{note}"
