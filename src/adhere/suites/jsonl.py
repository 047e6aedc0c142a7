"""Reading JSON Lines files with errors that name the file, the line and what was wrong."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from adhere.core.errors import InputError
from adhere.core.types import StrPath

# The scanner behind ``json.loads`` (a decoder with the default settings, as ``json.loads``
# uses), called directly on each line: for a line that is exactly one JSON value and its line
# end, it returns what ``json.loads`` returns, without the three Python-level calls around it
# (~1 ms of IFEval's 1082 lines). Every other line goes through ``json.loads`` itself.
# (``JSONDecoder.__init__`` sets ``scan_once``; the type stubs do not declare it.)
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def read_jsonl(path: StrPath) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line_number, object)`` for each non-blank line of ``path``.

    Raises :class:`InputError` naming the file and line for unreadable files, malformed JSON and
    lines that are not JSON objects.
    """
    name = str(path)
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or error}", path=name) from None
    scan = _scan
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                # Fast path: the line starts with a value that ends where the line does (text
                # mode has turned "\r\n" and "\r" into "\n"). A line that does not (blank,
                # indented, a BOM, trailing text or spaces, malformed) takes the general path.
                try:
                    value, end = scan(line, 0)
                except (StopIteration, ValueError):
                    end = -1
                if end < 0 or (end != len(line) and line[end:] != "\n"):
                    if not line.strip():
                        continue
                    try:
                        value = json.loads(line)
                    except json.JSONDecodeError as error:
                        raise InputError(
                            f"malformed JSON at column {error.colno}: {error.msg}",
                            path=name,
                            line=number,
                        ) from None
                if not isinstance(value, dict):
                    raise InputError(
                        f"expected a JSON object, found {type(value).__name__}",
                        path=name,
                        line=number,
                    )
                yield number, value
        except UnicodeDecodeError as error:
            raise InputError(f"not UTF-8 text: {error.reason}", path=name) from None
