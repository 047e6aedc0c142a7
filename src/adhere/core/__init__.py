"""Frozen data types, the constraint registry and errors. Imports nothing else of adhere."""

from adhere.core.errors import AdhereError, InputError, UnknownConstraintError
from adhere.core.types import ConstraintSpec, Sample, Verdict

__all__ = [
    "AdhereError",
    "ConstraintSpec",
    "InputError",
    "Sample",
    "UnknownConstraintError",
    "Verdict",
]
