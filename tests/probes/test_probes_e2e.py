"""Every probe end to end: the tiny local model served by llama.cpp's real OpenAI-compatible
server, `adhere probe` for each probe, then `adhere report` of all the probe runs opened in
headless Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from adhere.cli.main import main
from adhere.probes import MODULES
from adhere.runner.store import RunStore
from tests.support.browser import open_report, require_chromium, screenshot_dir
from tests.support.llamacpp_server import llamacpp_server, require_llamacpp
from tests.support.tiny_models import TinyModel, built

ALIAS = "tiny"
LIMIT = {"verbalizer": 6, "options": 3, "turns": 3, "load": 3}
"""Samples per probe (items for the probes with their own item sets); 4 where not named."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_llamacpp()
    tiny: TinyModel = built(tmp_path_factory.getbasetemp())
    with llamacpp_server(tiny.gguf, alias=ALIAS) as url:
        yield url


@pytest.fixture(scope="module")
def probe_runs(server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every probe run once on the tiny model; each probe's probe.json by name."""
    workspace = tmp_path_factory.mktemp("probes") / "ws"
    found: dict[str, Path] = {}
    for name in MODULES:
        command = [
            "probe", name,
            "--model", f"openai:{ALIAS}@{server}",
            "--api-key-env", "",
            "--limit", str(LIMIT.get(name, 4)),
            "--max-tokens", "8",
            "--concurrency", "2",
            "--workspace", str(workspace),
            "--quiet",
        ]  # fmt: skip
        assert main(command) == 0, name
        path = next(workspace.glob(f"probe-{name}*/probe.json"), None)
        matches = [p for p in workspace.glob("*/probe.json") if _probe_of(p) == name]
        path = matches[-1] if matches else path
        assert path is not None, f"{name}: no probe.json"
        found[name] = path
    return found


def _probe_of(path: Path) -> str:
    return str(json.loads(path.read_text(encoding="utf-8"))["probe"])


def test_every_probe_runs_on_the_tiny_model(probe_runs: dict[str, Path]) -> None:
    assert set(probe_runs) == set(MODULES)
    for name, path in probe_runs.items():
        result = json.loads(path.read_text(encoding="utf-8"))
        assert result["probe"] == name
        assert result["variants"] > 0, name
        assert result["headline"], name
        for figure in result["headline"]:
            assert figure["value"] == figure["value"], (name, figure)  # not NaN
        workspace = path.parent.parent
        with RunStore(workspace, create=False) as store:
            for run_id in result["runs"]:
                samples = store.samples(run_id)
                records = list(store.records(run_id))
                # every planned request was answered by the real server
                assert records and all(r.response is not None for r in records), name
                # lineage: every variant names the sample it came from, or is an original
                for sample in samples:
                    info = sample.metadata.get("probe")
                    assert isinstance(info, dict) and info.get("name") == name, sample.id
                    assert sample.parent_id is not None or info.get("variant") == "original"


def test_probe_again_reuses_every_stored_response(
    server: str, probe_runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = probe_runs["placement"].parent.parent
    command = [
        "probe", "placement",
        "--model", f"openai:{ALIAS}@{server}",
        "--api-key-env", "",
        "--limit", "4",
        "--max-tokens", "8",
        "--workspace", str(workspace),
        "--quiet",
    ]  # fmt: skip
    capsys.readouterr()
    assert main(command) == 0
    out = capsys.readouterr().out
    assert re.search(r"runs: \S+", out)
    before = json.loads(probe_runs["placement"].read_text(encoding="utf-8"))
    assert before["probe"] == "placement"


def test_report_of_every_probe_in_chromium(probe_runs: dict[str, Path], tmp_path: Path) -> None:
    require_chromium()
    out = tmp_path / "probes.html"
    folders = [str(p.parent) for p in probe_runs.values()]
    assert main(["report", *folders, "-o", str(out)]) == 0
    with open_report(out) as session:
        page = session.page
        page.wait_for_selector("body[data-ready='1']")
        session.settle()
        assert session.problems() == []
        assert session.other_requests == []
        headings = page.locator("#probes h3").all_inner_texts()
        assert len(headings) == len(MODULES)
        for name in MODULES:
            assert any(h.startswith(f"{name} probe") for h in headings), name
        # every series title of every probe has its plot
        titles = set()
        for path in probe_runs.values():
            for series in json.loads(path.read_text(encoding="utf-8"))["series"]:
                titles.add(series["title"])
        labels = page.locator("#probes svg.plot").evaluate_all(
            "ps => ps.map(p => p.getAttribute('aria-label'))"
        )
        assert titles <= set(labels)
        page.locator("#probes").scroll_into_view_if_needed()
        session.screenshot(screenshot_dir() / "report-probes.png")
