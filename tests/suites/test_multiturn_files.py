"""Loading Multi-IF's files, adhere's turns files and IFBench's multi-turn lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import adhere
from adhere.core.errors import InputError
from adhere.suites.multiturn import load_conversations

TURN_1 = {"role": "user", "content": "Write a haiku about rain. Do not use any commas."}
TURN_2 = {"role": "user", "content": "Now make it all lowercase... and still no commas."}


def multi_if_row(**extra: str) -> dict[str, str]:
    # Multi-IF's CSV carries JSON-encoded values; turn 2's list is cumulative
    return {
        "key": "1001",
        "language": "English",
        "turn_1_prompt": json.dumps(TURN_1),
        "turn_1_instruction_id_list": json.dumps(["punctuation:no_comma"]),
        "turn_1_kwargs": json.dumps(["{}"]),
        "turn_2_prompt": json.dumps(TURN_2),
        "turn_2_instruction_id_list": json.dumps(
            ["punctuation:no_comma", "detectable_format:title"]
        ),
        "turn_2_kwargs": json.dumps(["{}", "{}"]),
        "turn_1_response": "soft rain on the roof",
        "turn_2_response": "<<rain>>\nsoft rain, on the roof",
        **extra,
    }


def test_multi_if_csv_with_json_encoded_columns(tmp_path: Path) -> None:
    path = tmp_path / "multi_if.csv"
    row = multi_if_row()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    items = load_conversations(path)
    assert [i.sample.metadata["turn"] for i in items] == [1, 2]
    assert items[0].sample.prompt == TURN_1["content"]
    assert items[1].sample.metadata["language"] == "English"
    assert [c.id for c in items[1].constraints] == [
        "punctuation:no_comma",
        "detectable_format:title",
    ]
    result = adhere.score(path, outdir=tmp_path / "out")
    assert [r.follow_instruction_list for r in result.strict] == [[True], [False, True]]
    assert result.summary["multi_turn"]["strict"]["forgetting"]["count"] == 1


def test_multi_if_jsonl_with_native_values(tmp_path: Path) -> None:
    row = {
        "key": 7,
        "turn_1_prompt": "Say hi.",
        "turn_1_instruction_id_list": ["punctuation:no_comma"],
        "turn_1_kwargs": [{}],
        "turn_1_response": "hi",
    }
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = adhere.score(path)
    assert result.strict[0].follow_all_instructions is True


def test_bad_multi_turn_input_names_line_and_field(tmp_path: Path) -> None:
    rows = [
        {"key": "ok", "turns": [{"prompt": "x", "instruction_id_list": ["punctuation:no_comma"]}]},
        {"key": "bad", "turns": [{"prompt": "x", "instruction_id_list": ["punctuation:no_coma"]}]},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_conversations(path)
    message = str(caught.value)
    assert f"{path}:2" in message
    assert "turns[0].instruction_id_list[0]" in message
    assert "punctuation:no_comma" in message  # the closest valid id


def test_unknown_shape_is_refused_with_the_fields_found(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"turns": "nope", "x": 1}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="fields present: turns, x"):
        load_conversations(path)


def test_ifbench_multi_turn_lines_keep_the_whole_conversation(tmp_path: Path) -> None:
    messages = [
        {"role": "user", "content": "Tell me about tides."},
        {"role": "assistant", "content": "Tides come from the moon's pull."},
        {"role": "user", "content": "Rewrite that without any commas."},
    ]
    row = {
        "key": 3,
        "prompt": messages[-1]["content"],
        "messages": messages,
        "instruction_id_list": ["punctuation:no_comma"],
        "kwargs": [{}],
        "response": "The moon pulls the sea and so tides rise and fall.",
    }
    path = tmp_path / "mt.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = adhere.score(path)
    assert [m.role for m in result.strict[0].sample.messages] == ["user", "assistant", "user"]
    assert result.strict[0].follow_all_instructions is True
    row["messages"] = [{"role": "user"}]
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="messages"):
        adhere.score(path)


def test_a_dataset_id_offline_says_how_to_use_a_local_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InputError) as caught:
        adhere.score("hf:facebook/Multi-IF", outdir=tmp_path / "out")
    message = str(caught.value)
    assert "facebook/Multi-IF" in message
    assert "pass its path instead" in message
    assert not (tmp_path / "out").exists()


def test_a_missing_local_file_is_not_taken_for_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        adhere.score(tmp_path / "missing.jsonl")


def test_multi_if_per_language_turn_averages(tmp_path: Path) -> None:
    french = multi_if_row(
        key="2001", language="French", turn_1_response="pluie, douce", turn_2_response="<<t>>"
    )
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(multi_if_row()) + "\n" + json.dumps(french) + "\n", encoding="utf-8")
    languages = adhere.score(path).summary["multi_turn"]["languages"]
    # English: turn 1 all pass (1.0). Turn 2: strict, the comma is broken and the title kept
    # (prompt 0, instructions 1/2); loose, dropping the last line leaves "<<rain>>", which has no
    # comma, so both pass (1, 2/2): (0 + 1/2 + 1 + 1) / 4.
    # French: turn 1 comma broken in every variant (0.0); turn 2 both kept (1.0).
    assert languages == {
        "English": {"1": 1.0, "2": 0.625},
        "French": {"1": 0.0, "2": 1.0},
    }
