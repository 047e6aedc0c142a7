"""The HTML report: one self-contained file that opens offline.

Safety and self-containment:

- every piece of text that comes from a run (prompts, responses, evidence, model and suite
  names, settings) is either escaped here with :func:`html.escape`, or carried in one data
  block (gzip-compressed JSON in base64, an inert ``<script>`` type that no browser runs, and
  whose alphabet cannot close the element) and put on the page by the report's script as text
  nodes, never as markup;
- a Content-Security-Policy forbids every network request (``default-src 'none'``) and runs
  only the report's own script (pinned by its SHA-256), so even markup that slipped through
  could neither run a script nor load anything;
- plots are inline SVG drawn by matplotlib (:mod:`adhere.report.plots`); the styles and the
  script are inlined; no fonts are loaded (the system's sans-serif is used).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections.abc import Sequence
from html import escape
from importlib import resources
from typing import Any

from adhere.core.version import __version__
from adhere.report import plots
from adhere.report.compare import Comparison, shared_count_note
from adhere.report.markdown import RUN_HEADER
from adhere.report.runs import Record, ScoredRun
from adhere.report.summary import (
    COMPARISON_HEADER,
    GROUP_HEADER,
    comparison_rows,
    group_rows,
    headline_rows,
    probe_rows,
)


def _asset(name: str) -> str:
    return resources.files("adhere.report").joinpath("assets", name).read_text(encoding="utf-8")


def packed_data(data: Any) -> str:
    """The page's data as gzip-compressed JSON in base64 (the report's script unpacks it with
    the browser's own DecompressionStream). Model responses make up most of a report, and
    compress three- to fivefold; base64 has no character that could end the element it sits in.
    ``mtime=0`` keeps the bytes the same for the same data. A lone surrogate in a response
    is written as its JSON escape (the same string once parsed) rather than failing."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    packed = gzip.compress(text.encode("utf-8", "backslashreplace"), compresslevel=6, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def unpack_data(text: str) -> Any:
    """The inverse of :func:`packed_data` (for tests and tools that read a report's data)."""
    return json.loads(gzip.decompress(base64.b64decode(text)).decode("utf-8"))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _words(text: str) -> int:
    return len(text.split())


def _wanted(runs: Sequence[ScoredRun], comparisons: Sequence[Comparison]) -> list[set[str]]:
    """Per run, the uids whose record the page needs: failures, and both sides of flips."""
    wanted = [
        {r.uid for r in run.records if not (r.all_followed("strict") and r.all_followed("loose"))}
        for run in runs
    ]
    names = [run.name for run in runs]
    for comparison in comparisons:
        a, b = names.index(comparison.baseline), names.index(comparison.other)
        for flip in comparison.flips:
            wanted[a].add(flip.uid)
            wanted[b].add(flip.uid)
    return wanted


def _record_data(record: Record) -> dict[str, Any]:
    return {
        "response": record.response,
        "none": record.no_response,
        "finish": record.finish_reason,
        "strict": [[p, e] for p, e in record.strict],
        "loose": [[p, e] for p, e in record.loose],
    }


def page_data(runs: Sequence[ScoredRun], comparisons: Sequence[Comparison]) -> dict[str, Any]:
    """What the page's script works from: records that failed or flipped, and the flips."""
    wanted = _wanted(runs, comparisons)
    samples: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for run, uids in zip(runs, wanted, strict=True):
        chosen: dict[str, Any] = {}
        for record in run.records:
            if record.uid not in uids:
                continue
            chosen[record.uid] = _record_data(record)
            samples.setdefault(
                record.uid, {"key": record.key, "prompt": record.prompt, "ids": list(record.ids)}
            )
        results.append(chosen)
    names = [run.name for run in runs]
    return {
        "runs": names,
        "samples": samples,
        "results": results,
        "comparisons": [
            {
                "baseline": names.index(c.baseline),
                "other": names.index(c.other),
                "flips": [[f.uid, f.mode, f.baseline, f.other] for f in c.flips],
            }
            for c in comparisons
        ],
    }


def _settings(run: ScoredRun) -> str:
    rows: list[tuple[str, str]] = [("run", run.run_id), ("suite", run.suite)]
    if run.model:
        rows.append(("model", run.model))
    spec = run.spec
    for name, value in sorted(spec.get("config", {}).items()):
        if value is not None:
            rows.append((f"generation: {name}", json.dumps(value, ensure_ascii=False)))
    backend = spec.get("backend")
    if backend:
        rows.append(("backend", json.dumps(backend, ensure_ascii=False, sort_keys=True)))
    summary = run.summary
    rows.append(("verdict rules", str(summary.get("compat", "reference"))))
    rows.append(("scored by", f"adhere {summary.get('adhere_version', '?')}"))
    if spec.get("adhere_version"):
        rows.append(("generated by", f"adhere {spec['adhere_version']}"))
    rows.append(("folder", run.folder))
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return (
        f"<details><summary>{escape(run.name)}: settings</summary>"
        f"<table class=kv>{body}</table></details>"
    )


