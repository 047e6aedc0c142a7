"""Spread CPU-bound work over cores with ``fork``, falling back to one process.

Scoring is pure Python and CPU-bound, so threads do not help; forked workers inherit everything
already loaded (constraints, tables, caches) at no start-up cost. Results come back through a
pipe as ``marshal`` data, so ``func`` must return plain values (None, bool, int, float, str,
tuples, lists, dicts of those).

The items are first dealt out in shares of similar estimated cost (items that share caches
together, see :func:`balanced_shares`). Each process computes the first item of its own share,
then works through the rest of its share, largest items first, and then takes over items still
waiting in the other shares (only of the groups it has worked on, so as not to build another
group's caches for a few items), so that the processes finish together however good the
estimates were. The items of each group of each share wait in a pipe of item numbers that every
process reads from: a read takes the next number atomically.

Where ``fork`` is unavailable, or unsafe because the process runs other threads, or the work is
small, everything runs in the calling process. Items whose worker fails for any reason are
computed in the calling process: the result is the same either way.
"""

from __future__ import annotations

import atexit
import marshal
import math
import os
import sys
from array import array
from collections.abc import Callable, Sequence
from typing import Any

MIN_ITEMS_PER_WORKER = 32
# A worker's results are sent as their length (this many bytes, little-endian) and their
# ``marshal`` data: only a payload of the announced length proves that the worker succeeded.
_LENGTH = 8
# A queue's pipe holds at most this many entries (4 bytes each, within the 4 KiB that any
# Linux pipe buffers), so that it is filled before anyone reads; longer queues are cut into
# runs of several items.
_MAX_ENTRIES = 1000
_ENTRY = 4


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# Workers whose results were received but which may still be exiting. They are not waited
# for there (the kernel takes a few milliseconds to tear a worker's memory down), but reaped
# later: at the next ``map_forked`` call and at exit.
_unreaped: list[int] = []


def reap_workers(block: bool = True) -> None:
    """Reap the workers of earlier ``map_forked`` calls that have exited (``block``: wait for
    those still exiting), so that none is left a zombie. Registered to run at exit."""
    _unreaped[:] = [pid for pid in _unreaped if not _reap(pid, block)]


def _reap(pid: int, block: bool) -> bool:
    """Reap worker ``pid``; whether it is gone (False: still running, and ``block`` false)."""
    try:
        reaped, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:  # reaped by someone else
        return True
    return reaped != 0


atexit.register(reap_workers)


def _fork_is_safe() -> bool:
    if not hasattr(os, "fork") or sys.platform == "darwin":
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() <= 1


