"""The verbalizer probe: its item set, its variants, its judging rule, its metric (against
hand-computed values), where its items come from, and a whole run through the replay backend."""

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
from adhere.probes.run import run_probe
from adhere.probes.verbalizer import (
    ITEMS_FILE,
    LEVELS,
    TASKS,
    Item,
    judge,
    load_items_suite,
    make_variant,
    sst2_items,
    verbalizer_metric,
)
from adhere.runner.eval_run import EvalSettings
from adhere.scoring.evaluate import score_sample


def _probe(**options: object) -> Probe:
    return get_probe("verbalizer")(options)


def _items() -> list[dict[str, str]]:
    return [json.loads(line) for line in ITEMS_FILE.read_text(encoding="utf-8").splitlines()]


# --- the built-in items --------------------------------------------------------------------------


def test_the_built_in_set_is_large_balanced_and_distinct() -> None:
    items = _items()
    assert len(items) >= 200
    assert len({i["id"] for i in items}) == len(items)
    assert len({i["text"] for i in items}) == len(items)
    by_task = Counter((i["task"], i["label"]) for i in items)
    assert set(by_task) == {(t, label) for t, task in TASKS.items() for label in task.labels}
    for name, task in TASKS.items():  # each task balanced, with at least 100 items
        first, second = (by_task[(name, label)] for label in task.labels)
        assert first == second and first + second >= 100


_UNITS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _number(text: str) -> int:
    """A number written in digits or in English words up to 999 ("one hundred and ten")."""
    text = text.lower()
    if text.isdigit():
        return int(text)
    hundreds, _, rest = text.rpartition(" hundred")
    value = 100 * _number(hundreds) if hundreds else 0
    for part in rest.removeprefix(" and ").split("-") if rest else []:
        value += _UNITS.index(part) if part in _UNITS else 10 * _TENS.index(part)
    return value


_N = r"([\w-]+(?: hundred(?: and [\w-]+)?)?)"
_CHECKS: list[
    tuple[str, Callable[..., bool]]
] = [  # an independent reading of every phrasing the arithmetic items use
    (rf"^{_N} \+ {_N} \+ {_N} = {_N}$", lambda a, b, c, d: a + b + c == d),
    (rf"^{_N} \+ {_N} = {_N}$", lambda a, b, c: a + b == c),
    (rf"^The sum of {_N} and {_N} is {_N}\.$", lambda a, b, c: a + b == c),
    (rf"^{_N} minus {_N} equals {_N}\.$", lambda a, b, c: a - b == c),
    (rf"^{_N} - {_N} = {_N}$", lambda a, b, c: a - b == c),
    (rf"^{_N} times {_N} is {_N}\.$", lambda a, b, c: a * b == c),
    (rf"^{_N} multiplied by {_N} gives {_N}\.$", lambda a, b, c: a * b == c),
    (rf"^{_N} divided by {_N} is {_N}\.$", lambda a, b, c: a == b * c),
    (rf"^Half of {_N} is {_N}\.$", lambda a, c: a == 2 * c),
    (rf"^The square of {_N} is {_N}\.$", lambda a, c: a * a == c),
    (rf"^{_N}% of {_N} is {_N}\.$", lambda p, a, c: p * a == 100 * c),
    (
        rf"^If you have {_N} apples and give away {_N}, you have {_N} left\.$",
        lambda a, b, c: a - b == c,
    ),
    (rf"^{_N} hours are {_N} minutes\.$", lambda h, c: 60 * h == c),
    (rf"^There are {_N} days in {_N} weeks\.$", lambda c, w: 7 * w == c),
    (rf"^{_N} dozen eggs are {_N} eggs\.$", lambda d, c: 12 * d == c),
    (rf"^{_N} plus {_N} makes {_N}\.$", lambda a, b, c: a + b == c),
    (rf"^Twice {_N} is {_N}\.$", lambda a, c: 2 * a == c),
]


def test_numbers_in_words_are_read() -> None:
    assert [_number(t) for t in ("Seventy-two", "one hundred and ten", "two hundred", "41")] == [
        72,
        110,
        200,
        41,
    ]


