"""The constraint interface, parameter declarations and the registry of constraint classes.

A constraint is a small frozen object built from its params. ``check(response, context)`` is a
pure function returning a :class:`~adhere.core.types.Verdict`; it never raises on any text (the
scoring layer still guards every call). ``describe()`` renders the instruction in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from adhere.core.errors import ParamError
from adhere.core.frozen import frozen
from adhere.core.registry import Registry
from adhere.core.types import Mode, Verdict

Compat = Literal["reference", "corrected"]
"""``reference`` reproduces the reference verdicts, quirks included (the default);
``corrected`` opts into fixes for the references' plain mistakes (see docs/quirks.md)."""

Outcome = tuple[bool | None, str]
"""What a check decides (True, False, or None when it cannot), and the evidence in words."""

RELATIONS = ("less than", "at least")


@frozen
class CheckContext:
    """What a check may know besides the response.

    Fields:
        mode: ``strict`` or ``loose`` (recorded in the verdict; checks do not branch on it).
        compat: ``reference`` (default) or ``corrected``.
    """

    mode: Mode = "strict"
    compat: Compat = "reference"


STRICT = CheckContext()


@frozen
class Param:
    """One declared parameter of a constraint.

    Fields:
        name: the keyword as it appears in data files.
        kind: ``int``, ``str`` or ``str_list``.
        help: one line for ``adhere list constraints``.
        choices: the allowed values, if the set is closed.
        minimum: the smallest allowed integer.
        strip: whether the reference strips surrounding whitespace from the value.
        from_prompt: filled with the sample's prompt text when the data does not give it (the
            references hand the prompt to constraints that repeat or echo it).
    """

    name: str
    kind: Literal["int", "str", "str_list"]
    help: str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    strip: bool = False
    from_prompt: bool = False

    def convert(self, value: Any, constraint_id: str) -> Any:
        """The validated value, or a :class:`ParamError` naming what was expected and found."""
        expected = _EXPECTED
        found = value

        def fail(what: str) -> ParamError:
            shown = f"{type(found).__name__} {found!r}"
            return ParamError(f"{constraint_id}: param {self.name!r} expects {what}; found {shown}")

        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise fail(expected["int"])
            if isinstance(value, float):
                if not value.is_integer():
                    raise fail(expected["int"])
                value = int(value)
            if self.minimum is not None and value < self.minimum:
                raise fail(f"an integer >= {self.minimum}")
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise fail(expected["str"])
            value = value.strip() if self.strip else value
            if self.choices and value not in self.choices:
                raise fail("one of " + ", ".join(repr(c) for c in self.choices))
            if not value and not self.choices:
                raise fail("a non-empty string")
            return value
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise fail(expected["str_list"])
        if not value:
            raise fail("a non-empty list of strings")
        return tuple(value)


_EXPECTED = {"int": "an integer", "str": "a string", "str_list": "a list of strings"}

CONSTRAINTS: Registry[type[Constraint]] = Registry("constraint")


def register(cls: type[Constraint]) -> type[Constraint]:
    """Class decorator: register a constraint class under its ``id``."""
    return CONSTRAINTS.register(cls.id)(cls)