def _notes(run: ScoredRun) -> str:
    summary = run.summary
    notes = []
    counts = (
        ("no_response", "prompt(s) had no response (scored as failed)"),
        ("empty_response", "empty response(s)"),
        ("unterminated_reasoning", "response(s) whose reasoning never closed (failed)"),
        ("undecided", "verdict(s) undecided (counted as not followed)"),
    )
    for field, text in counts:
        count = summary.get(field, {}).get("count", 0)
        if count:
            notes.append(f"{count} {text}")
    truncated = sum(1 for r in run.records if r.finish_reason == "length")
    if truncated:
        notes.append(f"{truncated} response(s) cut at the token limit")
    if not notes:
        return ""
    return f"<p class=note><b>{escape(run.name)}</b>: " + escape("; ".join(notes)) + "</p>"


def _overview(runs: Sequence[ScoredRun]) -> str:
    summaries = [run.summary for run in runs]
    names = [run.name for run in runs]
    parts = [
        '<section id="overview"><h2>Overview</h2>',
        _table(RUN_HEADER, headline_rows(runs), "numbers"),
        "<p class=hint>Accuracy [95 % interval]. Prompt level: every instruction of the prompt "
        "followed (Wilson interval). Instruction level: followed / all instructions (Wilson on a "
        "sample size discounted for instructions of one prompt not being independent). Strict "
        "scores the response as it is; loose also accepts it with markdown, its first or its "
        "last line removed.</p>",
        *(_notes(run) for run in runs),
        *(_settings(run) for run in runs),
        plots.overview(names, summaries),
        "</section>",
    ]
    return "".join(parts)


def _breakdowns(runs: Sequence[ScoredRun]) -> str:
    names = [run.name for run in runs]
    summaries = [run.summary for run in runs]
    parts = []
    for table, title in (("families", "Per family"), ("constraints", "Per constraint")):
        parts.append(f'<section id="{table}"><h2>{title}</h2>')
        parts.append(plots.breakdown(names, summaries, table, "strict"))
        parts.append("<details><summary>loose</summary>")
        parts.append(plots.breakdown(names, summaries, table, "loose"))
        parts.append("</details></section>")
    return "".join(parts)


def _turns(runs: Sequence[ScoredRun]) -> str:
    multi = [run.summary.get("multi_turn") for run in runs]
    if not any(multi):
        return ""
    rows = []
    for run, data in zip(runs, multi, strict=True):
        if not data:
            continue
        for turn in sorted(data["turns"], key=int):
            t = data["turns"][turn]
            rows.append(
                [run.name, turn, str(t["responses"]), f"{t['average']:.4f}", f"{t['pif']:.4f}"]
            )
    table = _table(["run", "turn", "responses", "mean of the four", "PIF"], rows)
    return (
        '<section id="turns"><h2>Per turn</h2>'
        + plots.turns([run.name for run in runs], multi)
        + table
        + "</section>"
    )