def test_every_arithmetic_label_is_right() -> None:
    checked = 0
    for item in _items():
        if item["task"] != "arithmetic":
            continue
        for pattern, rule in _CHECKS:
            found = re.match(pattern, item["text"])
            if found:
                truth = rule(*(_number(g) for g in found.groups()))
                assert item["label"] == ("true" if truth else "false"), item
                checked += 1
                break
        else:
            pytest.fail(f"no check reads {item['text']!r}")
    assert checked >= 100


# --- the variants --------------------------------------------------------------------------------


def test_variants_keep_lineage_and_say_the_mapping() -> None:
    probe = _probe()
    suite = probe.base_suite(None, 4)
    variants = probe.variants(suite, seed=0)
    assert len(variants) == 4 * len(LEVELS)
    assert [v.id for v in variants[:3]] == [f"sent-001~{lv}" for lv in LEVELS]
    for variant in variants:
        assert variant.parent_id == variant.id.split("~")[0]
        assert variant.constraints == ()
        info = variant.metadata["probe"]
        assert info["name"] == "verbalizer" and info["variant"] == info["level"]
        item = variant.metadata["item"]
        assert item["text"] in variant.prompt
        first, second = info["words"]
        assert f'answer "{first}"' in variant.prompt and f'answer "{second}"' in variant.prompt
    flipped = next(v for v in variants if v.id == "sent-001~flipped")
    assert 'If it is positive, answer "negative". If it is negative, answer "positive".' in (
        flipped.prompt
    )
    assert flipped.metadata["probe"]["expected"] == "negative"  # sent-001 is positive


def test_variants_are_the_same_for_any_seed_and_call() -> None:
    suite = load_items_suite(None, 10)
    once = [v.to_dict() for v in _probe().variants(suite, seed=1)]
    again = [v.to_dict() for v in _probe().variants(suite, seed=1)]
    other = [v.to_dict() for v in _probe().variants(suite, seed=99)]
    assert json.dumps(once) == json.dumps(again) == json.dumps(other)


def test_levels_and_tasks_choose_the_variants() -> None:
    suite = load_items_suite(None, 10)
    probe = _probe(levels="flipped", tasks=["arithmetic"])
    variants = probe.variants(suite, seed=0)
    assert [v.id for v in variants] == [f"arith-{n:03d}~flipped" for n in range(1, 6)]


def test_the_judging_rule_on_fixed_responses() -> None:
    # The item's meaning is kept in every variant: the same review is right under each mapping
    # exactly when the response gives that mapping's word for its label.
    sample = Sample("r1", "t", (), (), {"item": {}})
    item = Item("r1", "sentiment", "Lovely food.", "positive")
    words = {lv: make_variant(sample, item, lv).metadata["probe"]["words"] for lv in LEVELS}
    labels = ["positive", "negative"]
    cases = [
        ("natural", "positive", True),
        ("natural", "Positive.", True),
        ("natural", "negative", False),
        ("neutral", "foo", True),
        ("neutral", '"FOO"', True),
        ("neutral", "bar", False),
        ("neutral", "positive", False),  # the natural word is not a mapped word here
        ("flipped", "negative", True),
        ("flipped", "**Negative**", True),
        ("flipped", "The review is glowing.\nAnswer: negative", True),
        ("flipped", "positive", False),
        ("flipped", "negative, because it is positive", False),
        ("flipped", "Answer: negative\nAnswer: positive", False),
        ("flipped", "<think>It is positive, so say negative.</think>negative", True),
        ("flipped", "<think>It is positive", False),
        ("flipped", "", False),
        ("flipped", None, False),
    ]
    for level, response, right in cases:
        got = judge(response, words[level], labels, "positive")
        assert got.correct is right, (level, response, got)
        assert got.evidence
    wrong = judge("positive", words["flipped"], labels, "positive")
    assert wrong.answered == "positive"
    assert wrong.evidence == (
        'answered "positive" (the whole response), the word for negative; expected '
        '"negative" for positive: wrong'
    )
    missing = judge("I think so", words["neutral"], labels, "negative")
    assert missing.answered is None and '"I think so"' in missing.evidence
    assert 'wanted "bar" for negative' in missing.evidence


# --- the metric ----------------------------------------------------------------------------------


