"""The turns probe: conversations built turn by turn from the model's own answers, instructions
staying in force, lineage and determinism, the metric against hand-computed values (stopped
conversations included), and a run on the replay backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adhere.core.types import ConstraintSpec, Message, Sample
from adhere.probes.base import ScoredVariant
from adhere.probes.run import run_probe
from adhere.probes.tasks import compose
from adhere.probes.turns import FOLLOW_UPS, MAX_TURNS, REPEAT, TurnsProbe, turn_id
from adhere.runner.eval_run import EvalSettings
from adhere.scoring.evaluate import build, score_sample
from adhere.suites.core_suite import load_tasks
from adhere.suites.registry import Suite, load_suite

NO_COMMA = ConstraintSpec("punctuation:no_comma")
ENDS = ConstraintSpec("startend:end_checker", {"end_phrase": "Hope this helps!"})
PS = ConstraintSpec("detectable_content:postscript", {"postscript_marker": "P.S."})
TASKS = {t.id: t for t in load_tasks()}


def _sample(sample_id: str, task_id: str, specs: tuple[ConstraintSpec, ...]) -> Sample:
    said = [build(s).describe() for s in specs]
    content = compose(TASKS[task_id].text, said)
    meta = {"task_id": task_id, "category": TASKS[task_id].category}
    return Sample(sample_id, "adhere-core", (Message("user", content),), specs, meta)


SUITE = Suite(
    "adhere-core",
    "test",
    (
        _sample("s1", "t001", (NO_COMMA, ENDS)),
        _sample("s2", "t002", (NO_COMMA, PS)),
        _sample("s3", "t003", (NO_COMMA,)),  # one instruction: left out by default
        _sample("s4", "t004", (NO_COMMA, PS, ENDS)),
    ),
    "test",
)


def _probe(**options: object) -> TurnsProbe:
    return TurnsProbe({"order": "as_given", **options})


def test_turn_one_is_the_task_with_the_first_instruction() -> None:
    variants = _probe().variants(SUITE, seed=0, stage=0)
    ids = [v.id for v in variants]
    assert ids == ["s1", "s1~turn1", "s2", "s2~turn1", "s4", "s4~turn1"]
    first = variants[1]
    assert first.parent_id == "s1" and first.constraints == (NO_COMMA,)
    assert first.messages == (
        Message("user", compose(TASKS["t001"].text, [build(NO_COMMA).describe()])),
    )
    assert first.metadata["conversation"] == "s1" and first.metadata["turn"] == 1
    original = variants[0]  # unchanged, so a plain eval's stored response is reused
    assert original.messages == SUITE.samples[0].messages
    assert original.constraints == SUITE.samples[0].constraints
    assert original.metadata["probe"]["variant"] == "original" and original.parent_id is None


def test_later_turns_continue_with_the_models_answers_and_keep_every_instruction() -> None:
    probe = _probe()
    earlier = {"s1~turn1": "First answer one.", "s2~turn1": None, "s4~turn1": "Four."}
    second = {v.id: v for v in probe.variants(SUITE, 0, 1, earlier)}
    # s2 had no response at turn 1: its conversation stops; s1 ends here, so it is repeated
    assert sorted(second) == ["s1~turn2", "s1~turn2-repeat", "s4~turn2"]
    turn = second["s1~turn2"]
    assert turn.constraints == (NO_COMMA, ENDS) and turn.parent_id == "s1"
    roles = [m.role for m in turn.messages]
    assert roles == ["user", "assistant", "user"]
    assert turn.messages[1].content == "First answer one."
    follow_up = turn.messages[2].content
    assert build(ENDS).describe() in follow_up
    assert any(follow_up == f.format(instruction=build(ENDS).describe()) for f in FOLLOW_UPS)
    repeat = second["s1~turn2-repeat"]
    assert repeat.messages[:2] == turn.messages[:2] and repeat.constraints == turn.constraints
    said = " ".join(build(s).describe() for s in (NO_COMMA, ENDS))
    assert repeat.messages[2].content == f"{follow_up}\n\n{REPEAT.format(instructions=said)}"
    third = probe.variants(SUITE, 0, 2, {**earlier, "s4~turn2": "Four again."})
    assert [v.id for v in third] == ["s4~turn3", "s4~turn3-repeat"]
    assert third[0].constraints == (NO_COMMA, PS, ENDS)
    assert [m.content for m in third[0].messages if m.role == "assistant"] == [
        "Four.",
        "Four again.",
    ]


def test_the_instructions_verdict_rules_are_those_of_the_original() -> None:
    probe = _probe()
    earlier = {"s4~turn1": "x", "s4~turn2": "y"}
    final = next(v for v in probe.variants(SUITE, 0, 2, earlier) if v.id == "s4~turn3")
    original = SUITE.samples[3]
    for response in (
        "No commas here. P.S. Hope this helps!",
        "Commas, yes. Hope this helps!",
        "P.S. nothing else",
    ):
        got = [build(s, final.prompt).check(response).passed for s in final.constraints]
        want = [build(s, original.prompt).check(response).passed for s in original.constraints]
        assert got == want


def test_shuffled_order_is_seeded_and_keeps_every_instruction() -> None:
    probe = TurnsProbe()  # order: shuffled
    suite = load_suite("adhere-core", limit=40)
    first = [s.to_dict() for s in probe.variants(suite, 5, 0)]
    assert first == [s.to_dict() for s in TurnsProbe().variants(suite, 5, 0)]
    orders = set()
    for conversation in probe.conversations(suite, 5):
        assert sorted(map(repr, conversation.specs)) == sorted(map(repr, conversation.parts.specs))
        orders.add(conversation.specs == conversation.parts.specs)
    assert orders == {True, False}  # some shuffled, some not (3 instructions: 1 in 6 stays)
    other = [s.to_dict() for s in probe.variants(suite, 6, 0)]
    assert [s["id"] for s in other] == [s["id"] for s in first] and other != first


def test_stages_cover_the_longest_conversation_and_options_filter() -> None:
    assert TurnsProbe.stages == MAX_TURNS == 3
    every = _probe(min_instructions=1, repeat=False).variants(SUITE, 0, 0)
    assert "s3~turn1" in [v.id for v in every]
    later = _probe(repeat=False).variants(SUITE, 0, 1, {"s1~turn1": "a", "s4~turn1": "b"})
    assert [v.id for v in later] == ["s1~turn2", "s4~turn2"]
    assert turn_id("s1", 2) == "s1~turn2"
    with pytest.raises(Exception, match="order"):
        TurnsProbe({"order": "backwards"})


# --- the metric ------------------------------------------------------------------------------


def _scored(sample: Sample, response: str | None) -> ScoredVariant:
    built = [build(s, sample.prompt) for s in sample.constraints]
    strict, loose = score_sample(sample, built, response)
    return ScoredVariant(sample, strict, loose)


def _run(probe: TurnsProbe, answers: dict[str, str | None]) -> list[ScoredVariant]:
    """Every stage of the probe on SUITE's s1 and s2, answered from ``answers``."""
    suite = Suite("adhere-core", "t", SUITE.samples[:2], "t")
    scored, earlier = [], {}
    for stage in range(probe.stages):
        for v in probe.variants(suite, 0, stage, earlier):
            scored.append(_scored(v, answers[v.id]))
            earlier[v.id] = answers[v.id]
    return scored


