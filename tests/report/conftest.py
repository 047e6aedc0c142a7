"""Two real stored runs for the report tests.

A suite in IFEval's input format and two responses files are written here; ``adhere eval`` with
the replay backend (a real backend: responses from a file) stores both runs in one workspace and
scores them. Some responses carry markup that would run a script if a report ever rendered it
as HTML; the prompts carry some too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adhere.runner.eval_run import EvalSettings, evaluate

XSS_MARKER = "__adhere_xss"
PAYLOADS = (
    f"<script>window.{XSS_MARKER} = 1</script>",
    f'<img src=x onerror="window.{XSS_MARKER} = 1">',
    f"</textarea><script>window.{XSS_MARKER} = 2</script>",
    f'[read this](javascript:window.{XSS_MARKER}=3) <a href="javascript:window.{XSS_MARKER}=4">'
    "link</a>",
    f"</script><script>window.{XSS_MARKER} = 5</script><!--",
)

# (constraint id, kwargs, a response that follows it, one that does not)
CASES = (
    ("punctuation:no_comma", {}, "Rain falls. Rivers rise.", "Rain falls, rivers rise, seas grow."),
    (
        "change_case:english_lowercase",
        {},
        "the harbour was quiet that morning.",
        "The Harbour Was Quiet That Morning.",
    ),
    (
        "length_constraints:number_words",
        {"relation": "at least", "num_words": 40},
        " ".join(f"word{k}" for k in range(45)),
        "too short",
    ),
    (
        "detectable_content:postscript",
        {"postscript_marker": "P.S."},
        "See you soon.\n\nP.S. Bring an umbrella.",
        "See you soon.",
    ),
    (
        "keywords:existence",
        {"keywords": ["lantern", "bridge"]},
        "A lantern hung over the bridge.",
        "A lamp hung over the road.",
    ),
    (
        "detectable_format:number_bullet_lists",
        {"num_bullets": 2},
        "* first point\n* second point",
        "first point and second point",
    ),
)
SAMPLES = 36


def _prompt(i: int) -> str:
    cid = CASES[i % len(CASES)][0]
    text = f"Task {i}: write a short note about the harbour town (rule: {cid})."
    if i == 6:  # a failed sample whose prompt carries markup
        text += " " + PAYLOADS[0]
    return text


def _response(i: int, follows: bool) -> str:
    _, _, good, bad = CASES[i % len(CASES)]
    if follows:
        return good
    return f"{bad} {PAYLOADS[i % len(PAYLOADS)]}"  # every failed response carries markup


def _follows_a(i: int) -> bool:
    return i % 3 != 0


def _follows_b(i: int) -> bool:
    return i % 3 != 0 if i < 24 else i % 2 == 0


def write_suite(folder: Path) -> Path:
    path = folder / "suite.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(SAMPLES):
            cid, kwargs, _, _ = CASES[i % len(CASES)]
            line = {
                "key": 1000 + i,
                "prompt": _prompt(i),
                "instruction_id_list": [cid],
                "kwargs": [kwargs],
            }
            handle.write(json.dumps(line) + "\n")
    return path


def write_responses(folder: Path, run: str) -> Path:
    follows = _follows_a if run == "a" else _follows_b
    path = folder / f"responses_{run}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(SAMPLES):
            line = {"prompt": _prompt(i), "response": _response(i, follows(i))}
            handle.write(json.dumps(line) + "\n")
    return path


class StoredRuns:
    """The workspace, the suite file and the two run ids (a: baseline, b: the other)."""

    def __init__(self, workspace: Path, suite: Path, run_a: str, run_b: str) -> None:
        self.workspace, self.suite, self.run_a, self.run_b = workspace, suite, run_a, run_b


@pytest.fixture(scope="session")
def stored_runs(tmp_path_factory: pytest.TempPathFactory) -> StoredRuns:
    folder = tmp_path_factory.mktemp("report-runs")
    suite = write_suite(folder)
    workspace = folder / "ws"
    ids = []
    for run in ("a", "b"):
        settings = EvalSettings(
            model=f"replay:{write_responses(folder, run)}",
            suite=f"ifeval:{suite}",
            workspace=str(workspace),
        )
        ids.append(evaluate(settings).run_id)
    return StoredRuns(workspace, suite, ids[0], ids[1])
