"""Headless Chromium for the HTML report tests: Debian's ``chromium`` driven by Playwright.

``with open_report(path) as session:`` starts the system Chromium headless with no way out to
the network, opens ``file://path``, waits for the load event and yields a :class:`PageSession`:
``.page`` (the Playwright page), ``.console`` ((type, text) of every console message),
``.errors`` (uncaught page errors), ``.requests`` (the URL of every request the page made,
the report itself included), ``.failed_requests`` ((url, reason) of those that failed),
``.dialogs`` (alert/confirm/prompt texts, dismissed), the load timings and
``.screenshot(path)``. The lists keep filling while the test drives the page; ``settle()``
makes sure everything the page did so far has been recorded.

To open several pages in one browser (one launch, about a second, instead of one per page):
``with launch_chromium() as chromium, chromium.open(path) as session:``; each ``open`` gets a
fresh browser context (no shared storage or cache).

No network: requests to anything but 127.0.0.1 go to a proxy on a local port that refuses
connections (``net::ERR_PROXY_CONNECTION_FAILED``), host names do not resolve
(``net::ERR_NAME_NOT_RESOLVED``) for whatever bypasses the proxy, QUIC and non-proxied WebRTC
UDP are off, and so is Chromium's own background traffic (component updates, sync, field
trials). Playwright gives every launch a fresh temporary profile; HOME and the XDG folders point
into a temporary folder too, so nothing is read from or written to the user's own.

Closing always ends the browser: Playwright closes it, and a watchdog and a final sweep kill
(by process id) whatever it started that is still alive, even where the test failed.

:func:`chromium_available` says whether the browser and Playwright are here;
:func:`require_chromium` skips the calling test where they are not, or fails it where
``CI_REQUIRE_BROWSER=1`` (CI sets it: there the browser tests must run). The browser is
``$ADHERE_CHROMIUM`` if set, else ``/usr/bin/chromium`` (``apt-get install chromium``).
Playwright is never asked to download a browser.

:func:`screenshot_dir` is where screenshots for people go: ``$ADHERE_SCREENSHOTS`` or
``build/screenshots`` in the repository.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import math
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Dialog,
        Page,
        Playwright,
        Request,
        WebSocket,
    )
    from playwright.sync_api import Error as PlaywrightError

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ENV = "ADHERE_CHROMIUM"
REQUIRE_ENV = "CI_REQUIRE_BROWSER"
SCREENSHOTS_ENV = "ADHERE_SCREENSHOTS"
INSTALL_HINT = (
    "the browser tests need Debian's chromium (as root: apt-get install --no-install-recommends "
    "chromium fonts-liberation libatomic1; .ci/run does it) and the Python package playwright "
    "(pip install -e '.[test]'; never `playwright install`)"
)

# Chromium's switches (Playwright adds its own automation defaults: --headless, a temporary
# --user-data-dir, --disable-extensions, --disable-background-timer-throttling, ...).
BASE_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--disable-domain-reliability",
    "--disable-field-trial-config",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)
VIEWPORT = (1280, 900)
# Seconds Playwright gets to close the browser before the watchdog kills its processes.
CLOSE_GRACE_S = 15.0
# After the load event, how long to wait for the first paint before giving up on it.
PAINT_WAIT_S = 2.0

# The Chromium running in each thread (Playwright's sync API allows one per thread).
_active = threading.local()

_TIMINGS_JS = """
async (paintWaitMs) => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
  const nav = () => performance.getEntriesByType("navigation")[0];
  while (nav() && nav().loadEventEnd === 0) await frame();
  const paint = () => performance.getEntriesByType("paint").find((e) => e.name === "first-paint");
  const deadline = performance.now() + paintWaitMs;
  while (!paint() && performance.now() < deadline) {
    await Promise.race([frame(), new Promise((resolve) => setTimeout(resolve, 50))]);
  }
  const n = nav();
  const p = paint();
  return {
    load: n ? n.loadEventEnd : null,
    domContentLoaded: n ? n.domContentLoadedEventEnd : null,
    firstPaint: p ? p.startTime : null,
  };
}
"""


# ---------------------------------------------------------------------------------------------
# Is it here?


@functools.cache
def _probe() -> tuple[str | None, str]:
    """(path of the browser, "") where Chromium and Playwright are usable, else (None, why)."""
    if importlib.util.find_spec("playwright") is None:
        return None, f"the Python package playwright is not installed; {INSTALL_HINT}"
    path = os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        where = f"${CHROMIUM_ENV}={path}" if os.environ.get(CHROMIUM_ENV) else path
        return None, f"no Chromium executable at {where}; {INSTALL_HINT}"
    return path, ""


def chromium_available() -> str | None:
    """The browser's path where it and Playwright are usable, else None (see
    :func:`chromium_unavailable_reason`)."""
    return _probe()[0]


def chromium_unavailable_reason() -> str | None:
    """Why :func:`chromium_available` is None; None where the browser is available."""
    path, reason = _probe()
    return None if path else reason


def browser_required() -> bool:
    """True where a missing browser must fail the tests rather than skip them (CI)."""
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0")


def require_chromium() -> str:
    """The browser's path; else skips the calling test, or fails it where a browser is required
    (``CI_REQUIRE_BROWSER=1``, as in CI)."""
    import pytest

    path, reason = _probe()
    if path is not None:
        return path
    if browser_required():
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def screenshot_dir() -> Path:
    """Where screenshots for people go (created): ``$ADHERE_SCREENSHOTS``, else
    ``<repo>/build/screenshots``."""
    configured = os.environ.get(SCREENSHOTS_ENV)
    folder = Path(configured) if configured else REPO / "build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------------------------------------
# Processes (Linux /proc): what to kill when closing.


def _proc_stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time in clock ticks) of a live process, or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()
    if not fields or fields[0] in ("Z", "X"):  # a zombie is already dead
        return None
    return int(fields[1]), int(fields[19])


def _proc_cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _all_pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def _descendants(root: int) -> set[tuple[int, int]]:
    """(pid, start time) of every live process below ``root``."""
    children: dict[int, list[tuple[int, int]]] = {}
    for pid in _all_pids():
        stat = _proc_stat(pid)
        if stat is not None:
            children.setdefault(stat[0], []).append((pid, stat[1]))
    found: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child[0])
    return found


def _kill(processes: set[tuple[int, int]]) -> None:
    """SIGKILL each (pid, start time) still alive; the start time guards against reused ids."""
    for pid, started in processes:
        stat = _proc_stat(pid)
        if stat is not None and stat[1] == started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------
# Sessions


@dataclass
class PageSession:
    """One opened page and everything it did; see the module docstring."""

    page: Page
    url: str
    browser: Chromium
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed_requests: list[tuple[str, str]] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    # Seconds from navigation start to the end of the load event, and to the first paint (None
    # if nothing was painted within PAINT_WAIT_S of the load event), both from the page's own
    # Performance API; open_seconds is the wall time of the whole opening as seen from Python.
    load_seconds: float = math.nan
    dom_content_loaded_seconds: float = math.nan
    first_paint_seconds: float | None = None
    open_seconds: float = math.nan

    @property
    def launch_seconds(self) -> float:
        """How long starting the browser took (shared by every page it opened)."""
        return self.browser.launch_seconds

    @property
    def ready_seconds(self) -> float:
        """Navigation start to loaded and painted: the later of load and first paint."""
        return max(self.load_seconds, self.first_paint_seconds or 0.0)

    @property
    def console_errors(self) -> list[str]:
        """Texts of the console messages of type ``error``."""
        return [text for kind, text in self.console if kind == "error"]

    @property
    def other_requests(self) -> list[str]:
        """Requests for anything but the opened file itself."""
        return [url for url in self.requests if url != self.url]

    def problems(self) -> list[str]:
        """Page errors, console errors and failed requests, one line each (empty: clean)."""
        return (
            [f"page error: {e}" for e in self.errors]
            + [f"console error: {t}" for t in self.console_errors]
            + [f"request failed: {u} ({why})" for u, why in self.failed_requests]
        )

    def settle(self) -> None:
        """Wait one animation frame, then let every event the page sent so far be recorded."""
        self.page.evaluate("() => new Promise((resolve) => requestAnimationFrame(resolve))")
        self.page.evaluate("0")

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        """Write a PNG of the viewport (or the whole page) to ``path``; returns ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=full_page, type="png")
        return path

    # Recorders (Playwright calls them from its event dispatch, in order).

    def _on_console(self, message: ConsoleMessage) -> None:
        self.console.append((message.type, message.text))

    def _on_page_error(self, error: PlaywrightError) -> None:
        self.errors.append(f"{error.name}: {error.message}" if error.name else error.message)

    def _on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _on_request_failed(self, request: Request) -> None:
        self.failed_requests.append((request.url, request.failure or "failed"))

    def _on_websocket(self, websocket: WebSocket) -> None:
        self.requests.append(websocket.url)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):
            dialog.dismiss()