def test_the_metric_matches_hand_computed_values() -> None:
    answers: dict[str, str | None] = {
        "s1": "Fine. Hope this helps!",  # original: 2 of 2
        "s1~turn1": "Blue light scatters more. Hope this helps!",  # 1 of 1
        "s1~turn2": "Blue light scatters, more.",  # 0 of 2
        "s1~turn2-repeat": "Blue light scatters more. Hope this helps!",  # 2 of 2
        "s2": None,  # original: 0 of 2
        "s2~turn1": None,  # 0 of 1, and the conversation stops
    }
    probe = _probe()
    scored = _run(probe, answers)
    assert sorted(v.sample.id for v in scored) == sorted(answers)  # s2's turn 2 never ran
    metric = probe.metric(scored)
    figures = {f.name: f for f in metric.headline}
    assert figures["PIF at turn 1"].value == 0.5  # (1 + 0) / 2
    assert figures["PIF at turn 2"].value == 0.0  # s1: 0; s2: stopped, counted 0
    assert figures["PIF (all turns)"].value == 0.25  # (1 + 0 + 0 + 0) / 4
    assert figures["PIF-1-1"].value == 0.25  # 1 of 4 (conversation, turn) pairs perfect
    # repeat minus plain at the last turn: s1 2 - 0, s2 (stopped) 0 - 0, over 2 + 2
    gain = figures["gain from repeating every instruction at the last turn"]
    assert gain.value == 0.5
    assert gain.low is not None and gain.high is not None and gain.low <= 0.5 <= gain.high
    assert figures["PIF, every instruction in one message"].value == 0.5  # (1 + 0) / 2
    assert metric.details["stopped"] == 1  # type: ignore[index]
    per_turn = metric.series[0]
    assert [p.label for p in per_turn.points] == ["turn 1", "turn 2"]
    assert [p.count for p in per_turn.points] == [2, 2]
    last = metric.series[1]
    assert [(p.label, p.value) for p in last.points] == [("plain", 0.0), ("repeated", 0.5)]


