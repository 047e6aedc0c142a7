"""``length_constraints:*``: sentences, words and paragraphs."""

from __future__ import annotations

from adhere.constraints.base import (
    CheckContext,
    Constraint,
    Outcome,
    Param,
    bound,
    counted,
    register,
    threshold_params,
)
from adhere.core.errors import ParamError
from adhere.text.locate import plural, quote
from adhere.text.paragraphs import split_on_blank_lines, split_on_dividers
from adhere.text.punkt import count_sentences
from adhere.text.words import count_words


@register
class NumberSentences(Constraint):
    id = "length_constraints:number_sentences"
    summary = "Punkt (NLTK English) sentences number fewer than / at least N."
    params = threshold_params("num_sentences", "relation")
    cost = 1.0
    work_group = "sentences"

    num_sentences: int
    relation: str

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        count = count_sentences(response)
        return counted(count, self.relation, self.num_sentences, plural(count, "sentence"))

    def describe(self) -> str:
        return f"Your answer should have {bound(self.relation)} {self.num_sentences} sentences."


@register
class NumberWords(Constraint):
    id = "length_constraints:number_words"
    summary = "Words (\\w+ runs) number fewer than / at least N."
    params = threshold_params("num_words", "relation")

    num_words: int
    relation: str

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        count = count_words(response)
        return counted(count, self.relation, self.num_words, plural(count, "word"))

    def describe(self) -> str:
        return f"Answer in {bound(self.relation)} {self.num_words} words."


@register
class NumberParagraphs(Constraint):
    id = "length_constraints:number_paragraphs"
    summary = "Exactly N paragraphs separated by the markdown divider ***."
    params = (Param("num_paragraphs", "int", "the exact number N", minimum=0),)

    num_paragraphs: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        pieces = split_on_dividers(response)
        count = len(pieces)
        for index, piece in enumerate(pieces):
            if not piece.strip():
                if index in (0, len(pieces) - 1):
                    count -= 1
                else:
                    return False, f"paragraph {index + 1} between two *** dividers is empty"
        ok = count == self.num_paragraphs
        return ok, f"{plural(count, 'paragraph')} separated by ***; needs {self.num_paragraphs}"

    def describe(self) -> str:
        return (
            f"Write exactly {self.num_paragraphs} paragraphs, separated from each other by the "
            "markdown divider ***."
        )


_FIRST_WORD_STOPS = frozenset(".,?!'\"")


def _first_word(paragraph: str) -> str:
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    out = []
    for char in word:
        if char in _FIRST_WORD_STOPS:
            break
        out.append(char.lower())
    return "".join(out)


@register
class NthParagraphFirstWord(Constraint):
    id = "length_constraints:nth_paragraph_first_word"
    summary = "Exactly N paragraphs separated by blank lines, paragraph i starting with a word."
    params = (
        Param("num_paragraphs", "int", "the exact number of paragraphs", minimum=1),
        Param(
            "nth_paragraph", "int", "which paragraph (1-based) must start with the word", minimum=1
        ),
        Param("first_word", "str", "the word paragraph i must start with (case-insensitive)"),
    )

    num_paragraphs: int
    nth_paragraph: int
    first_word: str

    def __post_init__(self) -> None:
        if self.nth_paragraph > self.num_paragraphs:
            raise ParamError(
                f"{self.id}: param 'nth_paragraph' expects a value <= num_paragraphs "
                f"({self.num_paragraphs}); found {self.nth_paragraph}"
            )

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        pieces = split_on_blank_lines(response)
        non_empty = [p for p in pieces if p.strip()]
        count = len(non_empty)
        # The reference counts non-empty paragraphs but indexes the raw list, so an empty piece
        # before paragraph i shifts it; the corrected mode indexes the non-empty ones.
        source = non_empty if context.compat == "corrected" else pieces
        if self.nth_paragraph > count:
            return False, f"{plural(count, 'paragraph')}; paragraph {self.nth_paragraph} missing"
        paragraph = source[self.nth_paragraph - 1].strip()
        if not paragraph:
            return False, f"paragraph {self.nth_paragraph} (counting empty pieces) is empty"
        word = _first_word(paragraph)
        wanted = self.first_word.lower()
        ok = count == self.num_paragraphs and word == wanted
        return ok, (
            f"{plural(count, 'paragraph')} (needs {self.num_paragraphs}); paragraph "
            f"{self.nth_paragraph} starts with {quote(word)} (needs {wanted!r})"
        )

    def describe(self) -> str:
        return (
            f"Write exactly {self.num_paragraphs} paragraphs separated by one blank line "
            f"(two newlines). Paragraph {self.nth_paragraph} must begin with the word "
            f"{self.first_word!r}."
        )
