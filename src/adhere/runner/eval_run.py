"""``adhere eval``: run a model on a suite, store every response as it arrives, score.

Order of work, so that nothing is paid for before the set-up is known to be right:

1. load and validate the suite (every id and param), parse the model string, build the
   backend (a missing optional package says which ``pip install`` fixes it);
2. preflight: the endpoint answers, the model exists, credentials are present — no generation;
3. plan one request per sample and sample index; requests whose response is already stored
   (from this run or any other with the same key) are not sent again;
4. generate through the facade; each response is committed to the store as it arrives and
   scored at once; a live progress line shows done/total, rate, ETA and errors;
5. write the run's verdict files and summary into ``WORKSPACE/RUN_ID/`` and return.

The run id is a hash of the suite, the model's identity and the generation settings, so the
same command resumes the same run.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import time
from collections.abc import Sequence
from typing import Any, TextIO

from adhere.backends.base import Backend, BackendOptions, make_backend, parse_model
from adhere.constraints.base import Compat, Constraint
from adhere.core.frozen import frozen
from adhere.core.generation import (
    GenerationConfig,
    Request,
    Response,
    canonical_json,
    request_key,
)
from adhere.core.types import Message, Sample
from adhere.core.version import __version__
from adhere.runner.facade import Facade, RunStats
from adhere.runner.scorefiles import ScoreResult, score_items
from adhere.runner.store import RunStore
from adhere.scoring.evaluate import build, score_sample
from adhere.suites.ifeval_files import Item
from adhere.suites.registry import Suite
from adhere.text.reasoning import DEFAULT_TAGS, ReasoningTags

DEFAULT_WORKSPACE = "adhere-runs"


@frozen
class EvalSettings:
    """Everything ``adhere eval`` needs.

    Fields:
        model: the model string (``openai:MODEL@URL``, ``hf:PATH``, ``vllm:PATH``,
            ``replay:FILE``).
        suite: a suite name or file (see :func:`adhere.suites.registry.load_suite`).
        config: generation settings.
        options: backend options (key variable, headers, timeout, concurrency, …).
        workspace: the folder holding the run store and the run folders.
        limit: score only the first N samples of the suite, or None for all.
        compat: ``reference`` or ``corrected`` verdicts.
        reasoning: tags of a reasoning trace to cut before scoring, or None.
        progress: where the live progress line goes (None: nowhere).
    """

    model: str
    suite: str
    config: GenerationConfig = GenerationConfig()
    options: BackendOptions = BackendOptions()
    workspace: str = DEFAULT_WORKSPACE
    limit: int | None = None
    compat: Compat = "reference"
    reasoning: ReasoningTags | None = DEFAULT_TAGS
    progress: TextIO | None = None


@frozen
class EvalResult:
    """What a run produced. Fields: run_id, outdir, score (the verdicts and summary), stats
    (requests sent this time, retries, failures), resumed (how many were already stored)."""

    run_id: str
    outdir: str
    score: ScoreResult
    stats: RunStats
    resumed: int


_USERINFO = re.compile(r"//[^/@]*@")


def public_model_text(text: str) -> str:
    """The model string with any ``user:password@`` removed from its URLs."""
    return _USERINFO.sub("//", text)


def _messages(sample: Sample, config: GenerationConfig) -> tuple[Message, ...]:
    if config.system is None:
        return sample.messages
    return (Message("system", config.system), *sample.messages)


def plan(
    samples: Sequence[Sample], identity: dict[str, Any], config: GenerationConfig
) -> list[Request]:
    """One request per sample and sample index, in suite order."""
    requests = []
    for sample in samples:
        messages = _messages(sample, config)
        for index in range(config.n):
            key = request_key(identity, messages, config, index)
            requests.append(Request(sample.id, messages, config, index, key))
    return requests


def run_id_for(suite: str, version: str, identity: dict[str, Any], config: GenerationConfig) -> str:
    payload = {"suite": suite, "version": version, "model": identity, "config": config.to_dict()}
    digest = hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()[:12]
    return f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', suite)[:40]}-{digest}"


class Progress:
    """A one-line live progress display: done/total, rate, ETA, errors."""

    def __init__(self, out: TextIO | None, total: int, already: int) -> None:
        self.out, self.total, self.done, self.errors = out, total, already, 0
        self.start, self.fresh, self.last = time.monotonic(), 0, 0.0
        self.tty = bool(out is not None and getattr(out, "isatty", lambda: False)())

    def update(self, response: Response) -> None:
        self.done += 1
        self.fresh += 1
        self.errors += not response.ok
        now = time.monotonic()
        if self.out is not None and (now - self.last > (0.2 if self.tty else 5.0)):
            self.last = now
            self.show()

    def show(self, end: str = "") -> None:
        if self.out is None:
            return
        elapsed = max(time.monotonic() - self.start, 1e-9)
        rate = self.fresh / elapsed
        left = self.total - self.done
        eta = f"{left / rate:.0f} s" if rate > 0 else "?"
        line = f"{self.done}/{self.total} responses  {rate:.1f}/s  ETA {eta}  errors {self.errors}"
        self.out.write(("\r" + line if self.tty else line + "\n") + end)
        self.out.flush()


def _constraints(samples: Sequence[Sample]) -> dict[str, tuple[Constraint, ...]]:
    return {s.id: tuple(build(spec, s.prompt) for spec in s.constraints) for s in samples}


async def _generate(
    settings: EvalSettings,
    backend: Backend,
    identity: dict[str, Any],
    samples: Sequence[Sample],
    built: dict[str, tuple[Constraint, ...]],
    store: RunStore,
    run_id: str,
    suite_name: str,
) -> tuple[RunStats, int]:
    try:
        facade = Facade(backend, settings.options)
        requests = plan(samples, identity, settings.config)
        await facade.preflight()
        spec = _run_spec(settings, identity, len(samples), suite_name)
        store.open_run(run_id, spec, requests, samples)
        done = store.done_keys(r.key for r in requests)
        todo = [r for r in requests if r.key not in done]
        progress = Progress(settings.progress, len(requests), len(requests) - len(todo))
        by_id = {s.id: s for s in samples}

        def on_done(request: Request, response: Response) -> None:
            store.put(request, response)
            progress.update(response)
            if response.ok:  # scored as it arrives; rescore recomputes from the store
                sample = by_id[request.sample_id]
                strict, loose = score_sample(
                    sample, built[sample.id], response.text, settings.compat, settings.reasoning
                )
                store.put_verdicts(
                    run_id,
                    request.key,
                    {
                        "strict": strict.follow_instruction_list,
                        "loose": loose.follow_instruction_list,
                    },
                )

        stats = await facade.run(todo, on_done)
        progress.show(end="\n" if progress.tty else "")
        return stats, len(requests) - len(todo)
    finally:
        await backend.aclose()


def _run_spec(
    settings: EvalSettings, identity: dict[str, Any], samples: int, suite: str
) -> dict[str, Any]:
    return {
        "suite": suite,
        "model": public_model_text(settings.model),
        "backend": identity,
        "config": settings.config.to_dict(),
        "samples": samples,
        "adhere_version": __version__,
    }


def items_from_store(
    store: RunStore,
    run_id: str,
    samples: Sequence[Sample],
    n: int = 1,
    built: dict[str, tuple[Constraint, ...]] | None = None,
) -> list[Item]:
    """The run's records as scorable items (a response that failed or is missing counts as no
    response). With ``n`` > 1 each item carries its sample index. ``built``: the samples'
    constraints, where the caller has them already."""
    by_id = {s.id: s for s in samples}
    built = built if built is not None else _constraints(samples)
    items = []
    for record in store.records(run_id):
        sample = by_id[record.sample_id]
        if n > 1:
            meta = {**sample.metadata, "sample": record.sample_index}
            sample = Sample(sample.id, sample.suite, sample.messages, sample.constraints, meta)
        response = record.response
        text = response.text if response is not None and response.ok else None
        items.append(Item(sample, built[record.sample_id], text))
    return items


def evaluate(settings: EvalSettings) -> EvalResult:
    """Run ``settings.model`` on ``settings.suite`` (see the module docstring)."""
    from adhere.suites.registry import load_suite

    suite = load_suite(settings.suite, limit=settings.limit)
    return evaluate_suite(settings, suite, label=settings.suite)


def evaluate_suite(settings: EvalSettings, suite: Suite, label: str | None = None) -> EvalResult:
    """Run ``settings.model`` on an already loaded ``suite`` (``settings.suite`` and
    ``settings.limit`` are not read): probes run the variant suites they build this way.
    ``label``: how the run's records name the suite (default: its name)."""
    label = label or suite.name
    backend = make_backend(parse_model(settings.model), settings.options)
    with RunStore(settings.workspace) as store:
        identity = backend.identity()
        built = _constraints(suite.samples)
        run_id = run_id_for(suite.name, suite.version, identity, settings.config)
        stats, resumed = asyncio.run(
            _generate(settings, backend, identity, suite.samples, built, store, run_id, label)
        )
        outdir = os.path.join(settings.workspace, run_id)
        items = items_from_store(store, run_id, suite.samples, settings.config.n, built)
        result = score_items(
            items,
            outdir,
            settings.compat,
            {"suite": label, "model": public_model_text(settings.model), "run": run_id},
            jobs=1,
            reasoning=settings.reasoning,
        )
    return EvalResult(run_id, outdir, result, stats, resumed)


def rescore(
    run_id: str,
    workspace: str = DEFAULT_WORKSPACE,
    compat: Compat = "reference",
    reasoning: ReasoningTags | None = DEFAULT_TAGS,
) -> ScoreResult:
    """Recompute a stored run's verdicts from its stored responses and samples, and write them
    (and the summary) into ``WORKSPACE/RUN_ID/``."""
    with RunStore(workspace, create=False) as store:
        spec = store.run_spec(run_id)
        samples = store.samples(run_id)
        n = int(spec.get("config", {}).get("n", 1))
        items = items_from_store(store, run_id, samples, n)
        inputs = {"suite": str(spec.get("suite")), "model": str(spec.get("model")), "run": run_id}
        return score_items(
            items, os.path.join(workspace, run_id), compat, inputs, jobs=1, reasoning=reasoning
        )
