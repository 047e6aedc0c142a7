"""The placement and load probes: their variants and their metrics."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from adhere.core.errors import ParamError
from adhere.core.types import ConstraintSpec, Message, Sample
from adhere.probes import get_probe
from adhere.probes.base import ProbeMetric, ScoredVariant
from adhere.probes.paraphrase import Tally
from adhere.probes.placement import (
    PLACEMENTS,
    Load,
    Placement,
    addable,
    consistent_levels,
    draw,
    load_metric,
    placed,
    placement_metric,
)
from adhere.probes.run import run_probe
from adhere.probes.tasks import compose, split_suite
from adhere.runner.eval_run import EvalSettings
from adhere.scoring.evaluate import build, score_sample
from adhere.suites import core_rules
from adhere.suites.core_suite import Task, fill_params, load_tasks
from adhere.suites.registry import load_suite

SUITE = load_suite("adhere-core")
PARTS, _ = split_suite(SUITE.samples)


def _figures(metric: ProbeMetric) -> dict[str, tuple[float, float | None, float | None]]:
    return {f.name: (f.value, f.low, f.high) for f in metric.headline}


# --- placement: variants -----------------------------------------------------------------------


def test_placements_move_the_instructions_and_keep_the_original_as_it_was() -> None:
    with_passage = next(p for p in PARTS if p.task.passage is not None)
    without = next(p for p in PARTS if p.task.passage is None)
    for piece in (with_passage, without):
        said = " ".join(piece.instructions)
        assert placed(piece, "user-after") == piece.sample.messages
        assert placed(piece, "user-before") == (Message("user", f"{said}\n\n{piece.request}"),)
        assert placed(piece, "system") == (
            Message("system", said),
            Message("user", piece.request),
        )
    with pytest.raises(ValueError, match="unknown placement"):
        placed(without, "assistant")


def test_placement_variants_keep_lineage_and_specs() -> None:
    variants = Placement().variants(SUITE, 0)
    assert len(variants) == 3 * len(PARTS)
    by_id = {s.id: s for s in SUITE.samples}
    counts = Counter(s.metadata["probe"]["placement"] for s in variants)
    assert counts == {p: len(PARTS) for p in PLACEMENTS}
    for sample in variants:
        original = by_id[sample.parent_id or ""]
        info = sample.metadata["probe"]
        assert info["name"] == "placement"
        assert sample.id == f"{original.id}~{info['variant']}"
        assert sample.constraints == original.constraints
        if info["placement"] == "user-after":
            assert info["variant"] == "original"
            assert sample.messages == original.messages
        else:
            assert info["variant"] == info["placement"]
            assert sample.messages != original.messages


def test_placement_variants_are_the_same_for_the_same_seed() -> None:
    first = json.dumps([s.to_dict() for s in Placement().variants(SUITE, 3)])
    assert first == json.dumps([s.to_dict() for s in Placement().variants(SUITE, 3)])


@pytest.mark.parametrize("where", PLACEMENTS)
def test_the_original_verdict_rules_apply_to_every_placement(where: str) -> None:
    piece = next(p for p in PARTS if any(s.id == "punctuation:no_comma" for s in p.specs))
    sample = next(
        s
        for s in Placement().variants(SUITE, 0)
        if s.parent_id == piece.sample.id and s.metadata["probe"]["placement"] == where
    )
    spec = next(s for s in sample.constraints if s.id == "punctuation:no_comma")
    assert build(spec, sample.prompt).check("No pause marks here.").passed is True
    assert build(spec, sample.prompt).check("A pause, here.").passed is False
    for response in ("No pause marks here.", "A pause, here.", '"Quoted, with a comma."'):
        mine = score_sample(sample, [build(s, sample.prompt) for s in sample.constraints], response)
        theirs = score_sample(
            piece.sample, [build(s, piece.sample.prompt) for s in piece.specs], response
        )
        assert [v.passed for v in mine[0].verdicts] == [v.passed for v in theirs[0].verdicts]


# --- placement: metric -------------------------------------------------------------------------


def test_placement_metric_against_hand_computed_values() -> None:
    # units u0..u3, each with two instructions: (followed, instructions)
    groups: dict[str, Tally] = {
        "user-after": {("u0", 0): (2, 2), ("u1", 0): (2, 2), ("u2", 0): (1, 2), ("u3", 0): (0, 2)},
        "user-before": {("u0", 0): (2, 2), ("u1", 0): (2, 2), ("u2", 0): (2, 2), ("u3", 0): (2, 2)},
        "system": {("u0", 0): (1, 2), ("u1", 0): (0, 2), ("u2", 0): (1, 2), ("u3", 0): (0, 2)},
    }
    figures = _figures(placement_metric(groups))
    assert figures["user-after, prompt level"][0] == 0.5
    assert figures["user-before, prompt level"][0] == 1.0
    assert figures["system, prompt level"][0] == 0.0
    assert figures["user-after, instruction level"][0] == 5 / 8
    assert figures["system, instruction level"][0] == 2 / 8
    assert figures["user-before minus user-after, prompt level"][0] == 0.5
    assert figures["system minus user-after, prompt level"][0] == -0.5
    assert figures["user-before minus user-after, instruction level"][0] == 3 / 8
    assert figures["system minus user-after, instruction level"][0] == -3 / 8
    # Wilson for 4 of 4: [0.51010, 1]
    assert figures["user-before, prompt level"][1] == pytest.approx(0.51010, abs=1e-5)
    for value, low, high in figures.values():
        assert low is not None and high is not None
        assert low - 1e-12 <= value <= high + 1e-12


def _placed_scored(unit: str, where: str, response: str | None) -> ScoredVariant:
    specs = (ConstraintSpec("punctuation:no_comma", {}),)
    label = "original" if where == "user-after" else where
    sample = Sample(
        f"{unit}~{label}",
        "test",
        (Message("user", unit),),
        specs,
        {"probe": {"name": "placement", "variant": label, "placement": where}},
        parent_id=unit,
    )
    strict, loose = score_sample(sample, [build(s) for s in specs], response)
    return ScoredVariant(sample, strict, loose)


def test_placement_metric_from_scored_responses() -> None:
    scored = [
        _placed_scored("a", "user-after", "fine"),
        _placed_scored("b", "user-after", "fine, really"),
        _placed_scored("a", "user-before", "fine"),
        _placed_scored("b", "user-before", "fine"),
        _placed_scored("a", "system", None),
        _placed_scored("b", "system", "fine, really"),
    ]
    figures = _figures(Placement().metric(scored))
    assert figures["user-after, prompt level"][0] == 0.5
    assert figures["user-before, prompt level"][0] == 1.0
    assert figures["system, prompt level"][0] == 0.0
    assert figures["system minus user-after, instruction level"][0] == -0.5


# --- load: the draw ----------------------------------------------------------------------------


def test_params_are_filled_from_the_task_as_adhere_core_fills_them() -> None:
    task = Task(
        "x1",
        "explain",
        "Quickly explain why zebras have stripes",
        ("zebra", "stripe", "grass", "herd", "savanna"),
        ("horse", "black"),
    )
    filled = fill_params({"a": "@kw0", "b": ["@kw4", "@avoid1"], "c": "@rare", "d": 3}, task)
    # of the rare letters z, q, x, j, k, v, w: z, q, x in the request, j in none of the words
    assert filled == {"a": "zebra", "b": ["savanna", "black"], "c": "j", "d": 3}
    every = Task("x2", "explain", task.text + " with jaws", task.keywords, task.avoid, "A text.")
    assert fill_params({"c": "@rare", "p": "@passage"}, every) == {"c": "z", "p": "A text."}


def test_draws_are_seeded_conflict_free_and_filled_from_adhere_core_params() -> None:
    ids, _ = addable()
    assert not any(core_rules.is_exclusive(i) or core_rules.is_standalone(i) for i in ids)
    assert not set(ids) & set(core_rules.EMBEDS_REQUEST)
    changed = 0
    for task in load_tasks():
        specs = draw(task, 0, 5)
        assert len(specs) == 5
        assert specs == draw(task, 0, 5)
        changed += specs != draw(task, 1, 5)
        names = [s.id for s in specs]
        assert len(set(names)) == 5
        assert not any(
            core_rules.conflicting(a, b) for i, a in enumerate(names) for b in names[i + 1 :]
        )
        for spec in specs:
            options = [fill_params(dict(params), task) for params in core_rules.PARAMS[spec.id]]
            assert dict(spec.params) in options
            build(spec)  # valid params
    assert changed > len(load_tasks()) // 2  # another seed, another draw


def test_draws_of_other_sizes() -> None:
    task = load_tasks()[0]
    assert len(draw(task, 0, 10)) == 10
    assert len(draw(task, 0, 1)) == 1


# --- load: variants ----------------------------------------------------------------------------


def test_load_variants_add_constraints_level_by_level() -> None:
    variants = Load().variants(SUITE, 0)
    first_of_task: dict[str, str] = {}
    for piece in PARTS:
        first_of_task.setdefault(piece.task.id, piece.sample.id)
    assert len(variants) == 5 * len(first_of_task)
    chains: dict[str, dict[int, Sample]] = {}
    for sample in variants:
        info = sample.metadata["probe"]
        assert info["name"] == "load"
        assert sample.parent_id == first_of_task[info["task"]]
        assert sample.id == f"{sample.parent_id}~load{info['level']}"
        assert info["variant"] == f"level-{info['level']}"
        chains.setdefault(info["task"], {})[info["level"]] = sample
    pieces = {p.sample.id: p for p in PARTS}
    for levels in chains.values():
        assert sorted(levels) == [1, 2, 3, 4, 5]
        top = levels[5].constraints
        for level, sample in levels.items():
            assert sample.constraints == top[:level]
            piece = pieces[sample.parent_id or ""]
            said = [build(s).describe() for s in sample.constraints]
            assert sample.prompt == compose(piece.request, said)


def test_load_variants_are_deterministic_and_seeded() -> None:
    first = json.dumps([s.to_dict() for s in Load().variants(SUITE, 5)])
    assert first == json.dumps([s.to_dict() for s in Load().variants(SUITE, 5)])
    assert first != json.dumps([s.to_dict() for s in Load().variants(SUITE, 6)])
    assert len(Load({"levels": 2}).variants(SUITE, 5)) == 2 * len({p.task.id for p in PARTS})
    with pytest.raises(ParamError, match="levels"):
        Load({"levels": 0}).variants(SUITE, 5)


def test_the_verdict_rules_of_added_constraints_are_the_same_at_every_level() -> None:
    variants = [s for s in Load().variants(SUITE, 0) if s.metadata["probe"]["task"] == "t001"]
    responses = ("A short reply.", '"Quoted, and longer: with a comma; and a colon!"', "")
    for response in responses:
        verdicts: dict[str, set[bool | None]] = {}  # ids are unique within a task's draw
        for sample in variants:
            strict, _ = score_sample(sample, [build(s) for s in sample.constraints], response)
            for spec, verdict in zip(sample.constraints, strict.verdicts, strict=True):
                verdicts.setdefault(spec.id, set()).add(verdict.passed)
        assert len(verdicts) == 5
        assert all(len(found) == 1 for found in verdicts.values())


# --- load: metric ------------------------------------------------------------------------------


def test_consistent_levels() -> None:
    assert consistent_levels({1: (1, 1), 2: (2, 2), 3: (2, 3)}) == 2
    assert consistent_levels({1: (0, 1), 2: (2, 2)}) == 0
    assert consistent_levels({1: (1, 1), 3: (3, 3)}) == 1  # level 2 missing
    assert consistent_levels({}) == 0


def test_load_metric_against_hand_computed_values() -> None:
    a, b, c = ("a", 0), ("b", 0), ("c", 0)
    by_level: dict[int, Tally] = {
        1: {a: (1, 1), b: (0, 1), c: (1, 1)},
        2: {a: (2, 2), b: (2, 2), c: (2, 2)},
        3: {a: (2, 3), b: (3, 3), c: (3, 3)},
    }
    metric = load_metric(by_level)
    figures = _figures(metric)
    assert figures["HSR at level 1"][0] == 2 / 3
    assert figures["HSR at level 3"][0] == 2 / 3
    assert figures["SSR at level 3"][0] == 8 / 9
    assert figures["mean CSL"][0] == 5 / 3  # CSL 2, 0 and 3
    low, high = figures["mean CSL"][1:]
    assert low is not None and high is not None and 0 <= low <= 5 / 3 <= high <= 3
    lines = {s.group: [p.value for p in s.points] for s in metric.series if s.kind == "line"}
    assert lines == {"HSR": [2 / 3, 1.0, 2 / 3], "SSR": [2 / 3, 1.0, 8 / 9]}
    bars = next(s for s in metric.series if s.title == "Consistent satisfaction levels")
    assert [(p.label, p.value) for p in bars.points] == [
        ("0", 1 / 3),
        ("1", 0.0),
        ("2", 1 / 3),
        ("3", 1 / 3),
    ]


def test_mean_csl_of_equal_tasks_has_a_point_interval() -> None:
    by_level: dict[int, Tally] = {1: {("a", 0): (1, 1), ("b", 0): (1, 1)}}
    assert _figures(load_metric(by_level))["mean CSL"] == (1.0, 1.0, 1.0)


def _level_scored(task: str, level: int, response: str | None) -> ScoredVariant:
    specs = (
        ConstraintSpec("punctuation:no_comma", {}),
        ConstraintSpec("startend:quotation", {}),
    )[:level]
    sample = Sample(
        f"{task}~load{level}",
        "test",
        (Message("user", f"{task} {level}"),),
        specs,
        {"probe": {"name": "load", "variant": f"level-{level}", "level": level, "task": task}},
        parent_id=task,
    )
    strict, loose = score_sample(sample, [build(s) for s in specs], response)
    return ScoredVariant(sample, strict, loose)


def test_load_metric_from_scored_responses() -> None:
    scored = [
        _level_scored("a", 1, "no commas"),
        _level_scored("a", 2, '"quoted and no commas"'),
        _level_scored("b", 1, "a comma, here"),
        _level_scored("b", 2, '"quoted"'),
    ]
    figures = _figures(Load({"levels": 2}).metric(scored))
    assert figures["HSR at level 1"][0] == 0.5
    assert figures["HSR at level 2"][0] == 1.0
    assert figures["SSR at level 2"][0] == 1.0
    assert figures["mean CSL"][0] == 1.0  # a: 2, b: 0


# --- end to end, with a replay file ------------------------------------------------------------


def _replay(tmp_path: Path, lines: list[dict[str, str]]) -> EvalSettings:
    replay = tmp_path / "replay.jsonl"
    replay.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return EvalSettings(
        model=f"replay:{replay}", suite="adhere-core", workspace=str(tmp_path / "runs"), limit=6
    )


ANSWER = "I like tea and cake but not coffee or juice."
"""Follows count:conjunctions (one of the first adhere-core samples), and little else."""


def test_run_placement_with_a_replay_file(tmp_path: Path) -> None:
    base = load_suite("adhere-core", limit=6)
    parts, _ = split_suite(base.samples)
    variants = Placement().variants(base, 0)
    # the original and user-before are answered; the system variant's request is not in the file
    lines = [
        {"prompt": v.prompt, "response": ANSWER}
        for v in variants
        if v.metadata["probe"]["placement"] != "system"
    ]
    outcome = run_probe("placement", _replay(tmp_path, lines), seed=0)
    document = json.loads(Path(outcome.path).read_text(encoding="utf-8"))
    assert document["probe"] == "placement"
    assert document["variants"] == 3 * len(parts)
    expected = sum(
        score_sample(p.sample, [build(s) for s in p.specs], ANSWER)[0].follow_all_instructions
        for p in parts
    ) / len(parts)
    assert 0 < expected < 1
    figures = {f["name"]: f["value"] for f in document["headline"]}
    assert figures["user-after, prompt level"] == pytest.approx(expected, abs=1e-6)
    assert figures["user-before, prompt level"] == pytest.approx(expected, abs=1e-6)
    assert figures["system, prompt level"] == 0.0
    assert figures["user-before minus user-after, prompt level"] == 0.0
    assert figures["system minus user-after, prompt level"] == pytest.approx(-expected, abs=1e-6)


def test_run_load_with_a_replay_file(tmp_path: Path) -> None:
    base = load_suite("adhere-core", limit=6)
    variants = Load({"levels": 3}).variants(base, 0)
    lines = [{"prompt": v.prompt, "response": ANSWER} for v in variants]
    outcome = run_probe("load", _replay(tmp_path, lines), seed=0, options={"levels": 3})
    document = json.loads(Path(outcome.path).read_text(encoding="utf-8"))
    assert document["probe"] == "load"
    assert document["options"] == {"levels": 3}
    assert document["variants"] == len(variants)
    hsr = {}
    for level in (1, 2, 3):
        chosen = [v for v in variants if v.metadata["probe"]["level"] == level]
        hits = [
            score_sample(v, [build(s) for s in v.constraints], ANSWER)[0].follow_all_instructions
            for v in chosen
        ]
        hsr[level] = sum(hits) / len(hits)
    figures = {f["name"]: f["value"] for f in document["headline"]}
    assert figures["HSR at level 1"] == pytest.approx(hsr[1], abs=1e-6)
    assert figures["HSR at level 3"] == pytest.approx(hsr[3], abs=1e-6)


def test_both_probes_are_registered_and_described() -> None:
    assert get_probe("placement") is Placement
    assert get_probe("load") is Load
    assert [p.name for p in Load.params] == ["levels"]
    assert Placement.params == ()
