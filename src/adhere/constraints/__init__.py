"""The constraint library: every constraint registered under its ``family:name`` id."""

from adhere.constraints import ifbench, ifeval
from adhere.constraints.base import (
    CONSTRAINTS,
    STRICT,
    CheckContext,
    Compat,
    Constraint,
    Param,
    register,
)

__all__ = [
    "CONSTRAINTS",
    "STRICT",
    "CheckContext",
    "Compat",
    "Constraint",
    "Param",
    "ifbench",
    "ifeval",
    "register",
]
