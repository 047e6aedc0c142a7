"""The ``eval``, ``rescore`` and ``export`` verbs (argument parsing only; the work is in
:mod:`adhere.runner.eval_run` and :mod:`adhere.runner.export`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from adhere.core.errors import InputError

if TYPE_CHECKING:
    from adhere.runner.eval_run import EvalSettings
    from adhere.text.reasoning import ReasoningTags

WORKSPACE_HELP = "folder of the run store and run folders (default: ./adhere-runs)"


def add_eval_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = verbs.add_parser(
        "eval",
        help="run a model on a suite, store every response as it arrives, score",
        description=(
            "Run a model on a suite. Every response is committed to the run store as it "
            "arrives; running the same command again resumes and never asks twice for a "
            "stored response. The set-up (suite, model, endpoint, credentials) is checked "
            "before any generation request."
        ),
    )
    add_run_arguments(run, suite_default="adhere-core")


def add_rescore_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    again = verbs.add_parser("rescore", help="recompute a stored run's verdicts")
    again.add_argument("run", help="the run id (printed by `adhere eval`)")
    again.add_argument("--workspace", default="adhere-runs", help=WORKSPACE_HELP)
    again.add_argument("--compat", choices=("reference", "corrected"), default="reference")
    again.add_argument("--reasoning-tags", default="<think>,</think>", metavar="OPEN,CLOSE")
    again.add_argument("--no-reasoning", action="store_true")


def add_export_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    out = verbs.add_parser("export", help="export a stored run (JSONL or Parquet)")
    out.add_argument("run", help="the run id")
    out.add_argument("-o", "--output", required=True, help="the file to write")
    out.add_argument(
        "--format",
        choices=("ifeval", "adhere", "parquet"),
        default="adhere",
        help="ifeval: prompt/response lines; adhere: full records; parquet: a table",
    )
    out.add_argument("--workspace", default="adhere-runs", help=WORKSPACE_HELP)


def add_run_arguments(
    run: argparse.ArgumentParser, suite_default: str | None, seed_flag: str = "--seed"
) -> None:
    """The options of a model run (model, suite, generation, backend, scoring), shared by
    ``eval`` and ``probe``."""
    run.add_argument(
        "--model",
        required=True,
        help="openai:MODEL@URL[,URL…] | hf:PATH_OR_ID | vllm:PATH_OR_ID | replay:FILE "
        "(see `adhere list backends`)",
    )
    run.add_argument(
        "--suite",
        default=suite_default,
        help="adhere-core (built in, no download), ifeval[:PATH], ifbench[:PATH], or an input "
        "JSONL in IFEval's format (see `adhere list suites`)",
    )
    run.add_argument("--limit", type=int, help="only the first N samples of the suite")
    run.add_argument("--workspace", default="adhere-runs", help=WORKSPACE_HELP)
    gen = run.add_argument_group("generation")
    gen.add_argument("--system", help="system prompt")
    gen.add_argument("--temperature", type=float, default=0.0)
    gen.add_argument("--top-p", type=float)
    gen.add_argument("--max-tokens", type=int, default=1024)
    gen.add_argument("--stop", action="append", default=[], help="stop string (repeatable)")
    gen.add_argument(seed_flag, dest="seed", type=int, help="generation seed (for the server)")
    gen.add_argument("-n", "--samples", type=int, default=1, help="responses per prompt")
    gen.add_argument("--mode", choices=("chat", "completion"), default="chat")
    back = run.add_argument_group("backend")
    back.add_argument(
        "--api-key-env",
        default="OPENAI_API_KEY",
        help="environment variable holding the API key (default OPENAI_API_KEY; the key is "
        "never stored or printed)",
    )
    back.add_argument(
        "--header", action="append", default=[], metavar="NAME:VALUE", help="extra HTTP header"
    )
    back.add_argument(
        "--timeout",
        type=float,
        help="seconds per request (default 120; 600 for local models, whose requests wait for "
        "a batch and whose preflight loads the weights)",
    )
    back.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="requests in flight per URL (local models: raised to at least --batch-size)",
    )
    back.add_argument("--device", default="auto", help="local models: cpu, cuda or auto")
    back.add_argument("--batch-size", type=int, default=8, help="local models: batch size")
    back.add_argument("--dtype", default="auto", help="local models: weights dtype")
    score = run.add_argument_group("scoring")
    score.add_argument("--compat", choices=("reference", "corrected"), default="reference")
    score.add_argument("--reasoning-tags", default="<think>,</think>", metavar="OPEN,CLOSE")
    score.add_argument("--no-reasoning", action="store_true")
    run.add_argument("--quiet", action="store_true", help="no progress line")


def reasoning_tags(args: argparse.Namespace) -> ReasoningTags | None:
    """The reasoning tags of ``--reasoning-tags`` / ``--no-reasoning`` (None: score whole
    responses); a malformed value is an input error naming the option."""
    from adhere.text.reasoning import ReasoningTags

    if args.no_reasoning:
        return None
    try:
        return ReasoningTags.parse(args.reasoning_tags)
    except ValueError as error:
        raise InputError(str(error), field="--reasoning-tags") from None


def _headers(values: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise InputError(f"expected NAME:VALUE, found {value!r}", field="--header")
        out.append((name.strip(), content.strip()))
    return tuple(out)


def eval_settings(args: argparse.Namespace) -> EvalSettings:
    """The run settings of ``eval``'s (and ``probe``'s) options, checked."""
    from adhere.backends.base import BackendOptions
    from adhere.core.generation import GenerationConfig
    from adhere.runner.eval_run import EvalSettings

    try:
        config = GenerationConfig(
            system=args.system,
            temperature=args.temperature,
            top_p=args.top_p,
            max_tokens=args.max_tokens,
            stop=tuple(args.stop),
            seed=args.seed,
            n=args.samples,
            mode=args.mode,
        )
    except ValueError as error:
        raise InputError(str(error), field="generation settings") from None
    local = args.model.split(":", 1)[0] in ("hf", "vllm")
    timeout = args.timeout if args.timeout is not None else (600.0 if local else 120.0)
    if args.concurrency < 1 or timeout <= 0 or args.batch_size < 1:
        raise InputError(
            "expected --concurrency >= 1, --timeout > 0 and --batch-size >= 1; found "
            f"{args.concurrency}, {timeout}, {args.batch_size}"
        )
    # a local model batches the requests in flight: allow a whole batch to be in flight
    concurrency = max(args.concurrency, args.batch_size) if local else args.concurrency
    options = BackendOptions(
        api_key_env=args.api_key_env or None,
        headers=_headers(args.header),
        timeout=timeout,
        concurrency=concurrency,
        device=args.device,
        batch_size=args.batch_size,
        dtype=args.dtype,
    )
    return EvalSettings(
        model=args.model,
        suite=args.suite or "",
        config=config,
        options=options,
        workspace=args.workspace,
        limit=args.limit,
        compat=args.compat,
        reasoning=reasoning_tags(args),
        progress=None if args.quiet else sys.stderr,
    )


def run_eval(args: argparse.Namespace) -> int:
    from adhere.cli.table import accuracy_table
    from adhere.runner.eval_run import evaluate

    settings = eval_settings(args)
    result = evaluate(settings)
    print(accuracy_table(result.score.summary))
    stats = result.stats
    print(
        f"run {result.run_id}: {stats.done} response(s) generated now ({stats.failed} failed, "
        f"{stats.retries} retried), {result.resumed} reused from the store"
    )
    print(f"verdicts and summary in {result.outdir}/")
    if stats.failed:
        print("run the same command again to retry the failed responses")
    return 0


def run_rescore(args: argparse.Namespace) -> int:
    from adhere.cli.table import accuracy_table
    from adhere.runner.eval_run import rescore

    result = rescore(args.run, args.workspace, args.compat, reasoning_tags(args))
    print(accuracy_table(result.summary))
    print(f"verdicts and summary in {result.outdir}/")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from adhere.runner.export import export_run
    from adhere.runner.store import RunStore

    with RunStore(args.workspace, create=False) as store:
        count = export_run(store, args.run, args.format, args.output)
    print(f"wrote {count} record(s) to {args.output}")
    return 0
