"""Exact agreement with the reference IFBench verdicts on all 300 test records.

One test per constraint id compares every instance of it, strict and loose, so a family can be
checked on its own (``pytest -k format``); the whole-file test then checks the CLI's output and
the headline numbers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

import adhere
from adhere.core.types import ConstraintSpec, Message, Sample
from adhere.scoring.evaluate import build, score_sample
from tests.conftest import REFERENCE

IFBENCH = REFERENCE / "ifbench"


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _records() -> list[dict[str, Any]]:
    if not (IFBENCH / "input_data.jsonl").is_file():
        return []
    return _read(IFBENCH / "input_data.jsonl")


RECORDS = _records()
IDS = sorted({cid for r in RECORDS for cid in r["instruction_id_list"]})
_SAMPLE = Sample("parity", "ifbench", (Message("user", ""),), ())


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    if not RECORDS:
        pytest.skip(f"reference data not found at {IFBENCH} (needs ../shared beside the repo)")
    by_prompt: dict[str, str] = {}
    for row in _read(IFBENCH / "responses_sample.jsonl"):
        by_prompt[row["prompt"]] = row["response"]
        by_prompt[row["prompt"].strip()] = row["response"]
    return {
        "responses": by_prompt,
        "strict": _read(IFBENCH / "verdicts_strict.jsonl"),
        "loose": _read(IFBENCH / "verdicts_loose.jsonl"),
    }


def test_the_reference_holds_all_58_ids() -> None:
    if not RECORDS:
        pytest.skip(f"reference data not found at {IFBENCH}")
    assert len(RECORDS) == 300
    assert len(IDS) == 58


@pytest.mark.parametrize("cid", IDS)
def test_each_constraint_agrees_with_the_reference(cid: str, reference: dict[str, Any]) -> None:
    mismatches: dict[str, list[Any]] = defaultdict(list)
    checked = 0
    for index, record in enumerate(RECORDS):
        prompt = record["prompt"]
        response = reference["responses"].get(prompt, reference["responses"].get(prompt.strip()))
        for position, (iid, kwargs) in enumerate(
            zip(record["instruction_id_list"], record["kwargs"], strict=True)
        ):
            if iid != cid:
                continue
            constraint = build(ConstraintSpec(iid, kwargs), prompt)
            checked += 1
            # Keys 268-274 have no sample response (custom:character_reverse and
            # custom:csv_city occur only there): the reference fails them, and so does adhere;
            # their logic is covered by the unit tests in tests/constraints/ifbench/.
            result = score_sample(_SAMPLE, [constraint], response)
            strict, loose = result[0].verdicts[0], result[1].verdicts[0]
            for mode, verdict in (("strict", strict), ("loose", loose)):
                expected = reference[mode][index]["follow_instruction_list"][position]
                if verdict.followed != expected:
                    mismatches[mode].append((record["key"], expected, verdict.evidence[:200]))
    assert checked > 0
    assert dict(mismatches) == {}


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, adhere.ScoreResult]:
    if not RECORDS:
        pytest.skip(f"reference data not found at {IFBENCH}")
    out = tmp_path_factory.mktemp("ifbench")
    result = adhere.score(IFBENCH / "input_data.jsonl", IFBENCH / "responses_sample.jsonl", out)
    return out, result


@pytest.mark.parametrize("mode", ["strict", "loose"])
def test_every_record_agrees_with_the_reference(
    scored: tuple[Path, adhere.ScoreResult], mode: str
) -> None:
    out, _ = scored
    ours = _read(out / f"eval_results_{mode}.jsonl")
    reference = _read(IFBENCH / f"verdicts_{mode}.jsonl")
    assert len(ours) == len(reference) == 300
    mismatches = [
        (r["key"], r["instruction_id_list"], r["follow_instruction_list"], o["verdicts"])
        for o, r in zip(ours, reference, strict=True)
        if o["follow_instruction_list"] != r["follow_instruction_list"]
        or o["follow_all_instructions"] != r["follow_all_instructions"]
        or o["key"] != r["key"]
        or o["prompt"] != r["prompt"]
    ]
    assert mismatches == []


def test_headline_numbers(scored: tuple[Path, adhere.ScoreResult]) -> None:
    _, result = scored
    s = result.summary
    got = {
        mode: (
            s[mode]["prompt_level"]["correct"],
            s[mode]["prompt_level"]["total"],
            s[mode]["instruction_level"]["correct"],
            s[mode]["instruction_level"]["total"],
        )
        for mode in ("strict", "loose")
    }
    assert got == {"strict": (76, 300, 92, 344), "loose": (86, 300, 107, 344)}


def test_prompts_without_a_response_are_named_and_failed(
    scored: tuple[Path, adhere.ScoreResult],
) -> None:
    out, result = scored
    rows = {r["key"]: r for r in _read(out / "eval_results_strict.jsonl")}
    missing = [str(k) for k in range(268, 275)]
    for key in missing:
        assert rows[key]["no_response"] is True
        assert rows[key]["follow_all_instructions"] is False
        assert all(v["evidence"] == "no response" for v in rows[key]["verdicts"])
    assert sorted(str(k) for k in result.summary["no_response"]["keys"]) == missing
