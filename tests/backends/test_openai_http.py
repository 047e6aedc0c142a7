"""The OpenAI-compatible backend against real HTTP servers on 127.0.0.1: the responder, the
fault proxy in front of it, and small one-off servers for answers the responder never gives."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from adhere.backends import openai_http
from adhere.backends.base import (
    BackendError,
    BackendOptions,
    ModelSpec,
    make_backend,
    parse_model,
)
from adhere.backends.openai_http import (
    OpenAIBackend,
    display_url,
    is_local,
    render_prompt,
    retry_after_seconds,
)
from adhere.core.generation import GenerationConfig, Request, Response
from adhere.core.types import Message
from tests.conftest import REPO
from tests.support import fault_proxy, openai_responder
from tests.support.httpserver import HTTPRequest, ServerThread, reply
from tests.support.openai_responder import Responder

KEY_ENV = "ADHERE_TEST_KEY"
SECRET = "sk-test-4f9c2b7e1d8a6350c0ffee"


def backend(urls: str, model: str = "test-model", **options: Any) -> OpenAIBackend:
    options.setdefault("api_key_env", None)
    options.setdefault("timeout", 5.0)
    made = make_backend(parse_model(f"openai:{model}@{urls}"), BackendOptions(**options))
    assert isinstance(made, OpenAIBackend)
    return made


def request(text: str = "Write a haiku.", **config: Any) -> Request:
    messages = (Message("user", text),)
    return Request("s1", messages, GenerationConfig(**config), 0, "key-1")


def generate(b: OpenAIBackend, req: Request, endpoint: str | None = None) -> Response:
    async def go() -> Response:
        try:
            return await b.generate(req, endpoint or b.endpoints[0])
        finally:
            await b.aclose()

    return asyncio.run(go())


def failure(b: OpenAIBackend, req: Request | None = None) -> BackendError:
    with pytest.raises(BackendError) as caught:
        generate(b, req or request())
    return caught.value


def preflight_error(b: OpenAIBackend) -> BackendError:
    async def go() -> None:
        try:
            await b.preflight()
        finally:
            await b.aclose()

    with pytest.raises(BackendError) as caught:
        asyncio.run(go())
    return caught.value


def preflight_ok(b: OpenAIBackend) -> None:
    async def go() -> None:
        try:
            await b.preflight()
        finally:
            await b.aclose()

    asyncio.run(go())


@pytest.fixture(params=["stream", "httpx"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test that takes it runs with adhere's own HTTP client and with httpx."""
    if request.param == "httpx":
        monkeypatch.setattr(openai_http, "wants_httpx", lambda url: True)
    return str(request.param)


@pytest.fixture
def responder(transport: str) -> Iterator[tuple[Responder, str]]:
    with openai_responder.running() as running:
        yield running


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# -- requests ---------------------------------------------------------------------------------


def test_chat_request_sends_only_the_settings_that_are_set(
    responder: tuple[Responder, str],
) -> None:
    state, url = responder
    generate(backend(url), request())
    generate(backend(url), request(top_p=0.9, stop=("END",), seed=7, temperature=0.5))
    plain, full = (r.body for r in state.generation_requests())
    assert [r.path for r in state.generation_requests()] == ["/v1/chat/completions"] * 2
    assert plain == {
        "model": "test-model",
        "messages": [{"role": "user", "content": "Write a haiku."}],
        "temperature": 0.0,
        "max_tokens": 1024,
    }
    assert full["top_p"] == 0.9 and full["stop"] == ["END"] and full["seed"] == 7
    assert full["temperature"] == 0.5


def test_each_sample_of_a_prompt_gets_its_own_seed(responder: tuple[Responder, str]) -> None:
    state, url = responder
    config = GenerationConfig(seed=100, n=3, temperature=1.0)
    for index in range(3):
        req = Request("s1", (Message("user", "Hi."),), config, index, f"k{index}")
        generate(backend(url), req)
    assert [r.body["seed"] for r in state.generation_requests()] == [100, 101, 102]


