"""``@frozen``: immutable record classes, like ``@dataclass(frozen=True)`` but cheap to import.

``dataclasses`` pulls in ``inspect`` (and with it ``ast``, ``dis``, ``tokenize``), which costs
more start-up time than scoring a small file. This decorator does the little adhere needs: the
fields are the class's annotations (minus ``ClassVar``), in order, with optional defaults given
as class attributes; it writes ``__init__`` (calling ``__post_init__`` if the class has one),
``__eq__``, ``__hash__`` and ``__repr__``, and forbids attribute assignment. Type checkers
treat it as a dataclass transform, so constructor calls are checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing import dataclass_transform
else:

    def dataclass_transform(**_: object) -> Callable[[Any], Any]:
        return lambda f: f


C = TypeVar("C", bound=type)

_MISSING = object()


def _fields(cls: type) -> list[str]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            text = annotation if isinstance(annotation, str) else repr(annotation)
            if "ClassVar" in text or name in names:
                continue
            names.append(name)
    return names


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise AttributeError(f"{type(self).__name__} is frozen; cannot set {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise AttributeError(f"{type(self).__name__} is frozen; cannot delete {name!r}")


@dataclass_transform(frozen_default=True)
def frozen(cls: C) -> C:
    """Make ``cls`` an immutable record class (see the module docstring)."""
    names = _fields(cls)
    defaults = {n: getattr(cls, n) for n in names if getattr(cls, n, _MISSING) is not _MISSING}
    params = ", ".join(f"{n}=_d_{n}" if n in defaults else n for n in names)
    body = "\n".join(f"    _set(self, {n!r}, {n})" for n in names) or "    pass"
    post = "\n    self.__post_init__()" if hasattr(cls, "__post_init__") else ""
    source = (
        f"def __init__(self, {params}):\n{body}{post}\n"
        if names
        else (f"def __init__(self):\n    pass{post}\n")
    )
    namespace: dict[str, Any] = {"_set": object.__setattr__}
    namespace.update({f"_d_{n}": v for n, v in defaults.items()})
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"

    def key(self: Any) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in names)

    def __eq__(self: Any, other: object) -> bool:
        return other.__class__ is self.__class__ and key(self) == key(other)

    def __hash__(self: Any) -> int:
        return hash((self.__class__.__name__, *key(self)))

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        return f"{type(self).__name__}({inner})"

    for name, value in (
        ("__init__", init),
        ("__eq__", __eq__),
        ("__hash__", __hash__),
        ("__repr__", __repr__),
        ("__setattr__", _frozen_setattr),
        ("__delattr__", _frozen_delattr),
        ("__match_args__", tuple(names)),
    ):
        setattr(cls, name, value)
    return cls
