"""``adhere probe``: build a probe's variants, run what is missing, score, compute the metric.

Each stage of a probe is one ``adhere eval`` run of the variant suite the probe built (its name
``probe-NAME:SUITE``, its version the suite's, the probe's and the seed and parameters), so every
response is stored as it arrives, a stopped probe resumes where it stopped, and originals that a
plain ``adhere eval`` of the same model already answered are not asked again. The metric goes to
``WORKSPACE/RUN_ID/probe.json`` of the last stage's run, where ``adhere report`` finds it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any

from adhere.core.errors import InputError
from adhere.core.frozen import frozen
from adhere.core.generation import canonical_json
from adhere.core.version import __version__
from adhere.probes import PROBES, get_probe
from adhere.probes.base import Probe, ProbeMetric, ScoredVariant
from adhere.runner.eval_run import EvalResult, EvalSettings, evaluate_suite
from adhere.runner.scorefiles import write_atomic
from adhere.suites.registry import Suite

PROBE_FILE = "probe.json"


@frozen
class ProbeOutcome:
    """What a probe run produced. Fields: probe, options, seed, runs (one eval result per
    stage), metric, path (of probe.json)."""

    probe: str
    options: dict[str, Any]
    seed: int
    runs: tuple[EvalResult, ...]
    metric: ProbeMetric
    path: str


def _variant_suite(probe: Probe, base: Suite, seed: int, stage: int, samples: list[Any]) -> Suite:
    fingerprint = canonical_json(
        {"probe": probe.name, "version": probe.version, "options": probe.options, "seed": seed}
    )
    digest = hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:10]
    name = f"probe-{probe.name}:{base.name}" + (f":stage{stage + 1}" if probe.stages > 1 else "")
    version = f"{base.version}+{probe.name}.{probe.version}.{digest}"
    return Suite(name, version, tuple(samples), f"{probe.name} probe of {base.source}")


def run_probe(
    name: str,
    settings: EvalSettings,
    seed: int = 0,
    options: Mapping[str, Any] | None = None,
) -> ProbeOutcome:
    """Run probe ``name`` with ``settings`` (its ``suite``: the suite to perturb; empty: the
    probe's default) and write its metric next to the last stage's verdicts."""
    probe = get_probe(name)(options)
    base = probe.base_suite(settings.suite or None, settings.limit)
    earlier: dict[str, str | None] = {}
    runs: list[EvalResult] = []
    scored: list[ScoredVariant] = []
    for stage in range(probe.stages):
        samples = probe.variants(base, seed, stage, earlier)
        if not samples and runs:
            break  # nothing left to ask (conversations that ended); the metric counts them
        if not samples:
            raise InputError(
                f"probe {name!r} made no variants of suite {base.name!r} "
                f"(it needs {probe.default_suite!r}-style samples; see `adhere list probes`)"
            )
        suite = _variant_suite(probe, base, seed, stage, samples)
        result = evaluate_suite(settings, suite)
        runs.append(result)
        for strict, loose in zip(result.score.strict, result.score.loose, strict=True):
            scored.append(ScoredVariant(strict.sample, strict, loose))
            earlier[strict.sample.id] = strict.response
    metric = probe.metric(scored)
    document = {
        "probe": probe.name,
        "summary": probe.summary,
        "metric_help": probe.metric_help,
        "options": probe.options,
        "seed": seed,
        "suite": base.name,
        "suite_version": base.version,
        "model": runs[-1].score.summary.get("inputs", {}).get("model"),
        "runs": [r.run_id for r in runs],
        "variants": len(scored),
        "adhere_version": __version__,
        **metric.to_dict(),
    }
    path = os.path.join(runs[-1].outdir, PROBE_FILE)
    write_atomic(
        runs[-1].outdir, PROBE_FILE, json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    )
    return ProbeOutcome(probe.name, dict(probe.options), seed, tuple(runs), metric, path)


__all__ = ["PROBES", "PROBE_FILE", "ProbeOutcome", "run_probe"]