def test_a_response_carries_text_finish_reason_usage_latency_and_endpoint(
    responder: tuple[Responder, str],
) -> None:
    _, url = responder
    response = generate(backend(url), request("one two three four five", max_tokens=4))
    assert response.text == "Answer to: one two"
    assert response.finish_reason == "length"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (5, 4)
    assert response.latency > 0 and response.ok
    assert response.metadata["endpoint"] == url


def test_completion_mode_posts_the_rendered_prompt(responder: tuple[Responder, str]) -> None:
    state, url = responder
    messages = (Message("system", "Be brief."), Message("user", "Name a colour."))
    req = Request("s1", messages, GenerationConfig(mode="completion", max_tokens=50), 0, "k")
    response = generate(backend(url), req)
    (sent,) = state.generation_requests()
    assert sent.path == "/v1/completions"
    assert sent.body["prompt"] == "Be brief.\n\nName a colour."
    assert "messages" not in sent.body
    assert response.text == "Answer to: Be brief.\n\nName a colour."


def test_render_prompt() -> None:
    user = Message("user", "Hi.")
    assert render_prompt([user]) == "Hi."
    assert render_prompt([Message("system", "S."), user]) == "S.\n\nHi."
    conversation = [user, Message("assistant", "Hello."), Message("user", "Bye.")]
    assert (
        render_prompt(conversation) == "User: Hi.\n\nAssistant: Hello.\n\nUser: Bye.\n\nAssistant:"
    )


def test_the_key_and_extra_headers_are_sent(
    responder: tuple[Responder, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, url = responder
    state.api_key = SECRET
    monkeypatch.setenv(KEY_ENV, SECRET)
    b = backend(url, api_key_env=KEY_ENV, headers=(("X-Team", "eval"),))
    assert generate(b, request()).ok
    (sent,) = state.generation_requests()
    assert sent.headers["authorization"] == f"Bearer {SECRET}"
    assert sent.headers["x-team"] == "eval"


# -- failures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_errors_that_will_not_heal_are_not_transient_and_quote_the_server(
    responder: tuple[Responder, str], status: int
) -> None:
    state, url = responder
    state.fail_status = status
    error = failure(backend(url))
    assert not error.transient and error.status == status
    assert f"HTTP {status}" in str(error) and "failing on purpose" in str(error)
    assert url in str(error)


@pytest.mark.parametrize("status", [500, 502, 503, 408])
def test_server_errors_are_transient(responder: tuple[Responder, str], status: int) -> None:
    state, url = responder
    state.fail_status = status
    error = failure(backend(url))
    assert error.transient and error.status == status


def test_an_unknown_model_is_a_404_that_names_the_model(responder: tuple[Responder, str]) -> None:
    _, url = responder
    error = failure(backend(url, model="no-such-model"))
    assert error.status == 404 and not error.transient
    assert "no-such-model" in str(error)


@pytest.mark.parametrize(
    ("retry_after", "low", "high"), [("2", 2.0, 2.0), ("0.5", 0.5, 0.5), ("date", 20.0, 31.0)]
)
def test_429_is_transient_and_reads_retry_after(
    responder: tuple[Responder, str], retry_after: str, low: float, high: float
) -> None:
    _, url = responder
    if retry_after == "date":
        retry_after = format_datetime(datetime.fromtimestamp(time.time() + 30, UTC), True)
    with fault_proxy.running(url, script=["429"], retry_after=retry_after) as proxy:
        error = failure(backend(proxy.url))
    assert error.transient and error.status == 429
    assert error.retry_after is not None and low <= error.retry_after <= high


def test_retry_after_forms() -> None:
    now = 1_700_000_000.0
    date = format_datetime(datetime.fromtimestamp(now + 120, UTC), usegmt=True)
    assert retry_after_seconds(date, now=now) == 120.0
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(date, now=now + 500) == 0.0  # in the past: no wait
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.mark.parametrize("kind", ["500", "502", "503", "drop", "malformed", "stall"])
def test_injected_faults_are_transient(responder: tuple[Responder, str], kind: str) -> None:
    _, url = responder
    with fault_proxy.running(url, fraction=1.0, kinds=[kind], stall=10.0) as proxy:
        error = failure(backend(proxy.url, timeout=0.5))
        assert proxy.faults == {kind: 1} and not proxy.delivered
    assert error.transient
    assert proxy.url in str(error)
    if kind == "stall":
        assert "no answer within 0.5 s" in str(error)
    if kind == "malformed":
        assert "malformed answer" in str(error)


def test_a_refused_connection_is_transient(transport: str) -> None:
    url = closed_port_url()
    error = failure(backend(url))
    assert error.transient and url in str(error)


def one_off_server(body: Any, status: int = 200) -> tuple[ServerThread, str]:
    async def handle(_: HTTPRequest) -> bytes:
        return reply(status, body)

    server = ServerThread(handle)
    return server, f"http://127.0.0.1:{server.start()}/v1"


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"object": "chat.completion"}, "no choices"),
        ({"choices": []}, "no choices"),
        ({"choices": [{"text": "x"}]}, "no message"),
        ({"choices": [{"message": {"content": 3}}]}, "not a string"),
        ([1, 2], "not a JSON object"),
        ("<html>busy</html>", "not JSON"),
    ],
)
def test_answers_without_a_usable_choice_are_transient(
    body: Any, said: str, transport: str
) -> None:
    server, url = one_off_server(body)
    try:
        error = failure(backend(url))
    finally:
        server.stop()
    assert error.transient and said in str(error)


