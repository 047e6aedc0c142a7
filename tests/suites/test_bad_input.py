"""Bad input gets a clear error, naming file, line and field, before anything is scored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import adhere
from adhere.core.errors import InputError


def write(path: Path, records: list[Any]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = {
    "key": 7,
    "prompt": "Say hi without commas.",
    "response": "hi there",
    "instruction_id_list": ["punctuation:no_comma"],
    "kwargs": [{}],
}


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", [GOOD, '{"prompt": "x", '])
    with pytest.raises(InputError) as caught:
        adhere.score(path, outdir=tmp_path / "out")
    message = str(caught.value)
    assert f"{path}:2" in message and "malformed JSON" in message
    assert not (tmp_path / "out").exists()


def test_a_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", ["[1, 2]"])
    with pytest.raises(InputError, match=r"in\.jsonl:1: expected a JSON object, found list"):
        adhere.score(path, outdir=tmp_path / "out")


def test_unknown_constraint_id_suggests_the_closest(tmp_path: Path) -> None:
    bad = {**GOOD, "instruction_id_list": ["punctuation:no_commas"]}
    path = write(tmp_path / "in.jsonl", [bad])
    with pytest.raises(InputError) as caught:
        adhere.score(path, outdir=tmp_path / "out")
    message = str(caught.value)
    assert "in.jsonl:1" in message and "instruction_id_list[0]" in message
    assert "'punctuation:no_comma'" in message


def test_bad_kwargs_name_the_param_expected_and_found(tmp_path: Path) -> None:
    bad = {
        **GOOD,
        "instruction_id_list": ["length_constraints:number_words"],
        "kwargs": [{"num_words": "many", "relation": "at least"}],
    }
    path = write(tmp_path / "in.jsonl", [bad])
    with pytest.raises(InputError) as caught:
        adhere.score(path, outdir=tmp_path / "out")
    message = str(caught.value)
    assert "kwargs[0]" in message and "'num_words'" in message
    assert "expects an integer" in message and "found str 'many'" in message


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"num_words": 5, "relation": "more than"}, "one of 'less than', 'at least'"),
        ({"num_words": 5}, "missing param 'relation'"),
        ({"num_words": 5, "relation": "at least", "extra": 1}, "unknown param 'extra'"),
        ({"num_words": -1, "relation": "at least"}, "an integer >= 0"),
    ],
)
def test_more_bad_kwargs(tmp_path: Path, kwargs: dict[str, Any], fragment: str) -> None:
    bad = {**GOOD, "instruction_id_list": ["length_constraints:number_words"], "kwargs": [kwargs]}
    path = write(tmp_path / "in.jsonl", [bad])
    with pytest.raises(InputError, match=fragment):
        adhere.score(path, outdir=tmp_path / "out")


def test_null_kwargs_count_as_absent(tmp_path: Path) -> None:
    record = {**GOOD, "kwargs": [{"num_words": None}]}
    path = write(tmp_path / "in.jsonl", [record])
    result = adhere.score(path, outdir=tmp_path / "out")
    assert result.strict[0].follow_all_instructions is True


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    bad1 = {**GOOD, "instruction_id_list": ["nope:one"]}
    bad2 = {**GOOD, "prompt": 3}
    path = write(tmp_path / "in.jsonl", [bad1, GOOD, bad2])
    with pytest.raises(InputError) as caught:
        adhere.score(path, outdir=tmp_path / "out")
    message = str(caught.value)
    assert "2 problem(s)" in message and "in.jsonl:1" in message and "in.jsonl:3" in message


def test_combined_file_without_response_points_at_the_two_file_form(tmp_path: Path) -> None:
    record = {k: v for k, v in GOOD.items() if k != "response"}
    path = write(tmp_path / "in.jsonl", [record])
    with pytest.raises(InputError, match="adhere score INPUT RESPONSES"):
        adhere.score(path, outdir=tmp_path / "out")


def test_prompt_without_response_is_named_and_failed(tmp_path: Path) -> None:
    inputs = [
        {k: v for k, v in GOOD.items() if k != "response"},
        {**{k: v for k, v in GOOD.items() if k != "response"}, "key": 8, "prompt": "Other"},
    ]
    inp = write(tmp_path / "input.jsonl", inputs)
    # "Other " would join "Other" (outer whitespace is stripped, as IFBench does); "Othe" not
    resp = write(
        tmp_path / "responses.jsonl",
        [{"prompt": GOOD["prompt"], "response": "hi there"}, {"prompt": "Othe", "response": "x"}],
    )
    result = adhere.score(inp, resp, tmp_path / "out")
    assert result.summary["no_response"]["keys"] == [8]
    assert result.strict[1].verdicts[0].evidence == "no response"
    lines = (tmp_path / "out" / "eval_results_strict.jsonl").read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == [7, 8]
    assert json.loads(lines[1])["no_response"] is True


def test_responses_join_by_exact_prompt_then_by_stripped_prompt(tmp_path: Path) -> None:
    base = {k: v for k, v in GOOD.items() if k != "response"}
    inputs = [
        {**base, "key": 1, "prompt": "Alpha"},
        {**base, "key": 2, "prompt": " Beta\n"},
        {**base, "key": 3, "prompt": "Gamma "},
    ]
    inp = write(tmp_path / "input.jsonl", inputs)
    resp = write(
        tmp_path / "responses.jsonl",
        [
            {"prompt": "Alpha  ", "response": "one"},  # matches only once stripped
            {"prompt": "Beta", "response": "two"},  # the input's prompt strips to it
            {"prompt": "Gamma", "response": "stripped"},
            {"prompt": "Gamma ", "response": "exact"},  # an exact match wins
        ],
    )
    result = adhere.score(inp, resp, tmp_path / "out")
    assert [r.response for r in result.strict] == ["one", "two", "exact"]
    assert result.summary["no_response"]["count"] == 0


def test_duplicate_prompts_are_fine_in_a_combined_file(tmp_path: Path) -> None:
    second = {**GOOD, "key": 8, "response": "hi, there"}
    path = write(tmp_path / "in.jsonl", [GOOD, second])
    result = adhere.score(path, outdir=tmp_path / "out")
    assert [r.follow_all_instructions for r in result.strict] == [True, False]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the file"):
        adhere.score(tmp_path / "missing.jsonl", outdir=tmp_path / "out")


def test_a_huge_response_is_scored(tmp_path: Path) -> None:
    record = {
        **GOOD,
        "response": "word " * 2_000_000,
        "instruction_id_list": ["length_constraints:number_words", "punctuation:no_comma"],
        "kwargs": [{"num_words": 100, "relation": "at least"}, {}],
    }
    path = write(tmp_path / "in.jsonl", [record])
    result = adhere.score(path, outdir=tmp_path / "out")
    assert result.strict[0].follow_instruction_list == [True, True]
