"""NLTK, the reference for adhere's Punkt and word tokenizer, built from the same parameters.

``nltk.sent_tokenize`` would load punkt_tab from nltk_data, which is not installed (and no
download may happen), so the tests give NLTK adhere's English parameters directly.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from adhere.text import punkt

nltk_punkt = pytest.importorskip("nltk.tokenize.punkt")


def nltk_parameters() -> nltk_punkt.PunktParameters:
    """NLTK ``PunktParameters`` holding the English model adhere loads."""
    model = punkt.load_model()
    params = nltk_punkt.PunktParameters()
    params.abbrev_types = set(model.abbrev_types)
    params.collocations = set(model.collocations)
    params.sent_starters = set(model.sent_starters)
    params.ortho_context = defaultdict(int)
    params.ortho_context.update(model.ortho_context)
    return params


NLTK_SENTENCES = nltk_punkt.PunktSentenceTokenizer(nltk_parameters())
