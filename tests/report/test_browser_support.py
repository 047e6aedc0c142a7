"""tests.support.browser, on small pages these tests write: the headless Chromium the report
tests open reports in records console errors, page errors and every request, reaches no outside
network, writes screenshots, and always ends its processes.

Where Chromium or Playwright is missing these tests skip, saying why, except with
``CI_REQUIRE_BROWSER=1`` (set by .ci/run), where they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.support import browser
from tests.support.browser import (
    Chromium,
    launch_chromium,
    open_report,
    require_chromium,
    screenshot_dir,
)

# How Chromium reports a request that our switches stopped: the refusing proxy, or a host name
# that does not resolve.
BLOCKED = {"net::ERR_PROXY_CONNECTION_FAILED", "net::ERR_NAME_NOT_RESOLVED"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# A 1×1 PNG, inline: a data: URL is not a request.
DOT = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDw"
    "ADhgGAWjR9awAAAABJRU5ErkJggg=="
)
CLEAN_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>clean</title>
<style>body {{ font-family: sans-serif; }} .bar {{ background: #36c; height: 20px; }}</style>
</head><body>
<h1>A clean page</h1>
<div class="bar" style="width: 60%"></div>
<svg width="120" height="40"><rect width="100" height="30" fill="#c63"></rect></svg>
<img alt="dot" src="{DOT}">
<script>console.log("hello"); document.body.dataset.ready = "yes";</script>
</body></html>
"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    require_chromium()
    with launch_chromium() as running:
        yield running


def write(tmp_path: Path, name: str, html: str) -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_clean_page_has_no_errors_and_only_its_own_request(
    chromium: Chromium, tmp_path: Path
) -> None:
    page = write(tmp_path, "clean.html", CLEAN_PAGE)
    with chromium.open(page) as session:
        assert session.url == page.resolve().as_uri()
        assert session.page.evaluate("document.body.dataset.ready") == "yes"
        session.settle()
        assert session.problems() == []
        assert session.errors == []
        assert session.requests == [session.url]
        assert session.other_requests == []
        assert ("log", "hello") in session.console
        assert session.page.locator("svg rect").count() == 1


def test_load_timings_are_measured(chromium: Chromium, tmp_path: Path) -> None:
    page = write(tmp_path, "clean.html", CLEAN_PAGE)
    with chromium.open(page) as session:
        assert 0 < session.dom_content_loaded_seconds <= session.load_seconds
        # Navigation starts after Python asks for it and the load event ends before it is told.
        assert session.load_seconds <= session.open_seconds
        assert session.first_paint_seconds is not None and session.first_paint_seconds > 0
        assert session.ready_seconds == max(session.load_seconds, session.first_paint_seconds)
        assert session.launch_seconds == chromium.launch_seconds > 0


def test_console_error_is_recorded(chromium: Chromium, tmp_path: Path) -> None:
    page = write(tmp_path, "console.html", "<p>x</p><script>console.error('x')</script>")
    with chromium.open(page) as session:
        session.settle()
        assert ("error", "x") in session.console
        assert session.console_errors == ["x"]
        assert session.errors == []
        assert session.problems() == ["console error: x"]


def test_uncaught_errors_are_recorded_during_load_and_after(
    chromium: Chromium, tmp_path: Path
) -> None:
    page = write(
        tmp_path,
        "throws.html",
        "<button id=b onclick=\"throw new TypeError('clicked')\">b</button>"
        "<script>throw new Error('boom')</script>",
    )
    with chromium.open(page) as session:
        session.settle()
        assert session.errors == ["Error: boom"]
        session.page.click("#b")
        session.settle()
        assert session.errors == ["Error: boom", "TypeError: clicked"]
        assert session.problems()[:2] == [
            "page error: Error: boom",
            "page error: TypeError: clicked",
        ]


def test_outside_requests_are_recorded_and_fail(chromium: Chromium, tmp_path: Path) -> None:
    page = write(
        tmp_path,
        "outside.html",
        """<!doctype html><html><body><p>outside</p>
        <script src="http://example.com/x.js"></script>
        <img src="http://10.1.2.3/a.png" alt="">
        <script>
          fetch("https://example.org/api").catch((e) => { window.fetchFailed = String(e); });
          new WebSocket("wss://example.net/socket");
        </script>
        </body></html>""",
    )
    with chromium.open(page) as session:
        session.page.wait_for_function("window.fetchFailed !== undefined")
        session.settle()
        outside = {
            "http://example.com/x.js",
            "http://10.1.2.3/a.png",
            "https://example.org/api",
            "wss://example.net/socket",
        }
        assert session.requests[0] == session.url
        assert set(session.other_requests) == outside
        failed = dict(session.failed_requests)
        for url in ("http://example.com/x.js", "http://10.1.2.3/a.png", "https://example.org/api"):
            assert failed.get(url) in BLOCKED, session.failed_requests
        assert any("net::ERR_PROXY_CONNECTION_FAILED" in t for t in session.console_errors)
        assert any("wss://example.net/socket" in t for t in session.console_errors)
        assert session.page.evaluate("typeof window.fromOutside") == "undefined"


def test_dialogs_are_recorded_and_dismissed(chromium: Chromium, tmp_path: Path) -> None:
    page = write(tmp_path, "alert.html", "<p>x</p><script>alert('hi')</script>")
    with chromium.open(page) as session:
        assert session.dialogs == ["alert: hi"]


def test_each_page_gets_a_fresh_context(chromium: Chromium, tmp_path: Path) -> None:
    page = write(tmp_path, "storage.html", "<p>x</p>")
    with chromium.open(page) as first:
        first.page.evaluate("localStorage.setItem('k', 'v')")
        assert first.page.evaluate("localStorage.getItem('k')") == "v"
    with chromium.open(page) as second:
        assert second.page.evaluate("localStorage.getItem('k')") is None


def test_open_report_uses_the_running_browser(chromium: Chromium, tmp_path: Path) -> None:
    page = write(tmp_path, "clean.html", CLEAN_PAGE)
    with open_report(page) as session:
        assert session.browser is chromium
        assert session.requests == [session.url]
    with pytest.raises(RuntimeError, match="already running"), launch_chromium():
        pass


def test_screenshots_are_png_files(chromium: Chromium, tmp_path: Path) -> None:
    page = write(
        tmp_path,
        "tall.html",
        CLEAN_PAGE.replace("</body>", '<div style="height: 3000px"></div></body>'),
    )
    with chromium.open(page, viewport=(800, 600)) as session:
        shot = session.screenshot(tmp_path / "shots" / "viewport.png")
        full = session.screenshot(tmp_path / "shots" / "full.png", full_page=True)
    assert shot.stat().st_size > 1000
    assert png_size(shot) == (800, 600)
    width, height = png_size(full)
    assert width == 800 and height > 3000


def test_browser_is_headless_offline_and_uses_a_temporary_profile(chromium: Chromium) -> None:
    cmdlines = [browser._proc_cmdline(pid) for pid in chromium.process_ids()]
    main = [c for c in cmdlines if "--type=" not in c and "--user-data-dir=" in c]
    assert main, cmdlines
    assert "--headless" in main[0] and "--proxy-server=127.0.0.1:" in main[0]
    profile = main[0].split("--user-data-dir=")[1].split()[0]
    assert profile.startswith(os.path.realpath(os.environ.get("TMPDIR", "/tmp"))), profile


# Closing: the browser and its helpers are gone whether the block ended well, raised, or the
# Python process itself was killed. In a fresh interpreter, so that the module's own browser
# does not get in the way.

PROBE = """
import json, sys, time
from pathlib import Path
from tests.support.browser import open_report
with open_report(Path(sys.argv[1])) as session:
    ids = sorted(session.browser.process_ids())
    print(json.dumps({"pids": ids, "home": session.browser.home}), flush=True)
    if sys.argv[2] == "raise":
        raise RuntimeError("the test failed")
    time.sleep(120)
