"""Spread CPU-bound work over cores with ``fork``, falling back to one process.

Scoring is pure Python and CPU-bound, so threads do not help; forked workers inherit everything
already loaded (constraints, tables, caches) at no start-up cost. Results come back through a
pipe as ``marshal`` data, so ``func`` must return plain values (None, bool, int, float, str,
tuples, lists, dicts of those).

Where ``fork`` is unavailable, or unsafe because the process runs other threads, or the work is
small, everything runs in the calling process. A worker that fails for any reason is replaced
by running its share in the calling process: the result is the same either way.
"""

from __future__ import annotations

import marshal
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

MIN_ITEMS_PER_WORKER = 32


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


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
    out in turn.
    """
    workers = plan_workers(jobs, len(items))
    if workers <= 1 or not _fork_is_safe():
        return [func(item) for item in items]
    if costs is None:
        shares = [list(range(k, len(items), workers)) for k in range(workers)]
    else:
        shares = balanced_shares(costs, workers, groups)
    children: list[tuple[list[int], int, int]] = []  # (share, pid, read end)
    for share in shares[1:]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: compute its share, send it, and leave without cleanup
            status = 1
            try:
                os.close(read_end)
                payload = marshal.dumps([func(items[i]) for i in share])
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(payload)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        children.append((share, pid, read_end))
    results: list[Any] = [None] * len(items)
    try:
        for i in shares[0]:
            results[i] = func(items[i])
    finally:
        received = [(share, _collect(pid, read_end)) for share, pid, read_end in children]
    for share, part in received:
        if part is None or len(part) != len(share):
            part = [func(items[i]) for i in share]
        for i, value in zip(share, part, strict=True):
            results[i] = value
    return results


def _collect(pid: int, read_end: int) -> list[Any] | None:
    """A worker's results, or None if it failed; always reaps the worker."""
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    try:
        part = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return part if isinstance(part, list) else None