def _lengths(runs: Sequence[ScoredRun]) -> str:
    counts = [[_words(r.response) for r in run.records if not r.no_response] for run in runs]
    rows = []
    for run, c in zip(runs, counts, strict=True):
        ordered = sorted(c)
        median = ordered[len(ordered) // 2] if ordered else 0
        mean = sum(ordered) / len(ordered) if ordered else 0.0
        rows.append(
            [run.name, str(len(ordered)), str(median), f"{mean:.1f}", str(max(ordered, default=0))]
        )
    return (
        '<section id="lengths"><h2>Response lengths</h2>'
        + plots.lengths([run.name for run in runs], counts)
        + _table(["run", "responses", "median words", "mean words", "longest"], rows)
        + "</section>"
    )


def _probe(run: ScoredRun) -> str:
    probe = run.probe
    if not probe:
        return ""
    rows = probe_rows(probe)
    by_title: dict[str, list[dict[str, Any]]] = {}
    for series in probe.get("series", []):
        by_title.setdefault(str(series.get("title")), []).append(series)
    charts = []
    for title, group in by_title.items():
        first = group[0]
        charts.append(
            plots.probe_chart(
                title,
                str(first.get("x", "")),
                str(first.get("y", "")),
                str(first.get("kind", "bar")),
                [(str(s.get("group", "")), s.get("points", [])) for s in group],
                salt=run.run_id,
            )
        )
    options = json.dumps(probe.get("options", {}), ensure_ascii=False, sort_keys=True)
    return (
        f"<h3>{escape(str(probe.get('probe')))} probe: {escape(run.name)}</h3>"
        f"<p class=hint>{escape(str(probe.get('summary', '')))} "
        f"<b>Metric</b>: {escape(str(probe.get('metric_help', '')))} Seed "
        f"{escape(str(probe.get('seed')))}, options {escape(options)}, "
        f"{escape(str(probe.get('variants')))} scored variants of suite "
        f"{escape(str(probe.get('suite')))}.</p>"
        + _table(["figure", "value [95 % CI]", "how"], rows, "numbers")
        + "".join(charts)
    )


def _probes(runs: Sequence[ScoredRun]) -> str:
    parts = [_probe(run) for run in runs if run.probe]
    if not parts:
        return ""
    return '<section id="probes"><h2>Probes</h2>' + "".join(parts) + "</section>"


def _group_table(comparison: Comparison, table: str, mode: str) -> str:
    rows = group_rows(comparison, table, mode)
    return _table(
        [table[:-1] if table != "families" else "family", *GROUP_HEADER[1:]], rows, "numbers"
    )


def _comparisons(comparisons: Sequence[Comparison]) -> str:
    if not comparisons:
        return ""
    parts = ['<section id="comparison"><h2>Comparison</h2>']
    for number, c in enumerate(comparisons):
        rows = [(name, d.diff, d.low, d.high) for name, d in c.modes["strict"].families.items()]
        parts.append(
            f"<h3>{escape(c.other)} <span class=vs>vs</span> {escape(c.baseline)}</h3>"
            f"<p class=hint>{escape(shared_count_note(c))}. Difference = other − baseline, with a "
            f"paired bootstrap 95 % interval ({c.resamples} resamples, seed {c.seed}); McNemar: "
            "exact two-sided test on the prompts fixed vs broken.</p>"
            + _table(COMPARISON_HEADER, comparison_rows(c), "numbers")
            + plots.differences(rows, "strict instruction-level difference per family")
            + "<details><summary>per family (strict)</summary>"
            + _group_table(c, "families", "strict")
            + "</details><details><summary>per constraint (strict)</summary>"
            + _group_table(c, "constraints", "strict")
            + "</details><details><summary>per family and constraint (loose)</summary>"
            + _group_table(c, "families", "loose")
            + _group_table(c, "constraints", "loose")
            + "</details>"
            + f'<div class="flips" data-comparison="{number}"></div>'
        )
    parts.append("</section>")
    return "".join(parts)


FAILURES = """<section id="failures"><h2>Failures</h2>
<div class="controls">
<label>run <select id="f-run"></select></label>
<label>mode <select id="f-mode"><option value="strict">strict</option>
<option value="loose">loose</option></select></label>
<label>family <select id="f-family"></select></label>
<label>constraint <select id="f-id"></select></label>
<label class="grow">search <input id="f-search" type="search"
 placeholder="key, prompt, response or evidence"></label>
</div>
<p id="f-count" class="hint"></p>
<div id="f-list"></div>
<button id="f-more" type="button" hidden>show more</button>
</section>"""


def render(
    runs: Sequence[ScoredRun], comparisons: Sequence[Comparison], notes: Sequence[str] = ()
) -> str:
    """The whole report page."""
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    policy = (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    names = ", ".join(run.name for run in runs)
    nav = [("overview", "Overview")]
    if any(run.probe for run in runs):
        nav.append(("probes", "Probes"))
    nav += [("families", "Families"), ("constraints", "Constraints")]
    if any(run.summary.get("multi_turn") for run in runs):
        nav.append(("turns", "Turns"))
    nav.append(("lengths", "Lengths"))
    if comparisons:
        nav.append(("comparison", "Comparison"))
    nav.append(("failures", "Failures"))
    links = "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in nav)
    return "".join(
        [
            "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>",
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
            '<meta name=viewport content="width=device-width, initial-scale=1">',
            f"<title>adhere report: {escape(names)}</title>",
            f"<style>{_asset('report.css')}</style></head><body>",
            f"<header><h1>adhere report</h1><p class=sub>{escape(names)} · adhere "
            f"{escape(__version__)}</p><nav>{links}</nav></header><main>",
            _overview(runs),
            "".join(f"<p class=note>{escape(note)}</p>" for note in notes),
            _probes(runs),
            _breakdowns(runs),
            _turns(runs),
            _lengths(runs),
            _comparisons(comparisons),
            FAILURES,
            "</main>",
            '<script type="application/x-adhere-data" id="report-data">',
            packed_data(page_data(runs, comparisons)),
            "</script>",
            f"<script>{script}</script>",
            "</body></html>\n",
        ]
    )
