"""``read_jsonl``: what counts as a line, a blank line and a malformed one, and the line numbers
in its errors, for line ends and characters that a faster path could get wrong."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from adhere.core.errors import InputError
from adhere.suites.jsonl import read_jsonl


def oracle(path: Path) -> list[tuple[int, Any]] | str:
    """The rule, spelled out plainly: the lines as text mode reads them (``\\n``, ``\\r\\n`` and
    ``\\r`` end a line, nothing else does), blank ones skipped, each other one parsed whole by
    ``json.loads``; the first problem is the error."""
    out: list[tuple[int, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                return f"{path}:{number}: malformed JSON at column {error.colno}: {error.msg}"
            if not isinstance(value, dict):
                return f"{path}:{number}: expected a JSON object, found {type(value).__name__}"
            out.append((number, value))
    return out


def read(path: Path) -> list[tuple[int, Any]] | str:
    try:
        return list(read_jsonl(path))
    except InputError as error:
        return str(error)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_crlf_and_cr_line_ends_count_lines_as_text_mode_does(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": 1}\r\n{"a": 2}\r{"a": 3}\n\r\n{"a": 4}')
    assert read(path) == [(1, {"a": 1}), (2, {"a": 2}), (3, {"a": 3}), (5, {"a": 4})]
    bad = write(tmp_path, '{"a": 1}\r{"a": 2}\r\r{"a": \r{"a": 4}\r')
    # (json counts the column after the line end that the value is missing at)
    assert read(bad) == f"{bad}:4: malformed JSON at column 1: Expecting value"


def test_unicode_line_separators_inside_a_string_do_not_end_the_line(tmp_path: Path) -> None:
    text = "one\u2028two\u2029three\x85four\x0bfive\x0csix\x1cseven"
    path = write(tmp_path, json.dumps({"t": text}, ensure_ascii=False) + "\n" + '{"n": 2}\n')
    assert read(path) == [(1, {"t": text}), (2, {"n": 2})]
    # outside a string they are neither whitespace to JSON nor line ends
    outside = write(tmp_path, '{"a": 1}\u2028\n{"a": 2}\n')
    assert read(outside) == f"{outside}:1: malformed JSON at column 9: Extra data"


def test_blank_lines_are_skipped_and_still_counted(tmp_path: Path) -> None:
    path = write(tmp_path, '\n   \n\t\n\u3000\x0c\n{"a": 1}\n\n{"a": 2}\n \n')
    assert read(path) == [(5, {"a": 1}), (7, {"a": 2})]


def test_a_malformed_line_in_the_middle_is_named_by_its_number(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": 1}\n{"a": 2}\n\n{"a": 3,}\n{"a": 4}\n')
    assert read(path) == (
        f"{path}:4: malformed JSON at column 9: Expecting property name enclosed in double quotes"
    )


def test_a_utf8_bom_is_malformed_json_on_line_1(tmp_path: Path) -> None:
    path = write(tmp_path, '\ufeff{"a": 1}\n')
    assert read(path) == (
        f"{path}:1: malformed JSON at column 1: Unexpected UTF-8 BOM (decode using utf-8-sig)"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('  {"a": 1}', [(1, {"a": 1})]),  # outer JSON whitespace is fine
        ('{"a": 1}  \t', [(1, {"a": 1})]),
        ('{"a": 1}', [(1, {"a": 1})]),  # no line end on the last line
        ('{"a": 1} x', "malformed JSON at column 10: Extra data"),
        ('{"a": 1}{"b": 2}', "malformed JSON at column 9: Extra data"),
        ("[1, 2]", "expected a JSON object, found list"),
        ("NaN", "expected a JSON object, found float"),
        ('"text"', "expected a JSON object, found str"),
        ('{"a": "\x01"}', "malformed JSON at column 8: Invalid control character at"),
        ("{", "malformed JSON at column 2: Expecting property name enclosed in double quotes"),
    ],
)
def test_lines_with_something_around_or_after_the_value(
    tmp_path: Path, line: str, expected: list[tuple[int, Any]] | str
) -> None:
    path = write(tmp_path, line)
    assert read(path) == (expected if isinstance(expected, list) else f"{path}:1: {expected}")


def test_invalid_utf8_is_reported_without_a_line(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": "\xff"}\n')
    assert read(path) == f"{path}: not UTF-8 text: invalid start byte"


def test_random_files_read_as_the_plain_rule_reads_them(tmp_path: Path) -> None:
    """Lines made of pieces that sit on either side of the fast path's conditions."""
    pieces = [
        '{"a": 1}',
        '{"s": "x\u2028y"}',
        '{"n": [1, {"b": null}]}',
        " ",
        "\t",
        "\u3000",
        "\ufeff",
        "[]",
        "7",
        "{",
        "}",
        ",",
        "x",
        '"',
        "\\",
        "\n",
        "\r",
        "\r\n",
        "\u2028",
        "\x85",
    ]
    rng = random.Random(1)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))
        path = write(tmp_path, text)
        assert read(path) == oracle(path), repr(text)