class Chromium:
    """A running headless Chromium (from :func:`launch_chromium`); ``open`` pages with it."""

    def __init__(
        self,
        playwright: Playwright,
        browser: Browser,
        launch_seconds: float,
        before: set[tuple[int, int]],
        home: str,
    ) -> None:
        self.playwright = playwright
        self.browser = browser
        self.launch_seconds = launch_seconds
        self.version = browser.version
        self._before = before
        # The browser's temporary HOME (removed on closing).
        self.home = home

    def process_ids(self) -> set[int]:
        """Ids of the processes this launch started (Playwright's driver, the browser, its
        helpers): all of them are gone once :func:`launch_chromium` has returned."""
        return {pid for pid, _ in _ours(self._before, self.home)}

    @contextmanager
    def open(
        self,
        path: Path,
        *,
        viewport: tuple[int, int] = VIEWPORT,
        timeout_s: float = 60.0,
        paint_wait_s: float = PAINT_WAIT_S,
    ) -> Iterator[PageSession]:
        """Open ``path`` (a local file) in a fresh context, wait for its load event and first
        paint, and yield the session; the context is closed afterwards."""
        url = Path(path).resolve().as_uri()
        context = self.browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            device_scale_factor=1,
            service_workers="block",
            accept_downloads=False,
        )
        try:
            context.set_default_timeout(timeout_s * 1000)
            page = context.new_page()
            session = PageSession(page=page, url=url, browser=self)
            page.on("console", session._on_console)
            page.on("pageerror", session._on_page_error)
            page.on("request", session._on_request)
            page.on("requestfailed", session._on_request_failed)
            page.on("websocket", session._on_websocket)
            page.on("dialog", session._on_dialog)
            started = time.perf_counter()
            page.goto(url, wait_until="load", timeout=timeout_s * 1000)
            timings: dict[str, Any] = page.evaluate(_TIMINGS_JS, paint_wait_s * 1000)
            session.open_seconds = time.perf_counter() - started
            session.load_seconds = _seconds(timings.get("load"))
            session.dom_content_loaded_seconds = _seconds(timings.get("domContentLoaded"))
            paint = timings.get("firstPaint")
            session.first_paint_seconds = None if paint is None else float(paint) / 1000
            yield session
        finally:
            with contextlib.suppress(Exception):
                context.close()


