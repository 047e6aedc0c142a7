"""The facade around the OpenAI-compatible backend, against the real responder on 127.0.0.1 and
the fault-injecting proxy: every request completes exactly once through faults, Retry-After is
honoured, errors that will not heal stop the run, and each endpoint's concurrency is bounded."""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest

from adhere.backends import openai_http
from adhere.backends.base import BackendError, BackendOptions, make_backend, parse_model
from adhere.core.generation import GenerationConfig, Request, Response
from adhere.core.types import Message
from adhere.runner.facade import Facade, RetryPolicy, RunStats
from tests.support import fault_proxy, openai_responder
from tests.support.openai_responder import Responder

FAST = RetryPolicy(attempts=12, base_delay=0.01, max_delay=2.0)


def requests(count: int) -> list[Request]:
    config = GenerationConfig(max_tokens=64)
    return [
        Request(f"s{i}", (Message("user", f"prompt number {i}"),), config, 0, f"k{i}")
        for i in range(count)
    ]


class Collector:
    """``on_done`` that keeps every (request key, response) handed to it."""

    def __init__(self) -> None:
        self.done: list[tuple[str, Response]] = []

    def __call__(self, request: Request, response: Response) -> None:
        self.done.append((request.key, response))


def facade(urls: str, model: str = "test-model", policy: RetryPolicy = FAST, **options: Any):
    options.setdefault("api_key_env", None)
    options.setdefault("timeout", 5.0)
    opts = BackendOptions(**options)
    return Facade(make_backend(parse_model(f"openai:{model}@{urls}"), opts), opts, policy, seed=3)


def run(f: Facade, todo: list[Request], on_done: Any = None) -> tuple[RunStats, Collector]:
    collector = Collector()

    async def go() -> RunStats:
        try:
            return await f.run(todo, on_done or collector)
        finally:
            await f.backend.aclose()

    return asyncio.run(go()), collector


def run_error(f: Facade, todo: list[Request], on_done: Any = None) -> tuple[Exception, Collector]:
    collector = Collector()

    async def go() -> None:
        try:
            await f.run(todo, on_done or collector)
        finally:
            await f.backend.aclose()

    with pytest.raises(Exception) as caught:
        asyncio.run(go())
    assert isinstance(caught.value, Exception)
    return caught.value, collector


@pytest.fixture
def responder() -> Iterator[tuple[Responder, str]]:
    with openai_responder.running() as running:
        yield running


@pytest.mark.parametrize("transport", ["stream", "httpx"])
def test_100_requests_through_20_percent_faults_complete_exactly_once(
    responder: tuple[Responder, str], transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if transport == "httpx":
        monkeypatch.setattr(openai_http, "wants_httpx", lambda url: True)
    state, url = responder
    todo = requests(100)
    with fault_proxy.running(url, fraction=0.2, seed=11, stall=8.0) as proxy:
        stats, collector = run(facade(proxy.url, timeout=2.0), todo)
    keys = Counter(key for key, _ in collector.done)
    assert keys == Counter(r.key for r in todo)  # every request handed on exactly once
    texts = {key: response.text for key, response in collector.done}
    assert all(response.ok for _, response in collector.done)
    assert texts == {r.key: f"Answer to: {r.messages[0].content}" for r in todo}
    # The proxy relayed each finished answer once: nothing finished was asked for again.
    path = "/v1/chat/completions"
    bodies = [r.body for r in state.generation_requests()]
    assert len(proxy.delivered) == 100 and set(proxy.delivered.values()) == {1}
    assert len(set(map(str, bodies))) == 100
    # Every injected fault cost exactly one retry, and every kind was seen.
    injected = sum(proxy.faults.values())
    assert set(proxy.faults) == set(fault_proxy.ALL_KINDS)
    assert stats.retries == injected and stats.done == 100 and stats.failed == 0
    assert stats.sent == proxy.received[path] == 100 + injected
    assert proxy.forwarded[path] == 100 + proxy.faults["malformed"] == state.counts[path]


def test_retry_after_is_honoured(responder: tuple[Responder, str]) -> None:
    _, url = responder
    policy = RetryPolicy(attempts=3, base_delay=0.001, max_delay=10.0)
    with fault_proxy.running(url, script=["429"], retry_after="1") as proxy:
        stats, collector = run(facade(proxy.url, policy=policy), requests(1))
    first, second = proxy.events
    assert (first.outcome, second.outcome) == ("429", "delivered")
    assert first.body == second.body and stats.retries == 1
    assert second.time - first.time >= 0.9  # the wait the server asked for, not the backoff
    assert collector.done[0][1].ok


def test_retry_after_as_an_http_date_is_honoured(responder: tuple[Responder, str]) -> None:
    _, url = responder
    policy = RetryPolicy(attempts=3, base_delay=0.001, max_delay=10.0)
    when = format_datetime(datetime.fromtimestamp(time.time() + 3, UTC), usegmt=True)
    with fault_proxy.running(url, script=["429"], retry_after=when) as proxy:
        run(facade(proxy.url, policy=policy), requests(1))
    first, second = proxy.events
    assert second.outcome == "delivered"
    assert second.time - first.time >= 1.0  # the date has whole seconds: at least 2 s away


def test_a_request_that_keeps_failing_is_handed_on_with_its_error(
    responder: tuple[Responder, str],
) -> None:
    _, url = responder
    policy = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01)
    with fault_proxy.running(url, fraction=1.0, kinds=["503"]) as proxy:
        stats, collector = run(facade(proxy.url, policy=policy), requests(4))
    assert stats.done == 4 and stats.failed == 4 and stats.retries == 8
    assert proxy.received["/v1/chat/completions"] == 12
    for _, response in collector.done:
        assert response.error is not None and response.error.startswith("gave up after 3 tries")
        assert "HTTP 503" in response.error