"""


def wait_until_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in pids if browser._proc_stat(pid) is not None]
        time.sleep(0.1)
    return alive


def test_browser_ends_when_the_block_raises(tmp_path: Path) -> None:
    require_chromium()
    page = write(tmp_path, "clean.html", CLEAN_PAGE)
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(page), "raise"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and "the test failed" in run.stderr, run.stderr
    probed = json.loads(run.stdout.splitlines()[0])
    assert len(probed["pids"]) >= 2  # the Playwright driver and at least the browser
    assert wait_until_gone(probed["pids"]) == []
    assert not Path(probed["home"]).exists()


def test_browser_ends_when_python_is_killed(tmp_path: Path) -> None:
    require_chromium()
    page = write(tmp_path, "clean.html", CLEAN_PAGE)
    with subprocess.Popen(
        [sys.executable, "-c", PROBE, str(page), "sleep"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    ) as probe:
        assert probe.stdout is not None
        probed = json.loads(probe.stdout.readline())
        probe.kill()
        probe.wait(timeout=30)
    # A killed process cleans nothing up: its browser's temporary HOME is left for us.
    shutil.rmtree(probed["home"], ignore_errors=True)
    assert len(probed["pids"]) >= 2
    assert wait_until_gone(probed["pids"], seconds=20) == []


# Availability: skip locally, fail in CI (no browser needed for these).


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(browser.CHROMIUM_ENV, "/nonexistent/chromium")
    browser._probe.cache_clear()
    yield
    browser._probe.cache_clear()


@pytest.mark.usefixtures("no_browser")
def test_missing_browser_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(browser.REQUIRE_ENV, raising=False)
    assert browser.chromium_available() is None
    reason = browser.chromium_unavailable_reason()
    assert reason is not None and "/nonexistent/chromium" in reason
    with pytest.raises(pytest.skip.Exception, match="apt-get install"):
        require_chromium()


@pytest.mark.usefixtures("no_browser")
def test_missing_browser_fails_where_it_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(browser.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="CI_REQUIRE_BROWSER=1 but no Chromium"):
        require_chromium()


def test_screenshot_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(browser.SCREENSHOTS_ENV, str(tmp_path / "shots"))
    assert screenshot_dir() == tmp_path / "shots" and (tmp_path / "shots").is_dir()
    monkeypatch.delenv(browser.SCREENSHOTS_ENV)
    assert screenshot_dir() == REPO / "build" / "screenshots"
