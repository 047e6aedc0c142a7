"""``adhere eval`` end to end with the replay backend (responses from a file, a real backend)
on the IFEval reference data: verdicts, resume, rescore, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import adhere
from adhere.cli.main import main
from adhere.core.errors import InputError
from adhere.runner.eval_run import EvalSettings, evaluate, rescore
from adhere.runner.export import export_run
from adhere.runner.store import RunStore
from tests.conftest import IFEVAL

LIMIT = 40


@pytest.fixture
def settings(tmp_path: Path) -> EvalSettings:
    if not (IFEVAL / "input_data.jsonl").is_file():
        pytest.skip(f"reference data not found at {IFEVAL}")
    return EvalSettings(
        model=f"replay:{IFEVAL / 'responses_gpt4.jsonl'}",
        suite=f"ifeval:{IFEVAL / 'input_data.jsonl'}",
        workspace=str(tmp_path / "ws"),
        limit=LIMIT,
    )


def _reference(mode: str) -> list[list[bool]]:
    lines = (IFEVAL / f"verdicts_{mode}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x)["follow_instruction_list"] for x in lines[:LIMIT]]


def test_eval_scores_like_the_reference_and_resumes(settings: EvalSettings) -> None:
    first = evaluate(settings)
    assert first.stats.done == LIMIT and first.resumed == 0
    assert [r.follow_instruction_list for r in first.score.strict] == _reference("strict")
    assert [r.follow_instruction_list for r in first.score.loose] == _reference("loose")
    again = evaluate(settings)  # the same command resumes: nothing is asked twice
    assert again.run_id == first.run_id
    assert again.stats.sent == 0 and again.resumed == LIMIT
    assert again.score.summary["strict"] == first.score.summary["strict"]
    written = Path(first.outdir) / "eval_results_strict.jsonl"
    assert len(written.read_text().splitlines()) == LIMIT


def test_rescore_and_exports_round_trip(settings: EvalSettings, tmp_path: Path) -> None:
    first = evaluate(settings)
    again = rescore(first.run_id, settings.workspace)
    assert [r.follow_instruction_list for r in again.strict] == _reference("strict")
    with RunStore(settings.workspace) as store:
        assert export_run(store, first.run_id, "ifeval", tmp_path / "r.jsonl") == LIMIT
        assert export_run(store, first.run_id, "adhere", tmp_path / "a.jsonl") == LIMIT
        assert export_run(store, first.run_id, "parquet", tmp_path / "a.parquet") == LIMIT
    # the IFEval-format export scores the same with `adhere score`
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(
        "".join((IFEVAL / "input_data.jsonl").read_text().splitlines(True)[:LIMIT]),
        encoding="utf-8",
    )
    scored = adhere.score(inputs, tmp_path / "r.jsonl")
    assert [r.follow_instruction_list for r in scored.strict] == _reference("strict")
    record = json.loads((tmp_path / "a.jsonl").read_text().splitlines()[0])
    assert record["verdicts"]["strict"] == _reference("strict")[0]
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "a.parquet")
    assert table.num_rows == LIMIT and "response" in table.column_names


def test_a_missing_replay_response_is_failed_and_named(
    settings: EvalSettings, tmp_path: Path
) -> None:
    partial = tmp_path / "partial.jsonl"
    lines = (IFEVAL / "responses_gpt4.jsonl").read_text(encoding="utf-8").splitlines()
    partial.write_text("\n".join(lines[1:LIMIT]) + "\n", encoding="utf-8")
    result = evaluate(
        EvalSettings(
            model=f"replay:{partial}",
            suite=settings.suite,
            workspace=settings.workspace,
            limit=LIMIT,
        )
    )
    assert result.stats.failed == 1
    assert result.score.summary["no_response"]["count"] == 1


def test_bad_set_up_fails_before_anything_is_stored(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with pytest.raises(InputError, match="--model"):
        evaluate(EvalSettings(model="nonsense", suite="adhere-core", workspace=str(ws)))
    assert not (ws / "runs.sqlite").exists()


def test_cli_eval_rescore_export(
    settings: EvalSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "eval",
        "--model",
        settings.model,
        "--suite",
        settings.suite,
        "--limit",
        "5",
        "--workspace",
        settings.workspace,
        "--quiet",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    run_id = out.split("run ", 1)[1].split(":", 1)[0]
    assert "prompt strict" in out
    assert main(["rescore", run_id, "--workspace", settings.workspace]) == 0
    target = tmp_path / "out.jsonl"
    assert main(["export", run_id, "-o", str(target), "--workspace", settings.workspace]) == 0
    assert len(target.read_text().splitlines()) == 5
    assert (
        main(["export", "no-such-run", "-o", str(target), "--workspace", settings.workspace]) == 2
    )
    assert "no run 'no-such-run'" in capsys.readouterr().err


def test_the_progress_line_shows_done_total_rate_eta_and_errors(settings: EvalSettings) -> None:
    import io

    stream = io.StringIO()  # not a terminal: whole lines, at most every 5 s, and a last one
    evaluate(
        EvalSettings(
            model=settings.model,
            suite=settings.suite,
            workspace=settings.workspace,
            limit=LIMIT,
            progress=stream,
        )
    )
    last = stream.getvalue().splitlines()[-1]
    assert last.startswith(f"{LIMIT}/{LIMIT} responses")
    assert "/s" in last and "ETA" in last and "errors 0" in last
