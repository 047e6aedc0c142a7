"""A command line that starts with a verb gets a parser with that verb alone: it must parse, help
and fail exactly as the parser with every verb does."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from adhere.cli.main import _VERB_PARSERS, _parser, main

VERBS = ["score", "eval", "rescore", "export", "report", "probe", "list"]

# A representative command line of each verb, with most of its options.
COMMAND_LINES = [
    ["score", "in.jsonl", "-o", "out"],
    [
        "score",
        "in.jsonl",
        "responses.jsonl",
        "--outdir",
        "out",
        "--compat",
        "corrected",
        "-j",
        "2",
        "--no-reasoning",
        "--reasoning-tags",
        "<a>,</a>",
    ],
    ["score", "in.jsonl", "--out", "out", "--reas", "<a>,</a>"],  # option prefixes
    [
        "eval",
        "--model",
        "openai:m@http://localhost:1",
        "--suite",
        "ifeval",
        "--limit",
        "3",
        "--stop",
        "a",
        "--stop",
        "b",
        "--header",
        "A:b",
        "--seed",
        "4",
        "-n",
        "2",
        "--top-p",
        "0.5",
        "--mode",
        "completion",
        "--quiet",
    ],
    ["rescore", "run-1", "--workspace", "w", "--compat", "corrected", "--no-reasoning"],
    ["export", "run-1", "-o", "out.parquet", "--format", "parquet"],
    ["report", "a", "b", "--format", "md", "--resamples", "10", "--seed", "3"],
    ["report", "--compare", "a", "b", "-o", "r.html"],
    [
        "probe",
        "reword",
        "--seed",
        "3",
        "--param",
        "a=b",
        "--model",
        "replay:f",
        "--generation-seed",
        "9",
    ],
    ["list", "constraints"],
]

# Command lines that fail or print help, in the verb's parser or at the top level.
ODD_LINES = [
    *([verb, "--help"] for verb in VERBS),
    ["score", "-h", "in.jsonl"],
    ["score"],
    ["score", "in.jsonl"],
    ["score", "a", "b", "c", "-o", "out"],
    ["score", "in.jsonl", "-o", "out", "--bogus"],
    ["score", "in.jsonl", "-o", "out", "--version"],
    ["score", "in.jsonl", "-o", "out", "--compat", "other"],
    ["score", "in.jsonl", "-o", "out", "-j", "many"],
    ["eval"],
    ["eval", "--model", "m", "--temperature", "warm"],
    ["rescore"],
    ["export", "run-1"],
    ["report", "--compare", "a"],
    ["probe"],
    ["list"],
    ["list", "everything"],
    ["list", "backends", "more"],
]


def outcome(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[str, str, str]:
    """What parsing ``argv`` gives: the namespace or the exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result = repr(parser.parse_args(argv))
        except SystemExit as done:
            result = f"exit {done.code}"
    return result, out.getvalue(), err.getvalue()


def run_main(argv: list[str]) -> tuple[str, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result = f"returned {main(argv)}"
        except SystemExit as done:
            result = f"exit {done.code}"
    return result, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _fixed_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")


def test_every_verb_has_a_parser_in_the_order_help_lists_them() -> None:
    assert list(_VERB_PARSERS) == VERBS
    full = _parser()
    (verbs,) = [a for a in full._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(verbs.choices) == VERBS


@pytest.mark.parametrize("verb", VERBS)
def test_a_verbs_help_is_the_same_from_its_own_parser(verb: str) -> None:
    helped = outcome(_parser(verb), [verb, "--help"])
    assert helped == outcome(_parser(), [verb, "--help"])
    assert helped[0] == "exit 0" and f"usage: adhere {verb} " in helped[1]
    assert run_main([verb, "--help"]) == helped


@pytest.mark.parametrize("argv", COMMAND_LINES, ids=lambda argv: " ".join(argv))
def test_a_command_line_parses_the_same(argv: list[str]) -> None:
    parsed = outcome(_parser(argv[0]), argv)
    assert parsed == outcome(_parser(), argv)
    assert parsed[0].startswith("Namespace(") and f"verb='{argv[0]}'" in parsed[0]


@pytest.mark.parametrize("argv", ODD_LINES, ids=lambda argv: " ".join(argv))
def test_help_and_errors_are_the_same(argv: list[str]) -> None:
    assert outcome(_parser(argv[0]), argv) == outcome(_parser(), argv)
    assert run_main(argv) == outcome(_parser(), argv)


@pytest.mark.parametrize("verb", ["sco", "Score", "lis", "bogus", "", "score "])
def test_an_unknown_verb_or_a_prefix_of_one_lists_every_verb(verb: str) -> None:
    result, out, err = run_main([verb, "x"])
    assert (result, out) == ("exit 2", "")
    choices = ", ".join(repr(v) for v in VERBS)
    assert err.endswith(
        f"adhere: error: argument VERB: invalid choice: {verb!r} (choose from {choices})\n"
    )


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h", "score"], ["--version", "score"]])
def test_the_top_level_uses_the_parser_with_every_verb(argv: list[str]) -> None:
    result, out, err = run_main(argv)
    if argv and argv[0] == "--version":
        assert (result, err) == ("exit 0", "") and out.startswith("adhere ")
        return
    assert result == ("returned 2" if not argv else "exit 0") and err == ""
    assert out == outcome(_parser(), ["--help"])[1]
    for verb in VERBS:
        assert f"\n    {verb} " in out
