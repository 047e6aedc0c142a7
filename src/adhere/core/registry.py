"""A name -> object registry with helpful errors for unknown names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from adhere.core.errors import UnknownConstraintError

T = TypeVar("T")


class Registry(Generic[T]):
    """Objects registered under unique string ids, in registration order.

    A family of ids (the part before the colon) may be registered lazily: ``add_lazy(family,
    load)`` defers ``load()`` (which registers that family's objects) until an id of the family
    is asked for, or until all ids are listed. Scoring a file then imports only the families it
    uses.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._lazy: dict[str, Callable[[], object]] = {}

    def add_lazy(self, family: str, load: Callable[[], object]) -> None:
        """Defer registering the ids ``family:*`` to ``load()``, called at most once."""
        self._lazy[family] = load

    def _load(self, family: str) -> None:
        load = self._lazy.pop(family, None)
        if load is not None:
            load()

    def _load_all(self) -> None:
        for family in list(self._lazy):
            self._load(family)

    def register(self, item_id: str) -> Callable[[T], T]:
        """Decorator: register the decorated object under ``item_id``."""

        def decorate(item: T) -> T:
            if item_id in self._items:
                raise ValueError(f"{self.kind} {item_id!r} is registered twice")
            self._items[item_id] = item
            return item

        return decorate

    def __contains__(self, item_id: object) -> bool:
        if isinstance(item_id, str) and item_id not in self._items:
            self._load(item_id.split(":", 1)[0])
        return item_id in self._items

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return iter(self._items)

    def __len__(self) -> int:
        self._load_all()
        return len(self._items)

    def closest(self, item_id: str, n: int = 3) -> list[str]:
        """The registered ids that look most like ``item_id``."""
        import difflib  # only needed for error messages

        self._load_all()
        ids = list(self._items)
        close = difflib.get_close_matches(item_id, ids, n=n, cutoff=0.5)
        if not close and ":" in item_id:
            name = item_id.split(":", 1)[1]
            by_name = {i.split(":", 1)[-1]: i for i in ids}
            close = [by_name[m] for m in difflib.get_close_matches(name, list(by_name), n=n)]
        return close

    def get(self, item_id: str) -> T:
        """The object registered under ``item_id``; an error naming close ids otherwise."""
        try:
            return self._items[item_id]
        except KeyError:
            pass
        self._load(item_id.split(":", 1)[0])
        try:
            return self._items[item_id]
        except KeyError:
            raise UnknownConstraintError(item_id, self.closest(item_id)) from None
