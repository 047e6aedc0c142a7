"""Reading packaged binary tables: arrays of little-endian unsigned integers."""

from __future__ import annotations

import sys
from array import array


def little_endian(typecode: str, raw: bytes) -> array[int]:
    """``raw`` as an array of little-endian unsigned ints (``"H"``: 16-bit, ``"I"``: 32-bit)."""
    values = array(typecode)
    values.frombytes(raw)
    if sys.byteorder == "big":  # pragma: no cover
        values.byteswap()
    return values
