"""The registry: lookups with close-id suggestions, and families registered on demand."""

from __future__ import annotations

import pytest

from adhere.core.errors import UnknownConstraintError
from adhere.core.registry import Registry


def _registry_with_lazy_family() -> tuple[Registry[int], list[str]]:
    registry: Registry[int] = Registry("constraint")
    registry.register("eager:one")(1)
    loads: list[str] = []

    def load() -> None:
        loads.append("fam")
        registry.register("fam:two")(2)
        registry.register("fam:three")(3)

    registry.add_lazy("fam", load)
    return registry, loads


def test_a_lazy_family_loads_on_first_lookup_only() -> None:
    registry, loads = _registry_with_lazy_family()
    assert registry.get("eager:one") == 1
    assert loads == []
    assert registry.get("fam:two") == 2
    assert registry.get("fam:three") == 3
    assert loads == ["fam"]


def test_membership_and_listing_load_lazy_families() -> None:
    registry, loads = _registry_with_lazy_family()
    assert "fam:three" in registry and loads == ["fam"]
    registry, loads = _registry_with_lazy_family()
    assert list(registry) == ["eager:one", "fam:two", "fam:three"]
    assert len(registry) == 3 and loads == ["fam"]


def test_unknown_ids_suggest_close_ones_from_every_family() -> None:
    registry, _ = _registry_with_lazy_family()
    with pytest.raises(UnknownConstraintError, match="fam:two"):
        registry.get("fam:tow")
    with pytest.raises(UnknownConstraintError, match="fam:three"):
        registry.get("other:three")


def test_registering_an_id_twice_is_refused() -> None:
    registry, _ = _registry_with_lazy_family()
    with pytest.raises(ValueError, match="twice"):
        registry.register("eager:one")(5)