def test_without_the_repeat_variant_no_gain_is_claimed() -> None:
    answers: dict[str, str | None] = {
        "s1": "x",
        "s1~turn1": "No commas.",
        "s1~turn2": "No commas. Hope this helps!",
        "s2": "y",
        "s2~turn1": "Commas, here.",
        "s2~turn2": "P.S. fine",
    }
    probe = _probe(repeat=False)
    metric = probe.metric(_run(probe, answers))
    figures = {f.name: f for f in metric.headline}
    assert figures["PIF at turn 1"].value == 0.5
    assert figures["PIF at turn 2"].value == 1.0  # s1: 2 of 2; s2: 2 of 2
    gain = figures["gain from repeating every instruction at the last turn"]
    assert gain.value == 0.0 and "0 conversations" in gain.note


# --- end to end --------------------------------------------------------------------------------


def test_run_probe_with_a_replay_file(tmp_path: Path) -> None:
    probe = TurnsProbe()
    suite = load_suite("adhere-core", limit=4)  # 2, 2, 3 and 3 instructions
    fake = {f"{s.id}~turn{t}": "answer" for s in suite.samples for t in (1, 2)}
    prompts = set()
    for stage in range(probe.stages):
        prompts |= {v.prompt for v in probe.variants(suite, 0, stage, fake)}
    # every prompt gets a comma-free answer, except that core-0003's second turn gets none
    missing = {v.prompt for v in probe.variants(suite, 0, 1, fake) if v.id == "core-0003~turn2"}
    lines = [json.dumps({"prompt": p, "response": "Plain words only."}) for p in prompts - missing]
    replay = tmp_path / "responses.jsonl"
    replay.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = EvalSettings(
        model=f"replay:{replay}", suite="adhere-core", workspace=str(tmp_path / "ws"), limit=4
    )
    outcome = run_probe("turns", settings, seed=0)
    assert len(outcome.runs) == 3
    document = json.loads(Path(outcome.path).read_text(encoding="utf-8"))
    assert document["probe"] == "turns"
    assert document["details"]["conversations"] == 4
    assert document["details"]["stopped"] == 1  # core-0003's third turn
    turns = document["details"]["turns"]
    assert turns["1"]["responses"] == 4 and turns["3"]["responses"] == 2
    figures = {f["name"]: f["value"] for f in document["headline"]}
    assert 0.0 <= figures["PIF (all turns)"] <= 1.0


def test_a_suite_whose_conversations_end_early_stops_after_its_last_turn(tmp_path: Path) -> None:
    probe = TurnsProbe()
    suite = load_suite("adhere-core", limit=2)  # 2 and 2 instructions: no third turn
    fake = {f"{s.id}~turn{t}": "answer" for s in suite.samples for t in (1, 2)}
    prompts = set()
    for stage in range(probe.stages):
        prompts |= {v.prompt for v in probe.variants(suite, 0, stage, fake)}
    assert probe.variants(suite, 0, 2, fake) == []
    lines = [json.dumps({"prompt": p, "response": "Plain words only."}) for p in prompts]
    replay = tmp_path / "responses.jsonl"
    replay.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = EvalSettings(
        model=f"replay:{replay}", suite="adhere-core", workspace=str(tmp_path / "ws"), limit=2
    )
    outcome = run_probe("turns", settings, seed=0)
    assert len(outcome.runs) == 2  # the empty third stage is not run
    document = json.loads(Path(outcome.path).read_text(encoding="utf-8"))
    assert document["details"]["conversations"] == 2
