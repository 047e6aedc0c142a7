"""The ``probe`` verb (argument parsing only; the work is in :mod:`adhere.probes.run`)."""

from __future__ import annotations

import argparse
from typing import Any

from adhere.core.errors import InputError


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from adhere.cli.eval_cmd import add_run_arguments

    probe = verbs.add_parser(
        "probe",
        help="run a robustness probe (perturbed instructions) on a model",
        description=(
            "Turn a suite into perturbed variants (reworded, moved or injected instructions, "
            "relabelled answers, instructions spread over turns, length targets), run what is "
            "missing (originals already in the run store are reused), score, and print the "
            "probe's metric with 95 % intervals. `adhere list probes` describes every probe. "
            "The metric is written to the run folder's probe.json, which `adhere report` shows."
        ),
    )
    probe.add_argument("name", help="the probe (see `adhere list probes`)")
    probe.add_argument(
        "--seed", dest="probe_seed", type=int, default=0, help="the probe's seed (default 0)"
    )
    probe.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a probe parameter (repeatable; lists are comma-separated)",
    )
    add_run_arguments(probe, suite_default=None, seed_flag="--generation-seed")


def _params(values: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for value in values:
        name, sep, content = value.partition("=")
        if not sep or not name.strip():
            raise InputError(f"expected NAME=VALUE, found {value!r}", field="--param")
        out[name.strip()] = content.strip()
    return out


def run_probe_command(args: argparse.Namespace) -> int:
    from adhere.cli.eval_cmd import eval_settings
    from adhere.probes.run import run_probe

    settings = eval_settings(args)
    outcome = run_probe(args.name, settings, args.probe_seed, _params(args.param))
    print(f"probe {outcome.probe} (seed {outcome.seed}; {outcome.options})")
    for figure in outcome.metric.headline:
        interval = (
            f" [{figure.low:.3f}, {figure.high:.3f}]"
            if figure.low is not None and figure.high is not None
            else ""
        )
        print(f"  {figure.name}: {figure.value:.4f}{interval}")
    for series in outcome.metric.series:
        print(f"  {series.title}{' (' + series.group + ')' if series.group else ''}:")
        for point in series.points:
            print(
                f"    {point.label:>20s}  {point.value:.4f} [{point.low:.3f}, {point.high:.3f}]"
                f"  n={point.count}"
            )
    runs = ", ".join(r.run_id for r in outcome.runs)
    print(f"runs: {runs}; metric in {outcome.path}")
    return 0
