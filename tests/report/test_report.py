"""Reports of real stored runs: the numbers, the comparison, the formats, the HTML's safety."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest

import adhere
from adhere.cli.main import main
from adhere.core.errors import InputError
from adhere.report import build_report, render_report, write_report
from adhere.report.html import unpack_data
from adhere.runner.export import export_run
from adhere.runner.store import RunStore
from tests.report.conftest import PAYLOADS, XSS_MARKER, StoredRuns

pytestmark = pytest.mark.filterwarnings("error")


def _json_report(stored: StoredRuns, *runs: str) -> dict:
    report = build_report(list(runs), str(stored.workspace), resamples=500)
    return json.loads(render_report(report, "json"))


def test_report_numbers_equal_adhere_score_on_the_same_run(
    stored_runs: StoredRuns, tmp_path: Path
) -> None:
    with RunStore(stored_runs.workspace) as store:
        export_run(store, stored_runs.run_a, "ifeval", tmp_path / "responses.jsonl")
    scored = adhere.score(stored_runs.suite, tmp_path / "responses.jsonl", tmp_path / "scored")
    doc = _json_report(stored_runs, stored_runs.run_a)
    (run,) = doc["runs"]
    for mode in ("strict", "loose"):
        assert run[mode] == scored.summary[mode]
    assert run["records"] == scored.summary["records"] == 36
    # the folder `adhere score` wrote is a run the report reads as well, with the same numbers
    from_folder = json.loads(
        render_report(build_report([str(tmp_path / "scored")], resamples=500), "json")
    )
    assert from_folder["runs"][0]["strict"] == scored.summary["strict"]
    # and the HTML shows those numbers
    html = render_report(build_report([stored_runs.run_a], str(stored_runs.workspace)), "html")
    rate = scored.summary["strict"]["prompt_level"]
    assert f"{rate['accuracy']:.4f} [{rate['ci95'][0]:.3f}, {rate['ci95'][1]:.3f}]" in html


def test_comparison_counts_flips_and_tests_them(stored_runs: StoredRuns) -> None:
    doc = _json_report(stored_runs, stored_runs.run_a, stored_runs.run_b)
    (comparison,) = doc["comparisons"]
    assert comparison["shared"] == 36
    assert comparison["only_baseline"] == comparison["only_other"] == 0
    metric = comparison["strict"]["metrics"]["prompt_level"]
    # run a follows samples i % 3 != 0 (24 of 36); run b the same for i < 24 and even i after
    # (16 + 6 = 22): over 24..35, b fixed 24 and 30, and broke 25, 29, 31 and 35.
    assert (metric["baseline"], metric["other"]) == (round(24 / 36, 6), round(22 / 36, 6))
    assert metric["diff"] == round(-2 / 36, 6)
    assert (metric["improved"], metric["regressed"]) == (2, 4)
    # exact McNemar, two-sided: 2 * P(X <= 2), X ~ Binomial(6, 1/2) = 2 * 22 / 64
    assert metric["mcnemar_p"] == pytest.approx(44 / 64)
    low, high = metric["ci95"]
    assert low <= metric["diff"] <= high and low < 0 < high
    flips = {(f["uid"], f["mode"]): f["other"] for f in comparison["flips"]}
    strict_flips = {uid: fixed for (uid, mode), fixed in flips.items() if mode == "strict"}
    assert strict_flips == {
        "1024": True,
        "1030": True,
        "1025": False,
        "1029": False,
        "1031": False,
        "1035": False,
    }
    # per family: samples 24 and 30 are no_comma (fixed), 25 and 31 lowercase (broken), 29 and 35
    # bullet lists (broken); the other families did not move
    families = comparison["strict"]["families"]
    moved = {name: (d["improved"], d["regressed"]) for name, d in families.items() if d["diff"]}
    assert moved == {"punctuation": (2, 0), "change_case": (0, 2), "detectable_format": (0, 2)}
    assert families["punctuation"]["diff"] == round(2 / 6, 6)  # 6 no_comma samples


def test_bootstrap_is_seeded(stored_runs: StoredRuns) -> None:
    runs = [stored_runs.run_a, stored_runs.run_b]
    ws = str(stored_runs.workspace)
    first = render_report(build_report(runs, ws, resamples=300, seed=4), "json")
    again = render_report(build_report(runs, ws, resamples=300, seed=4), "json")
    other = render_report(build_report(runs, ws, resamples=300, seed=5), "json")
    assert first == again
    assert first != other


def test_html_is_self_contained_and_safe(stored_runs: StoredRuns, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(
        [stored_runs.run_a, stored_runs.run_b], str(out), "html", str(stored_runs.workspace)
    )
    html = out.read_text(encoding="utf-8")
    # nothing is fetched: no external source, link or style sheet of any kind
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//|ftp:)""", html, re.I)
    assert "@import" not in html and "url(http" not in html
    # the policy forbids any request and pins the one script by its hash
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy and "default-src 'none'" in policy.group(1)
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy.group(1)
    # model output never appears as markup, only inside the packed data block (base64)
    for payload in PAYLOADS:
        assert payload not in html
    assert XSS_MARKER not in html
    block = re.search(
        r'<script type="application/x-adhere-data" id="report-data">(.*?)</script>', html, re.S
    )
    assert block and re.fullmatch(r"[A-Za-z0-9+/=]+", block.group(1))
    data = unpack_data(block.group(1))
    responses = [r["response"] for run in data["results"] for r in run.values()]
    for payload in PAYLOADS:
        assert any(payload in text for text in responses)
    assert html.count("<script") == 2  # the data block and the report's own script
    # the same runs give the same bytes
    again = render_report(
        build_report([stored_runs.run_a, stored_runs.run_b], str(stored_runs.workspace)), "html"
    )
    assert again == html


