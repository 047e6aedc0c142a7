"""ASCII punctuation as IFBench's checks use it (Python's ``string.punctuation``): curly quotes,
dashes and other Unicode marks are never stripped or removed."""

from __future__ import annotations

import string

ASCII_PUNCTUATION = string.punctuation
"""The 32 ASCII punctuation characters."""

PUNCTUATION_AND_SPACE = ASCII_PUNCTUATION + " "
"""What the reference strips from both ends of a whitespace-separated word."""

DROP_PUNCTUATION = str.maketrans("", "", ASCII_PUNCTUATION)
"""A ``str.translate`` table that deletes ASCII punctuation."""
