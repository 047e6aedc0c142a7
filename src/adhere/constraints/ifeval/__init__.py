"""IFEval's 25 verifiable instructions (Zhou et al. 2023), one module per family.

Ids and params are IFEval's own, so its data files load as they are.
"""

from adhere.constraints.ifeval import (
    change_case,
    combination,
    detectable_content,
    detectable_format,
    keywords,
    language,
    length_constraints,
    punctuation,
    startend,
)

__all__ = [
    "change_case",
    "combination",
    "detectable_content",
    "detectable_format",
    "keywords",
    "language",
    "length_constraints",
    "punctuation",
    "startend",
]
