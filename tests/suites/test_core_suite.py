"""``adhere-core``: deterministic, covering, conflict-free, and consistent with its own prompts."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from adhere.constraints import CONSTRAINTS
from adhere.core.errors import InputError
from adhere.core.generation import canonical_json
from adhere.core.types import Sample
from adhere.scoring.evaluate import build, score_sample
from adhere.suites import core_rules as rules
from adhere.suites.core_suite import (
    NAME,
    VERSION,
    Task,
    core_samples,
    generate,
    load_tasks,
)
from tests.conftest import REPO

DIGESTS = {"1": "d6baf4abcca92d823808c4626a2fcc1157e410474458a9781ff82f410f8487d2"}
"""SHA-256 of the canonical JSON of the suite, per VERSION. When generation changes on purpose,
bump core_suite.VERSION and record the new digest here."""


def digest(samples: tuple[Sample, ...]) -> str:
    text = canonical_json([s.to_dict() for s in samples])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def samples() -> tuple[Sample, ...]:
    return core_samples()


@pytest.fixture(scope="module")
def tasks() -> dict[str, Task]:
    return {t.id: t for t in load_tasks()}


# --- base tasks ---------------------------------------------------------------------------------


def test_at_least_100_base_tasks_with_ids_and_categories(tasks: dict[str, Task]) -> None:
    assert len(tasks) >= 100
    categories = Counter(t.category for t in tasks.values())
    assert len(categories) >= 10, categories
    assert categories["question"] >= 5  # yes/no questions, for the option constraints
    assert sum(t.passage is not None for t in tasks.values()) >= 10
    assert len({t.text for t in tasks.values()}) == len(tasks)


def test_task_words_are_safe_for_counting_checks(tasks: dict[str, Task]) -> None:
    for task in tasks.values():
        words = (*task.keywords, *task.avoid)
        assert len(set(words)) == 7, task.id
        # count:keywords_multiple counts substrings: no keyword may hide inside another word.
        for a, b in itertools.permutations(words, 2):
            assert a not in b, (task.id, a, b)
        assert all(len(k) >= 5 for k in task.keywords), task.id


def test_a_bad_task_file_names_the_line_and_field(tmp_path: Path) -> None:
    good = {
        "id": "a",
        "category": "explain",
        "task": "Explain how an electric kettle brings water to the boil.",
        "keywords": ["steam", "element", "bubbles", "switch", "boiling"],
        "avoid": ["hot", "heat"],
    }
    bad = {**good, "id": "b", "keywords": ["Steam"]}
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_tasks(path)
    assert f"{path}:2" in str(caught.value) and "'keywords'" in str(caught.value)
    path.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate task id"):
        load_tasks(path)


# --- determinism --------------------------------------------------------------------------------


def test_same_seed_same_bytes(samples: tuple[Sample, ...]) -> None:
    assert digest(generate()) == digest(samples)
    assert digest(generate(seed=1)) != digest(samples)


def test_same_bytes_under_any_hash_seed(samples: tuple[Sample, ...]) -> None:
    program = (
        "import hashlib, sys\n"
        "from adhere.core.generation import canonical_json\n"
        "from adhere.suites.core_suite import core_samples\n"
        "text = canonical_json([s.to_dict() for s in core_samples()])\n"
        "print(hashlib.sha256(text.encode('utf-8')).hexdigest())\n"
    )
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == digest(samples)


def test_the_output_is_pinned_to_the_version(samples: tuple[Sample, ...]) -> None:
    assert digest(samples) == DIGESTS[VERSION], (
        "adhere-core's output changed: bump core_suite.VERSION and record the new digest "
        f"{digest(samples)} in DIGESTS"
    )


# --- coverage -----------------------------------------------------------------------------------


def test_every_constraint_id_and_family_is_covered(samples: tuple[Sample, ...]) -> None:
    used = Counter(c.id for s in samples for c in s.constraints)
    assert set(used) == set(CONSTRAINTS)
    assert {i.split(":")[0] for i in used} == {i.split(":")[0] for i in CONSTRAINTS}
    # Drawn least-used first: every id that can share a task is used several times.
    for cid, count in used.items():
        assert count >= (1 if rules.is_standalone(cid) else 4), (cid, count)


def test_the_params_table_covers_every_id_with_buildable_choices(tasks: dict[str, Task]) -> None:
    assert set(rules.PARAMS) == set(CONSTRAINTS)
    for cid, choices in rules.PARAMS.items():
        assert choices, cid
        for params in choices:
            for value in params.values():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and item.startswith("@"):
                        assert item in rules.PLACEHOLDERS, (cid, item)


def test_the_suite_is_a_useful_size(samples: tuple[Sample, ...], tasks: dict[str, Task]) -> None:
    used_tasks = {s.metadata["task_id"] for s in samples} - {None}
    assert used_tasks == set(tasks)
    sizes = Counter(len(s.constraints) for s in samples)
    assert set(sizes) == {1, 2, 3}
    assert 200 <= len(samples) <= 400


# --- conflicts ----------------------------------------------------------------------------------


def _expand(pattern: str) -> set[str]:
    if pattern.endswith(":*"):
        return {i for i in CONSTRAINTS if i.startswith(pattern[:-1])}
    return {pattern}


def declared_conflicts() -> set[frozenset[str]]:
    """Every pair the tables forbid, expanded independently of the generator's own table."""
    ids = set(CONSTRAINTS)
    pairs: set[frozenset[str]] = set()
    for pattern in rules.EXCLUSIVE:
        pairs |= {frozenset((a, b)) for a in _expand(pattern) for b in ids if a != b}
    for members in rules.GROUPS.values():
        pairs |= {frozenset(p) for p in itertools.combinations(members, 2)}
    for x, y in rules.CONFLICTS:
        pairs |= {frozenset((a, b)) for a in _expand(x) for b in _expand(y) if a != b}
    for a, allowed in rules.ONLY_WITH.items():
        pairs |= {frozenset((a, b)) for b in ids - set(allowed) - {a}}
    return pairs


