"""The frozen data types every layer shares.

All of them are JSON-serialisable through ``to_dict``; none holds behaviour beyond that.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

from adhere.core.frozen import frozen

StrPath = str | os.PathLike[str]
"""A file or folder path: a string or anything ``os.fspath`` accepts (``pathlib.Path``)."""

Mode = Literal["strict", "loose"]
"""How a response is checked: ``strict`` on the text as given, ``loose`` on any of its variants."""

JSONValue = Any


EMPTY: Mapping[str, JSONValue] = MappingProxyType({})


def _frozen(params: Mapping[str, JSONValue]) -> Mapping[str, JSONValue]:
    return MappingProxyType(dict(params))


def family_of(constraint_id: str) -> str:
    """A constraint id's family: the part before the colon (``keywords`` for
    ``keywords:existence``)."""
    return constraint_id.split(":", 1)[0]


@frozen
class ConstraintSpec:
    """A constraint as found in data files.

    Fields:
        id: the ``family:name`` id, e.g. ``"length_constraints:number_words"``.
        params: the keyword arguments, e.g. ``{"relation": "at least", "num_words": 300}``.
    """

    id: str
    params: Mapping[str, JSONValue] = EMPTY

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))

    @property
    def family(self) -> str:
        """The part of the id before the colon (``keywords`` for ``keywords:existence``)."""
        return family_of(self.id)

    def to_dict(self) -> dict[str, JSONValue]:
        return {"id": self.id, "params": dict(self.params)}


@frozen
class Verdict:
    """The outcome of checking one constraint against one response.

    Fields:
        constraint_id: the id of the constraint that was checked.
        passed: True or False, or None where the check could not decide.
        evidence: why, in words a person understands ("312 words; needs at least 300").
        mode: ``strict`` or ``loose``.
    """

    constraint_id: str
    passed: bool | None
    evidence: str
    mode: Mode = "strict"

    @property
    def followed(self) -> bool:
        """The boolean the references report: an undecided verdict counts as not followed."""
        return self.passed is True

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "constraint_id": self.constraint_id,
            "passed": self.passed,
            "evidence": self.evidence,
            "mode": self.mode,
        }


@frozen
class Message:
    """One chat message. Fields: role (``system``, ``user``, ``assistant``) and content."""

    role: str
    content: str

    def to_dict(self) -> dict[str, JSONValue]:
        return {"role": self.role, "content": self.content}


@frozen
class Sample:
    """One benchmark item.

    Fields:
        id: unique within its suite (IFEval's ``key``, as a string).
        suite: the name of the suite it came from.
        messages: the conversation sent to the model (one user message for IFEval).
        constraints: the constraints the response must follow, in file order.
        metadata: anything else the source carried.
        parent_id: the id of the sample this one was derived from (probes, synthesis), or None.
    """

    id: str
    suite: str
    messages: tuple[Message, ...]
    constraints: tuple[ConstraintSpec, ...]
    metadata: Mapping[str, JSONValue] = EMPTY
    parent_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "metadata", _frozen(self.metadata))

    @property
    def prompt(self) -> str:
        """The content of the last user message (the whole prompt for single-turn suites)."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return ""

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "suite": self.suite,
            "messages": [m.to_dict() for m in self.messages],
            "constraints": [c.to_dict() for c in self.constraints],
            "metadata": dict(self.metadata),
            "parent_id": self.parent_id,
        }