def plan_workers(jobs: int | None, n_items: int) -> int:
    """How many processes to use: ``jobs`` (None: one per core), capped so each gets work."""
    wanted = available_cores() if jobs is None else max(1, jobs)
    return max(1, min(wanted, n_items // MIN_ITEMS_PER_WORKER))


def balanced_shares(
    costs: Sequence[float], workers: int, groups: Sequence[str] | None = None
) -> list[list[int]]:
    """Item indices split into ``workers`` shares of similar total cost, each share in
    ascending index order.

    Largest first, each to the least loaded share. With ``groups`` (a name per item), items of
    one group stay in one share, so that the caches a group builds up are not built twice;
    only a group that alone costs more than a fair share is dealt out over several shares.
    """
    names = list(groups) if groups is not None else [str(i) for i in range(len(costs))]
    members: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        members.setdefault(name, []).append(index)
    fair = sum(costs) / workers
    for name in list(members):  # a group bigger than a fair share is dealt out in parts
        total = sum(costs[i] for i in members[name])
        parts = min(workers, math.ceil(total / fair)) if fair > 0 else 1
        if parts > 1:
            indices = members.pop(name)
            for part in range(parts):
                members[f"{name}#{part}"] = indices[part::parts]
    totals = {name: sum(costs[i] for i in indices) for name, indices in members.items()}
    loads = [0.0] * workers
    shares: list[list[int]] = [[] for _ in range(workers)]
    for name in sorted(members, key=lambda n: (-totals[n], n)):
        lightest = loads.index(min(loads))
        loads[lightest] += totals[name]
        shares[lightest].extend(members[name])
    return [sorted(share) for share in shares]


def _work(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    runs: list[list[int]],
    first: int,
    queues: list[list[tuple[str, int]]],
    own: int,
) -> dict[int, Any]:
    """Compute run ``first`` (kept for this process, so that every process has work), then
    the runs waiting in the queues of share ``own`` (``(group, pipe)`` pairs, in order), then
    those waiting in the other shares' queues of the groups this process has worked on (so
    that no process builds the caches of a group just for a few items); returns
    ``{item index: result}``."""
    done: dict[int, Any] = {}
    if first >= 0:
        for i in runs[first]:
            done[i] = func(items[i])
    read = os.read
    entry = array("I")
    mine = {group for group, _ in queues[own]}
    order = [fd for _, fd in queues[own]]
    order += [
        fd for k, share in enumerate(queues) if k != own for group, fd in share if group in mine
    ]
    for fd in order:
        while True:
            raw = read(fd, _ENTRY)
            if len(raw) < _ENTRY:
                break
            entry.frombytes(raw)
            for i in runs[entry.pop()]:
                done[i] = func(items[i])
    return done


def _queue_shares(
    shares: list[list[int]], costs: Sequence[float] | None, groups: Sequence[str] | None
) -> list[list[tuple[str, list[int]]]]:
    """Each share as ``(group, items)`` queues: the groups found in no other share first,
    then those other shares also hold (which they may take over at the end); within a queue
    the items in decreasing cost (in order without costs)."""
    names = list(groups) if groups is not None else [""] * sum(len(share) for share in shares)
    holders: dict[str, int] = {}
    for share in shares:
        for name in {names[i] for i in share}:
            holders[name] = holders.get(name, 0) + 1
    queued = []
    for share in shares:
        by_group: dict[str, list[int]] = {}
        for i in share:
            by_group.setdefault(names[i], []).append(i)
        if costs is not None:
            weights = costs
            for members in by_group.values():
                members.sort(key=lambda i: -weights[i])
        queued.append(sorted(by_group.items(), key=lambda gm: (holders[gm[0]] > 1, gm[0])))
    return queued


def map_forked(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    jobs: int | None,
    costs: Sequence[float] | None = None,
    groups: Sequence[str] | None = None,
) -> list[Any]:
    """``[func(item) for item in items]``, computed by up to ``jobs`` processes.

    ``costs`` (one estimate per item, any unit) balances the shares, and ``groups`` keeps items
    that share caches together (see :func:`balanced_shares`); without costs the items are dealt
    out in turn. A process that is done early takes over what is left of the others' items of
    the groups it has worked on.
    """
    if _unreaped:
        reap_workers()
    workers = plan_workers(jobs, len(items))
    if workers <= 1 or not _fork_is_safe():
        return [func(item) for item in items]
    if costs is None:
        shares = [list(range(k, len(items), workers)) for k in range(workers)]
    else:
        shares = balanced_shares(costs, workers, groups)
    # Each queue as runs of items (one item each unless the queue is very long), and a pipe
    # holding the numbers of its runs; each share's first run is kept for its own process.
    runs: list[list[int]] = []
    reserved: list[int] = []
    queues: list[list[tuple[str, int]]] = []
    try:
        for share in _queue_shares(shares, costs, groups):
            queues.append([])
            reserved.append(-1)
            for group, members in share:
                size = max(1, -(-len(members) // _MAX_ENTRIES))
                start = len(runs)
                runs.extend(members[j : j + size] for j in range(0, len(members), size))
                if reserved[-1] < 0:
                    reserved[-1] = start
                    start += 1
                read_end, write_end = os.pipe()
                queues[-1].append((group, read_end))
                data = array("I", range(start, len(runs))).tobytes()
                try:
                    os.set_blocking(write_end, False)
                    written = os.write(write_end, data) if data else 0
                except BlockingIOError:  # pragma: no cover - a pipe smaller than 4 KiB
                    written = -1
                finally:
                    os.close(write_end)
                if written != len(data):  # pragma: no cover
                    return [func(item) for item in items]
        children: list[tuple[int, int]] = []  # (pid, read end of its results)
        for own in range(1, workers):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: compute, send its results, and leave without cleanup
                status = 1
                try:
                    os.close(read_end)
                    payload = marshal.dumps(_work(func, items, runs, reserved[own], queues, own))
                    with os.fdopen(write_end, "wb") as pipe:
                        pipe.write(len(payload).to_bytes(_LENGTH, "little"))
                        pipe.write(payload)
                    status = 0
                finally:
                    os._exit(status)
            os.close(write_end)
            children.append((pid, read_end))
        results: dict[int, Any] = {}
        try:
            results = _work(func, items, runs, reserved[0], queues, 0)
        finally:
            received = [_collect(pid, read_end) for pid, read_end in children]
    finally:
        for share_queues in queues:
            for _, fd in share_queues:
                os.close(fd)
    for part in received:
        results.update(part)
    out = [results[i] if i in results else func(items[i]) for i in range(len(items))]
    reap_workers(block=False)
    return out


def _collect(pid: int, read_end: int) -> dict[int, Any]:
    """A worker's results (none if it failed).

    A complete payload proves that the worker succeeded: it is used at once, and the worker,
    which may still be exiting, is left to :func:`reap_workers`. Without one the worker has
    failed (or been killed), and is reaped here.
    """
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    if len(data) < _LENGTH or int.from_bytes(data[:_LENGTH], "little") != len(data) - _LENGTH:
        _reap(pid, block=True)
        return {}
    _unreaped.append(pid)
    try:
        part = marshal.loads(memoryview(data)[_LENGTH:])
    except (EOFError, ValueError, TypeError):  # pragma: no cover - a complete payload loads
        return {}
    return part if isinstance(part, dict) else {}
