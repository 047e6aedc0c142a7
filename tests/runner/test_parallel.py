"""Forked scoring gives the same results as one process, and survives a failing worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import adhere
from adhere.runner import parallel
from adhere.runner.parallel import map_forked
from tests.conftest import REPO


def test_results_are_in_order_whatever_the_number_of_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    items = list(range(50))
    expected = [(i * i, str(i)) for i in items]
    for jobs in (1, 2, 3, 7):
        assert map_forked(lambda i: (i * i, str(i)), items, jobs) == expected


def test_work_really_runs_in_other_processes() -> None:
    # In a fresh interpreter: the test process may hold threads left by other tests (servers,
    # torch), and map_forked rightly refuses to fork a process with other threads running.
    code = (
        "import os; from adhere.runner import parallel; parallel.MIN_ITEMS_PER_WORKER = 1; "
        "pids = set(parallel.map_forked(lambda _: os.getpid(), list(range(6)), 3)); "
        "print(os.getpid() in pids, len(pids))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "3"]


def test_no_fork_while_other_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        pids = set(map_forked(lambda _: os.getpid(), list(range(6)), 3))
    finally:
        stop.set()
        thread.join()
    assert pids == {os.getpid()}


def test_a_failing_worker_is_replaced_by_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    parent = os.getpid()

    def only_here(i: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("worker dies")
        return i + 1

    assert map_forked(only_here, list(range(10)), 2) == list(range(1, 11))


def test_small_work_stays_in_one_process() -> None:
    assert parallel.plan_workers(None, 10) == 1
    assert parallel.plan_workers(1, 10_000) == 1


def test_score_files_are_identical_with_one_and_two_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    example = REPO / "examples" / "combined.jsonl"
    adhere.score(example, outdir=tmp_path / "one", jobs=1)
    adhere.score(example, outdir=tmp_path / "two", jobs=2)
    for name in ("eval_results_strict.jsonl", "eval_results_loose.jsonl", "summary.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_balanced_shares_split_cost_evenly_and_keep_every_item() -> None:
    shares = parallel.balanced_shares([10, 1, 1, 1, 9, 1, 1], 2)
    assert sorted(i for share in shares for i in share) == list(range(7))
    loads = [sum([10, 1, 1, 1, 9, 1, 1][i] for i in share) for share in shares]
    assert max(loads) - min(loads) <= 1
    assert all(share == sorted(share) for share in shares)


def test_cost_balanced_results_are_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    items = list(range(40))
    costs = [float(i % 7) for i in items]
    assert map_forked(lambda i: i * 3, items, 3, costs) == [i * 3 for i in items]


def test_groups_stay_together() -> None:
    shares = parallel.balanced_shares([3, 1, 3, 4, 4], 2, ["lang", "x", "lang", "x", "y"])
    assert any({0, 2} <= set(share) for share in shares)
    assert any({1, 3} <= set(share) for share in shares)
    assert sorted(i for share in shares for i in share) == [0, 1, 2, 3, 4]


def test_a_group_bigger_than_a_fair_share_is_split() -> None:
    costs = [5.0] * 8 + [1.0, 1.0]
    shares = parallel.balanced_shares(costs, 2, ["lang"] * 8 + ["x", "x"])
    lang_per_share = [sum(1 for i in share if i < 8) for share in shares]
    assert lang_per_share == [4, 4]


# A fresh interpreter runs map_forked over ITEMS (with GROUPS) on 2 processes. Every item
# leaves a marker file naming the process that computed it; the calling process's first item
# waits until the markers of WAIT_FOR exist (at most 60 s), so that the other process runs
# ahead of it whatever the timing.
_STEALING = """
import json, os, sys, time
from pathlib import Path
from adhere.runner import parallel
parallel.MIN_ITEMS_PER_WORKER = 1
folder = Path(sys.argv[1])
items, groups, wait_for = json.loads(sys.argv[2])
parent = os.getpid()
held = []
def work(i):
    if os.getpid() == parent and not held:
        held.append(i)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all((folder / str(k)).exists() for k in wait_for):
                break
            time.sleep(0.01)
        time.sleep(0.2)
    (folder / str(i)).write_text("parent" if os.getpid() == parent else "worker")
    return i * 10
