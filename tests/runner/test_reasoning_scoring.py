"""Scoring a reasoning model's responses: only the final answer counts."""

from __future__ import annotations

import json
from pathlib import Path

import adhere
from adhere.cli.main import main
from adhere.text.reasoning import ReasoningTags

NO_COMMA = {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _rows(tmp_path: Path) -> Path:
    rows = [
        # the trace uses commas, the answer does not: passes on the answer alone
        {"key": 1, "prompt": "a", "response": "<think>well, hmm</think>No commas here."},
        # the trace never closes: there is no answer at all
        {"key": 2, "prompt": "b", "response": "<think>first, second, and then"},
        # no trace
        {"key": 3, "prompt": "c", "response": "Plain, with a comma."},
    ]
    return _write(tmp_path / "in.jsonl", [{**NO_COMMA, **row} for row in rows])


def test_only_the_answer_is_scored_and_unterminated_traces_fail(tmp_path: Path) -> None:
    result = adhere.score(_rows(tmp_path), outdir=tmp_path / "out")
    assert [r.follow_all_instructions for r in result.strict] == [True, False, False]
    assert [r.reasoning for r in result.strict] == ["closed", "unterminated", "none"]
    assert "unterminated reasoning" in result.strict[1].verdicts[0].evidence
    assert "unterminated reasoning" in result.loose[1].verdicts[0].evidence
    assert result.summary["unterminated_reasoning"]["keys"] == [2]
    assert result.summary["reasoning_traces_cut"] == 1
    lines = [json.loads(x) for x in (tmp_path / "out" / "eval_results_strict.jsonl").open()]
    assert lines[0]["reasoning"] == "closed"
    assert lines[0]["answer"] == "No commas here."
    assert lines[0]["response"].startswith("<think>")  # the response is kept whole
    assert "reasoning" not in lines[2]


def test_reasoning_can_be_turned_off_or_retagged(tmp_path: Path) -> None:
    whole = adhere.score(_rows(tmp_path), outdir=None, reasoning=None)
    assert [r.follow_all_instructions for r in whole.strict] == [False, False, False]
    other = adhere.score(_rows(tmp_path), reasoning=ReasoningTags("<r>", "</r>"))
    assert [r.reasoning for r in other.strict] == ["none", "none", "none"]


def test_cli_reports_unterminated_reasoning(tmp_path: Path, capsys: object) -> None:
    code = main(["score", str(_rows(tmp_path)), "-o", str(tmp_path / "out")])
    assert code == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "1 response(s) with unterminated reasoning" in out
    bad = ["score", str(_rows(tmp_path)), "-o", str(tmp_path / "o2"), "--reasoning-tags", "x"]
    assert main(bad) == 2
    assert "OPEN,CLOSE" in capsys.readouterr().err  # type: ignore[attr-defined]
