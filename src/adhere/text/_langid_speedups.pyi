from collections.abc import Callable, Mapping

from _typeshed import ReadableBuffer

def decode(
    lang_index: ReadableBuffer, freqs: ReadableBuffer, start: int, end: int, n_words: bytes, /
) -> bytes: ...
def trial(
    getrandbits: Callable[[int], int],
    grams: list[str],
    vectors: Mapping[str, bytes],
    weight: float,
    uniform: float,
    n_langs: int,
    /,
) -> list[float]: ...
def word_ngrams(word: str, known: set[str], spaced: bool, /) -> tuple[str, ...]: ...
