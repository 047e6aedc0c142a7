"""``adhere eval`` against a real OpenAI-compatible server on 127.0.0.1: faults, crashes,
preflight and secrets. The server is tests.support.openai_responder (it speaks HTTP and records
every request it gets); faults come from the real proxy in tests.support.fault_proxy."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adhere.backends.base import BackendError, BackendOptions
from adhere.core.errors import AdhereError
from adhere.runner.eval_run import EvalSettings, evaluate
from adhere.runner.export import export_run
from adhere.runner.store import RunStore
from tests.conftest import REPO
from tests.support import fault_proxy, openai_responder

NO_KEY = BackendOptions(api_key_env=None, timeout=1.0, concurrency=8)


def _stored(workspace: Path) -> list[tuple[str, int]]:
    """(sample_id, ok) of every stored response."""
    db = sqlite3.connect(workspace / "runs.sqlite")
    try:
        rows = db.execute("SELECT json_extract(request, '$.sample_id'), ok FROM responses")
        return [(r[0], r[1]) for r in rows]
    finally:
        db.close()


def _prompt(body: object) -> str:
    assert isinstance(body, dict)
    return str(body["messages"][-1]["content"])


def test_a_100_prompt_run_through_20_percent_faults_stores_every_record_once(
    tmp_path: Path,
) -> None:
    with (
        openai_responder.running() as (_, url),
        fault_proxy.running(url, fraction=0.2, seed=7, stall=3.0, retry_after="0") as proxy,
    ):
        result = evaluate(
            EvalSettings(
                model=f"openai:test-model@{proxy.url}",
                suite="adhere-core",
                workspace=str(tmp_path),
                limit=100,
                options=NO_KEY,
            )
        )
    assert result.stats.done == 100 and result.stats.failed == 0
    assert result.stats.retries == sum(proxy.faults.values()) > 0
    assert len(set(proxy.faults)) >= 5  # most fault kinds occurred
    stored = _stored(tmp_path)
    assert len(stored) == 100 and all(ok == 1 for _, ok in stored)
    assert len({sample for sample, _ in stored}) == 100
    # every body the server answered in full reached the client once: none was asked again
    assert all(count == 1 for count in proxy.delivered.values())
    assert result.score.summary["records"] == 100
    assert result.score.summary["no_response"]["count"] == 0


CRASH_RUNS = 10


def test_kill_9_at_random_moments_then_resume_loses_nothing_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    rng = random.Random(2026)
    workspace = tmp_path / "ws"
    with openai_responder.running(delay=0.02) as (responder, url):
        command = [
            sys.executable,
            "-m",
            "adhere",
            "eval",
            "--model",
            f"openai:test-model@{url}",
            "--suite",
            "adhere-core",
            "--limit",
            "150",
            "--workspace",
            str(workspace),
            "--api-key-env",
            "",
            "--concurrency",
            "4",
            "--quiet",
        ]
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        for _ in range(CRASH_RUNS):
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.3, 1.6))
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            killed_at = time.monotonic()
            if not (workspace / "runs.sqlite").exists():
                continue
            finished = {sample for sample, ok in _stored(workspace) if ok}
            seen = len(responder.requests)
            # the next resume must not ask again for anything already finished
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.3, 1.6))
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            again = [
                r
                for r in responder.requests[seen:]
                if r.path.endswith("/completions") and r.time >= killed_at
            ]
            repeated = [r for r in again if _sample_of(r.body, workspace) in finished]
            assert repeated == []
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    stored = _stored(workspace)
    assert len(stored) == 150 and all(ok == 1 for _, ok in stored)
    assert len({sample for sample, _ in stored}) == 150


def _sample_of(body: object, workspace: Path) -> str | None:
    """The sample id whose stored request has the same last user message as ``body``."""
    prompt = _prompt(body)
    db = sqlite3.connect(workspace / "runs.sqlite")
    try:
        for sample, messages in db.execute(
            "SELECT json_extract(request, '$.sample_id'), json_extract(request, '$.messages') "
            "FROM responses"
        ):
            if json.loads(messages)[-1]["content"] == prompt:
                return str(sample)
    finally:
        db.close()
    return None


@pytest.mark.parametrize("problem", ["closed port", "unknown model", "missing key", "bad suite"])
def test_preflight_names_the_problem_and_sends_nothing(tmp_path: Path, problem: str) -> None:
    with openai_responder.running(api_key="sk-test-1234567890") as (responder, url):
        model = {"unknown model": "openai:no-such-model"}.get(problem, "openai:test-model")
        target = "http://127.0.0.1:9/v1" if problem == "closed port" else url
        suite = "adhere-core"
        if problem == "bad suite":
            bad = tmp_path / "suite.jsonl"
            bad.write_text('{"key": 1, "prompt": "x", "instruction_id_list": ["nope:x"]}\n')
            suite = str(bad)
        env_name = "ADHERE_TEST_KEY_THAT_IS_NOT_SET"
        os.environ.pop(env_name, None)
        options = BackendOptions(api_key_env=env_name, timeout=2.0)
        if problem != "missing key":
            os.environ[env_name] = "sk-test-1234567890"
        try:
            start = time.monotonic()
            with pytest.raises(AdhereError) as caught:
                evaluate(
                    EvalSettings(
                        model=f"{model}@{target}",
                        suite=suite,
                        workspace=str(tmp_path / "ws"),
                        limit=5,
                        options=options,
                    )
                )
            elapsed = time.monotonic() - start
        finally:
            os.environ.pop(env_name, None)
        message = str(caught.value)
        expected = {
            "closed port": "127.0.0.1:9",
            "unknown model": "no-such-model",
            "missing key": env_name,
            "bad suite": "nope:x",
        }[problem]
        assert expected in message
        assert "sk-test-1234567890" not in message
        assert not any(r.path.endswith("/completions") for r in responder.requests)
        assert elapsed < 30  # a generous guard against hanging, not a speed assertion
        if problem != "bad suite":
            assert isinstance(caught.value, BackendError)


def test_the_api_key_never_reaches_the_store_exports_or_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "sk-live-DO-NOT-LEAK-42"
    os.environ["ADHERE_TEST_SECRET_KEY"] = secret
    try:
        with openai_responder.running(api_key=secret) as (_, url):
            from adhere.cli.main import main

            code = main(
                [
                    "eval",
                    "--model",
                    f"openai:test-model@{url}",
                    "--suite",
                    "adhere-core",
                    "--limit",
                    "5",
                    "--workspace",
                    str(tmp_path / "ws"),
                    "--api-key-env",
                    "ADHERE_TEST_SECRET_KEY",
                ]
            )
    finally:
        del os.environ["ADHERE_TEST_SECRET_KEY"]
    assert code == 0
    printed = capsys.readouterr()
    assert secret not in printed.out + printed.err
    with RunStore(tmp_path / "ws") as store:
        (run_id, _), *_ = store.runs()
        for fmt in ("adhere", "ifeval"):
            export_run(store, run_id, fmt, tmp_path / f"export.{fmt}")  # type: ignore[arg-type]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