def _seconds(milliseconds: Any) -> float:
    return math.nan if milliseconds is None else float(milliseconds) / 1000


@contextmanager
def launch_chromium(executable: str | None = None) -> Iterator[Chromium]:
    """Start headless Chromium with no outside network; yields a :class:`Chromium`. On leaving,
    the browser and every process it started end, whatever happened inside.

    Playwright's sync API runs one instance per thread: inside this block, open pages with the
    yielded object (or :func:`open_report`, which uses it), and do not launch another."""
    if getattr(_active, "chromium", None) is not None:
        raise RuntimeError("a Chromium is already running in this thread; open pages with it")
    if executable is None:
        executable = require_chromium()
    from playwright.sync_api import sync_playwright

    # Our own earlier processes are not ours to kill; only what appears below us from here on.
    before = _descendants(os.getpid())
    home = tempfile.mkdtemp(prefix="adhere-chromium-")
    # The proxy: a bound port that is not listening, so every connection to it is refused.
    refuser = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    playwright: Playwright | None = None
    browser: Browser | None = None
    try:
        refuser.bind(("127.0.0.1", 0))
        proxy_port = refuser.getsockname()[1]
        env: dict[str, str | float | bool] = {
            **os.environ,
            "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, "config"),
            "XDG_CACHE_HOME": os.path.join(home, "cache"),
            "XDG_DATA_HOME": os.path.join(home, "data"),
        }
        started = time.perf_counter()
        try:
            playwright = sync_playwright().start()
        except Exception as error:
            raise RuntimeError(
                f"Playwright's driver did not start ({error}); its bundled node needs libatomic1"
                " (apt-get install libatomic1)"
            ) from error
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[*BASE_ARGS, f"--proxy-server=127.0.0.1:{proxy_port}"],
            env=env,
            timeout=60_000,
        )
        chromium = Chromium(playwright, browser, time.perf_counter() - started, before, home)
        _active.chromium = chromium
        yield chromium
    finally:
        _active.chromium = None
        _shut_down(playwright, browser, before, home)
        refuser.close()
        shutil.rmtree(home, ignore_errors=True)


