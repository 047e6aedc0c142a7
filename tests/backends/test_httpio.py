"""adhere's own HTTP/1.1 client against real servers on 127.0.0.1: body framings, keep-alive,
connections the server closed, timeouts, and the choice between it and httpx."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Awaitable, Callable

import pytest

from adhere.backends.httpio import HTTPFailure, HTTPTimeout, StreamClient, wants_httpx
from tests.support.httpserver import HTTPRequest, ServerThread, reply

Handler = Callable[[HTTPRequest], Awaitable[bytes | None]]


def fixed(raw: bytes) -> Handler:
    async def handle(_: HTTPRequest) -> bytes:
        return raw

    return handle


def exchange(handler: Handler, count: int = 1, timeout: float = 5.0) -> tuple[list[bytes], int]:
    """``count`` POSTs through one client; the bodies that came back and the connections the
    server accepted."""
    server = ServerThread(handler)
    url = f"http://127.0.0.1:{server.start()}/v1/chat/completions"

    async def go() -> list[bytes]:
        client = StreamClient()
        try:
            bodies = []
            for _ in range(count):
                answer = await client.request("POST", url, {"X-A": "1"}, b"{}", timeout)
                bodies.append(answer.body)
            return bodies
        finally:
            await client.aclose()

    try:
        return asyncio.run(go()), server.connections
    finally:
        server.stop()


def test_a_content_length_body_and_keep_alive() -> None:
    bodies, connections = exchange(fixed(reply(200, {"ok": 1})), count=20)
    assert [json.loads(b) for b in bodies] == [{"ok": 1}] * 20
    assert connections == 1


def test_a_chunked_body_after_a_100_continue() -> None:
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    bodies, connections = exchange(fixed(raw), count=3)
    assert bodies == [b"hello, world"] * 3 and connections == 1


def test_a_gzip_body() -> None:
    data = gzip.compress(b'{"a": "b"}')
    raw = reply(200, data, {"Content-Encoding": "gzip"})
    assert exchange(fixed(raw))[0] == [b'{"a": "b"}']


def test_connection_close_is_honoured() -> None:
    raw = reply(200, b"{}", {"Connection": "close"})
    bodies, connections = exchange(fixed(raw), count=3)
    assert bodies == [b"{}"] * 3 and connections == 3


def test_a_body_read_until_the_server_closes() -> None:
    server = ServerThread(fixed(b""))

    async def answer_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(2)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nno length here")
        await writer.drain()
        writer.close()

    server._connection = answer_then_close  # type: ignore[method-assign]  # a raw server
    bodies, _ = exchange_on(server, count=2)
    assert bodies == [b"no length here"] * 2


def exchange_on(server: ServerThread, count: int) -> tuple[list[bytes], int]:
    url = f"http://127.0.0.1:{server.start()}/v1"

    async def go() -> list[bytes]:
        client = StreamClient()
        try:
            return [(await client.request("POST", url, {}, b"{}", 5.0)).body for _ in range(count)]
        finally:
            await client.aclose()

    try:
        return asyncio.run(go()), server.connections
    finally:
        server.stop()


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    first = ServerThread(fixed(reply(200, b"1")))
    port = first.start()
    url = f"http://127.0.0.1:{port}/v1"

    async def go() -> list[bytes]:
        client = StreamClient()
        try:
            one = await client.request("GET", url, {}, b"", 5.0)
            first.stop()  # closes the kept-alive connection
            await asyncio.sleep(0.1)
            second = ServerThread(fixed(reply(200, b"2")), port=port)
            second.start()
            try:
                two = await client.request("GET", url, {}, b"", 5.0)
            finally:
                second.stop()
            return [one.body, two.body]
        finally:
            await client.aclose()

    assert asyncio.run(go()) == [b"1", b"2"]


def test_an_answer_cut_short_is_a_failure() -> None:
    raw = b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial": '

    async def handle(_: HTTPRequest) -> bytes | None:
        return raw  # then the server waits for the next request; the client waits for bytes

    with pytest.raises(HTTPTimeout):
        exchange(handle, timeout=0.3)

    async def cut(_: HTTPRequest) -> bytes | None:
        return None

    with pytest.raises(HTTPFailure, match="without answering"):
        exchange(cut)


def test_a_refused_connection_is_a_failure() -> None:
    server = ServerThread(fixed(b""))
    port = server.start()
    server.stop()

    async def go() -> None:
        await StreamClient().request("GET", f"http://127.0.0.1:{port}/", {}, b"", 5.0)

    with pytest.raises(HTTPFailure, match="refused"):
        asyncio.run(go())


def test_which_urls_go_through_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert not wants_httpx("http://127.0.0.1:8000/v1")
    assert not wants_httpx("http://gpu-box:8000/v1")
    assert wants_httpx("https://api.openai.com/v1")
    assert wants_httpx("http://user:pw@127.0.0.1:8000/v1")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy:3128")
    assert wants_httpx("http://gpu-box:8000/v1")
    assert not wants_httpx("http://localhost:8000/v1")
