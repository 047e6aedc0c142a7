"""``sentence:*``: IFBench's per-sentence constraints (growing alliteration, growing length,
a keyword in sentence N).

Sentences are NLTK's English Punkt sentences (:mod:`adhere.text.punkt`).
"""

from __future__ import annotations

import re
from itertools import pairwise

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.text.locate import line_of, plural, quote
from adhere.text.punctuation import DROP_PUNCTUATION as _DROP_PUNCTUATION
from adhere.text.punctuation import PUNCTUATION_AND_SPACE


def _sentences(response: str) -> tuple[list[str], list[int]]:
    """The sentences of ``response`` and the offset where each starts."""
    from adhere.text.punkt import sentence_spans

    spans = sentence_spans(response)
    return [response[start:end] for start, end in spans], [start for start, _ in spans]


def _listed(numbers: list[int], limit: int = 8) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (", …" if len(numbers) > limit else "")


# --- sentence:alliteration_increment ----------------------------------------------------------


def _alliteration(sentence: str) -> int:
    """How many words of ``sentence`` are in runs of neighbours that share a first character.

    Words are the whitespace-separated pieces of the lower-cased sentence with leading ASCII
    punctuation removed (pieces left empty are dropped); a run of k words counts k.
    """
    initials = [
        stripped[0]
        for stripped in (word.lstrip(PUNCTUATION_AND_SPACE) for word in sentence.lower().split())
        if stripped
    ]
    score = 0
    in_run = False
    for first, second in pairwise(initials):
        if first == second:
            score += 1 if in_run else 2
            in_run = True
        else:
            in_run = False
    return score


@register
class AlliterationIncrement(Constraint):
    id = "sentence:alliteration_increment"
    summary = "Each sentence has more words in alliterative runs than the sentence before it."
    params = ()
    cost = 1.0
    work_group = "sentences"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        sentences, starts = _sentences(response)
        scores: list[int] = []
        for index, sentence in enumerate(sentences):
            score = _alliteration(sentence)
            if scores and score <= scores[-1]:
                return False, (
                    f"sentence {index + 1} (line {line_of(response, starts[index])}) has "
                    f"{plural(score, 'alliterative word')}, not more than sentence {index}'s "
                    f"{scores[-1]}"
                )
            scores.append(score)
        if not scores:
            return True, "no sentences"
        return True, (
            f"alliterative words per sentence grow: {_listed(scores)} "
            f"({plural(len(scores), 'sentence')})"
        )

    def describe(self) -> str:
        return (
            "Make each sentence contain a longer run of consecutive alliterative words (words "
            "starting with the same letter) than the sentence before it."
        )


# --- sentence:increment -----------------------------------------------------------------------


def _word_count(sentence: str) -> int:
    """Whitespace-separated words once ASCII punctuation is removed (a lone dash is none)."""
    return len(sentence.translate(_DROP_PUNCTUATION).split())


@register
class Increment(Constraint):
    id = "sentence:increment"
    summary = "Each sentence has exactly small_n more words than the one before it."
    params = (
        Param("small_n", "int", "how many more words each sentence has than the last", minimum=0),
    )
    cost = 1.0
    work_group = "sentences"

    small_n: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        sentences, starts = _sentences(response)
        if not sentences:
            # The reference reads the first sentence unconditionally and raises IndexError.
            return None, "no sentences: the reference cannot read a first sentence (IndexError)"
        counts = [_word_count(sentences[0])]
        for index in range(1, len(sentences)):
            count = _word_count(sentences[index])
            wanted = counts[-1] + self.small_n
            if count != wanted:
                return False, (
                    f"sentence {index + 1} (line {line_of(response, starts[index])}) has "
                    f"{plural(count, 'word')}; needs {wanted}, {self.small_n} more than "
                    f"sentence {index}'s {counts[-1]}"
                )
            counts.append(count)
        return True, (
            f"words per sentence: {_listed(counts)}; each has {self.small_n} more than the last"
        )

    def describe(self) -> str:
        return (
            f"Each sentence must have exactly {self.small_n} more words than the sentence "
            "before it."
        )


# --- sentence:keyword -------------------------------------------------------------------------


@register
class Keyword(Constraint):
    id = "sentence:keyword"
    summary = "Sentence N contains the word (case-insensitive, regex word boundaries)."
    params = (
        Param("word", "str", "the keyword"),
        Param("N", "int", "which sentence (1-based) must contain it", minimum=1),
    )
    cost = 1.0
    work_group = "sentences"

    word: str
    N: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        sentences, starts = _sentences(response)
        if len(sentences) < self.N:
            return False, (
                f"only {plural(len(sentences), 'sentence')}; sentence {self.N} is missing"
            )
        sentence = sentences[self.N - 1]
        where = f"sentence {self.N} (line {line_of(response, starts[self.N - 1])})"
        pattern = re.compile(r"\b" + re.escape(self.word) + r"\b", re.IGNORECASE)
        if pattern.search(sentence):
            return True, f"{where} contains {self.word!r}"
        return False, f"{where} {quote(sentence)} does not contain the word {self.word!r}"

    def describe(self) -> str:
        return f"Use the word {self.word!r} in sentence number {self.N} of your answer."
