"""Small helpers that turn a position in a text into words for evidence."""

from __future__ import annotations

_SNIPPET = 40


def line_of(text: str, index: int) -> int:
    """The 1-based line number of character ``index``."""
    return text.count("\n", 0, index) + 1


def quote(fragment: str, limit: int = _SNIPPET) -> str:
    """``fragment`` shortened to ``limit`` characters, newlines shown as ``⏎``, in quotes."""
    flat = fragment.replace("\r", "").replace("\n", "⏎")
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return repr(flat)


def at(text: str, start: int, end: int) -> str:
    """``line N: '…'`` for the span ``text[start:end]``, with a little context."""
    return f"line {line_of(text, start)}: {quote(text[start:end])}"


def around(text: str, index: int, width: int = 20) -> str:
    """``line N: '…'``: the text around ``index``."""
    lo = max(0, index - width)
    hi = min(len(text), index + width)
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    flat = (prefix + text[lo:hi] + suffix).replace("\n", "⏎")
    return f"line {line_of(text, index)}: {flat!r}"


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``1 word`` / ``3 words``."""
    return f"{n} {singular if n == 1 else (plural_form or singular + 's')}"
