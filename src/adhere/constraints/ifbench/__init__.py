"""IFBench's 58 out-of-distribution constraints (Pyatkin et al. 2025), one module per family.

Ids and params are IFBench's own, so its data files load as they are (unused params arrive as
``null`` and count as absent).
"""

from adhere.constraints.ifbench import count, custom, format, ratio, repeat, sentence, words

__all__ = ["count", "custom", "format", "ratio", "repeat", "sentence", "words"]