def _ours(before: set[tuple[int, int]], home: str) -> set[tuple[int, int]]:
    """Processes this launch started: new ones below us that are the Playwright driver or the
    browser and its children, and those that left our tree but name our temporary home (the
    crash handlers, which detach)."""
    found = {
        process
        for process in _descendants(os.getpid()) - before
        if _is_browser_side(_proc_cmdline(process[0]))
    }
    for pid in _all_pids():
        if home in _proc_cmdline(pid):
            stat = _proc_stat(pid)
            if stat is not None:
                found.add((pid, stat[1]))
    return found


def _is_browser_side(cmdline: str) -> bool:
    return "run-driver" in cmdline or "chrom" in cmdline.lower()


def _shut_down(
    playwright: Playwright | None,
    browser: Browser | None,
    before: set[tuple[int, int]],
    home: str,
) -> None:
    """Close the browser and Playwright; kill what is left (at once if closing hangs)."""
    processes = _ours(before, home)
    watchdog = threading.Timer(CLOSE_GRACE_S, _kill, args=(processes,))
    watchdog.daemon = True
    watchdog.start()
    try:
        if browser is not None:
            with contextlib.suppress(Exception):
                browser.close()
        if playwright is not None:
            with contextlib.suppress(Exception):
                playwright.stop()
    finally:
        watchdog.cancel()
        _kill(processes | _ours(before, home))


@contextmanager
def open_report(
    path: Path,
    *,
    viewport: tuple[int, int] = VIEWPORT,
    timeout_s: float = 60.0,
    paint_wait_s: float = PAINT_WAIT_S,
) -> Iterator[PageSession]:
    """Open the report at ``path`` and yield its :class:`PageSession`: in the Chromium already
    running in this thread (a fixture's :func:`launch_chromium`) if there is one, closing only
    the page's context afterwards; else in a browser launched for it, gone afterwards."""
    running: Chromium | None = getattr(_active, "chromium", None)
    if running is not None:
        with running.open(
            path, viewport=viewport, timeout_s=timeout_s, paint_wait_s=paint_wait_s
        ) as session:
            yield session
        return
    with (
        launch_chromium() as chromium,
        chromium.open(path, viewport=viewport, timeout_s=timeout_s, paint_wait_s=paint_wait_s) as s,
    ):
        yield s