def _scored(variants: list[Sample], responses: dict[str, str | None]) -> list[ScoredVariant]:
    out = []
    for variant in variants:
        strict, loose = score_sample(variant, (), responses.get(variant.id))
        out.append(ScoredVariant(variant, strict, loose))
    return out


def test_the_metric_against_hand_computed_values() -> None:
    # sent-001 positive, arith-001 true, sent-002 negative, arith-002 false
    suite = load_items_suite(None, 4)
    variants = _probe().variants(suite, seed=0)
    right = {v.id: str(v.metadata["probe"]["expected"]) for v in variants}
    responses: dict[str, str | None] = dict(right)
    responses["sent-002~neutral"] = "foo"  # wrong word
    responses["arith-002~neutral"] = "Not sure."  # no mapped word
    responses["sent-001~flipped"] = "positive"  # the prior wins
    responses["sent-002~flipped"] = "negative"
    responses["arith-001~flipped"] = "true"
    responses["arith-002~flipped"] = None  # no response
    metric = verbalizer_metric(_scored(variants, responses))
    figures = {f.name: f for f in metric.headline}
    assert figures["accuracy, natural"].value == 1.0
    assert figures["accuracy, neutral"].value == 0.5
    assert figures["accuracy, flipped"].value == 0.0
    drop = figures["drop natural -> flipped"]
    # every item is right with natural words and wrong with flipped ones: no resample differs
    assert (drop.value, drop.low, drop.high) == (1.0, 1.0, 1.0)
    details: Any = metric.details
    cells = {(c["task"], c["level"]): c for c in details["cells"]}
    assert cells[("sentiment", "neutral")]["right"] == 1
    assert cells[("arithmetic", "neutral")]["answered_a_mapped_word"] == 1
    assert cells[("arithmetic", "flipped")]["answered_a_mapped_word"] == 1
    assert cells[("sentiment", "flipped")]["answered_a_mapped_word"] == 2
    # Wilson interval of 2/4 (hand-computed): centre (0.5 + z²/8)/(1 + z²/4), z = 1.96
    neutral = figures["accuracy, neutral"]
    assert neutral.low == pytest.approx(0.150039, abs=1e-6)
    assert neutral.high == pytest.approx(0.849961, abs=1e-6)
    groups = {s.group: [p.value for p in s.points] for s in metric.series}
    assert groups == {
        "all tasks": [1.0, 0.5, 0.0],
        "sentiment": [1.0, 0.5, 0.0],
        "arithmetic": [1.0, 0.5, 0.0],
    }
    assert len(details["failures"]) == 6


def test_the_drop_pairs_items() -> None:
    suite = load_items_suite(None, 4)
    probe = _probe(levels="natural,flipped")
    variants = probe.variants(suite, seed=0)
    responses: dict[str, str | None] = {
        v.id: str(v.metadata["probe"]["expected"]) for v in variants
    }
    responses["sent-001~natural"] = "nope"  # natural 3/4
    responses["arith-001~flipped"] = "true"  # flipped 2/4
    responses["arith-002~flipped"] = "false"
    metric = verbalizer_metric(_scored(variants, responses))
    figures = {f.name: f for f in metric.headline}
    assert figures["drop natural -> flipped"].value == pytest.approx(0.25)
    assert figures["drop natural -> flipped, arithmetic"].value == pytest.approx(1.0)
    assert figures["drop natural -> flipped, sentiment"].value == pytest.approx(-0.5)
    low, high = figures["drop natural -> flipped"].low, figures["drop natural -> flipped"].high
    assert low is not None and high is not None and -0.5 <= low <= 0.25 <= high <= 1.0


# --- where items come from -----------------------------------------------------------------------