@pytest.mark.parametrize("cause", ["401", "404"])
def test_errors_that_will_not_heal_stop_the_run(
    responder: tuple[Responder, str], cause: str
) -> None:
    state, url = responder
    model = "test-model"
    if cause == "401":
        state.api_key = "needed"
    else:
        model = "missing-model"
    error, collector = run_error(facade(url, model=model, concurrency=1), requests(20))
    assert isinstance(error, BackendError) and error.status == int(cause)
    assert not error.transient
    assert len(state.generation_requests()) == 1  # nothing sent after the first answer
    assert not collector.done


def test_a_fatal_error_cancels_retries_that_are_waiting(responder: tuple[Responder, str]) -> None:
    _, url = responder
    policy = RetryPolicy(attempts=5, base_delay=0.001, max_delay=60.0)
    # One request is told to come back in 30 s; the other is refused for good meanwhile.
    with fault_proxy.running(url, script=["429", "401"], retry_after="30") as proxy:
        error, collector = run_error(facade(proxy.url, policy=policy, concurrency=2), requests(6))
        received = sum(proxy.received.values())
    assert isinstance(error, BackendError) and error.status == 401
    assert received == 2 and not collector.done


def test_a_failing_on_done_stops_the_run(responder: tuple[Responder, str]) -> None:
    state, url = responder
    seen: list[str] = []

    def on_done(request: Request, _: Response) -> None:
        seen.append(request.key)
        if len(seen) == 3:
            raise OSError("disk full")

    error, _ = run_error(facade(url, concurrency=2), requests(50), on_done)
    assert isinstance(error, OSError) and str(error) == "disk full"
    assert len(state.generation_requests()) <= 3 + 2  # the third, and those already in flight


def test_each_endpoint_has_at_most_its_concurrency_in_flight() -> None:
    with (
        openai_responder.running(delay=0.05) as (one, url_one),
        openai_responder.running(delay=0.05) as (two, url_two),
    ):
        stats, collector = run(facade(f"{url_one},{url_two}", concurrency=3), requests(36))
    assert len(collector.done) == 36 and stats.failed == 0
    assert one.max_in_flight <= 3 and two.max_in_flight <= 3
    assert one.max_in_flight + two.max_in_flight >= 4  # both endpoints really worked in parallel
    counts = [len(one.generation_requests()), len(two.generation_requests())]
    assert sum(counts) == 36 and min(counts) > 0
    assert stats.per_endpoint == {url_one: counts[0], url_two: counts[1]}


# -- preflight through the facade --------------------------------------------------------------


def preflight(f: Facade) -> BackendError:
    async def go() -> None:
        try:
            await f.preflight()
        finally:
            await f.backend.aclose()

    with pytest.raises(BackendError) as caught:
        asyncio.run(go())
    return caught.value


def test_preflight_problems_are_named_with_no_generation_request(
    responder: tuple[Responder, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, url = responder
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        wrong = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    assert f"cannot reach {wrong}" in str(preflight(facade(wrong)))
    assert "'other-model'" in str(preflight(facade(url, model="other-model")))
    state.api_key = "sk-needed-0123456789"
    monkeypatch.delenv("ADHERE_FACADE_KEY", raising=False)
    missing = preflight(facade(url, api_key_env="ADHERE_FACADE_KEY"))
    assert "ADHERE_FACADE_KEY" in str(missing) and "not set" in str(missing)
    assert "sk-needed" not in str(missing)
    assert not state.generation_requests()
