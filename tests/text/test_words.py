"""Word counts are the number of ``\\w+`` tokens, whichever way they are computed."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from adhere.text.words import count_words, words

ascii_text = st.text(alphabet=st.characters(max_codepoint=127), max_size=200)


@settings(max_examples=500)
@given(st.one_of(ascii_text, st.text(max_size=200)))
def test_count_is_the_number_of_regex_tokens(text: str) -> None:
    assert count_words(text) == len(re.findall(r"\w+", text)) == len(words(text))


def test_ascii_edge_cases() -> None:
    # Control characters that str.split() treats as whitespace, and ones it does not.
    assert count_words("a\x1cb\x1fc\x00d\x7fe") == 5
    assert count_words("don't e-mail 3.5 snake_case") == 7
    assert count_words("") == count_words("  \t\n ") == count_words("!?.,") == 0
    assert count_words("naïve café") == 2  # not ASCII: the regex (ï and é are \w)
