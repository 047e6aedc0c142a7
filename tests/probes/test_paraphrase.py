"""The paraphrase probe: the phrasing bank, the variants it makes, and its metric."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adhere.constraints.base import CONSTRAINTS, RELATIONS, Constraint
from adhere.core.errors import ParamError
from adhere.core.types import ConstraintSpec, Message, Sample
from adhere.probes import get_probe
from adhere.probes.base import ProbeMetric, ScoredVariant
from adhere.probes.paraphrase import Paraphrase, negated, paired_differences
from adhere.probes.phrasings import (
    LANGUAGE_NAMES,
    MIN_PHRASINGS,
    NO_PHRASINGS,
    bank,
    count,
    phrasings,
)
from adhere.probes.run import run_probe
from adhere.probes.tasks import split_suite, take_apart
from adhere.runner.eval_run import EvalSettings
from adhere.scoring.evaluate import build, score_sample
from adhere.scoring.stats import Difference
from adhere.suites import core_rules
from adhere.suites.core_suite import core_samples, fill_params, load_tasks
from adhere.suites.registry import load_suite

# --- the bank ----------------------------------------------------------------------------------


def _take_apart_ids() -> set[str]:
    parts, _ = split_suite(core_samples())
    return {spec.id for piece in parts for spec in piece.specs}


def test_every_id_in_take_apart_samples_has_enough_phrasings() -> None:
    used = _take_apart_ids()
    short = {i: count(i) for i in sorted(used) if count(i) < MIN_PHRASINGS}
    assert short == {}
    # the probe's default asks for 3, and every id it can meet has at least 4
    assert min(count(i) for i in used) >= 4


def test_ids_without_phrasings_are_listed_with_a_reason() -> None:
    without = sorted(i for i in CONSTRAINTS if count(i) == 0)
    assert without == sorted(NO_PHRASINGS), f"ids without phrasings: {without}"
    assert all(reason.strip() for reason in NO_PHRASINGS.values())
    assert all(count(i) >= MIN_PHRASINGS for i in CONSTRAINTS if i not in NO_PHRASINGS)
    assert set(bank()) <= set(CONSTRAINTS)  # no phrasings for ids that do not exist


def _filled_constraints() -> list[Constraint]:
    """Every param set of ``core_rules.PARAMS`` filled for every task it suits, both relations
    of relation params, and the ids whose params quote the request filled with a stand-in."""
    tasks = load_tasks()
    out: list[Constraint] = []
    seen: set[tuple[str, str]] = set()
    for constraint_id, param_sets in sorted(core_rules.PARAMS.items()):
        for params in param_sets:
            for task in tasks:
                if "@passage" in params.values() and task.passage is None:
                    continue
                filled = fill_params(dict(params), task)
                filled = {
                    k: "Say hello to the reader." if v == "@request" else v
                    for k, v in filled.items()
                }
                cls = CONSTRAINTS.get(constraint_id)
                for relation_param in [p.name for p in cls.params if p.choices == RELATIONS]:
                    for relation in RELATIONS:
                        variant = cls.from_params({**filled, relation_param: relation})
                        key = (constraint_id, repr(variant))
                        if key not in seen:
                            seen.add(key)
                            out.append(variant)
                constraint = cls.from_params(filled)
                if (constraint_id, repr(constraint)) not in seen:
                    seen.add((constraint_id, repr(constraint)))
                    out.append(constraint)
    return out


FILLED = _filled_constraints()


def test_every_phrasing_renders_differs_from_the_original_and_from_each_other() -> None:
    for constraint in FILLED:
        said = phrasings(constraint)
        assert len(said) == count(constraint.id)
        assert len(set(said)) == len(said), constraint
        assert constraint.describe() not in said, constraint
        assert all(text.strip() == text and "{" not in text.replace("{and", "") for text in said)


def test_every_phrasing_states_every_param_value() -> None:
    for constraint in FILLED:
        for text in phrasings(constraint):
            for param in constraint.params:
                value = getattr(constraint, param.name)
                if param.choices == RELATIONS:
                    continue  # relations are reworded ("no fewer than", "under")
                if constraint.id == "language:response_language":
                    assert LANGUAGE_NAMES[value] in text, text
                elif param.kind == "str_list":
                    assert all(item in text for item in value), (constraint, text)
                else:
                    assert str(value) in text, (constraint, param.name, text)


def test_relation_phrasings_say_the_relation() -> None:
    frequency = CONSTRAINTS.get("keywords:frequency")
    at_least = phrasings(
        frequency.from_params({"keyword": "tea", "frequency": 3, "relation": "at least"})
    )
    fewer = phrasings(
        frequency.from_params({"keyword": "tea", "frequency": 3, "relation": "less than"})
    )
    assert at_least[0] == "Include the word 'tea' at least 3 times."
    assert fewer[0] == "Include the word 'tea' fewer than 3 times."
    assert fewer[3] == "Keep the number of times you use 'tea' below 3."
    assert all(a != f for a, f in zip(at_least, fewer, strict=True))


def test_fields_for_lists_languages_ordinals_and_plurals() -> None:
    existence = CONSTRAINTS.get("keywords:existence").from_params({"keywords": ["tea", "cup"]})
    assert phrasings(existence)[1] == "Your response must use each of the keywords 'cup' and 'tea'."
    language = CONSTRAINTS.get("language:response_language").from_params({"language": "de"})
    assert phrasings(language)[3] == "Answer exclusively in German."
    position = CONSTRAINTS.get("words:keywords_specific_position")
    placed = position.from_params({"keyword": "tea", "n": 2, "m": 3})
    assert phrasings(placed)[0] == "Make the word 'tea' the 3rd word of your 2nd sentence."
    bullets = CONSTRAINTS.get("detectable_format:number_bullet_lists")
    assert (
        "exactly 1 markdown bullet point," in phrasings(bullets.from_params({"num_bullets": 1}))[0]
    )
    assert (
        "exactly 3 markdown bullet points," in phrasings(bullets.from_params({"num_bullets": 3}))[0]
    )


def test_repeat_simple_phrasings_quote_the_sentence_to_repeat() -> None:
    constraint = CONSTRAINTS.get("repeat:repeat_simple").from_params({})
    for text in phrasings(constraint):
        assert text.endswith(constraint.describe())


# --- the variants ------------------------------------------------------------------------------

SUITE = load_suite("adhere-core")


def _variants(options: dict[str, object] | None = None, seed: int = 0) -> list[Sample]:
    return Paraphrase(options).variants(SUITE, seed)


def test_variants_keep_lineage_specs_and_the_original_untouched() -> None:
    variants = _variants()
    parts, left_out = split_suite(SUITE.samples)
    assert left_out > 0  # custom and request-quoting samples cannot be reworded
    assert len(variants) == 4 * len(parts)
    by_id = {s.id: s for s in SUITE.samples}
    for sample in variants:
        original = by_id[sample.parent_id or ""]
        info = sample.metadata["probe"]
        assert info["name"] == "paraphrase"
        assert sample.id == f"{original.id}~{info['variant']}"
        assert sample.constraints == original.constraints
        if info["variant"] == "original":
            assert info["phrasing"] == 0
            assert sample.messages == original.messages
        else:
            assert info["variant"] == f"p{info['phrasing']}"
            assert sample.prompt != original.prompt


def test_variant_k_says_every_instruction_with_phrasing_k_in_the_original_layout() -> None:
    variants = {s.id: s for s in _variants()}
    for piece in split_suite(SUITE.samples)[0][:40]:
        for k in (1, 2, 3):
            said = [phrasings(build(spec, piece.sample.prompt))[k - 1] for spec in piece.specs]
            prompt = variants[f"{piece.sample.id}~p{k}"].prompt
            assert prompt.startswith(piece.request)
            assert prompt.endswith(" ".join(said))
            quoted = [  # repeat:repeat_simple's phrasings quote the sentence to repeat
                text
                for text, spec in zip(piece.instructions, piece.specs, strict=True)
                if spec.id != "repeat:repeat_simple"
            ]
            assert all(text not in prompt for text in quoted)


def test_variants_are_identical_for_the_same_seed_and_do_not_depend_on_it() -> None:
    first = [s.to_dict() for s in _variants(seed=7)]
    assert json.dumps(first) == json.dumps([s.to_dict() for s in _variants(seed=7)])
    assert first == [s.to_dict() for s in _variants(seed=8)]


def _first_with(constraint_id: str) -> Sample:
    for sample in SUITE.samples:
        if take_apart(sample) and any(s.id == constraint_id for s in sample.constraints):
            return sample
    raise AssertionError(f"no take-apart-able sample with {constraint_id}")


@pytest.mark.parametrize(
    ("constraint_id", "passing", "failing"),
    [
        ("punctuation:no_comma", "Plain words and no pause marks.", "Plain words, with a comma."),
        ("startend:quotation", '"All of it in quotes."', "Not quoted at all."),
        ("format:emoji", "Sun is out ☀️ Rain later 🌧️", "Sun is out. Rain later."),
    ],
)
def test_the_original_verdict_rules_apply_to_every_variant(
    constraint_id: str, passing: str, failing: str
) -> None:
    original = _first_with(constraint_id)
    family = [s for s in _variants() if s.parent_id == original.id]
    assert len(family) == 4
    for sample in family:
        spec = next(s for s in sample.constraints if s.id == constraint_id)
        constraint = build(spec, sample.prompt)
        assert constraint.check(passing).passed is True
        assert constraint.check(failing).passed is False
        # and the whole sample scores as the original does, response by response
        for response in (passing, failing):
            mine = score_sample(
                sample, [build(s, sample.prompt) for s in sample.constraints], response
            )
            theirs = score_sample(
                original, [build(s, original.prompt) for s in original.constraints], response
            )
            assert [v.passed for v in mine[0].verdicts] == [v.passed for v in theirs[0].verdicts]


def test_the_number_of_phrasings_is_checked() -> None:
    assert len(_variants({"phrasings": 1})) == 2 * len(split_suite(SUITE.samples)[0])
    with pytest.raises(ParamError, match="has only 4 phrasings"):
        _variants({"phrasings": 5})
    with pytest.raises(ParamError, match="expected >= 1"):
        _variants({"phrasings": 0})
    with pytest.raises(ParamError, match="mode"):
        Paraphrase({"mode": "lenient"})


# --- the metric --------------------------------------------------------------------------------

SPECS = (ConstraintSpec("punctuation:no_comma", {}), ConstraintSpec("startend:quotation", {}))
BOTH = '"all good here"'  # follows both
ONE = '"yes, fine"'  # a comma: follows one of two
NONE = "yes, fine"  # follows neither
LOOSE_ONLY = '**"all good here"**'  # quoted only once the markdown stars are dropped


def _scored(unit: str, label: str, response: str | None) -> ScoredVariant:
    phrasing = 0 if label == "original" else int(label[1:])
    sample = Sample(
        f"{unit}~{label}",
        "test",
        (Message("user", f"{unit} {label}"),),
        SPECS,
        {"probe": {"name": "paraphrase", "variant": label, "phrasing": phrasing}},
        parent_id=unit,
    )
    strict, loose = score_sample(sample, [build(s) for s in SPECS], response)
    return ScoredVariant(sample, strict, loose)


TABLE: dict[str, list[str | None]] = {
    "original": [BOTH, BOTH, ONE, NONE],
    "p1": [BOTH, ONE, ONE, NONE],
    "p2": [BOTH, BOTH, BOTH, ONE],
}
"""Prompt level: original 2/4, p1 1/4, p2 3/4. Instruction level: 5/8, 4/8, 7/8."""


def _table_scored(table: dict[str, list[str | None]]) -> list[ScoredVariant]:
    return [
        _scored(f"u{i}", label, response)
        for label, responses in table.items()
        for i, response in enumerate(responses)
    ]


def _figures(metric: ProbeMetric) -> dict[str, tuple[float, float | None, float | None]]:
    return {f.name: (f.value, f.low, f.high) for f in metric.headline}


def test_metric_against_hand_computed_values() -> None:
    metric = Paraphrase({"phrasings": 2}).metric(_table_scored(TABLE))
    figures = _figures(metric)
    assert figures["original wording, prompt level"][0] == 0.5
    # Wilson for 2 of 4: centre 0.5, half-width 0.34996
    assert figures["original wording, prompt level"][1] == pytest.approx(0.15004, abs=1e-5)
    assert figures["original wording, prompt level"][2] == pytest.approx(0.84996, abs=1e-5)
    assert figures["original wording, instruction level"][0] == 5 / 8
    assert figures["mean over 2 phrasings, prompt level"][0] == 0.5  # (1/4 + 3/4) / 2
    assert figures["mean over 2 phrasings, instruction level"][0] == 11 / 16  # (4/8 + 7/8) / 2
    assert figures["spread across phrasings (std), prompt level"][0] == 0.25
    assert figures["spread across phrasings (std), instruction level"][0] == 0.1875
    assert figures["worst phrasing (p1), prompt level"][0] == 0.25
    assert figures["worst phrasing (p1), instruction level"][0] == 0.5
    drop = "drop from the original wording (mean of phrasings), {} level"
    assert figures[drop.format("prompt")][0] == 0.0
    assert figures[drop.format("instruction")][0] == pytest.approx(5 / 8 - 11 / 16)
    for value, low, high in figures.values():
        assert low is None or high is None or low <= value + 1e-12 <= high + 2e-12
    drops = {
        (s.group, p.label): p.value
        for s in metric.series
        if s.title.startswith("Drop")
        for p in s.points
    }
    assert drops == {
        ("prompt", "p1"): 0.25,
        ("prompt", "p2"): -0.25,
        ("instruction", "p1"): 0.125,
        ("instruction", "p2"): -0.25,
    }
    assert metric.details is not None
    per = metric.details["per_constraint"]
    assert per["punctuation:no_comma"]["original"] == [2, 4]
    assert per["startend:quotation"]["p2"] == [4, 4]


def test_metric_uses_loose_verdicts_when_asked() -> None:
    table: dict[str, list[str | None]] = {"original": [BOTH, BOTH], "p1": [LOOSE_ONLY, BOTH]}
    strict = _figures(Paraphrase({"phrasings": 1}).metric(_table_scored(table)))
    loose = _figures(Paraphrase({"phrasings": 1, "mode": "loose"}).metric(_table_scored(table)))
    assert strict["worst phrasing (p1), prompt level"][0] == 0.5
    assert loose["worst phrasing (p1), prompt level"][0] == 1.0


def test_a_missing_response_fails_and_pairs_still_line_up() -> None:
    table: dict[str, list[str | None]] = {"original": [BOTH, BOTH], "p1": [BOTH, None]}
    figures = _figures(Paraphrase({"phrasings": 1}).metric(_table_scored(table)))
    assert figures["drop from the original wording (mean of phrasings), prompt level"][0] == 0.5


def test_paired_differences_with_no_change_have_a_point_interval() -> None:
    base = {("a", 0): (1, 2), ("b", 0): (2, 2)}
    diffs = paired_differences(base, {"same": [dict(base)]})
    assert diffs[("same", "prompt")] == Difference(0.0, 0.0, 0.0)
    assert diffs[("same", "instruction")] == Difference(0.0, 0.0, 0.0)
    assert negated(Difference(0.25, 0.1, 0.4)) == Difference(-0.25, -0.4, -0.1)


# --- end to end, with a replay file ------------------------------------------------------------


def test_run_probe_with_a_replay_file(tmp_path: Path) -> None:
    base = load_suite("adhere-core", limit=6)
    parts, _ = split_suite(base.samples)
    assert len(parts) >= 3
    variants = get_probe("paraphrase")().variants(base, 0)
    answer = "I like tea and cake but not coffee or juice."  # follows count:conjunctions
    lines = [
        {"prompt": v.prompt, "response": answer}
        for v in variants
        if v.metadata["probe"]["variant"] in ("original", "p1")
    ]  # p2 and p3 are not in the file: they get no response
    replay = tmp_path / "replay.jsonl"
    replay.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    settings = EvalSettings(
        model=f"replay:{replay}", suite="adhere-core", workspace=str(tmp_path / "runs"), limit=6
    )
    outcome = run_probe("paraphrase", settings, seed=0)
    document = json.loads(Path(outcome.path).read_text(encoding="utf-8"))
    assert document["probe"] == "paraphrase"
    assert document["variants"] == 4 * len(parts)
    expected = sum(
        score_sample(p.sample, [build(s) for s in p.specs], answer)[0].follow_all_instructions
        for p in parts
    ) / len(parts)
    assert 0 < expected < 1
    figures = {f["name"]: f["value"] for f in document["headline"]}
    assert figures["original wording, prompt level"] == pytest.approx(expected, abs=1e-6)
    assert figures["worst phrasing (p2), prompt level"] == 0.0
    points = {
        (s["group"], p["label"]): p["value"]
        for s in document["series"]
        if s["title"].startswith("Drop")
        for p in s["points"]
    }
    assert points[("prompt", "p1")] == 0.0  # the same answer as the original's
    assert points[("prompt", "p2")] == pytest.approx(expected, abs=1e-6)
    # a second run finds every response in the store
    again = run_probe("paraphrase", settings, seed=0)
    assert again.runs[0].resumed >= len(lines)
    assert again.metric == outcome.metric


def test_the_probe_is_listed_with_its_params() -> None:
    cls = get_probe("paraphrase")
    assert cls is Paraphrase
    assert [p.name for p in cls.params] == ["phrasings", "mode"]
    assert "drop from the original wording" in cls.metric_help
