"""``load_suite``: the built-in suite, IFEval and IFBench from local files or the hub, any input
file in IFEval's format; bad input fails before anything is returned, naming file, line and
field."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from adhere.constraints.base import Constraint
from adhere.core.errors import InputError
from adhere.suites import core_suite
from adhere.suites.ifeval_files import InputErrors, load_inputs
from adhere.suites.registry import Suite, list_suites, load_suite
from tests.conftest import REFERENCE

IFEVAL_INPUT = REFERENCE / "ifeval" / "input_data.jsonl"
IFBENCH_INPUT = REFERENCE / "ifbench" / "input_data.jsonl"

GOOD: dict[str, Any] = {
    "key": 1,
    "prompt": "Name three rivers without using commas.",
    "instruction_id_list": ["punctuation:no_comma"],
    "kwargs": [{}],
}


def write(path: Path, records: list[Any]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"reference data not found at {path} (needs ../shared beside the repo)")
    return path


# --- adhere-core --------------------------------------------------------------------------------


def test_adhere_core_is_built_in() -> None:
    suite = load_suite("adhere-core")
    assert isinstance(suite, Suite)
    assert (suite.name, suite.version) == ("adhere-core", core_suite.VERSION)
    assert suite.samples == core_suite.core_samples()
    assert "built in" in suite.source
    assert load_suite("adhere-core") == suite


def test_limit_takes_the_first_samples() -> None:
    full = load_suite("adhere-core")
    assert load_suite("adhere-core", limit=5).samples == full.samples[:5]
    assert load_suite("adhere-core", limit=10_000).samples == full.samples
    for bad in (0, -1, 2.5, True):
        with pytest.raises(InputError, match="limit"):
            load_suite("adhere-core", limit=bad)  # type: ignore[arg-type]


# --- IFEval and IFBench from local files --------------------------------------------------------


def test_ifeval_reference_file_loads() -> None:
    suite = load_suite(f"ifeval:{need(IFEVAL_INPUT)}")
    assert suite.name == "ifeval" and len(suite.samples) == 541
    assert suite.version.startswith("sha256:") and len(suite.version) == len("sha256:") + 16
    assert suite.source == str(IFEVAL_INPUT)
    assert {s.suite for s in suite.samples} == {"ifeval"}
    assert len({s.id for s in suite.samples}) == 541
    assert sum(len(s.constraints) for s in suite.samples) == 834
    first = json.loads(IFEVAL_INPUT.read_text(encoding="utf-8").splitlines()[0])
    assert suite.samples[0].id == str(first["key"])
    assert suite.samples[0].prompt == first["prompt"]


def test_ifbench_reference_file_loads() -> None:
    suite = load_suite(f"ifbench:{need(IFBENCH_INPUT)}")
    assert suite.name == "ifbench" and len(suite.samples) == 300
    assert sum(len(s.constraints) for s in suite.samples) == 344
    assert load_suite(f"ifbench:{IFBENCH_INPUT}", limit=7).samples == suite.samples[:7]


def test_the_version_follows_the_file_content(tmp_path: Path) -> None:
    path = write(tmp_path / "mine.jsonl", [GOOD])
    first = load_suite(path)
    assert first.name == "mine" and len(first.samples) == 1
    assert load_suite(str(path)).version == first.version
    write(path, [GOOD, {**GOOD, "key": 2, "prompt": "Name two lakes."}])
    assert load_suite(path).version != first.version


def test_any_ifeval_format_file_loads_with_its_constraints(tmp_path: Path) -> None:
    path = write(
        tmp_path / "custom_prompts.jsonl",
        [
            GOOD,
            {
                "key": "b",
                "prompt": "Describe a harbour.",
                "instruction_id_list": ["length_constraints:number_words", "words:repeats"],
                "kwargs": [{"num_words": 40, "relation": "less than"}, {"small_n": 2}],
            },
        ],
    )
    suite = load_suite(path)
    assert [s.id for s in suite.samples] == ["1", "b"]
    loaded = load_inputs(path, "x")
    assert [len(c) for _, c in loaded] == [1, 2]
    assert all(isinstance(c, Constraint) for _, cs in loaded for c in cs)
    assert loaded[1][1][0].describe() == "Answer in fewer than 40 words."


# --- the hub, offline ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "dataset"), [("ifeval", "google/IFEval"), ("ifbench", "allenai/IFBench_test")]
)
def test_hub_ids_offline_say_how_to_use_a_local_file(
    name: str, dataset: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Offline, with an empty cache (the hub falls back to cached snapshots when offline).
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    try:
        from huggingface_hub import constants
    except ImportError:  # without the extra the error says so, and still how to go offline
        pass
    else:  # already imported by an earlier test: its settings were read then
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    for form in (name, dataset, f"hf:{dataset}"):
        with pytest.raises(InputError) as caught:
            load_suite(form)
        message = str(caught.value)
        assert dataset in message and f"--suite {name}:PATH" in message, message


def test_hub_ids_without_the_extra_say_how_to_use_a_local_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails
    with pytest.raises(InputError) as caught:
        load_suite("ifeval")
    message = str(caught.value)
    assert "adhere[hub]" in message and "--suite ifeval:PATH" in message


# --- bad names and bad files --------------------------------------------------------------------


def test_an_unknown_suite_name_suggests_the_closest() -> None:
    with pytest.raises(InputError) as caught:
        load_suite("ifevl")
    message = str(caught.value)
    assert "unknown suite 'ifevl'" in message and "did you mean 'ifeval'" in message
    assert "adhere-core" in message


def test_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_suite(f"ifeval:{tmp_path / 'missing.jsonl'}")
    with pytest.raises(InputError, match="no such file"):
        load_suite(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="found no path"):
        load_suite("ifbench:")


def test_bad_ids_and_params_name_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.jsonl",
        [
            GOOD,
            {**GOOD, "key": 2, "instruction_id_list": ["punctuation:no_commas"]},
            {
                **GOOD,
                "key": 3,
                "instruction_id_list": ["length_constraints:number_words"],
                "kwargs": [{"num_words": "many", "relation": "at least"}],
            },
        ],
    )
    with pytest.raises(InputErrors) as caught:
        load_suite(path, limit=1)  # the whole file is validated, whatever the limit
    message = str(caught.value)
    assert len(caught.value.errors) == 2
    assert f"{path}:2, field 'instruction_id_list[0]'" in message
    assert "'punctuation:no_comma'" in message  # the closest id
    assert f"{path}:3, field 'kwargs[0]'" in message and "'num_words'" in message


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({k: v for k, v in GOOD.items() if k != "prompt"}, "prompt"),
        ({**GOOD, "instruction_id_list": []}, "instruction_id_list"),
        ({**GOOD, "kwargs": [{}, {}]}, "kwargs"),
        ({**GOOD, "key": [1]}, "key"),
    ],
)
def test_bad_fields(tmp_path: Path, record: dict[str, Any], field: str) -> None:
    path = write(tmp_path / "in.jsonl", [record])
    with pytest.raises(InputError) as caught:
        load_suite(f"ifeval:{path}")
    assert f"{path}:1, field '{field}'" in str(caught.value)


def test_malformed_empty_and_duplicate(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", [GOOD, '{"prompt": '])
    with pytest.raises(InputError, match=r"in\.jsonl:2: malformed JSON"):
        load_suite(path)
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="at least one sample"):
        load_suite(path)
    write(path, [GOOD, {**GOOD, "prompt": "Another prompt."}])
    with pytest.raises(InputError) as caught:
        load_suite(path)
    assert f"{path}:2, field 'key'" in str(caught.value) and "first on line 1" in str(caught.value)


def test_list_suites_names_every_form() -> None:
    lines = list_suites()
    names = [line.split()[0] for line in lines]
    assert names == ["adhere-core", "ifeval", "ifbench", "PATH"]
    assert "google/IFEval" in lines[1] and "ifeval:PATH" in lines[1]
    assert "allenai/IFBench_test" in lines[2] and "ifbench:PATH" in lines[2]
    assert str(len(core_suite.core_samples())) in lines[0]
