"""The length probe: Ruler's targets and ranges, variants that keep lineage and say the target,
constraints that hold exactly on the flexible range, determinism, the metric against
hand-computed values, and a run on the replay backend."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from adhere.core.types import Sample
from adhere.probes.base import ScoredVariant
from adhere.probes.length import BY_LABEL, TARGETS, LengthProbe, Target, bounds, length_metric
from adhere.probes.run import run_probe
from adhere.probes.tasks import take_apart
from adhere.runner.eval_run import EvalSettings
from adhere.scoring.evaluate import build, score_sample
from adhere.suites.registry import load_suite
from adhere.text.words import count_words

SUITE = load_suite("adhere-core")


def _words(n: int) -> str:
    """A response of exactly ``n`` words (``don't`` counts as two: avoided here)."""
    return " ".join(["river"] * n) + "."


@pytest.mark.parametrize(
    ("label", "count", "precise", "flexible"),
    [
        ("10", 0, False, False),
        ("10", 1, True, True),
        ("10", 20, True, True),
        ("10", 21, False, False),
        ("80", 70, False, True),
        ("80", 71, True, True),
        ("80", 90, True, True),
        ("80", 91, False, True),
        ("80", 100, False, True),
        ("80", 101, False, False),
        ("150", 129, False, True),
        ("150", 170, True, True),
        ("700", 600, False, False),
        ("700", 630, False, True),
        ("700", 631, True, True),
        (">800", 800, False, False),
        (">800", 801, True, True),
        (">800", 5000, True, True),
    ],
)
def test_rulers_ranges(label: str, count: int, precise: bool, flexible: bool) -> None:
    target = BY_LABEL[label]
    assert target.precise(count) is precise
    assert target.flexible(count) is flexible


def test_levels_are_rulers() -> None:
    levels = {t.label: t.level for t in TARGETS}
    assert levels == {
        "10": "L0",
        "30": "L0",
        "50": "L0",
        "80": "L0",
        "150": "L1",
        "300": "L1",
        "500": "L1",
        "700": "L2",
        ">800": "L2",
    }


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.label)
def test_the_constraints_hold_exactly_on_the_flexible_range(target: Target) -> None:
    t = target
    low, high = t.fm
    probes = [low, low + 1, low + 2] + ([high - 1, high, high + 1] if high is not None else [2000])
    for n in probes:
        if n <= 0:
            continue
        text = _words(n)
        assert count_words(text) == n
        verdicts = [build(s).check(text) for s in bounds(t)]
        assert all(v.passed for v in verdicts) is t.flexible(n), (t.label, n)
        assert all("word" in v.evidence for v in verdicts)


def test_variants_keep_lineage_and_say_the_target() -> None:
    variants = LengthProbe().variants(SUITE, seed=0)
    by_id = {s.id: s for s in SUITE.samples}
    tasks = set()
    for v in variants:
        info = v.metadata["probe"]
        original = by_id[v.parent_id or ""]
        parts = take_apart(original)
        assert parts is not None
        tasks.add(parts.task.id)
        target = BY_LABEL[info["target"]]
        assert info["name"] == "length" and info["level"] == target.level
        assert v.id.startswith(f"{original.id}~len")
        assert v.prompt.startswith(parts.request)
        said = v.prompt[len(parts.request) :]
        assert str(target.words) in said
        open_ended = any(w in said for w in ("more than", "longer", "over"))
        assert open_ended is (target.label == ">800")
        assert v.constraints == bounds(target)
    assert len(tasks) == len(variants)  # one variant per base task
    counts = Counter(v.metadata["probe"]["target"] for v in variants)
    assert set(counts) == {t.label for t in TARGETS}
    assert max(counts.values()) - min(counts.values()) <= 1  # spread evenly


