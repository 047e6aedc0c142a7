"""Multi-turn metrics against values computed by hand on small fixture conversations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import adhere

NO_COMMA = ("punctuation:no_comma", {})
BLUE = ("keywords:existence", {"keywords": ["blue"]})
SHORT = ("length_constraints:number_words", {"num_words": 5, "relation": "less than"})


def turn(prompt: str, added: list[tuple[str, dict[str, Any]]], **responses: Any) -> dict[str, Any]:
    return {
        "prompt": prompt,
        "instruction_id_list": [cid for cid, _ in added],
        "kwargs": [params for _, params in added],
        **responses,
    }


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# Instructions are added turn by turn and stay in force (MMMT-IF's dispersed instructions).
# Strict verdicts, by hand:
#   A: t1 [comma ok]            t2 [comma BROKEN, blue ok]   t3 [comma ok, blue ok, short ok]
#   B: t1 [comma BROKEN]        t2 [comma ok, blue ok]       t3 [comma BROKEN, blue ok, short NO]
THREE_TURNS = [
    {
        "key": "A",
        "turns": [
            turn("Describe a lake.", [NO_COMMA], response="Still water"),
            turn("Now its colour.", [BLUE], response="Blue, calm water"),
            turn("Shorter.", [SHORT], response="A blue lake"),
        ],
    },
    {
        "key": "B",
        "turns": [
            turn("Will you help?", [NO_COMMA], response="Yes, sure"),
            turn("The sky?", [BLUE], response="Blue sky"),
            turn("Briefly.", [SHORT], response="The sky is very blue today, really"),
        ],
    },
]


@pytest.fixture
def three_turns(tmp_path: Path) -> dict[str, Any]:
    result = adhere.score(write(tmp_path / "conv.jsonl", THREE_TURNS), outdir=tmp_path / "out")
    return result.summary["multi_turn"]


def test_active_instructions_accumulate(tmp_path: Path) -> None:
    result = adhere.score(write(tmp_path / "conv.jsonl", THREE_TURNS))
    a3 = result.strict[2]
    assert [c.id for c in a3.sample.constraints] == [NO_COMMA[0], BLUE[0], SHORT[0]]
    assert [m.role for m in a3.sample.messages] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    flags = [r.follow_instruction_list for r in result.strict]
    assert flags == [
        [True],
        [False, True],
        [True, True, True],
        [False],
        [True, True],
        [False, True, False],
    ]


def test_per_turn_ifeval_numbers_and_average(three_turns: dict[str, Any]) -> None:
    turns = three_turns["turns"]
    assert [turns[t]["strict"]["prompt_level"]["correct"] for t in "123"] == [1, 1, 1]
    assert [turns[t]["strict"]["instruction_level"]["correct"] for t in "123"] == [1, 3, 4]
    assert [turns[t]["strict"]["instruction_level"]["total"] for t in "123"] == [2, 4, 6]
    # one-line responses have no other loose variant: loose equals strict here
    assert turns["2"]["loose"]["instruction_level"]["correct"] == 3
    assert turns["2"]["average"] == pytest.approx((0.5 + 0.75 + 0.5 + 0.75) / 4)
    assert turns["3"]["average"] == pytest.approx((0.5 + 4 / 6 + 0.5 + 4 / 6) / 4, abs=1e-6)


def test_forgetting_and_correction_across_three_turns(three_turns: dict[str, Any]) -> None:
    strict = three_turns["strict"]
    # 1->2: only no_comma is in force at both; A forgets it, B corrects it.
    first = strict["per_transition"]["1->2"]
    assert (first["forgetting"]["count"], first["forgetting"]["of"]) == (1, 1)
    assert (first["correction"]["count"], first["correction"]["of"]) == (1, 1)
    # 2->3: no_comma and blue; followed before: A blue, B comma, B blue (B forgets the comma);
    # broken before: A comma, which A corrects.
    second = strict["per_transition"]["2->3"]
    assert (second["forgetting"]["count"], second["forgetting"]["of"]) == (1, 3)
    assert (second["correction"]["count"], second["correction"]["of"]) == (1, 1)
    assert strict["forgetting"]["rate"] == pytest.approx(2 / 4)
    assert strict["correction"]["rate"] == pytest.approx(2 / 2)


def test_pif_per_turn_and_overall(three_turns: dict[str, Any]) -> None:
    turns = three_turns["turns"]
    assert turns["1"]["pif"] == pytest.approx(0.5)
    assert turns["2"]["pif"] == pytest.approx(0.75)
    assert turns["3"]["pif"] == pytest.approx((1 + 1 / 3) / 2, abs=1e-6)
    assert three_turns["pif"] == pytest.approx((1 + 0.5 + 1 + 0 + 1 + 1 / 3) / 6, abs=1e-6)


def test_pif_n_k_with_four_samples(tmp_path: Path) -> None:
    # perfect responses per (conversation, turn): C1 3, C2 2, D1 1, D2 4
    rows = [
        {
            "key": "C",
            "turns": [
                turn("One.", [NO_COMMA], responses=["a", "b", "c", "d,"]),
                turn("Two.", [], responses=["a,", "b", "c,", "d"]),
            ],
        },
        {
            "key": "D",
            "turns": [
                turn("One.", [NO_COMMA], responses=["x,", "y,", "z,", "w"]),
                turn("Two.", [], responses=["p", "q", "r", "s"]),
            ],
        },
    ]
    result = adhere.score(write(tmp_path / "n.jsonl", rows), outdir=tmp_path / "out")
    nk = result.summary["multi_turn"]["pif_n_k"]
    assert nk["N"] == 4 and nk["pairs"] == 4
    assert nk["K"]["4"]["rate"] == pytest.approx(0.25)
    assert nk["K"]["2"]["rate"] == pytest.approx(0.75)
    assert nk["K"]["3"]["rate"] == pytest.approx(0.5)
    assert nk["K"]["1"]["rate"] == pytest.approx(1.0)
    lines = (tmp_path / "out" / "eval_results_strict.jsonl").read_text().splitlines()
    assert len(lines) == 16
    first = json.loads(lines[0])
    assert (first["conversation"], first["turn"], first["sample"]) == ("C", 1, 0)


def test_cumulative_lists_replace_rather_than_add(tmp_path: Path) -> None:
    rows = [
        {
            "key": "E",
            "instructions": "cumulative",
            "turns": [
                turn("One.", [NO_COMMA], response="a, b"),
                turn("Two.", [BLUE], response="blue, still"),
            ],
        }
    ]
    result = adhere.score(write(tmp_path / "c.jsonl", rows))
    assert [c.id for c in result.strict[1].sample.constraints] == [BLUE[0]]
    assert result.strict[1].follow_all_instructions is True


def test_a_turn_without_a_response_fails_and_is_named(tmp_path: Path) -> None:
    rows = [{"key": "F", "turns": [turn("One.", [NO_COMMA], response="ok"), turn("Two.", [])]}]
    result = adhere.score(write(tmp_path / "f.jsonl", rows))
    assert result.strict[1].verdicts[0].evidence == "no response"
    assert result.summary["no_response"]["count"] == 1
