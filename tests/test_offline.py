"""Importing and scoring touch no network: no socket is even imported, and none can connect."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import REPO

PROGRAM = textwrap.dedent(
    """
    import socket, sys

    def deny(*args, **kwargs):
        raise OSError("network access attempted")

    socket.socket.connect = deny
    socket.socket.connect_ex = deny
    socket.create_connection = deny
    socket.getaddrinfo = deny
    del sys.modules["socket"]  # so that a later import of it shows up

    import adhere
    assert "socket" not in sys.modules, "importing adhere imported socket"
    result = adhere.score(sys.argv[1], outdir=sys.argv[2])
    assert result.summary["records"] == 12
    net = ("socket", "ssl", "http.client", "urllib.request")
    loaded = sorted(m for m in net if m in sys.modules)
    assert not loaded, f"scoring imported {loaded}"
    print("ok")
    """
)


def test_import_and_score_without_network(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(REPO / "examples" / "combined.jsonl"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