def test_same_seed_same_variants_and_per_task_targets() -> None:
    first = [s.to_dict() for s in LengthProbe().variants(SUITE, seed=2)]
    assert first == [s.to_dict() for s in LengthProbe().variants(SUITE, seed=2)]
    assert first != [s.to_dict() for s in LengthProbe().variants(SUITE, seed=3)]
    three = LengthProbe({"per_task": 3, "targets": "10,>800,300"}).variants(SUITE, seed=0)
    per_parent = Counter(v.parent_id for v in three)
    assert set(per_parent.values()) == {3}
    assert {v.metadata["probe"]["target"] for v in three} == {"10", ">800", "300"}
    assert {v.id.rsplit("~", 1)[1] for v in three} == {"len10", "lenover800", "len300"}


# --- the metric ------------------------------------------------------------------------------


def _scored(sample: Sample, response: str | None) -> ScoredVariant:
    built = [build(s, sample.prompt) for s in sample.constraints]
    strict, loose = score_sample(sample, built, response)
    return ScoredVariant(sample, strict, loose)


def test_the_metric_matches_hand_computed_values() -> None:
    probe = LengthProbe({"per_task": 9})
    variants = probe.variants(load_suite("adhere-core", limit=1), seed=0)
    by_target = {v.metadata["probe"]["target"]: v for v in variants}
    answers = {
        "10": _words(15),  # PM yes, FM yes
        "80": _words(95),  # PM no (70, 90], FM yes (60, 100]
        "150": _words(250),  # no, no
        ">800": _words(801),  # yes, yes
        "300": None,  # no response: no, no
        "700": "<think>" + _words(5) + "</think>" + _words(610),  # the answer: 610: no, yes
    }
    scored = [_scored(by_target[t], r) for t, r in answers.items()]
    metric = length_metric(scored)
    figures = {f.name: f.value for f in metric.headline}
    assert figures["PM (all targets)"] == pytest.approx(2 / 6)
    assert figures["FM (all targets)"] == pytest.approx(4 / 6)
    assert figures["PM L0"] == 0.5 and figures["FM L0"] == 1.0  # 10 and 80
    assert figures["PM L1"] == 0.0 and figures["FM L1"] == 0.0  # 150 and 300
    assert figures["PM L2"] == 0.5 and figures["FM L2"] == 1.0  # >800 and 700
    per_target = {(s.group, p.label): p.value for s in metric.series for p in s.points}
    assert per_target[("PM", "80")] == 0.0 and per_target[("FM", "80")] == 1.0
    words = metric.details["words"]  # type: ignore[index]
    assert words["700"]["median"] == 610 and "300" not in words


# --- end to end --------------------------------------------------------------------------------


def test_run_probe_with_a_replay_file(tmp_path: Path) -> None:
    options = {"targets": "10,150", "per_task": 2}
    suite = load_suite("adhere-core", limit=3)
    variants = LengthProbe(options).variants(suite, 0)
    n = len({v.parent_id for v in variants})  # base tasks
    assert n >= 2 and len(variants) == 2 * n
    skipped = next(v for v in variants if v.metadata["probe"]["target"] == "10")
    # 12 words: a precise match for 10, short of 150; one prompt gets no response
    lines = [
        json.dumps({"prompt": v.prompt, "response": _words(12)}) for v in variants if v != skipped
    ]
    replay = tmp_path / "responses.jsonl"
    replay.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = EvalSettings(
        model=f"replay:{replay}", suite="adhere-core", workspace=str(tmp_path / "ws"), limit=3
    )
    outcome = run_probe("length", settings, seed=0, options=options)
    document = json.loads(Path(outcome.path).read_text(encoding="utf-8"))
    assert document["probe"] == "length" and document["variants"] == 2 * n
    figures = {f["name"]: f["value"] for f in document["headline"]}
    assert figures["PM L0"] == pytest.approx((n - 1) / n)
    assert figures["FM L1"] == 0.0
    assert figures["PM (all targets)"] == pytest.approx((n - 1) / (2 * n))
