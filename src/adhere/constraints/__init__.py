"""The constraint library: every constraint registered under its ``family:name`` id.

IFEval's families are registered on import; IFBench's are registered lazily, each on the first
lookup of one of its ids (or when all ids are listed), so that scoring IFEval files does not pay
for importing IFBench's 58 checks.
"""

import importlib

from adhere.constraints import ifeval
from adhere.constraints.base import (
    CONSTRAINTS,
    STRICT,
    CheckContext,
    Compat,
    Constraint,
    Param,
    register,
)

IFBENCH_FAMILIES = ("count", "custom", "format", "ratio", "repeat", "sentence", "words")


def _lazy_family(family: str) -> None:
    CONSTRAINTS.add_lazy(
        family, lambda: importlib.import_module(f"adhere.constraints.ifbench.{family}")
    )


for _family in IFBENCH_FAMILIES:
    _lazy_family(_family)

__all__ = [
    "CONSTRAINTS",
    "STRICT",
    "CheckContext",
    "Compat",
    "Constraint",
    "Param",
    "ifeval",
    "register",
]
