"""The report's numbers as data: the ``--format json`` document, and what the Markdown, terminal
and HTML views are drawn from.

Per run, the rates are ``summary.json``'s as scoring wrote them (so a report never disagrees
with ``adhere score``); comparisons add the paired statistics of :mod:`adhere.report.compare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adhere.core.version import __version__
from adhere.report.compare import Comparison
from adhere.report.runs import ScoredRun

HEADLINE = (
    ("prompt-level strict", "strict", "prompt_level"),
    ("instruction-level strict", "strict", "instruction_level"),
    ("prompt-level loose", "loose", "prompt_level"),
    ("instruction-level loose", "loose", "instruction_level"),
)


def run_document(run: ScoredRun) -> dict[str, Any]:
    """One run's entry in the JSON report."""
    summary = run.summary
    out: dict[str, Any] = {
        "name": run.name,
        "run_id": run.run_id,
        "folder": run.folder,
        "model": run.model,
        "suite": run.suite,
        "settings": run.spec,
        "compat": summary.get("compat"),
        "adhere_version": summary.get("adhere_version"),
        "records": summary.get("records", len(run.records)),
        "instructions": summary.get("instructions"),
        "no_response": summary.get("no_response", {}).get("count", 0),
        "empty_response": summary.get("empty_response", {}).get("count", 0),
        "unterminated_reasoning": summary.get("unterminated_reasoning", {}).get("count", 0),
        "undecided": summary.get("undecided", {}).get("count", 0),
        "truncated": sum(1 for r in run.records if r.finish_reason == "length"),
        "strict": summary.get("strict", {}),
        "loose": summary.get("loose", {}),
    }
    if "multi_turn" in summary:
        out["multi_turn"] = summary["multi_turn"]
    if run.probe:
        out["probe"] = run.probe
    return out


def document(
    runs: Sequence[ScoredRun], comparisons: Sequence[Comparison], notes: Sequence[str] = ()
) -> dict[str, Any]:
    """The whole JSON report."""
    return {
        "adhere_version": __version__,
        "runs": [run_document(run) for run in runs],
        "comparisons": [c.to_dict() for c in comparisons],
        "notes": list(notes),
    }


def rate_text(rate: dict[str, Any]) -> str:
    low, high = rate["ci95"]
    return f"{rate['accuracy']:.4f} [{low:.3f}, {high:.3f}]"


def signed(value: float) -> str:
    return f"{value:+.4f}"


def p_text(p: float) -> str:
    return "1" if p >= 0.9995 else f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def headline_rows(runs: Sequence[ScoredRun]) -> list[list[str]]:
    """One row per run: name, the four numbers with intervals, records."""
    rows = []
    for run in runs:
        cells = [run.name]
        for _, mode, level in HEADLINE:
            rate = run.summary.get(mode, {}).get(level)
            cells.append(rate_text(rate) if rate else "–")
        cells.append(str(run.summary.get("records", len(run.records))))
        rows.append(cells)
    return rows


def comparison_rows(comparison: Comparison) -> list[list[str]]:
    """The headline metrics of a comparison: baseline, other, difference [interval],
    improved/regressed prompts, McNemar p."""
    rows = []
    for label, mode, level in HEADLINE:
        d = comparison.modes[mode].metrics[level]
        rows.append(
            [
                label,
                f"{d.baseline:.4f}",
                f"{d.other:.4f}",
                f"{signed(d.diff)} [{d.low:+.3f}, {d.high:+.3f}]",
                f"{d.improved} / {d.regressed}",
                p_text(d.p_value),
            ]
        )
    return rows


COMPARISON_HEADER = [
    "metric",
    "baseline",
    "other",
    "difference [95 % CI]",
    "fixed / broken",
    "McNemar p",
]


GROUP_HEADER = [
    "",
    "prompts",
    "baseline",
    "other",
    "difference [95 % CI]",
    "fixed / broken",
    "McNemar p",
]


def group_rows(comparison: Comparison, table: str, mode: str) -> list[list[str]]:
    """Per family (``table="families"``) or constraint id: prompts, both accuracies, the
    difference [interval], fixed / broken, McNemar p."""
    rows = []
    for name, d in getattr(comparison.modes[mode], table).items():
        rows.append(
            [
                name,
                str(d.prompts),
                f"{d.baseline:.3f}",
                f"{d.other:.3f}",
                f"{signed(d.diff)} [{d.low:+.3f}, {d.high:+.3f}]",
                f"{d.improved} / {d.regressed}",
                p_text(d.p_value),
            ]
        )
    return rows


def probe_rows(probe: dict[str, Any]) -> list[list[str]]:
    """A probe's headline figures: name, value [interval], how it is computed."""
    rows = []
    for figure in probe.get("headline", []):
        low, high = figure.get("low"), figure.get("high")
        interval = f" [{low:.3f}, {high:.3f}]" if low is not None and high is not None else ""
        rows.append(
            [
                str(figure.get("name")),
                f"{figure.get('value', 0):.4f}{interval}",
                str(figure.get("note", "")),
            ]
        )
    return rows