def test_a_null_content_is_an_empty_text(transport: str) -> None:
    server, url = one_off_server({"choices": [{"message": {"content": None}}]})
    try:
        response = generate(backend(url), request())
    finally:
        server.stop()
    assert response.text == "" and response.finish_reason is None


# -- secrets and identity ---------------------------------------------------------------------


def test_identity_names_the_model_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    one = backend("http://127.0.0.1:1/v1", api_key_env=KEY_ENV, headers=(("X-A", SECRET),))
    two = backend("http://10.0.0.2:8000/v1,http://10.0.0.3:8000/v1", api_key_env=KEY_ENV)
    assert one.identity() == two.identity() == {"kind": "openai", "model": "test-model"}
    assert SECRET not in json.dumps(one.identity())


def test_a_key_the_server_echoes_is_masked(
    responder: tuple[Responder, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, url = responder
    state.api_key, state.echo_key_in_errors = "the-right-key", True
    monkeypatch.setenv(KEY_ENV, SECRET)
    b = backend(url, api_key_env=KEY_ENV)
    error = failure(b)
    assert error.status == 401 and not error.transient
    assert "Incorrect API key" in str(error) and "***" in str(error)
    assert SECRET not in str(error) and SECRET[:8] not in str(error)
    assert KEY_ENV in str(error)
    preflight = preflight_error(b)
    assert KEY_ENV in str(preflight) and SECRET not in str(preflight)


def test_secret_header_values_the_server_echoes_are_masked(transport: str) -> None:
    token = "tok-9f8e7d6c5b4a3210"

    async def echo(request: HTTPRequest) -> bytes:
        return reply(403, {"error": {"message": f"bad token {request.headers['x-api-key']}"}})

    server = ServerThread(echo)
    url = f"http://127.0.0.1:{server.start()}/v1"
    try:
        error = failure(backend(url, headers=(("X-Api-Key", token),)))
    finally:
        server.stop()
    assert error.status == 403 and "bad token ***" in str(error) and token not in str(error)


def test_credentials_in_a_url_are_not_shown(transport: str) -> None:
    url = "http://user:hunter2@127.0.0.1:9/v1"
    assert display_url(url) == "http://127.0.0.1:9/v1"
    spec = ModelSpec("openai", "test-model", (url,), "openai:test-model@(a URL)")
    error = failure(OpenAIBackend(spec, BackendOptions(api_key_env=None)))
    assert "hunter2" not in str(error) and "127.0.0.1:9" in str(error)


def test_local_and_hosted_urls() -> None:
    local = ["http://127.0.0.1:8000/v1", "http://localhost/v1", "http://10.1.2.3/v1", "http://gpu1"]
    hosted = ["https://api.openai.com/v1", "https://openrouter.ai/api/v1", "http://8.8.8.8/v1"]
    assert all(is_local(u) for u in local)
    assert not any(is_local(u) for u in hosted)


# -- preflight --------------------------------------------------------------------------------


def test_preflight_passes_and_sends_no_generation(responder: tuple[Responder, str]) -> None:
    state, url = responder
    preflight_ok(backend(url))
    assert state.counts == {"/v1/models": 1}


def test_preflight_names_an_unreachable_url(responder: tuple[Responder, str]) -> None:
    state, url = responder
    down = closed_port_url()
    error = preflight_error(backend(f"{url},{down}"))
    assert f"cannot reach {down}" in str(error) and url not in str(error)
    assert not error.transient
    assert not state.generation_requests()


def test_preflight_lists_the_models_when_the_model_is_unknown(
    responder: tuple[Responder, str],
) -> None:
    state, url = responder
    state.models = ("llama-3-8b", "qwen2.5-7b")
    error = preflight_error(backend(url, model="llama3"))
    assert "'llama3'" in str(error) and "'llama-3-8b', 'qwen2.5-7b'" in str(error)
    assert not state.generation_requests()


def test_preflight_accepts_ollama_latest_tags(responder: tuple[Responder, str]) -> None:
    state, url = responder
    state.models = ("llama3:latest",)
    preflight_ok(backend(url, model="llama3"))


def test_preflight_names_a_missing_key_variable(
    responder: tuple[Responder, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, url = responder
    state.api_key = SECRET
    monkeypatch.delenv(KEY_ENV, raising=False)
    error = preflight_error(backend(url, api_key_env=KEY_ENV))
    assert f"environment variable {KEY_ENV}" in str(error) and "not set" in str(error)
    assert error.status == 401 and not state.generation_requests()


def test_preflight_needs_a_key_for_a_hosted_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    error = preflight_error(backend("https://api.example.com/v1", api_key_env=KEY_ENV))
    assert f"{KEY_ENV} is not set" in str(error) and "https://api.example.com/v1" in str(error)


def test_preflight_accepts_a_server_without_models_route(
    responder: tuple[Responder, str],
) -> None:
    state, url = responder
    state.models_route = False
    preflight_ok(backend(url))
    assert not state.generation_requests()


def test_preflight_points_out_a_url_missing_its_v1(responder: tuple[Responder, str]) -> None:
    state, url = responder
    bare = url.removesuffix("/v1")
    error = preflight_error(backend(bare))
    assert f"did you mean {bare}/v1?" in str(error)
    assert not state.generation_requests()


def test_preflight_rejects_a_models_page_that_is_not_a_list(transport: str) -> None:
    server, url = one_off_server("<html>a dashboard</html>")
    try:
        error = preflight_error(backend(url))
    finally:
        server.stop()
    assert "did not answer with a list of models" in str(error)


# -- the servers as subprocesses ----------------------------------------------------------------


def start_process(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def test_responder_and_proxy_run_as_subprocesses(tmp_path: Any) -> None:
    log = tmp_path / "proxy.jsonl"
    responder, url = start_process("tests.support.openai_responder", "--port", "0")
    proxy = None
    try:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        proxy, proxy_url = start_process(
            "tests.support.fault_proxy", "--upstream", url, "--fraction", "0", "--log", str(log)
        )
        b = backend(proxy_url)
        preflight_ok(b)
        texts = [generate(b, request(f"prompt {i}")).text for i in range(3)]
        assert texts == [f"Answer to: prompt {i}" for i in range(3)]
        stats = httpx.get(proxy_url.removesuffix("/v1") + "/_proxy/stats").json()
    finally:
        for process in (proxy, responder):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
    assert stats["received"] == {"/v1/models": 1, "/v1/chat/completions": 3}
    assert sorted(stats["delivered"].values()) == [1, 1, 1]
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["outcome"] for e in logged] == ["delivered"] * 3


def test_model_strings_with_credentials_in_the_url_parse() -> None:
    from adhere.backends.base import parse_model

    spec = parse_model("openai:org/model@v2@http://user:pw@127.0.0.1:8000/v1,http://h2/v1/")
    assert spec.target == "org/model@v2"
    assert spec.urls == ("http://user:pw@127.0.0.1:8000/v1", "http://h2/v1")
