"""``ratio:*``: IFBench's proportion constraints (overlap, sentence types, stop words, ...).

Sentences are NLTK's English Punkt sentences (:mod:`adhere.text.punkt`); a sentence's type is
read from its last character, as the reference does.
"""

from __future__ import annotations

import functools

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.text.locate import plural
from adhere.text.words import WORD_RE, count_words

# --- ratio:overlap ----------------------------------------------------------------------------


def _char_trigrams(text: str) -> set[tuple[str, str, str]]:
    """The distinct runs of 3 characters (what ``nltk.ngrams`` yields over a string)."""
    return set(zip(text, text[1:], text[2:], strict=False))


def _word_trigrams(text: str) -> set[tuple[str, str, str]]:
    """The distinct runs of 3 lower-cased ``\\w+`` words."""
    words = [word.lower() for word in WORD_RE.findall(text)]
    return set(zip(words, words[1:], words[2:], strict=False))


@functools.lru_cache(maxsize=16)
def _reference_trigrams(text: str, by_word: bool) -> frozenset[object]:
    """The reference text's trigrams, kept across the responses checked against it."""
    if by_word:
        return frozenset(_word_trigrams(text))
    return frozenset(_char_trigrams(text))


@register
class Overlap(Constraint):
    id = "ratio:overlap"
    summary = (
        "Trigram overlap with a reference text within ±2 points of N% (character trigrams, "
        "as the reference computes it)."
    )
    params = (
        Param("reference_text", "str", "the text to overlap with"),
        Param("percentage", "int", "the target overlap N, in percent", minimum=0),
    )
    cost = 2.0

    reference_text: str
    percentage: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        # The reference runs nltk.ngrams over the raw strings, so its trigrams are triples of
        # characters; the corrected mode uses triples of (lower-cased, \w+) words as intended.
        by_word = context.compat == "corrected"
        unit = "word trigram" if by_word else "character trigram"
        ours = _word_trigrams(response) if by_word else _char_trigrams(response)
        theirs = _reference_trigrams(self.reference_text, by_word)
        size = len(ours)
        shared = len(theirs.intersection(ours))
        if not size:
            return False, f"the response has no {unit}s"
        overlap = shared / size
        low, high = self.percentage - 2, self.percentage + 2
        ok = low <= overlap * 100 <= high
        return ok, (
            f"{shared} of the response's {size} distinct {unit}s occur in the reference text "
            f"({overlap * 100:.1f}%); needs {low}% to {high}%"
        )

    def describe(self) -> str:
        return (
            f"Keep the trigram overlap between your answer and the reference text at "
            f"{self.percentage}% (give or take 2%). Reference text: {self.reference_text}"
        )


# --- sentence types ---------------------------------------------------------------------------

_CLOSERS = "\"'”’»)]}*_ \t\r\n"
"""What the corrected mode looks past at the end of a sentence: quotes, brackets, emphasis."""


def _type_counts(response: str, corrected: bool) -> tuple[int, int, int]:
    """How many sentences end with ``.``, ``?`` and ``!``.

    The reference looks at the very last character, so ``He said "no."`` ends with a quote
    and has no type; the corrected mode looks past closing quotes, brackets and emphasis.
    """
    from adhere.text.punkt import split_sentences

    counts = {".": 0, "?": 0, "!": 0}
    for sentence in split_sentences(response):
        if corrected:
            sentence = sentence.rstrip(_CLOSERS)
        last = sentence[-1:]
        if last in counts:
            counts[last] += 1
    return counts["."], counts["?"], counts["!"]


@register
class SentenceBalance(Constraint):
    id = "ratio:sentence_balance"
    summary = "As many sentences end with '.' as with '?' and as with '!' (zero of each passes)."
    params = ()
    cost = 1.0
    work_group = "sentences"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        corrected = context.compat == "corrected"
        dots, questions, exclamations = _type_counts(response, corrected)
        found = f"sentence endings: {dots} '.', {questions} '?', {exclamations} '!'"
        ok = dots == questions == exclamations
        if corrected and ok and dots == 0:
            return False, found + "; needs at least one of each, in equal numbers"
        return ok, found + "; the three counts must be equal"

    def describe(self) -> str:
        return (
            "Balance your sentence types: use as many declarative sentences as questions and "
            "as exclamations."
        )


@register
class SentenceType(Constraint):
    id = "ratio:sentence_type"
    summary = (
        "Sentences ending with '.' are exactly twice those ending with '?' (none of either passes)."
    )
    params = ()
    cost = 1.0
    work_group = "sentences"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        corrected = context.compat == "corrected"
        dots, questions, _ = _type_counts(response, corrected)
        found = f"sentence endings: {dots} '.', {questions} '?'"
        if corrected and questions == 0:
            return False, found + "; needs at least one question and twice as many statements"
        ok = dots == 2 * questions
        return ok, found + f"; needs exactly twice as many with '.' ({2 * questions})"

    def describe(self) -> str:
        return (
            "Write two declarative sentences for every question: keep a 2:1 ratio of "
            "declarative to interrogative sentences."
        )


# --- ratio:sentence_words ---------------------------------------------------------------------


@register
class SentenceWords(Constraint):
    id = "ratio:sentence_words"
    summary = "Exactly 3 sentences of equal length in characters (their words are not compared)."
    params = ()
    cost = 1.0
    work_group = "sentences"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        from adhere.text.punkt import split_sentences

        sentences = split_sentences(response)
        if len(sentences) != 3:
            return False, f"{plural(len(sentences), 'sentence')}; needs exactly 3"
        lengths = [len(sentence.strip()) for sentence in sentences]
        shown = ", ".join(str(n) for n in lengths)
        if len(set(lengths)) != 1:
            return False, f"the 3 sentences have {shown} characters; all three must be equal"
        # The reference does not check that the three sentences use different words.
        return True, f"3 sentences of {lengths[0]} characters each (words not compared)"

    def describe(self) -> str:
        return (
            "Answer in exactly three sentences that all have the same number of characters, "
            "and use different words in each."
        )


# --- ratio:stop_words -------------------------------------------------------------------------


@register
class StopWords(Constraint):
    id = "ratio:stop_words"
    summary = "NLTK English stop words make up at most N% of the \\w+ words."
    params = (
        Param("percentage", "int", "the largest share of stop words N, in percent", minimum=0),
    )

    percentage: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        from adhere.text.stopwords import count_stopwords

        total = count_words(response)
        if total == 0:
            return False, "no words (\\w+ runs) to take a share of"
        stop = count_stopwords(response)
        share = (stop / total) * 100
        return share <= self.percentage, (
            f"stop words are {share:.1f}% of the words ({stop} of {total}); "
            f"needs at most {self.percentage}%"
        )

    def describe(self) -> str:
        return f"Keep stop words to no more than {self.percentage}% of the words you use."
