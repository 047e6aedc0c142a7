"""Entry point of the ``adhere`` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from adhere.core.errors import AdhereError
from adhere.core.version import __version__

if TYPE_CHECKING:
    from typing import TypeAlias

    _Verbs: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
    """The verbs' action, as ``add_subparsers`` returns it."""


def _terminal_columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` gives it (``COLUMNS``, else the
    terminal of stdout, else 80), without importing shutil (and with it bz2 and lzma)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Formatter(argparse.HelpFormatter):
    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """argparse's parser with :class:`_Formatter` (also for the verbs' parsers, which
    ``add_subparsers`` makes of the same class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def _add_score(verbs: _Verbs) -> None:
    score = verbs.add_parser(
        "score",
        help="score existing responses (IFEval/IFBench JSONL in, verdicts + summary out)",
        description=(
            "Score responses that already exist. With two files: IFEval's input file "
            "(key, prompt, instruction_id_list, kwargs) and responses file (prompt, response), "
            "joined by exact prompt. With one file: a combined file whose every line has "
            "prompt, response, instruction_id_list, kwargs and optionally key."
        ),
    )
    score.add_argument("input", help="input JSONL (or a combined JSONL)")
    score.add_argument("responses", nargs="?", help="responses JSONL (omit for a combined file)")
    score.add_argument("-o", "--outdir", required=True, help="folder for the verdict files")
    score.add_argument(
        "--compat",
        choices=("reference", "corrected"),
        default="reference",
        help="reference (default): reproduce the reference verdicts, quirks included; "
        "corrected: opt into fixes for the references' plain mistakes (docs/quirks.md)",
    )
    score.add_argument(
        "--reasoning-tags",
        default="<think>,</think>",
        metavar="OPEN,CLOSE",
        help="tags around a reasoning trace; only the answer after the trace is scored, and a "
        "trace that never closes fails as 'unterminated reasoning' (default: <think>,</think>)",
    )
    score.add_argument(
        "--no-reasoning",
        action="store_true",
        help="score whole responses, reasoning traces included",
    )
    score.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        help="processes to score with (default: one per core; the verdicts are the same)",
    )


def _add_eval(verbs: _Verbs) -> None:
    from adhere.cli import eval_cmd

    eval_cmd.add_eval_parser(verbs)


def _add_rescore(verbs: _Verbs) -> None:
    from adhere.cli import eval_cmd

    eval_cmd.add_rescore_parser(verbs)


def _add_export(verbs: _Verbs) -> None:
    from adhere.cli import eval_cmd

    eval_cmd.add_export_parser(verbs)


def _add_report(verbs: _Verbs) -> None:
    from adhere.cli import report_cmd

    report_cmd.add_parser(verbs)


def _add_probe(verbs: _Verbs) -> None:
    from adhere.cli import probe_cmd

    probe_cmd.add_parser(verbs)


def _add_list(verbs: _Verbs) -> None:
    listing = verbs.add_parser("list", help="list what exists")
    listing.add_argument(
        "what", choices=("constraints", "backends", "suites", "probes"), help="what to list"
    )


_VERB_PARSERS: dict[str, Callable[[_Verbs], None]] = {
    "score": _add_score,
    "eval": _add_eval,
    "rescore": _add_rescore,
    "export": _add_export,
    "report": _add_report,
    "probe": _add_probe,
    "list": _add_list,
}
"""Every verb and what adds its parser, in the order ``adhere --help`` lists them."""


def _parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The command's parser: with every verb's parser, or with ``verb``'s alone.

    Building every verb's parser (and importing the modules that declare them) took ~7 ms, 2 %
    of a whole ``adhere score`` run. A command line that starts with a verb's exact name needs
    that verb's parser only: argparse hands everything after the name to it (the verb's own
    help, errors and defaults are the same), and the top level's options and messages do not
    depend on the other verbs. Whatever else (no verb, ``--help``, ``--version``, an unknown
    or misspelled verb, whose message lists every verb) gets the full parser.
    """
    parser: argparse.ArgumentParser = _Parser(
        prog="adhere",
        description="Measure how well language models follow instructions.",
    )
    parser.add_argument("--version", action="version", version=f"adhere {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    if verb is not None:
        _VERB_PARSERS[verb](verbs)
        return parser
    for add in _VERB_PARSERS.values():
        add(verbs)
    return parser


def _score(args: argparse.Namespace) -> int:
    import gc

    # A one-shot run creates no reference cycles worth collecting (records are freed by
    # reference counting); skipping the cycle collector's passes saves ~5 % of the run.
    gc.disable()
    from adhere.cli.eval_cmd import reasoning_tags
    from adhere.cli.table import accuracy_table
    from adhere.runner.scorefiles import LOOSE_FILE, STRICT_FILE, SUMMARY_FILE, score

    tags = reasoning_tags(args)
    result = score(args.input, args.responses, args.outdir, args.compat, args.jobs, tags)
    summary = result.summary
    print(accuracy_table(summary))
    print(
        "[low, high]: 95 % confidence intervals (Wilson; instruction level allows for "
        "instructions of one prompt not being independent)"
    )
    print()
    missing = summary["no_response"]
    if missing["count"]:
        shown = ", ".join(str(k) for k in missing["keys"][:10])
        more = " …" if missing["count"] > 10 else ""
        print(f"{missing['count']} prompt(s) had no response, scored as failed: {shown}{more}")
    cut = summary["unterminated_reasoning"]
    if cut["count"]:
        shown = ", ".join(str(k) for k in cut["keys"][:10])
        more = " …" if cut["count"] > 10 else ""
        print(
            f"{cut['count']} response(s) with unterminated reasoning (a trace that never "
            f"closes), scored as failed: {shown}{more}"
        )
    if summary["reasoning_traces_cut"]:
        print(f"{summary['reasoning_traces_cut']} reasoning trace(s) cut; only answers scored")
    if summary["undecided"]["count"]:
        print(f"{summary['undecided']['count']} verdict(s) undecided (see {SUMMARY_FILE})")
    print(
        f"{summary['records']} records, {summary['instructions']} instructions; wrote "
        f"{args.outdir}/{STRICT_FILE}, {LOOSE_FILE}, {SUMMARY_FILE}"
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    if args.what == "backends":
        from adhere.backends.base import BACKEND_FORMS

        for kind, (form, _, extra) in BACKEND_FORMS.items():
            note = f"  (needs: pip install 'adhere[{extra}]')" if extra else ""
            print(f"{form:32s} {kind}{note}")
        return 0
    if args.what == "probes":
        from adhere.probes import describe_probes

        for line in describe_probes():
            print(line)
        return 0
    if args.what == "suites":
        from adhere.suites.registry import list_suites

        for line in list_suites():
            print(line)
        return 0
    from adhere.constraints import CONSTRAINTS

    for cid in sorted(CONSTRAINTS):
        cls = CONSTRAINTS.get(cid)
        params = ", ".join(
            f"{p.name}: " + (" | ".join(repr(c) for c in p.choices) if p.choices else p.kind)
            for p in cls.params
        )
        print(f"{cid}({params})")
        print(f"    {cls.summary}")
    print(f"\n{len(CONSTRAINTS)} constraints")
    return 0


# Verbs whose every output is written and closed by the time they return (``score`` writes its
# files through ``write_atomic``, which closes and renames them): :func:`run` may end the
# process without tearing the interpreter down.
_DONE_ON_RETURN = frozenset({"score"})


def run() -> None:
    """The ``adhere`` console command: :func:`main`, then exit with its status.

    After a verb in ``_DONE_ON_RETURN`` the standard streams are flushed and the ``atexit``
    handlers run, and the process then leaves with ``os._exit``: freeing every object of a
    large scoring run one by one (interpreter teardown) took ~40 ms, 10 % of scoring IFEval's
    541 responses, for nothing. Every other verb exits normally.
    """
    code = main()
    if sys.argv[1:2] and sys.argv[1] in _DONE_ON_RETURN:
        import atexit

        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            pass
        atexit._run_exitfuncs()
        os._exit(code)
    raise SystemExit(code)


def _handler(verb: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs ``verb``, importing only its own module."""
    if verb == "score":
        return _score
    if verb == "list":
        return _list
    if verb == "report":
        from adhere.cli import report_cmd

        return report_cmd.run_report
    if verb == "probe":
        from adhere.cli import probe_cmd

        return probe_cmd.run_probe_command
    from adhere.cli import eval_cmd

    if verb == "eval":
        return eval_cmd.run_eval
    if verb == "rescore":
        return eval_cmd.run_rescore
    return eval_cmd.run_export


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    # Only an exact verb name picks one verb's parser (argparse takes no abbreviation of a verb).
    first = arguments[0] if arguments else None
    parser = _parser(first if first in _VERB_PARSERS else None)
    args = parser.parse_args(arguments)
    if args.verb is None:
        parser.print_help()
        return 2
    try:
        return _handler(args.verb)(args)
    except AdhereError as error:
        print(f"adhere: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