def test_every_declared_name_is_a_real_constraint() -> None:
    patterns = [
        *rules.EXCLUSIVE,
        *rules.STANDALONE,
        *rules.EMBEDS_REQUEST,
        *rules.REQUIRES,
        *(m for members in rules.GROUPS.values() for m in members),
        *(p for pair in rules.CONFLICTS for p in pair),
        *rules.ONLY_WITH,
        *(p for allowed in rules.ONLY_WITH.values() for p in allowed),
    ]
    for pattern in patterns:
        assert _expand(pattern) & set(CONSTRAINTS), pattern


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("change_case:english_lowercase", "change_case:english_capital"),
        ("detectable_format:json_format", "detectable_format:number_bullet_lists"),
        ("detectable_format:json_format", "format:title_case"),
        ("detectable_format:json_format", "startend:quotation"),
        ("length_constraints:number_words", "count:word_count_range"),
        ("language:response_language", "keywords:existence"),
        ("count:punctuation", "punctuation:no_comma"),
        ("combination:repeat_prompt", "keywords:existence"),
        ("custom:csv_city", "punctuation:no_comma"),
        ("repeat:repeat_simple", "detectable_format:title"),
    ],
)
def test_known_contradictions_are_declared(a: str, b: str) -> None:
    assert frozenset((a, b)) in declared_conflicts()
    assert rules.conflicting(a, b) and rules.conflicting(b, a)


def test_no_sample_holds_a_declared_conflict(samples: tuple[Sample, ...]) -> None:
    forbidden = declared_conflicts()
    for sample in samples:
        ids = [c.id for c in sample.constraints]
        assert len(set(ids)) == len(ids), sample.id
        for a, b in itertools.combinations(ids, 2):
            assert frozenset((a, b)) not in forbidden, (sample.id, a, b)
            assert not rules.conflicting(a, b), (sample.id, a, b)


def test_task_needs_are_met(samples: tuple[Sample, ...], tasks: dict[str, Task]) -> None:
    for sample in samples:
        task = tasks.get(str(sample.metadata["task_id"]))
        for spec in sample.constraints:
            need = rules.REQUIRES.get(spec.id)
            if rules.is_standalone(spec.id):
                assert task is None and len(sample.constraints) == 1
                continue
            assert task is not None, sample.id
            if need == "question":
                assert task.category == "question", sample.id
            elif need == "passage":
                assert task.passage is not None, sample.id
            elif need == "no_passage":
                assert task.passage is None, sample.id


# --- every sample is a valid, self-consistent request ------------------------------------------