def test_a_local_file_of_items_loads(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    rows = [
        {"id": "a", "task": "sentiment", "text": "Superb.", "label": "positive"},
        {"id": "b", "task": "arithmetic", "text": "2 + 2 = 5", "label": "false"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    suite = load_items_suite(str(path), None)
    assert suite.name == "mine" and [s.id for s in suite.samples] == ["a", "b"]
    assert suite.samples[1].metadata["item"] == rows[1]


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ({"id": "a", "task": "topic", "text": "x", "label": "positive"}, "task", "sentiment"),
        ({"id": "a", "task": "sentiment", "text": "x", "label": "true"}, "label", "positive"),
        ({"id": "a", "task": "sentiment", "label": "positive"}, "text", "non-empty string"),
        ({"id": "", "task": "sentiment", "text": "x", "label": "positive"}, "id", "non-empty"),
        ({"id": "first", "task": "sentiment", "text": "x", "label": "positive"}, "id", "duplicate"),
    ],
)
def test_bad_items_name_the_file_line_and_field(
    tmp_path: Path, line: dict[str, str], field: str, words: str
) -> None:
    path = tmp_path / "bad.jsonl"
    good = {"id": "first", "task": "sentiment", "text": "Fine.", "label": "positive"}
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_items_suite(str(path), None)
    error = caught.value
    assert (error.path, error.line, error.field) == (str(path), 3, field)
    assert words in str(error)


def test_malformed_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"id": "a",\n', encoding="utf-8")
    with pytest.raises(InputError, match="malformed JSON") as caught:
        load_items_suite(str(path), None)
    assert caught.value.line == 1
    with pytest.raises(InputError, match="own items: adhere-verbalizer"):
        load_items_suite(str(tmp_path / "missing.jsonl"), None)
    with pytest.raises(InputError, match="hf:stanfordnlp/sst2"):
        load_items_suite("hf:someone/else", None)


def test_sst2_rows_become_sentiment_items(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "validation-00000-of-00001.parquet"
    table = pa.table(
        {
            "sentence": ["a fine film ", "dull and long", "no label here"],
            "label": [1, 0, -1],
            "idx": [0, 1, 2],
        }
    )
    pq.write_table(table, path)
    items = sst2_items([path])
    assert items == [
        Item("sst2-0", "sentiment", "a fine film", "positive"),
        Item("sst2-1", "sentiment", "dull and long", "negative"),
    ]


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
    for name, dataset in (
        ("hf:stanfordnlp/sst2", "stanfordnlp/sst2"),
        ("hf:glue/sst2", "nyu-mll/glue"),
    ):
        with pytest.raises(InputError) as caught:
            load_items_suite(name, None)
        message = str(caught.value)
        assert dataset in message and "JSONL file of items" in message, message


def test_the_hub_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails
    with pytest.raises(InputError) as caught:
        load_items_suite("hf:stanfordnlp/sst2", None)
    assert "adhere[hub]" in str(caught.value) and "JSONL file of items" in str(caught.value)


# --- a whole run ---------------------------------------------------------------------------------


def test_run_probe_with_the_replay_backend(tmp_path: Path) -> None:
    probe = _probe()
    variants = probe.variants(load_items_suite(None, 3), seed=0)
    answers = {v.prompt: str(v.metadata["probe"]["expected"]) for v in variants}
    # sent-001, arith-001, sent-002: flip two answers under "flipped"; leave one prompt out
    flipped = [v for v in variants if v.id.endswith("~flipped")]
    answers[flipped[0].prompt] = "positive"
    answers[flipped[1].prompt] = "Answer: true"
    del answers[flipped[2].prompt]
    replay = tmp_path / "responses.jsonl"
    replay.write_text(
        "".join(json.dumps({"prompt": p, "response": r}) + "\n" for p, r in answers.items()),
        encoding="utf-8",
    )
    settings = EvalSettings(
        model=f"replay:{replay}", suite="", workspace=str(tmp_path / "ws"), limit=3
    )
    outcome = run_probe("verbalizer", settings, seed=0)
    figures = {f.name: f.value for f in outcome.metric.headline}
    assert figures["accuracy, natural"] == 1.0
    assert figures["accuracy, neutral"] == 1.0
    assert figures["accuracy, flipped"] == 0.0
    assert figures["drop natural -> flipped"] == 1.0
    written = json.loads(Path(outcome.path).read_text(encoding="utf-8"))
    assert written["probe"] == "verbalizer" and written["variants"] == 9
    assert written["suite"] == "adhere-verbalizer"
    again = run_probe("verbalizer", settings, seed=0)  # resumes: only the failed one is asked
    assert (again.runs[0].resumed, again.runs[0].stats.sent) == (8, 1)
    assert again.metric == outcome.metric