assert parallel.map_forked(work, items, 2, [1.0] * len(items), groups) == [i * 10 for i in items]
print(json.dumps({"held": held}))
"""


def _run_stealing(tmp_path: Path, groups: list[str], wait_for: list[int]) -> dict[int, str]:
    items = list(range(len(groups)))
    spec = json.dumps([items, groups, wait_for])
    done = subprocess.run(
        [sys.executable, "-c", _STEALING, str(tmp_path), spec],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(json.loads(done.stdout)["held"]) == 1
    return {i: (tmp_path / str(i)).read_text() for i in items}


def test_an_idle_process_takes_over_waiting_items(tmp_path: Path) -> None:
    """While the calling process is stuck on its first item, the worker finishes its own share
    and then computes every item still waiting in the caller's share."""
    groups = [""] * 8
    shares = parallel._queue_shares(parallel.balanced_shares([1.0] * 8, 2, groups), None, groups)
    first = shares[0][0][1][0]  # the item the caller keeps for itself
    by = _run_stealing(tmp_path, groups, wait_for=[i for i in range(8) if i != first])
    # the caller computed only the item it was stuck on; the worker did the other seven
    assert sorted(by.values()) == ["parent"] + ["worker"] * 7


def test_no_process_takes_over_items_of_a_group_it_has_not_worked_on(tmp_path: Path) -> None:
    """Items of a group stay in the process whose share holds the group (its caches are
    built once), even when that process is behind."""
    groups = ["a", "a", "a", "a", "b", "b", "b", "b"]
    shares = parallel.balanced_shares([1.0] * 8, 2, groups)
    caller_group = groups[shares[0][0]]
    other = [i for i in range(8) if groups[i] != caller_group]
    by = _run_stealing(tmp_path, groups, wait_for=other)
    assert {by[i] for i in range(8) if groups[i] == caller_group} == {"parent"}
    assert {by[i] for i in other} == {"worker"}


# Run in a fresh interpreter (the test process may run threads, and then map_forked does not
# fork). MODE says how the workers end: "ok", "raises" (func raises in a worker), "killed"
# (a worker is killed before it sends anything) or "truncated" (a worker's payload is shorter
# than the length it announces). Prints the pids that computed items of each call, and
# whether a child process is left after the workers are reaped (at the next call or at exit).
_REAPING = """
import atexit, json, marshal, os, signal, sys, types
from adhere.runner import parallel

parallel.MIN_ITEMS_PER_WORKER = 1
parent = os.getpid()
mode = sys.argv[1]


class Longer(bytes):
    def __len__(self):
        return super().__len__() + 10


if mode == "truncated":
    parallel.marshal = types.SimpleNamespace(
        dumps=lambda value: Longer(marshal.dumps(value)), loads=marshal.loads
    )


def func(i):
    if os.getpid() != parent:
        if mode == "raises":
            raise RuntimeError("worker dies")
        if mode == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
    return (i * 3, os.getpid())


def children_left():
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return False
    return True


calls = []
for _ in range(3):
    done = parallel.map_forked(func, list(range(12)), 3)
    assert [value for value, _ in done] == [i * 3 for i in range(12)], done
    calls.append(sorted({pid for _, pid in done}))
# the workers of the first calls were reaped when the next call started
gone = []
for pids in calls[:-1]:
    for pid in pids:
        if pid != parent:
            try:
                os.waitpid(pid, os.WNOHANG)
                gone.append(False)
            except ChildProcessError:
                gone.append(True)
atexit._run_exitfuncs()
print(json.dumps({"parent": parent, "calls": calls, "gone": gone, "left": children_left()}))
"""


@pytest.mark.parametrize("mode", ["ok", "raises", "killed", "truncated"])
def test_workers_are_reaped_and_failed_ones_replaced(mode: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _REAPING, mode], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    assert report["left"] is False  # no zombie after the exit handlers
    assert all(report["gone"])
    for pids in report["calls"]:
        if mode == "ok":  # the workers' results were used
            assert len(pids) == 3 and report["parent"] in pids
        else:  # every item was computed again by the caller
            assert pids == [report["parent"]]


def test_reap_workers_without_workers_does_nothing() -> None:
    parallel.reap_workers()
    parallel.reap_workers(block=False)
