"""The facade around a backend: bounded concurrency per endpoint, timeouts, and retries.

- Requests are spread over the backend's endpoints; each endpoint has at most
  ``options.concurrency`` requests in flight, and a free slot goes to the least busy endpoint.
- A transient failure (connection error, timeout, 429, 5xx, a malformed answer) is retried
  with exponential backoff and full jitter, honouring ``Retry-After``, up to
  ``policy.attempts`` tries; after that the response is handed on with its ``error`` set (the
  run store keeps it as failed, and a resume asks again).
- A failure that will not heal (400, 401, 404, unknown model) stops the run: requests not yet
  sent are never sent, retries waiting for their turn are dropped (a resume asks again), and
  :class:`BackendError` is raised once those in flight have ended. An exception raised by
  ``on_done`` (the store failing, say) stops the run the same way and is raised as it is.
- Each attempt is bounded by ``options.timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from adhere.backends.base import Backend, BackendError, BackendOptions
from adhere.core.frozen import frozen
from adhere.core.generation import Request, Response

OnDone = Callable[[Request, Response], Awaitable[None] | None]


@frozen
class RetryPolicy:
    """Fields: attempts (tries per request, >= 1), base_delay and max_delay (seconds)."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` >= 1 tries so far)."""
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        wait = rng.uniform(0, backoff)  # full jitter
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay))
        return wait


DEFAULT_POLICY = RetryPolicy()


@dataclass
class RunStats:
    """What happened: responses handed on, failed ones among them, retries, requests sent."""

    done: int = 0
    failed: int = 0
    retries: int = 0
    sent: int = 0
    per_endpoint: dict[str, int] = field(default_factory=dict)


class Facade:
    """Runs requests through a backend (see the module docstring)."""

    def __init__(
        self,
        backend: Backend,
        options: BackendOptions,
        policy: RetryPolicy = DEFAULT_POLICY,
        seed: int = 0,
    ) -> None:
        self.backend = backend
        self.options = options
        self.policy = policy
        self._rng = random.Random(seed)
        self._busy = dict.fromkeys(backend.endpoints, 0)
        self._free = asyncio.Condition()

    async def preflight(self) -> None:
        """The backend's own check, bounded by the request timeout."""
        try:
            await asyncio.wait_for(self.backend.preflight(), self.options.timeout)
        except TimeoutError:
            raise BackendError(
                f"the model did not answer the preflight check within {self.options.timeout} s",
                transient=False,
            ) from None

    async def _acquire(self) -> str:
        async with self._free:
            while True:
                endpoint = min(self._busy, key=lambda e: self._busy[e])
                if self._busy[endpoint] < self.options.concurrency:
                    self._busy[endpoint] += 1
                    return endpoint
                await self._free.wait()

    async def _release(self, endpoint: str) -> None:
        async with self._free:
            self._busy[endpoint] -= 1
            self._free.notify()

    async def _attempt(self, request: Request, stats: RunStats) -> Response:
        endpoint = await self._acquire()
        stats.sent += 1
        stats.per_endpoint[endpoint] = stats.per_endpoint.get(endpoint, 0) + 1
        start = time.perf_counter()
        try:
            return await asyncio.wait_for(
                self.backend.generate(request, endpoint), self.options.timeout
            )
        except TimeoutError:
            raise BackendError(
                f"no answer within {self.options.timeout} s from {endpoint} "
                f"(after {time.perf_counter() - start:.1f} s)",
                transient=True,
            ) from None
        finally:
            await self._release(endpoint)

    async def _one(self, request: Request, stats: RunStats, stop: asyncio.Event) -> Response | None:
        """The response to ``request``, or None when the run stopped before it was retried."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(request, stats)
            except BackendError as error:
                if not error.transient:
                    raise
                if attempt >= self.policy.attempts:
                    return Response("", error=f"gave up after {attempt} tries: {error}")
                stats.retries += 1
                delay = self.policy.delay(attempt, error.retry_after, self._rng)
                with contextlib.suppress(TimeoutError):  # a stop cuts the wait short
                    await asyncio.wait_for(stop.wait(), delay)
                if stop.is_set():
                    return None

    async def run(self, requests: Iterable[Request], on_done: OnDone) -> RunStats:
        """Generate a response for every request and hand each to ``on_done`` as it arrives
        (in completion order). Raises :class:`BackendError` on a failure that will not heal."""
        stats = RunStats()
        pending = iter(requests)
        limit = self.options.concurrency * len(self._busy)
        fatal: list[BaseException] = []
        stop = asyncio.Event()

        async def worker() -> None:
            for request in pending:  # the shared iterator hands each request to one worker
                if stop.is_set():
                    return
                try:
                    response = await self._one(request, stats, stop)
                    if response is None:
                        return
                    stats.done += 1
                    stats.failed += not response.ok
                    result = on_done(request, response)
                    if result is not None:
                        await result
                except Exception as error:  # a fatal BackendError, or on_done failing
                    fatal.append(error)
                    stop.set()
                    return

        await asyncio.gather(*(worker() for _ in range(limit)))
        if fatal:
            raise fatal[0]
        return stats
