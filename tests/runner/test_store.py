"""The run store: one committed record per response, successes never overwritten, resumable."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from adhere.core.errors import InputError
from adhere.core.generation import GenerationConfig, Request, Response, request_key
from adhere.core.types import ConstraintSpec, Message, Sample
from adhere.runner.store import RunStore

CONFIG = GenerationConfig(max_tokens=16)


def request(i: int, index: int = 0) -> Request:
    messages = (Message("user", f"prompt {i}"),)
    key = request_key({"kind": "test", "model": "m"}, messages, CONFIG, index)
    return Request(f"s{i}", messages, CONFIG, index, key)


def test_keys_change_with_everything_that_determines_a_response() -> None:
    base = request(1)
    messages = base.messages
    model = {"kind": "test", "model": "m"}
    assert request_key(model, messages, CONFIG, 0) == base.key
    assert request_key({"kind": "test", "model": "other"}, messages, CONFIG, 0) != base.key
    assert request_key(model, (Message("user", "x"),), CONFIG, 0) != base.key
    assert request_key(model, messages, GenerationConfig(max_tokens=17), 0) != base.key
    assert request_key(model, messages, CONFIG, 1) != base.key
    # asking for more samples later reuses the first ones
    assert request_key(model, messages, GenerationConfig(max_tokens=16, n=4), 0) == base.key


def test_a_success_is_never_overwritten_and_a_failure_is_replaced(tmp_path: Path) -> None:
    with RunStore(tmp_path) as store:
        r = request(1)
        store.put(r, Response("", error="timeout"))
        assert store.done_keys() == set()
        store.put(r, Response("first answer"))
        store.put(r, Response("second answer"))
        store.put(r, Response("", error="later failure"))
        assert store.done_keys() == {r.key}
        store.open_run("run", {"suite": "t"}, [r])
        (record,) = list(store.records("run"))
        assert record.response is not None and record.response.text == "first answer"


def test_records_come_back_in_run_order_with_gaps(tmp_path: Path) -> None:
    requests = [request(i) for i in range(5)]
    samples = [Sample(f"s{i}", "t", (Message("user", f"prompt {i}"),), ()) for i in range(5)]
    with RunStore(tmp_path) as store:
        assert store.open_run("run", {"suite": "t"}, requests, samples) is True
        assert store.open_run("run", {"suite": "t"}, requests, samples) is False  # resume
        for r in requests[::2]:
            store.put(r, Response(f"answer {r.sample_id}"))
        got = [(x.sample_id, x.response.text if x.response else None) for x in store.records("run")]
        assert got == [
            ("s0", "answer s0"),
            ("s1", None),
            ("s2", "answer s2"),
            ("s3", None),
            ("s4", "answer s4"),
        ]
        assert [s.id for s in store.samples("run")] == [f"s{i}" for i in range(5)]


def test_samples_round_trip_with_their_constraints(tmp_path: Path) -> None:
    sample = Sample(
        "a",
        "t",
        (Message("user", "Write."),),
        (
            ConstraintSpec(
                "length_constraints:number_words", {"num_words": 5, "relation": "at least"}
            ),
        ),
        {"key": 3},
    )
    with RunStore(tmp_path) as store:
        store.open_run("run", {}, [request(0)], [sample])
        assert store.samples("run") == [sample]


def test_unknown_run_and_missing_store_are_clear(tmp_path: Path) -> None:
    with RunStore(tmp_path) as store, pytest.raises(InputError, match="no run 'nope'"):
        store.run_spec("nope")
    with pytest.raises(InputError, match="no run store here"):
        RunStore(tmp_path / "elsewhere", create=False)


def test_a_corrupt_store_is_reported(tmp_path: Path) -> None:
    (tmp_path / "runs.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError, match="not a usable run store"):
        RunStore(tmp_path)


WRITER = textwrap.dedent(
    """
    import sys, time
    from adhere.core.generation import GenerationConfig, Request, Response, request_key
    from adhere.core.types import Message
    from adhere.runner.store import RunStore

    config = GenerationConfig(max_tokens=16)
    store = RunStore(sys.argv[1])
    i = 0
    while True:
        messages = (Message("user", f"prompt {i}"),)
        key = request_key({"kind": "test"}, messages, config, 0)
        store.put(Request(str(i), messages, config, 0, key), Response("x" * 2000 + str(i)))
        print(i, flush=True)
        i += 1
    """
)


@pytest.mark.parametrize("after", [5, 40, 200])
def test_kill_9_loses_no_committed_record(tmp_path: Path, after: int) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    acknowledged = -1
    for line in process.stdout:
        acknowledged = int(line)
        if acknowledged >= after:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    db = sqlite3.connect(tmp_path / "runs.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    stored = {
        int(row[0])
        for row in db.execute("SELECT json_extract(request, '$.sample_id') FROM responses")
    }
    # every record the writer reported committed is there (it may have committed more while
    # this process was reading its output), and no record is missing between them
    assert set(range(acknowledged + 1)) <= stored
    assert stored == set(range(max(stored) + 1))