class Constraint:
    """Base class. A subclass declares ``id``, ``summary`` and ``params``; its instances are
    frozen and hold one attribute per param (plain classes rather than dataclasses: building
    25 dataclasses costs more start-up time than all of IFEval's scoring)."""

    id: ClassVar[str]
    summary: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    cost: ClassVar[float] = 0.5
    """Rough relative cost of a check per character of response (to balance work)."""
    work_group: ClassVar[str] = "light"
    """Checks of one group share caches, so they are best run in the same process."""

    def __init__(self, **values: Any) -> None:
        table = _table(type(self))
        if sorted(values) != table.sorted_names:
            raise TypeError(f"{type(self).__name__} takes exactly the params {list(table.names)}")
        for name in table.names:
            object.__setattr__(self, name, values[name])
        self.__post_init__()

    def __post_init__(self) -> None:
        """Cross-param validation; raise :class:`ParamError` on bad values."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen; cannot set {name!r}")

    def _key(self) -> tuple[Any, ...]:
        return (self.id, *(getattr(self, p.name) for p in self.params))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Constraint) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        args = ", ".join(f"{p.name}={getattr(self, p.name)!r}" for p in self.params)
        return f"{type(self).__name__}({args})"

    @classmethod
    def from_params(cls, params: Mapping[str, Any], prompt: str | None = None) -> Constraint:
        """Build from data-file kwargs. ``None`` values count as absent (IFBench pads with them).

        ``prompt`` is the sample's prompt text; params declared ``from_prompt`` take it when the
        kwargs leave them out.
        """
        table = _table(cls)
        declared = table.declared
        given = {k: v for k, v in params.items() if v is not None}
        if prompt is not None:
            for name in table.from_prompt:
                if name not in given:
                    given[name] = prompt
        if not given.keys() <= declared.keys():
            unknown = sorted(set(given) - set(declared))
            valid = ", ".join(declared) or "none"
            raise ParamError(f"{cls.id}: unknown param {unknown[0]!r}; valid params: {valid}")
        values: dict[str, Any] = {}
        for name, param in declared.items():
            if name not in given:
                raise ParamError(
                    f"{cls.id}: missing param {name!r} (expects {param.kind}: {param.help})"
                )
            values[name] = param.convert(given[name], cls.id)
        if not table.direct:
            return cls(**values)
        # What ``Constraint.__init__`` does, less its check that the names are the declared ones
        # (they are, one each) and the keyword packing: a fifth of the time of building one.
        constraint = object.__new__(cls)
        for name, value in values.items():
            object.__setattr__(constraint, name, value)
        constraint.__post_init__()
        return constraint

    def to_params(self) -> dict[str, Any]:
        """The params as they would appear in a data file."""
        out: dict[str, Any] = {}
        for param in self.params:
            value = getattr(self, param.name)
            out[param.name] = list(value) if isinstance(value, tuple) else value
        return out

    def check(self, response: str, context: CheckContext = STRICT) -> Verdict:
        """The verdict for ``response``."""
        passed, evidence = self.evaluate(response, context)
        return Verdict(self.id, passed, evidence, context.mode)

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        """Decide; subclasses implement this."""
        raise NotImplementedError

    def describe(self) -> str:
        """The instruction in words, as a prompt would state it."""
        raise NotImplementedError


class _ParamTable:
    """What building a constraint needs of its class's params, worked out once per class
    rather than on each of the ~800 constraints of a file (``from_params`` and ``__init__``
    spent about a third of their time re-deriving it).

    ``direct``: ``from_params`` may fill a new instance itself rather than call the class with
    keywords (the class keeps :class:`Constraint`'s constructor and its param names are unique,
    so that constructor would accept the values and set them in the same way).
    """

    __slots__ = ("declared", "direct", "from_prompt", "names", "params", "sorted_names")

    def __init__(self, cls: type[Constraint]) -> None:
        params = cls.params
        self.params = params
        self.names = tuple(p.name for p in params)
        self.sorted_names = sorted(self.names)
        self.declared = {p.name: p for p in params}
        self.from_prompt = tuple(n for n, p in self.declared.items() if p.from_prompt)
        self.direct = (
            len(self.declared) == len(self.names)
            and cls.__init__ is Constraint.__init__
            and cls.__new__ is object.__new__
        )


_TABLES: dict[type[Constraint], _ParamTable] = {}


def _table(cls: type[Constraint]) -> _ParamTable:
    """``cls``'s param table (made again should ``cls.params`` ever be replaced)."""
    table = _TABLES.get(cls)
    if table is None or table.params is not cls.params:
        table = _TABLES[cls] = _ParamTable(cls)
    return table


def compare(count: int, relation: str, threshold: int) -> bool:
    """``count < threshold`` for ``less than``, ``count >= threshold`` for ``at least``."""
    return count < threshold if relation == "less than" else count >= threshold


def bound(relation: str) -> str:
    """The relation in plain words: ``fewer than`` or ``at least``."""
    return "fewer than" if relation == "less than" else "at least"


def counted(count: int, relation: str, threshold: int, found: str) -> Outcome:
    """The outcome of a count against a relation: ``(passed, "<found>; needs at least N")``."""
    return compare(count, relation, threshold), f"{found}; needs {bound(relation)} {threshold}"


def threshold_params(threshold: str, relation: str) -> tuple[Param, Param]:
    """The two params of a counted constraint: the threshold N and the relation."""
    return (
        Param(threshold, "int", "the threshold N", minimum=0),
        Param(relation, "str", RELATION_PARAM_HELP, choices=RELATIONS),
    )


RELATION_PARAM_HELP = "'less than' (count < N) or 'at least' (count >= N)"
