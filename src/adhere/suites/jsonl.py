"""Reading JSON Lines files with errors that name the file, the line and what was wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from adhere.core.errors import InputError
from adhere.core.types import StrPath


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
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
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
