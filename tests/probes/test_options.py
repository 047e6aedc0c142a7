"""The options probe: its item set, its variants (label formats, conditions, solved examples),
its judging rule, its metric (against hand-computed values), where its items come from, and a
whole run through the replay backend."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adhere.core.errors import InputError
from adhere.core.types import Sample
from adhere.probes import get_probe
from adhere.probes.base import Probe, ScoredVariant
from adhere.probes.options import (
    FORMATS,
    ITEMS_FILE,
    Item,
    judge,
    load_items_suite,
    mmlu_items,
    options_metric,
)
from adhere.probes.run import run_probe
from adhere.runner.eval_run import EvalSettings
from adhere.scoring.evaluate import score_sample


def _probe(**options: object) -> Probe:
    return get_probe("options")(options)


def _items() -> list[dict[str, Any]]:
    return [json.loads(line) for line in ITEMS_FILE.read_text(encoding="utf-8").splitlines()]


# --- the built-in items --------------------------------------------------------------------------


def test_the_built_in_set_is_large_balanced_and_well_formed() -> None:
    items = _items()
    assert len(items) >= 200
    assert len({i["id"] for i in items}) == len(items)
    assert len({i["question"] for i in items}) == len(items)
    for item in items:
        assert len(item["options"]) == 4 and len(set(item["options"])) == 4, item
        assert 0 <= item["answer"] < 4
    positions = Counter(i["answer"] for i in items)
    assert max(positions.values()) - min(positions.values()) <= 1  # the right option moves
    topics = Counter(i["topic"] for i in items)
    assert set(topics) == {"knowledge", "arithmetic", "words"} and min(topics.values()) >= 50


_ARITHMETIC: list[
    tuple[str, Callable[..., float]]
] = [  # an independent reading of every arithmetic question of the set
    (r"^What is (\d+) \+ (\d+)\?$", lambda a, b: a + b),
    (r"^What is (\d+) - (\d+)\?$", lambda a, b: a - b),
    (r"^What is (\d+) times (\d+)\?$", lambda a, b: a * b),
    (r"^What is (\d+) divided by (\d+)\?$", lambda a, b: a / b),
    (r"^What is (\d+)% of (\d+)\?$", lambda p, a: p * a / 100),
    (r"^A notebook costs (\d+) dollars\. How many dollars do (\d+) notebooks", lambda p, n: p * n),
    (r"^You pay for a (\d+)-dollar item with a (\d+)-dollar note\.", lambda c, p: p - c),
    (
        r"^What is the average \(mean\) of (\d+), (\d+) and (\d+)\?$",
        lambda a, b, c: (a + b + c) / 3,
    ),
    (r"^What is (\d+) squared\?$", lambda a: a * a),
    (r"^How many minutes are there in (\d+) hours and (\d+) minutes\?$", lambda h, m: 60 * h + m),
    (
        r"^A rectangle is (\d+) cm long and (\d+) cm wide\. What is its perimeter",
        lambda a, b: 2 * (a + b),
    ),
    (r"^A rectangle is (\d+) m long and (\d+) m wide\. What is its area", lambda a, b: a * b),
    (
        r"^What number comes next in the sequence (\d+), (\d+), (\d+), (\d+), ",
        lambda a, b, c, d: 2 * d - c,
    ),
]


def test_every_arithmetic_answer_is_right_and_only_once_offered() -> None:
    checked = 0
    for item in _items():
        if item["topic"] != "arithmetic":
            continue
        for pattern, rule in _ARITHMETIC:
            found = re.match(pattern, item["question"])
            if found:
                value = rule(*(int(g) for g in found.groups()))
                numbers = [float(o) for o in item["options"]]
                assert numbers.count(value) == 1, item
                assert numbers.index(value) == item["answer"], item
                checked += 1
                break
        else:
            pytest.fail(f"no check reads {item['question']!r}")
    assert checked >= 60


def test_sequences_in_the_set_are_arithmetic() -> None:
    for item in _items():
        found = re.search(r"sequence (\d+), (\d+), (\d+), (\d+)", item["question"])
        if found:
            a, b, c, d = (int(g) for g in found.groups())
            assert b - a == c - b == d - c, item


# --- the variants --------------------------------------------------------------------------------


def test_every_format_condition_and_shot_count_of_every_item() -> None:
    suite = load_items_suite(None, 2)
    variants = _probe().variants(suite, seed=0)
    assert len(variants) == 2 * 3 * 3 * 2
    assert variants[0].id == "mc-001~alpha.instructed.0shot"
    assert variants[-1].id == "mc-002~roman.no_text.3shot"
    assert len({v.id for v in variants}) == len(variants)
    for variant in variants:
        info = variant.metadata["probe"]
        assert variant.parent_id == variant.id.split("~")[0] and variant.constraints == ()
        assert info["name"] == "options"
        assert info["variant"] == f"{info['format']}/{info['condition']}/{info['shots']}-shot"
        item = variant.metadata["item"]
        labels = FORMATS[info["format"]]
        assert info["labels"] == list(labels)
        assert info["gold"] == labels[item["answer"]]


def test_the_prompts_of_each_condition() -> None:
    suite = load_items_suite(None, 1)
    variants = {v.id: v.prompt for v in _probe(shots="0").variants(suite, seed=0)}
    # mc-001: Which planet is closest to the Sun? Mercury, Mars, Venus, Earth
    assert variants["mc-001~roman.instructed.0shot"] == (
        "Answer the following multiple-choice question. Reply with the label of the correct "
        "option only (I, II, III or IV), with no other text.\n\n"
        "Question: Which planet is closest to the Sun?\n"
        "I. Mercury\nII. Mars\nIII. Venus\nIV. Earth"
    )
    assert variants["mc-001~numeric.plain.0shot"] == (
        "Question: Which planet is closest to the Sun?\n1. Mercury\n2. Mars\n3. Venus\n4. Earth"
    )
    assert variants["mc-001~alpha.no_text.0shot"].endswith(
        "Question: Which planet is closest to the Sun?\nA.\nB.\nC.\nD."
    )
    assert "(A, B, C or D)" in variants["mc-001~alpha.no_text.0shot"]


def test_solved_examples_are_other_items_the_same_for_every_variant_of_an_item() -> None:
    suite = load_items_suite(None, 3)
    variants = _probe(shots="3").variants(suite, seed=5)
    by_item: dict[str, set[tuple[str, ...]]] = {}
    for variant in variants:
        examples = tuple(variant.metadata["probe"]["examples"])
        assert len(examples) == 3 and variant.parent_id not in examples
        by_item.setdefault(str(variant.parent_id), set()).add(examples)
        assert variant.prompt.endswith("\nAnswer:")
        assert variant.prompt.count("\nAnswer: ") == 3
    assert all(len(draws) == 1 for draws in by_item.values())
    # drawn from the whole set, not only the three items asked
    drawn = {e for draws in by_item.values() for d in draws for e in d}
    assert drawn - {"mc-001", "mc-002", "mc-003"}
    # an example is shown with its texts and its answer in the variant's label format
    roman = next(v for v in variants if v.id == "mc-001~roman.no_text.3shot")
    first = next(i for i in _items() if i["id"] == roman.metadata["probe"]["examples"][0])
    label = FORMATS["roman"][first["answer"]]
    assert f"{label}. {first['options'][first['answer']]}" in roman.prompt
    assert f"Answer: {label}\n\n" in roman.prompt


def test_variants_are_deterministic_and_the_seed_draws_the_examples() -> None:
    suite = load_items_suite(None, 4)

    def dump(seed: int) -> str:
        return json.dumps([v.to_dict() for v in _probe().variants(suite, seed=seed)])

    assert dump(3) == dump(3)
    assert dump(3) != dump(4)


def test_too_few_items_for_the_examples() -> None:
    suite = load_items_suite(None, None)
    small = type(suite)(suite.name, suite.version, suite.samples[:3], suite.source)
    with pytest.raises(InputError, match="3-shot prompts need at least 4 items"):
        _probe(shots="3").variants(small, seed=0)
    assert len(_probe(shots="0").variants(small, seed=0)) == 3 * 9


# --- judging -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "labels", "strict", "faithful", "lenient"),
    [
        ("B", "ABCD", True, True, True),
        (" (B). ", "ABCD", True, True, True),
        ("**B**", "ABCD", True, True, True),
        ("b", "ABCD", False, False, True),  # case counts for strict and fidelity
        ("Answer: B", "ABCD", False, False, True),
        ("B. Mars", "ABCD", False, False, False),
        ("C", "ABCD", False, True, False),
        ("The answer is B", "ABCD", False, False, False),
        ("<think>Mars is second.</think>\nB", "ABCD", True, True, True),
        ("<think>Mars is second.", "ABCD", False, False, False),
        ("", "ABCD", False, False, False),
        (None, "ABCD", False, False, False),
        ("II", ("I", "II", "III", "IV"), True, True, True),
        ("ii", ("I", "II", "III", "IV"), False, False, True),
        ("III", ("I", "II", "III", "IV"), False, True, False),
        ("2", "1234", True, True, True),
        ("2.", "1234", True, True, True),
    ],
)
def test_the_judging_rule_on_fixed_responses(
    response: str | None, labels: Any, strict: bool, faithful: bool, lenient: bool
) -> None:
    gold = list(labels)[1]
    got = judge(response, list(labels), gold)
    assert (got.strict, got.faithful, got.lenient) == (strict, faithful, lenient), got
    assert got.evidence and gold in got.evidence


def test_judging_evidence_in_words() -> None:
    assert judge("C", list("ABCD"), "B").evidence == (
        'answered "C", an offered label; the correct one is B'
    )
    assert judge("B. Mars", list("ABCD"), "B").evidence == (
        'answered "B. Mars": not exactly one of the labels A, B, C, D (after trimming); the '
        "correct one is B"
    )


# --- the metric ----------------------------------------------------------------------------------


def _scored(variants: list[Sample], responses: dict[str, str | None]) -> list[ScoredVariant]:
    out = []
    for variant in variants:
        strict, loose = score_sample(variant, (), responses.get(variant.id))
        out.append(ScoredVariant(variant, strict, loose))
    return out


def test_the_metric_against_hand_computed_values() -> None:
    # items mc-001 (gold A / 1 / I), mc-002 (gold B / 2 / II), mc-003 (C / 3 / III), mc-004 (D)
    suite = load_items_suite(None, 4)
    probe = _probe(formats="alpha,roman", shots="0")
    variants = probe.variants(suite, seed=0)
    gold = {v.id: str(v.metadata["probe"]["gold"]) for v in variants}
    responses: dict[str, str | None] = dict(gold)
    # alpha/instructed: all 4 right. roman/instructed: 1 right, 2 offered but wrong, 1 not a label
    responses["mc-002~roman.instructed.0shot"] = "I"
    responses["mc-003~roman.instructed.0shot"] = "IV"
    responses["mc-004~roman.instructed.0shot"] = "Answer: IV"
    # plain: alpha 2 right + 2 prose; roman 4 right
    responses["mc-001~alpha.plain.0shot"] = "The answer is A."
    responses["mc-002~alpha.plain.0shot"] = "Option B, Mars."
    # no_text: alpha 1 right of 4 (3 wrong labels); roman 0 right (4 wrong labels)
    for n, wrong in ((2, "A"), (3, "A"), (4, "A")):
        responses[f"mc-00{n}~alpha.no_text.0shot"] = wrong
    for n, wrong in ((1, "II"), (2, "I"), (3, "I"), (4, "I")):
        responses[f"mc-00{n}~roman.no_text.0shot"] = wrong
    metric = options_metric(_scored(variants, responses))
    figures = {f.name: f for f in metric.headline}
    assert figures["strict accuracy, alpha (instructed, 0-shot)"].value == 1.0
    assert figures["strict accuracy, roman (instructed, 0-shot)"].value == 0.25
    assert figures["label fidelity, instructed (0-shot)"].value == 7 / 8
    assert figures["label fidelity, plain (0-shot)"].value == 6 / 8
    assert figures["label fidelity, no_text (0-shot)"].value == 1.0
    versus = figures["no-text accuracy minus random baseline (0-shot)"]
    assert versus.value == pytest.approx(1 / 8 - 1 / 4)
    assert versus.low == pytest.approx(0.022417 - 0.25, abs=1e-6)  # Wilson 1/8, by hand
    assert versus.high == pytest.approx(0.470888 - 0.25, abs=1e-6)
    gap = figures["roman minus alpha (instructed, 0-shot)"]
    assert gap.value == -0.75
    assert gap.low is not None and gap.high is not None and gap.low <= -0.75 <= gap.high <= 0
    plain = figures["plain minus instructed (0-shot)"]
    assert plain.value == pytest.approx((6 - 5) / 8)  # plain 6 of 8 right, instructed 5 of 8
    assert "3-shot minus 0-shot (instructed)" not in figures  # no 3-shot variants asked
    details: Any = metric.details
    cells = {(c["format"], c["condition"]): c for c in details["cells"]}
    roman = cells[("roman", "instructed")]
    assert roman["strict"]["hits"] == 1 and roman["faithful"]["hits"] == 3
    assert roman["lenient"]["hits"] == 2  # and "Answer: IV" for mc-004 (gold IV) reads right
    assert roman["random_baseline"] == 0.25
    strict = [s for s in metric.series if s.title == "Strict accuracy by label format"]
    assert [(s.group, [p.value for p in s.points]) for s in strict] == [
        ("instructed, 0-shot", [1.0, 0.25]),
        ("plain, 0-shot", [0.5, 1.0]),
        ("no_text, 0-shot", [0.25, 0.0]),
    ]


def test_the_shots_gap_pairs_items() -> None:
    suite = load_items_suite(None, 2)
    variants = _probe(formats="alpha", conditions="instructed").variants(suite, seed=0)
    responses: dict[str, str | None] = {v.id: "Z" for v in variants}  # all wrong
    responses["mc-001~alpha.instructed.3shot"] = "A"
    responses["mc-002~alpha.instructed.3shot"] = "B"
    figures = {f.name: f for f in options_metric(_scored(variants, responses)).headline}
    gap = figures["3-shot minus 0-shot (instructed)"]
    # every item gains one: no resample differs
    assert (gap.value, gap.low, gap.high) == (1.0, 1.0, 1.0)


# --- where items come from -----------------------------------------------------------------------


def test_a_local_file_of_items_loads_and_limit_asks_the_first(tmp_path: Path) -> None:
    path = tmp_path / "quiz.jsonl"
    rows = [
        {"id": f"q{n}", "question": f"Q{n}?", "options": ["x", "y", "z"], "answer": n % 3}
        for n in range(5)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    suite = load_items_suite(str(path), 2)
    assert suite.name == "quiz" and len(suite.samples) == 5
    assert [s.metadata["asked"] for s in suite.samples] == [True, True, False, False, False]
    variants = _probe(formats="numeric", conditions="instructed").variants(suite, seed=0)
    assert [v.id for v in variants] == [
        "q0~numeric.instructed.0shot",
        "q0~numeric.instructed.3shot",
        "q1~numeric.instructed.0shot",
        "q1~numeric.instructed.3shot",
    ]
    assert "(1, 2 or 3)" in variants[0].prompt and variants[0].metadata["probe"]["gold"] == "1"


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ({"id": "a", "question": "Q?", "options": "x", "answer": 0}, "options", "2 to 4"),
        ({"id": "a", "question": "Q?", "options": ["x"] * 5, "answer": 0}, "options", "2 to 4"),
        ({"id": "a", "question": "Q?", "options": ["x", "x"], "answer": 0}, "options", "twice"),
        ({"id": "a", "question": "Q?", "options": ["x", "y"], "answer": 2}, "answer", "0 to 1"),
        ({"id": "a", "question": "Q?", "options": ["x", "y"], "answer": "x"}, "answer", "index"),
        ({"id": "a", "options": ["x", "y"], "answer": 0}, "question", "non-empty string"),
        (
            {"id": "a", "question": "Q?", "options": ["x", "y"], "answer": 0, "topic": 3},
            "topic",
            "",
        ),
        ({"id": "first", "question": "Q?", "options": ["x", "y"], "answer": 0}, "id", "duplicate"),
    ],
)
def test_bad_items_name_the_file_line_and_field(
    tmp_path: Path, line: dict[str, Any], field: str, words: str
) -> None:
    path = tmp_path / "bad.jsonl"
    good = {"id": "first", "question": "Q?", "options": ["x", "y"], "answer": 1}
    path.write_text(json.dumps(good) + "\n" + json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_items_suite(str(path), None)
    error = caught.value
    assert (error.path, error.line, error.field) == (str(path), 2, field)
    assert words in str(error)


def test_unknown_sources(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="own items: adhere-options"):
        load_items_suite(str(tmp_path / "missing.jsonl"), None)
    with pytest.raises(InputError, match="hf:cais/mmlu"):
        load_items_suite("hf:someone/quiz", None)
    with pytest.raises(InputError, match="hf:cais/mmlu/SUBJECT"):
        load_items_suite("hf:cais/mmlu/Not A Subject", None)


def test_mmlu_rows_become_items(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    folder = tmp_path / "astronomy"
    folder.mkdir()
    path = folder / "test-00000-of-00001.parquet"
    table = pa.table(
        {
            "question": ["Which is a planet?", "Which is a star?"],
            "subject": ["astronomy", "astronomy"],
            "choices": [["Moon", "Mars", "Comet", "Sun"], ["Sun", "Io", "Ceres", "Titan"]],
            "answer": [1, 0],
        }
    )
    pq.write_table(table, path)
    assert mmlu_items([path]) == [
        Item(
            "mmlu-astronomy-1",
            "Which is a planet?",
            ("Moon", "Mars", "Comet", "Sun"),
            1,
            "astronomy",
        ),
        Item(
            "mmlu-astronomy-2", "Which is a star?", ("Sun", "Io", "Ceres", "Titan"), 0, "astronomy"
        ),
    ]


def test_mmlu_rows_in_jsonl_with_letter_answers_and_repeated_options(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    row = {"question": "Pick one.", "choices": ["Yes", "No", "Yes", "Maybe"], "answer": "C"}
    path.write_text(json.dumps(row) + "\n" + json.dumps({**row, "answer": "E"}) + "\n")
    with pytest.raises(InputError) as caught:
        mmlu_items([path])
    assert (caught.value.line, caught.value.field) == (2, "answer")
    path.write_text(json.dumps(row) + "\n")
    (item,) = mmlu_items([path])
    assert item.answer == 2 and item.options == ("Yes", "No", "Yes", "Maybe")
    assert item.id == f"mmlu-{tmp_path.name}-1"  # no subject column: the folder's name


def test_the_hub_offline_says_how_to_run_without_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    try:
        from huggingface_hub import constants
    except ImportError:
        pass
    else:  # already imported by an earlier test: its settings were read then
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    for name in ("hf:cais/mmlu", "hf:cais/mmlu/astronomy"):
        with pytest.raises(InputError) as caught:
            load_items_suite(name, None)
        message = str(caught.value)
        assert "cais/mmlu" in message and "JSONL file of items" in message, message


def test_the_hub_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails
    with pytest.raises(InputError) as caught:
        load_items_suite("hf:cais/mmlu", None)
    assert "adhere[hub]" in str(caught.value)


# --- a whole run ---------------------------------------------------------------------------------


def test_run_probe_with_the_replay_backend(tmp_path: Path) -> None:
    probe = _probe(formats="alpha,numeric", conditions="instructed,no_text")
    variants = probe.variants(load_items_suite(None, 2), seed=7)
    answers = {v.prompt: str(v.metadata["probe"]["gold"]) for v in variants}
    for variant in variants:
        if variant.metadata["probe"]["format"] == "numeric":
            answers[variant.prompt] = "Option " + answers[variant.prompt]  # never strict
    replay = tmp_path / "responses.jsonl"
    replay.write_text(
        "".join(json.dumps({"prompt": p, "response": r}) + "\n" for p, r in answers.items()),
        encoding="utf-8",
    )
    settings = EvalSettings(
        model=f"replay:{replay}", suite="", workspace=str(tmp_path / "ws"), limit=2
    )
    options = {"formats": "alpha,numeric", "conditions": "instructed,no_text"}
    outcome = run_probe("options", settings, seed=7, options=options)
    figures = {f.name: f.value for f in outcome.metric.headline}
    assert figures["strict accuracy, alpha (instructed, 0-shot)"] == 1.0
    assert figures["strict accuracy, numeric (instructed, 0-shot)"] == 0.0
    assert figures["label fidelity, instructed (0-shot)"] == 0.5
    assert figures["numeric minus alpha (instructed, 0-shot)"] == -1.0
    assert figures["3-shot minus 0-shot (instructed)"] == 0.0
    assert figures["no-text accuracy minus random baseline (0-shot)"] == 0.25  # 2/4 - 1/4
    written = json.loads(Path(outcome.path).read_text(encoding="utf-8"))
    assert written["probe"] == "options" and written["variants"] == 2 * 2 * 2 * 2
    assert written["seed"] == 7 and written["suite"] == "adhere-options"
