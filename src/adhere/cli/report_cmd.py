"""The ``report`` verb (argument parsing only; the work is in :mod:`adhere.report`)."""

from __future__ import annotations

import argparse
import sys

from adhere.core.errors import InputError

WORKSPACE_HELP = "folder of the run store, for runs named by id (default: ./adhere-runs)"


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = verbs.add_parser(
        "report",
        help="a report of scored runs: one self-contained HTML file, Markdown or JSON",
        description=(
            "Write a report of one or more scored runs. A run is a folder written by `adhere "
            "score -o` or `adhere eval` (WORKSPACE/RUN_ID), or a run id in the workspace's run "
            "store. With two or more runs, each run after the first is compared with the first: "
            "differences with paired bootstrap intervals and exact McNemar tests, and the "
            "samples that flipped."
        ),
    )
    report.add_argument("runs", nargs="*", metavar="RUN", help="scored folder or run id")
    report.add_argument(
        "-o",
        "--output",
        help="the file to write (default: report.html for HTML; Markdown and JSON go to the "
        "terminal)",
    )
    report.add_argument("--format", choices=("html", "md", "json"), default="html")
    report.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="print the comparison of run B against run A (the baseline) in the terminal",
    )
    report.add_argument("--workspace", default="adhere-runs", help=WORKSPACE_HELP)
    report.add_argument(
        "--resamples", type=int, default=2000, help="paired bootstrap resamples (default 2000)"
    )
    report.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")


def run_report(args: argparse.Namespace) -> int:
    from adhere.report import build_report, render_report, write_report
    from adhere.report.markdown import RUN_HEADER, comparison_text, plain_table
    from adhere.report.summary import headline_rows

    if args.compare:
        if args.runs:
            raise InputError("give the runs either as RUN … or with --compare A B, not both")
        report = build_report(
            args.compare, args.workspace, args.resamples, args.seed, strict_pairs=True
        )
        print(comparison_text(report.comparisons[0]))
        if args.output:
            write_report(
                args.compare, args.output, args.format, args.workspace, args.resamples, args.seed
            )
            print(f"\nwrote {args.output}")
        return 0
    if not args.runs:
        raise InputError(
            "name at least one run (a scored folder or a run id), or use --compare A B"
        )
    if args.format != "html" and not args.output:
        report = build_report(args.runs, args.workspace, args.resamples, args.seed)
        sys.stdout.write(render_report(report, args.format))
        if args.format == "json":
            sys.stdout.write("\n")
        return 0
    output = args.output or "report.html"
    report = write_report(args.runs, output, args.format, args.workspace, args.resamples, args.seed)
    print(plain_table(RUN_HEADER, headline_rows(report.runs)))
    for comparison in report.comparisons:
        print()
        print(comparison_text(comparison))
    for note in report.notes:
        print(f"\nnote: {note}")
    print(f"\nwrote {output} ({_size(output)})")
    return 0


def _size(path: str) -> str:
    import os

    size = os.path.getsize(path)
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} kB"
