"""The command line, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IFEVAL, REPO


def adhere(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adhere", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_list_constraints_shows_every_id_with_params() -> None:
    done = adhere("list", "constraints")
    assert done.returncode == 0, done.stderr
    assert "83 constraints" in done.stdout
    lines = done.stdout.splitlines()
    ids = [line.split("(", 1)[0] for line in lines if line and not line.startswith(" ")][:-1]
    assert len(ids) == len(set(ids)) == 83
    assert (
        sum(
            1
            for i in ids
            if i.split(":")[0]
            in {"count", "custom", "format", "ratio", "repeat", "sentence", "words"}
        )
        == 58
    )
    assert "format:options(options: str)" in lines
    index = lines.index(
        "length_constraints:number_words(num_words: int, relation: 'less than' | 'at least')"
    )
    assert lines[index + 1].startswith("    Words (")
    assert "combination:two_responses()" in lines


def test_score_the_shipped_example(tmp_path: Path) -> None:
    done = adhere("score", str(REPO / "examples" / "combined.jsonl"), "-o", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "prompt strict" in done.stdout and "overall" in done.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["records"] == 12
    # three deliberate strict failures; loose mode rescues two (a capitalised first line and a
    # comma on the first line), the answer that is not one of the options stays failed
    assert summary["strict"]["prompt_level"]["correct"] == 9
    assert summary["loose"]["prompt_level"]["correct"] == 11
    text = (tmp_path / "eval_results_strict.jsonl").read_text(encoding="utf-8")
    failed = [r for r in map(json.loads, text.splitlines()) if not r["follow_all_instructions"]]
    assert [r["key"] for r in failed] == [5, 8, 10]
    assert "none of 'My answer is yes.'" in failed[1]["verdicts"][0]["evidence"]
    assert "found 1 comma, the first at line 1" in failed[2]["verdicts"][1]["evidence"]


def test_bad_input_exits_2_with_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": 1}\n', encoding="utf-8")
    done = adhere("score", str(bad), "-o", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.startswith("adhere: error:") and "bad.jsonl:1" in done.stderr
    assert "Traceback" not in done.stderr


def test_reference_numbers_are_printed(tmp_path: Path) -> None:
    if not (IFEVAL / "input_data.jsonl").is_file():
        pytest.skip(f"reference data not found at {IFEVAL}")
    done = adhere(
        "score",
        str(IFEVAL / "input_data.jsonl"),
        str(IFEVAL / "responses_gpt4.jsonl"),
        "-o",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    overall = next(line for line in done.stdout.splitlines() if line.startswith("overall"))
    assert overall.split()[1] == "541"
    for number in ("0.7708", "0.8369", "0.7967", "0.8561"):
        assert number in overall


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for name in ("eval_results_strict.jsonl", "eval_results_loose.jsonl", "summary.json"):
        h.update((folder / name).read_bytes())
    return h.hexdigest()


@pytest.mark.slow
def test_same_bytes_from_five_processes_with_different_hash_seeds(tmp_path: Path) -> None:
    if not (IFEVAL / "input_data.jsonl").is_file():
        pytest.skip(f"reference data not found at {IFEVAL}")
    digests = set()
    for seed in ("0", "1", "42", "12345", "random"):
        done = adhere(
            "score",
            str(IFEVAL / "input_data.jsonl"),
            str(IFEVAL / "responses_gpt4.jsonl"),
            "-o",
            str(tmp_path / seed),
            env={"PYTHONHASHSEED": seed},
        )
        assert done.returncode == 0, done.stderr
        digests.add(_digest(tmp_path / seed))
    assert len(digests) == 1


_ENTRY = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("atexit handler ran\\n"))
sys.argv = ["adhere", *sys.argv[1:]]
from adhere.cli.main import run
run()
"""


def _entry(*args: str, stdout: Path) -> subprocess.CompletedProcess[str]:
    """The console entry point, with an ``atexit`` handler registered and stdout going to a
    file (block-buffered, as when a user redirects it)."""
    with stdout.open("w") as handle:
        return subprocess.run(
            [sys.executable, "-c", _ENTRY, *args],
            stdout=handle,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )


def test_score_ends_without_teardown_but_loses_nothing(tmp_path: Path) -> None:
    """After ``score`` the entry point leaves with ``os._exit``: buffered output must still
    reach the file, atexit handlers still run, and the exit status is kept."""
    printed = tmp_path / "stdout.txt"
    example = str(REPO / "examples" / "combined.jsonl")
    done = _entry("score", example, "-o", str(tmp_path / "out"), stdout=printed)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "atexit handler ran\n"
    text = printed.read_text()
    assert "prompt strict" in text and text.rstrip().endswith("summary.json")
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["records"] == 12

    failed = _entry(
        "score", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o2"), stdout=printed
    )
    assert failed.returncode == 2
    assert "adhere: error:" in failed.stderr and "atexit handler ran" in failed.stderr
    listed = _entry("list", "probes", stdout=printed)
    assert listed.returncode == 0 and "atexit handler ran" in listed.stderr
    assert "paraphrase" in printed.read_text()
