"""Reports of scored runs: one self-contained HTML file, Markdown or JSON.

    from adhere.report import write_report
    write_report(["adhere-runs/adhere-core-1a2b3c4d5e6f"], "report.html")

Runs are scored folders or run ids in a workspace (see :mod:`adhere.report.runs`); with two or
more runs, every run after the first is compared with the first (the baseline).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Literal

from adhere.core.errors import InputError
from adhere.core.frozen import frozen
from adhere.report.compare import DEFAULT_RESAMPLES, Comparison, NoSharedSamples, compare
from adhere.report.runs import ScoredRun, load_runs
from adhere.runner.eval_run import DEFAULT_WORKSPACE
from adhere.runner.scorefiles import write_atomic

Format = Literal["html", "md", "json"]
FORMATS: tuple[Format, ...] = ("html", "md", "json")

__all__ = ["FORMATS", "Report", "build_report", "render_report", "write_report"]


@frozen
class Report:
    """Loaded runs, their comparisons with the first (the baseline), and notes on runs that
    could not be compared with it (no sample in common: another suite or probe)."""

    runs: tuple[ScoredRun, ...]
    comparisons: tuple[Comparison, ...]
    notes: tuple[str, ...] = ()


def build_report(
    runs: Sequence[str],
    workspace: str = DEFAULT_WORKSPACE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    strict_pairs: bool = False,
) -> Report:
    """Load the named runs and compare every run after the first with the first. A run that
    shares no sample with the first is noted rather than compared (an error with
    ``strict_pairs``, for runs named to be compared)."""
    if resamples < 100:
        raise InputError(f"resamples: expected at least 100, found {resamples}")
    loaded = load_runs(runs, workspace)
    comparisons = []
    notes = []
    for other in loaded[1:]:
        try:
            comparisons.append(compare(loaded[0], other, resamples, seed))
        except NoSharedSamples as error:
            if strict_pairs:
                raise
            notes.append(f"{other.name} is not compared with {loaded[0].name}: {error.detail}")
    return Report(tuple(loaded), tuple(comparisons), tuple(notes))


def render_report(report: Report, fmt: Format = "html") -> str:
    """The report as text in the given format."""
    if fmt == "json":
        from adhere.report.summary import document

        return json.dumps(
            document(report.runs, report.comparisons, report.notes), indent=2, ensure_ascii=False
        )
    if fmt == "md":
        from adhere.report.markdown import to_markdown

        return to_markdown(report.runs, report.comparisons, report.notes)
    if fmt == "html":
        from adhere.report.html import render

        return render(report.runs, report.comparisons, report.notes)
    raise InputError(f"format: expected one of {', '.join(FORMATS)}, found {fmt!r}")


def write_report(
    runs: Sequence[str],
    output: str,
    fmt: Format = "html",
    workspace: str = DEFAULT_WORKSPACE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Report:
    """Write the report of ``runs`` to ``output`` (through a temporary file, so a failure never
    leaves half a report) and return what it was made of."""
    report = build_report(runs, workspace, resamples, seed)
    text = render_report(report, fmt)
    folder = os.path.dirname(os.path.abspath(output))
    os.makedirs(folder, exist_ok=True)
    write_atomic(folder, os.path.basename(output), text)
    return report