def test_markdown_and_terminal_comparison(
    stored_runs: StoredRuns, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = ["--workspace", str(stored_runs.workspace)]
    assert main(["report", stored_runs.run_a, stored_runs.run_b, "--format", "md", *ws]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# adhere report")
    assert "| prompt-level strict | 0.6667 | 0.6111 | -0.0556 [" in md
    assert main(["report", "--compare", stored_runs.run_a, stored_runs.run_b, *ws]) == 0
    text = capsys.readouterr().out
    assert "36 paired samples" in text
    assert re.search(r"prompt-level strict\s+0\.6667\s+0\.6111\s+-0\.0556 \[", text)
    assert "2 / 4" in text and "0.688" in text
    assert main(["report", stored_runs.run_a, "--format", "json", *ws]) == 0
    assert json.loads(capsys.readouterr().out)["runs"][0]["records"] == 36


def test_cli_writes_html_and_prints_the_table(
    stored_runs: StoredRuns, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    args = ["report", stored_runs.run_a, "-o", str(out), "--workspace", str(stored_runs.workspace)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "0.6667" in printed and f"wrote {out}" in printed
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_run_whose_scores_are_missing_is_rescored_first(
    stored_runs: StoredRuns, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(stored_runs.workspace, workspace)
    folder = workspace / stored_runs.run_a
    expected = json.loads((folder / "summary.json").read_text())["strict"]
    shutil.rmtree(folder)
    doc = json.loads(render_report(build_report([stored_runs.run_a], str(workspace)), "json"))
    assert doc["runs"][0]["strict"] == expected
    assert (folder / "eval_results_strict.jsonl").is_file()
    # a folder older than the store (a response arrived since it was scored) is rescored too
    summary = json.loads((folder / "summary.json").read_text())
    summary["records"] += 1
    summary["strict"]["prompt_level"]["accuracy"] = 0.0
    (folder / "summary.json").write_text(json.dumps(summary))
    doc = json.loads(render_report(build_report([stored_runs.run_a], str(workspace)), "json"))
    assert doc["runs"][0]["strict"] == expected


def test_clear_errors(stored_runs: StoredRuns, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no run 'nope'.*latest runs"):
        build_report(["nope"], str(stored_runs.workspace))
    with pytest.raises(InputError, match="not a scored folder"):
        build_report([str(tmp_path)], str(tmp_path / "empty"))
    with pytest.raises(InputError, match="at least one run"):
        build_report([], str(stored_runs.workspace))
    # runs of different suites share nothing to compare
    other = tmp_path / "other"
    other.mkdir()
    (other / "in.jsonl").write_text(
        json.dumps(
            {
                "key": 1,
                "prompt": "p",
                "response": "r",
                "instruction_id_list": ["punctuation:no_comma"],
                "kwargs": [{}],
            }
        )
        + "\n"
    )
    adhere.score(other / "in.jsonl", outdir=other / "scored")
    with pytest.raises(InputError, match="share no sample"):
        build_report(
            [stored_runs.run_a, str(other / "scored")],
            str(stored_runs.workspace),
            strict_pairs=True,
        )
    # in a report of several runs, such a run is shown and noted, not compared
    mixed = build_report([stored_runs.run_a, str(other / "scored")], str(stored_runs.workspace))
    assert mixed.comparisons == ()
    assert len(mixed.runs) == 2 and "share no sample" in mixed.notes[0]
    # a broken verdict file names the file and line
    broken = tmp_path / "broken"
    shutil.copytree(other / "scored", broken)
    (broken / "eval_results_strict.jsonl").write_text("{not json\n")
    with pytest.raises(InputError, match=r"eval_results_strict.jsonl:1: not a verdict line"):
        build_report([str(broken)])


def test_report_of_a_multi_turn_run_has_per_turn_numbers(tmp_path: Path) -> None:
    conversations = tmp_path / "turns.jsonl"
    turns = [
        {
            "prompt": "Describe a harbour.",
            "instruction_id_list": ["punctuation:no_comma"],
            "kwargs": [{}],
            "response": "Boats rest. Gulls call.",
        },
        {
            "prompt": "Now a market.",
            "instruction_id_list": ["change_case:english_lowercase"],
            "kwargs": [{}],
            "response": "Stalls open, Fruit Shines.",
        },
    ]
    conversations.write_text(json.dumps({"key": "c1", "turns": turns}) + "\n")
    adhere.score(conversations, outdir=tmp_path / "scored")
    report = build_report([str(tmp_path / "scored")])
    doc = json.loads(render_report(report, "json"))
    assert set(doc["runs"][0]["multi_turn"]["turns"]) == {"1", "2"}
    html = render_report(report, "html")
    assert '<section id="turns">' in html and 'aria-label="strict accuracy per turn' in html


def test_write_is_atomic_on_failure(stored_runs: StoredRuns, tmp_path: Path) -> None:
    out = tmp_path / "keep.html"
    out.write_text("earlier report")
    with pytest.raises(InputError):
        write_report(["nope"], str(out), "html", str(stored_runs.workspace))
    assert out.read_text() == "earlier report"
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []
