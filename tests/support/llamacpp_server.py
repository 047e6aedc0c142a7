"""llama.cpp's OpenAI-compatible server (``llama-cpp-python[server]``), started for real on
127.0.0.1 for tests.

``with llamacpp_server(gguf_path, alias="tiny") as url:`` starts ``python -m llama_cpp.server``
serving the GGUF file under the model name ``alias``, waits until ``{url}/models`` answers,
yields the base URL (``http://127.0.0.1:PORT/v1``) and stops the server afterwards. A server
that exits or does not answer in time raises :class:`ServerFailed` with the end of its output.

llama-cpp-python's server applies a repeat penalty of 1.1 to every request that does not say
otherwise (OpenAI's API has no field for it), even at temperature 0, so its "greedy" is not
greedy. The server is started with ``--last_n_tokens_size 0`` (a penalty window of no tokens),
which turns penalties off: temperature 0 then picks the most likely token, as vLLM, SGLang and
llama.cpp's own ``llama-server`` do. Pass ``penalties=True`` to keep the package's default.

Where the package is missing, :func:`require_llamacpp` fails the test (it does not skip: CI
must run these tests) saying how to install it (``.ci/build_llamacpp.sh``).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

INSTALL_HINT = (
    "llama-cpp-python[server] is not installed in this environment; run .ci/build_llamacpp.sh "
    "(builds it from its PyPI sdist once, then caches the wheel), or pip install "
    "'llama-cpp-python[server]'"
)
READY_SECONDS = 120.0


class ServerFailed(RuntimeError):
    """The server exited or never answered."""


def require_llamacpp() -> None:
    """Fail the calling test, with the way to fix it, where ``llama_cpp.server`` is absent."""
    import pytest

    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    for module in ("uvicorn", "fastapi", "sse_starlette", "starlette_context"):
        if importlib.util.find_spec(module) is None:
            pytest.fail(f"{INSTALL_HINT} (missing: {module})", pytrace=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def llamacpp_server(
    gguf: Path,
    alias: str = "tiny",
    n_ctx: int = 1024,
    penalties: bool = False,
    extra: tuple[str, ...] = (),
) -> Iterator[str]:
    """Serve ``gguf`` on 127.0.0.1 (see the module docstring); yields the base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(gguf),
        "--model_alias", alias,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--n_threads", "2",
        *(() if penalties else ("--last_n_tokens_size", "0")),
        *extra,
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

        def output() -> str:
            log.seek(0)
            return log.read().decode("utf-8", "replace")[-3000:]

        try:
            deadline = time.monotonic() + READY_SECONDS
            while True:
                if process.poll() is not None:
                    raise ServerFailed(
                        f"llama.cpp server exited with status {process.returncode}:\n{output()}"
                    )
                try:
                    if httpx.get(url + "/models", timeout=2.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise ServerFailed(
                        f"llama.cpp server gave no answer in {READY_SECONDS} s:\n{output()}"
                    )
                time.sleep(0.2)
            yield url
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
