"""The verdict files ``adhere score`` writes: each line is assembled from pieces encoded in the
scoring processes, and must be exactly ``json.dumps`` of the line's record."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import adhere
from adhere.core.types import Message, Sample
from adhere.runner import scorefiles
from adhere.runner.scorefiles import LOOSE_FILE, STRICT_FILE, utf8
from adhere.scoring.evaluate import scored_text
from adhere.suites.ifeval_files import Item, load_combined
from adhere.text.reasoning import DEFAULT_TAGS

NO_COMMA = {"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}
ODD = [
    'quotes " and backslashes \\ and a tab\there',
    "line\nbreaks\r\nand \u2028 separators \u2029",
    "control \x00\x01\x1f characters",
    "non-ASCII: caf\u00e9, \u4e2d\u6587, \U0001f600 and a combining e\u0301",
    "a lone surrogate \ud800, and a low one \udfff",
    "<think>a trace, with commas</think>Then the answer",
    "<think>a trace that never closes",
    "",
]


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    # ensure_ascii keeps the lone surrogates as escapes in the input file, as a model server's
    # JSON would carry them
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _combined(tmp_path: Path) -> Path:
    rows: list[dict[str, Any]] = []
    for k, text in enumerate(ODD):
        rows.append({**NO_COMMA, "key": f"k{k}", "prompt": f"prompt {k}: {text}", "response": text})
    rows.append(
        {
            "key": 99,
            "prompt": "two constraints",
            "response": "ALL CAPITALS, AND A COMMA",
            "instruction_id_list": ["change_case:english_capital", "punctuation:no_comma"],
            "kwargs": [{}, {}],
        }
    )
    rows.append({**NO_COMMA, "key": 100, "prompt": "no answer", "response": None})
    return _write(tmp_path / "combined.jsonl", rows)


def _turns(tmp_path: Path) -> Path:
    conversation = {
        "key": "c1",
        "turns": [
            {"prompt": "first", **NO_COMMA, "response": "one \ud83d\ude00 two"},
            {
                "prompt": "second",
                "instruction_id_list": ["detectable_format:title"],
                "kwargs": [{}],
                "responses": ["<<Title>> fine", "no title, and a comma"],
            },
        ],
    }
    return _write(tmp_path / "turns.jsonl", [conversation])


def _expected(result: Any) -> bytes:
    answer = scored_text(result.response, DEFAULT_TAGS)[0]
    record = scorefiles._line(result, answer)
    return utf8(json.dumps(record, ensure_ascii=False) + "\n")


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("maker", [_combined, _turns])
def test_lines_are_json_dumps_of_the_record(tmp_path: Path, maker: Any, jobs: int) -> None:
    out = tmp_path / "out"
    result = adhere.score(maker(tmp_path), outdir=out, jobs=jobs)
    for name, results in ((STRICT_FILE, result.strict), (LOOSE_FILE, result.loose)):
        written = (out / name).read_bytes().splitlines(keepends=True)
        assert written == [_expected(r) for r in results]
        # every line is valid JSON that gives back the stored response, surrogates included
        for line, r in zip(written, results, strict=True):
            back = json.loads(line)
            assert back["response"] == (r.response or "")
            assert back["no_response"] is (r.response is None)


def test_lone_surrogates_are_written_as_escapes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    adhere.score(_combined(tmp_path), outdir=out)
    raw = (out / STRICT_FILE).read_bytes()
    raw.decode("utf-8")  # valid UTF-8 throughout
    assert b"a lone surrogate \\ud800, and a low one \\udfff" in raw
    assert "caf\u00e9".encode() in raw  # other characters stay readable


def test_utf8_is_plain_utf8_without_surrogates() -> None:
    text = "caf\u00e9 \U0001f600 \\u1234"
    assert utf8(text) == text.encode("utf-8")
    assert utf8("\ud800") == b"\\ud800"


def test_a_report_of_responses_with_lone_surrogates(tmp_path: Path) -> None:
    """The verdict files carry lone surrogates as escapes; the report reads them back and
    packs them into the page the same way."""
    from adhere.report.html import unpack_data

    out = tmp_path / "out"
    adhere.score(_combined(tmp_path), outdir=out)
    page = tmp_path / "report.html"
    adhere.write_report([out], page)
    html = page.read_text(encoding="utf-8")
    start = html.index('<script type="application/x-adhere-data"')
    packed = html[html.index(">", start) + 1 : html.index("</script>", start)].strip()
    assert "a lone surrogate \ud800, and a low one \udfff" in json.dumps(
        unpack_data(packed), ensure_ascii=False
    )


_FORKED = """
import sys
from adhere.runner import parallel
import adhere

parallel.MIN_ITEMS_PER_WORKER = 1
adhere.score(sys.argv[1], outdir=sys.argv[2], jobs=2)
"""


def test_lines_of_items_split_over_work_groups_and_processes(tmp_path: Path) -> None:
    """Items whose constraints fall in several work groups are scored as several tasks, which
    two processes share out; their lines are put together as one process writes them."""
    ids = ["change_case:english_capital", "punctuation:no_comma", "length_constraints:number_words"]
    kwargs = [{}, {}, {"num_words": 5, "relation": "at least"}]
    rows: list[dict[str, Any]] = []
    for k, text in enumerate(ODD * 4):
        picked = [(k + j) % 3 for j in range(1 + k % 3)]
        rows.append(
            {
                "key": f"k{k}",
                "prompt": f"prompt {k}",
                "response": text if k % 7 else None,
                "instruction_id_list": [ids[j] for j in picked],
                "kwargs": [kwargs[j] for j in picked],
            }
        )
    path = _write(tmp_path / "split.jsonl", rows)
    subprocess.run(
        [sys.executable, "-c", _FORKED, str(path), str(tmp_path / "two")],
        check=True,
        capture_output=True,
    )
    result = adhere.score(path, outdir=tmp_path / "one", jobs=1)
    for name, results in ((STRICT_FILE, result.strict), (LOOSE_FILE, result.loose)):
        one = (tmp_path / "one" / name).read_bytes()
        assert (tmp_path / "two" / name).read_bytes() == one
        assert one.splitlines(keepends=True) == [_expected(r) for r in results]
    summary = "summary.json"
    assert (tmp_path / "two" / summary).read_bytes() == (tmp_path / "one" / summary).read_bytes()


def test_an_item_without_constraints(tmp_path: Path) -> None:
    """``score_items`` takes items the file loaders would refuse: one without constraints gets
    a line with empty lists, and counts in no rate."""
    sample = Sample("s1", "t", (Message("user", "a prompt"),), (), {"key": 7})
    with_one = load_combined(_combined(tmp_path))[:1]
    result = scorefiles.score_items([Item(sample, (), "an answer"), *with_one], tmp_path / "out")
    written = (tmp_path / "out" / STRICT_FILE).read_bytes().splitlines(keepends=True)
    assert written == [_expected(r) for r in result.strict]
    assert json.loads(written[0])["verdicts"] == []
    assert result.strict[0].verdicts == ()
    assert result.summary["strict"]["prompt_level"]["total"] == 1