def test_every_sample_builds_and_states_its_instructions(samples: tuple[Sample, ...]) -> None:
    assert len({s.id for s in samples}) == len(samples)
    assert len({s.prompt for s in samples}) == len(samples)  # one store record per request
    for sample in samples:
        assert sample.suite == NAME
        assert [m.role for m in sample.messages] == ["user"]
        assert 1 <= len(sample.constraints) <= 3
        for spec in sample.constraints:
            json.dumps(spec.to_dict())  # params are plain data
            text = build(spec, sample.prompt).describe()
            assert text and text in sample.prompt, (sample.id, spec.id)


def test_prompt_dependent_params_match_the_prompt(
    samples: tuple[Sample, ...], tasks: dict[str, Task]
) -> None:
    seen = Counter[str]()
    for sample in samples:
        task = tasks.get(str(sample.metadata["task_id"]))
        others = [build(s).describe() for s in sample.constraints if s.id not in _EMBEDDING]
        for spec in sample.constraints:
            params = dict(spec.params)
            if spec.id == "combination:repeat_prompt":
                assert task is not None
                assert params["prompt_to_repeat"] == " ".join([task.text, *others])
                assert sample.prompt == build(spec).describe()
            elif spec.id in ("repeat:repeat_change", "repeat:repeat_span"):
                assert task is not None and params["prompt_to_repeat"] == task.text
                assert sample.prompt.endswith(task.text)
                if spec.id == "repeat:repeat_span":
                    assert params["n_end"] < len(task.text.split())
            elif spec.id == "ratio:overlap":
                assert task is not None and task.passage is not None
                assert params["reference_text"] == task.passage
                assert sample.prompt.count(task.passage) == 1
            elif spec.id in ("keywords:existence", "count:keywords_multiple", "sentence:keyword"):
                assert task is not None
                words = params.get("keywords") or [
                    v for k, v in params.items() if k.startswith("keyword") or k == "word"
                ]
                assert set(words) <= set(task.keywords), sample.id
            elif spec.id == "keywords:forbidden_words":
                assert task is not None and set(params["forbidden_words"]) <= set(task.avoid)
            seen[spec.id] += 1
    for cid in ("combination:repeat_prompt", "repeat:repeat_span", "ratio:overlap"):
        assert seen[cid] >= 3, cid


_EMBEDDING = {"combination:repeat_prompt", "repeat:repeat_change", "repeat:repeat_span"}


def _first(samples: tuple[Sample, ...], cid: str) -> Sample:
    return next(s for s in samples if any(c.id == cid for c in s.constraints))


def test_answers_that_follow_the_quoting_instructions_pass(samples: tuple[Sample, ...]) -> None:
    """The params that quote the prompt agree with what the prompt asks, as the checks see it."""
    sample = _first(samples, "combination:repeat_prompt")
    spec = next(c for c in sample.constraints if c.id == "combination:repeat_prompt")
    answer = f"{spec.params['prompt_to_repeat']}\n\nHere is my answer."
    strict, _ = score_sample(sample, [build(spec)], answer)
    assert strict.follow_all_instructions, strict.verdicts

    sample = _first(samples, "repeat:repeat_change")
    spec = sample.constraints[0]
    words = str(spec.params["prompt_to_repeat"]).split()
    strict, _ = score_sample(sample, [build(spec)], " ".join(["Kindly", *words[1:]]))
    assert strict.follow_all_instructions, strict.verdicts

    sample = _first(samples, "repeat:repeat_span")
    spec = sample.constraints[0]
    words = str(spec.params["prompt_to_repeat"]).split()
    span = " ".join(words[int(spec.params["n_start"]) : int(spec.params["n_end"]) + 1])
    strict, _ = score_sample(sample, [build(spec)], span, "corrected")
    assert strict.follow_all_instructions, strict.verdicts

    sample = _first(samples, "ratio:overlap")
    spec = next(c for c in sample.constraints if c.id == "ratio:overlap")
    strict, _ = score_sample(sample, [build(spec)], str(spec.params["reference_text"]))
    assert not strict.follow_all_instructions  # a copy overlaps 100%, never the 20-40% asked
    assert "100" in strict.verdicts[0].evidence or "%" in strict.verdicts[0].evidence


def test_standalone_samples_are_their_instruction(samples: tuple[Sample, ...]) -> None:
    standalone = [s for s in samples if s.metadata["task_id"] is None]
    assert {s.constraints[0].id for s in standalone} == {
        i for i in CONSTRAINTS if rules.is_standalone(i)
    }
    for sample in standalone:
        assert sample.prompt == build(sample.constraints[0]).describe()
