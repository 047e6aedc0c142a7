"""Errors that carry where the problem is and what was expected versus found."""

from __future__ import annotations


class AdhereError(Exception):
    """Base class of every error adhere raises on purpose."""


class InputError(AdhereError):
    """Bad user input: names the file, line, field, what was expected and what was found."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.detail = message
        where = []
        if path is not None:
            where.append(path if line is None else f"{path}:{line}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class UnknownConstraintError(InputError):
    """A constraint id that no registered constraint has."""

    def __init__(self, constraint_id: str, suggestions: list[str], **where: object) -> None:
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        self.constraint_id = constraint_id
        self.suggestions = suggestions
        super().__init__(
            f"unknown constraint id {constraint_id!r}{hint} (`adhere list constraints` shows all)",
            **where,  # type: ignore[arg-type]
        )


class ParamError(InputError):
    """A constraint parameter that is missing, unknown, or of the wrong type or value."""
