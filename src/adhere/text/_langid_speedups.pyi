from collections.abc import Callable, Iterable, Iterator, Mapping

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
def word_ngrams(word: str, known: GramIndex, spaced: bool, /) -> tuple[str, ...]: ...

class GramIndex:
    """A set of n-grams (1 to 3 characters) that word_ngrams looks up by code point."""

    def update(self, grams: Iterable[str], /) -> None: ...
    def __contains__(self, gram: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[str]: ...
