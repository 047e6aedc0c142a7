"""The HTML report of two real stored runs, opened in headless Chromium with no network.

The page must load with no console error and no request but its own file; its plots must be
there; the failure filters and the search must show exactly the failures they should; flipped
samples open side by side; markup in model output (and in a prompt) is shown as text and never
runs. Screenshots are written to ``build/screenshots`` (or ``$ADHERE_SCREENSHOTS``) for people to
look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adhere.report import Report, write_report
from tests.report.conftest import PAYLOADS, XSS_MARKER, StoredRuns
from tests.support.browser import PageSession, open_report, require_chromium, screenshot_dir


def _failures(report: Report, mode: str, predicate: object = None) -> list[tuple[int, str]]:
    """(run, key) of every record that fails in ``mode`` and has a failed id matching."""
    out = []
    for index, run in enumerate(report.runs):
        for record in run.records:
            failed = [
                cid for cid, ok in zip(record.ids, record.followed(mode), strict=True) if not ok
            ]
            if failed and (predicate is None or any(predicate(c) for c in failed)):  # type: ignore[operator]
                out.append((index, record.key))
    return out


def _count_text(session: PageSession) -> str:
    return session.page.locator("#f-count").inner_text()


def _show_all(session: PageSession) -> None:
    more = session.page.locator("#f-more")
    while more.is_visible():
        more.click()


def _shown_keys(session: PageSession) -> list[str]:
    return session.page.locator("article.failure header .key").all_inner_texts()


@pytest.fixture(scope="module")
def report_file(
    stored_runs: StoredRuns, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Report]:
    require_chromium()
    out = tmp_path_factory.mktemp("html") / "report.html"
    report = write_report(
        [stored_runs.run_a, stored_runs.run_b], str(out), "html", str(stored_runs.workspace)
    )
    return out, report


def test_report_loads_clean_offline_with_its_plots(report_file: tuple[Path, Report]) -> None:
    path, _ = report_file
    with open_report(path) as session:
        session.page.wait_for_selector("body[data-ready='1']")
        session.settle()
        assert session.problems() == []
        assert session.console_errors == [] and session.errors == []
        assert session.other_requests == []
        assert session.requests == [session.url]
        plots = session.page.locator("svg.plot")
        # overview, families and constraints (strict and loose), lengths, one difference plot
        assert plots.count() == 7
        box = plots.first.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
        labels = plots.evaluate_all("ps => ps.map(p => p.getAttribute('aria-label'))")
        assert "accuracy overview with 95 % intervals" in labels
        assert "strict accuracy per constraint with 95 % intervals" in labels
        # the plot text is text: the families are readable in the SVG
        assert "punctuation" in (plots.nth(1).text_content() or "")
        session.screenshot(screenshot_dir() / "report-overview.png")
        session.page.locator("#comparison").scroll_into_view_if_needed()
        session.screenshot(screenshot_dir() / "report-comparison.png")


def test_failure_filters_and_search(report_file: tuple[Path, Report]) -> None:
    path, report = report_file
    strict = _failures(report, "strict")
    with open_report(path) as session:
        page = session.page
        page.wait_for_selector("body[data-ready='1']")
        assert _count_text(session) == f"{len(strict)} of {len(strict)} failed samples (strict)"
        assert page.locator("article.failure").count() == min(50, len(strict))
        # a family
        page.select_option("#f-family", "punctuation")
        expected = _failures(report, "strict", lambda c: c.startswith("punctuation:"))
        assert 0 < len(expected) < len(strict)
        assert _count_text(session).startswith(f"{len(expected)} of {len(strict)} ")
        _show_all(session)
        assert sorted(_shown_keys(session)) == sorted(k for _, k in expected)
        chips = page.locator("article.failure .chip").all_inner_texts()
        assert set(chips) == {"punctuation:no_comma"}
        # a constraint id, with the family cleared
        page.select_option("#f-family", "")
        page.select_option("#f-id", "detectable_format:number_bullet_lists")
        expected = _failures(report, "strict", lambda c: c.endswith("number_bullet_lists"))
        _show_all(session)
        assert sorted(_shown_keys(session)) == sorted(k for _, k in expected)
        # one run only
        page.select_option("#f-id", "")
        page.select_option("#f-run", "1")
        only_b = [k for run, k in strict if run == 1]
        _show_all(session)
        assert sorted(_shown_keys(session)) == sorted(only_b)
        # search (key, prompt, response and evidence), debounced
        page.select_option("#f-run", "all")
        page.fill("#f-search", "commas")
        expected_search = [
            (i, r.key)
            for i, run in enumerate(report.runs)
            for r in run.records
            if not r.all_followed("strict")
            and any("commas" in e.lower() for _, e in (*r.strict, *r.loose))
        ]
        page.wait_for_function(
            "n => document.getElementById('f-count').textContent.startsWith(n + ' of ')",
            arg=len(expected_search),
        )
        _show_all(session)
        assert sorted(_shown_keys(session)) == sorted(k for _, k in expected_search)
        page.fill("#f-search", "no such text anywhere")
        page.wait_for_function(
            "() => document.getElementById('f-count').textContent.startsWith('0 of ')"
        )
        assert page.locator("article.failure").count() == 0
        session.settle()
        assert session.problems() == []


def test_markup_in_model_output_is_text_and_never_runs(report_file: tuple[Path, Report]) -> None:
    path, _ = report_file
    with open_report(path) as session:
        page = session.page
        page.wait_for_selector("body[data-ready='1']")
        _show_all(session)
        for details in page.locator("article.failure details").all():
            details.evaluate("d => { d.open = true; }")
        session.settle()
        assert page.evaluate(f"() => window.{XSS_MARKER}") is None
        assert session.dialogs == []
        assert session.other_requests == []  # <img src=x> never became an image
        assert page.locator("article.failure img, article.failure script").count() == 0
        shown = "\n".join(page.locator("pre.response").all_inner_texts())
        for payload in PAYLOADS:
            assert payload in shown
        prompts = "\n".join(page.locator("pre.prompt").all_inner_texts())
        assert PAYLOADS[0] in prompts
        # links in responses are not links
        assert page.locator("main a[href^='javascript']").count() == 0
        session.page.locator("#failures").scroll_into_view_if_needed()
        session.screenshot(screenshot_dir() / "report-failures.png")
        assert session.problems() == []


def test_flipped_samples_open_side_by_side(report_file: tuple[Path, Report]) -> None:
    path, report = report_file
    (comparison,) = report.comparisons
    strict_flips = [f for f in comparison.flips if f.mode == "strict"]
    with open_report(path) as session:
        page = session.page
        page.wait_for_selector("body[data-ready='1']")
        rows = page.locator(".fliplist button[data-uid]")
        assert rows.count() == len(comparison.flips)
        first = strict_flips[0]
        rows.first.click()
        pair = page.locator(".pair")
        assert pair.is_visible()
        columns = pair.locator(".side > div")
        assert columns.count() == 2
        a = next(r for r in report.runs[0].records if r.uid == first.uid)
        b = next(r for r in report.runs[1].records if r.uid == first.uid)
        texts = columns.locator("pre.response").all_inner_texts()
        assert texts == [a.response, b.response]
        headings = columns.locator("h4").all_inner_texts()
        assert headings[0].startswith(report.runs[0].name)
        assert ("all followed" in headings[1]) == first.other
        pair.scroll_into_view_if_needed()
        session.screenshot(screenshot_dir() / "report-flip.png")
        session.settle()
        assert session.problems() == []
