"""``format:*``: IFBench's layout constraints (bullets, indentation, quotes, brackets, templates).

Each check decides exactly as IFBench's checker does, odd corners included; the class
docstrings name those corners. Two checks have a ``corrected`` mode:
``format:line_indent`` (drops every blank line) and ``format:quote_unquote`` (treats curly
double quotes as straight ones).
"""

from __future__ import annotations

import re
import string
from bisect import bisect_right
from collections import Counter
from itertools import pairwise

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.text.locate import around, at, line_of, plural, quote
from adhere.text.punctuation import DROP_PUNCTUATION as _DROP_PUNCTUATION
from adhere.text.punctuation import PUNCTUATION_AND_SPACE as _PUNCTUATION_AND_SPACE
from adhere.text.punkt import count_sentences, sentence_spans
from adhere.text.treebank import word_tokenize


def _lines_with_numbers(text: str) -> list[tuple[int, str]]:
    return list(enumerate(text.split("\n"), start=1))


# --- format:emoji -------------------------------------------------------------------------------


@register
class Emoji(Constraint):
    """Every Punkt sentence ends with an emoji: after deleting ASCII punctuation and outer
    whitespace, one of its last two characters is an emoji, or the next sentence starts with
    one. An empty sentence (only punctuation) fails. Text with no sentences passes."""

    id = "format:emoji"
    summary = "An emoji at the end of every sentence (or opening the next one)."
    cost = 1.5
    work_group = "sentences"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        from adhere.text.emoji_chars import is_emoji_char

        spans = sentence_spans(response)
        cleaned = [response[s:e].translate(_DROP_PUNCTUATION).strip() for s, e in spans]
        for i, text in enumerate(cleaned):
            if not text:
                why = f"sentence {i + 1} has nothing but punctuation"
            elif is_emoji_char(text[-1]) or is_emoji_char(text[-2:-1] or text[-1]):
                continue
            elif i == len(cleaned) - 1:
                why = f"the last sentence ({i + 1}) does not end with an emoji"
            elif not cleaned[i + 1]:
                why = (
                    f"sentence {i + 1} has no emoji at its end and sentence {i + 2} has nothing "
                    "but punctuation"
                )
            elif not is_emoji_char(cleaned[i + 1][0]):
                why = f"sentence {i + 1} does not end with an emoji: ends {quote(text[-12:])}"
            else:
                continue
            return False, f"{why} ({at(response, *spans[i])})"
        if not spans:
            return True, "no sentences, so none lacks an emoji"
        return True, f"all {plural(len(spans), 'sentence')} end with an emoji"

    def describe(self) -> str:
        return "End every sentence with an emoji."


# --- format:line_indent -------------------------------------------------------------------------


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _surviving_lines(lines: list[str]) -> list[int]:
    """Indices of the lines that the reference's removal loop leaves in place.

    The reference walks the list while deleting blank lines from it. Each deletion removes the
    first remaining line equal to the blank one just seen and makes the walk skip the line that
    follows. So: visit lines, jumping two after a blank one; a blank text seen k times loses its
    first k occurrences. Computed in one pass instead of repeated list deletions.
    """
    seen: Counter[str] = Counter()
    position = 0
    while position < len(lines):
        line = lines[position]
        if line.strip():
            position += 1
        else:
            seen[line] += 1
            position += 2
    kept: list[int] = []
    for index, line in enumerate(lines):
        if not line.strip() and seen[line] > 0:
            seen[line] -= 1
            continue
        kept.append(index)
    return kept


@register
class LineIndent(Constraint):
    """Stairs: each line is indented by more leading spaces than the line before it.

    Reference quirk: the reference deletes blank lines from the list it is iterating over, so
    the line after each deleted one is never looked at, and of two blank lines in a row one
    survives; a surviving blank line must then be indented deeper than the line before it like
    any other (an empty one never is). Corrected mode drops every blank line. Only ASCII spaces
    count as indentation.
    """

    id = "format:line_indent"
    summary = "Stairs: every line indented by more spaces than the line before."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        lines = response.split("\n")
        if context.compat == "corrected":
            kept = [i for i, line in enumerate(lines) if line.strip()]
        else:
            kept = _surviving_lines(lines)
        for before, after in pairwise(kept):
            deep, prev = _indent(lines[after]), _indent(lines[before])
            if deep <= prev:
                blank = ", a blank line the reference keeps" if not lines[after].strip() else ""
                return False, (
                    f"line {after + 1}{blank} is indented {plural(deep, 'space')}, not more than "
                    f"line {before + 1} ({prev}): {quote(lines[after])}"
                )
        if len(kept) < 2:
            return True, f"{plural(len(kept), 'line')} left to compare: nothing to step"
        indents = ", ".join(str(_indent(lines[i])) for i in kept[:6])
        more = ", …" if len(kept) > 6 else ""
        return True, f"{plural(len(kept), 'line')} with indents {indents}{more} spaces, each deeper"

    def describe(self) -> str:
        return "Make stairs: indent each new line by more spaces than the line before it."


# --- format:list --------------------------------------------------------------------------------


@register
class SeparatorList(Constraint):
    """The separator occurs at least twice anywhere in the text (non-overlapping, case-sensitive);
    it need not start a line."""

    id = "format:list"
    summary = "A list whose items are marked by a given separator instead of bullets (>= 2 uses)."
    params = (Param("sep", "str", "the marker that replaces bullet points, e.g. 'SEPARATOR'"),)

    sep: str

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        count = response.count(self.sep)
        first = response.find(self.sep)
        where = f", first at {at(response, first, first + len(self.sep))}" if first >= 0 else ""
        return count >= 2, (
            f"{plural(count, 'occurrence')} of {quote(self.sep)}{where}; needs at least 2"
        )

    def describe(self) -> str:
        return (
            f"Answer with a list of items; instead of bullet points, mark each item with "
            f"{self.sep}."
        )


# --- format:newline -----------------------------------------------------------------------------


@register
class Newline(Constraint):
    """One word per line: with ASCII punctuation deleted and the text stripped, the number of
    non-empty lines equals the number of whitespace-separated words. A line of spaces counts
    as a line."""

    id = "format:newline"
    summary = "Each word on its own line."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        text = response.translate(_DROP_PUNCTUATION)
        stripped = text.strip()
        lines = sum(1 for line in stripped.split("\n") if line)
        words = len(stripped.split())
        found = f"{plural(words, 'word')} on {plural(lines, 'non-empty line')}"
        if lines == words:
            return True, f"{found} (punctuation ignored)"
        for number, line in _lines_with_numbers(text):
            if len(line.split()) > 1:
                return False, f"{found}: line {number} has several words: {quote(line.strip())}"
        return False, f"{found}: some lines hold no word (only spaces or punctuation)"

    def describe(self) -> str:
        return "Write each word on a new line."


# --- format:no_bullets_bullets ------------------------------------------------------------------


@register
class NoBulletsBullets(Constraint):
    """At least two sentences, then at least two bullet lines (starting with ``*`` after
    stripping), and nothing after the bullets, not even a blank line.

    The reference reads the lines before the bullets one at a time and counts Punkt sentences;
    a blank line there ends the introduction, so only bullets may follow it (a blank line
    between two paragraphs of the introduction fails).
    """

    id = "format:no_bullets_bullets"
    summary = "At least two sentences, then at least two '*' bullet points, nothing after."
    cost = 1.0
    work_group = "sentences"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        intro_open = True  # no blank line and no bullet seen yet
        in_bullets = False
        sentences = 0
        bullets = 0
        for number, line in _lines_with_numbers(response):
            text = line.strip()
            if text.startswith("*"):
                in_bullets, intro_open = True, False
                if sentences < 2:
                    return False, (
                        f"bullet on line {number} comes after {plural(sentences, 'sentence')}; "
                        "needs at least 2 sentences before the bullets"
                    )
                bullets += 1
            elif intro_open:
                found = count_sentences(text)
                sentences += found
                intro_open = found > 0
            elif in_bullets:
                return False, (
                    f"line {number} after the bullet points is not a bullet: {quote(line)}"
                )
            else:
                return False, (
                    f"line {number} follows a blank line but is not a bullet: {quote(line)} "
                    "(after a blank line only bullets may come)"
                )
        return bullets >= 2, (
            f"{plural(sentences, 'sentence')} then {plural(bullets, 'bullet line')}; "
            "needs at least 2 bullets"
        )

    def describe(self) -> str:
        return (
            "Write at least two sentences ending in a period, followed by at least two bullet "
            "points marked with *."
        )


# --- format:no_whitespace -----------------------------------------------------------------------

_SPACE_RE = re.compile(r"\s")


@register
class NoWhitespace(Constraint):
    """No whitespace character at all (``str.isspace``: spaces, newlines, tabs, Unicode spaces)."""

    id = "format:no_whitespace"
    summary = "No whitespace anywhere in the response."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        match = _SPACE_RE.search(response)
        if match is None:
            return True, "no whitespace"
        index = match.start()
        return False, f"whitespace {match.group()!r} at {around(response, index)}"

    def describe(self) -> str:
        return "Do not use any whitespace in your output."


# --- format:options -----------------------------------------------------------------------------

_LETTER_OPTIONS_RE = re.compile(r"\W*[aA]\W*[bB]\W*[cC]\W*")


def _loose_option(text: str) -> str:
    return text.strip(_PUNCTUATION_AND_SPACE).lower()


@register
class Options(Constraint):
    """The response is one of the options and nothing else.

    The options string is split on ``/`` if it has one, else on the substring ``or`` (even
    inside a word), else on ``,``. Letter options (the string begins like ``a, b, c``) must
    match exactly, whitespace included; other options are compared with ASCII punctuation and
    spaces stripped from both ends and case ignored.
    """

    id = "format:options"
    summary = "The response is exactly one of the given options, e.g. yes/no/maybe."
    params = (
        Param("options", "str", "the allowed answers, e.g. 'yes/no/maybe' or 'a), b), c), d)'"),
    )

    options: str

    def _choices(self) -> tuple[bool, list[str]]:
        exact = _LETTER_OPTIONS_RE.match(self.options) is not None
        if "/" in self.options:
            separator = "/"
        elif "or" in self.options:
            separator = "or"
        else:
            separator = ","
        return exact, [option.strip() for option in self.options.split(separator)]

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        exact, choices = self._choices()
        listed = ", ".join(quote(c, 20) for c in choices)
        if exact:
            if response in choices:
                return True, f"the response is exactly the option {quote(response)}"
            return False, (
                f"the response {quote(response)} is not exactly one of {listed} "
                "(letter options are compared exactly, whitespace included)"
            )
        answer = _loose_option(response)
        for choice in choices:
            if _loose_option(choice) == answer:
                return True, f"the response matches the option {quote(choice)}"
        return False, (
            f"the response {quote(response)} is not one of {listed} "
            "(case and outer punctuation ignored)"
        )

    def describe(self) -> str:
        return (
            f"Answer with one of the following options: {self.options}. "
            "Do not give any explanation."
        )


# --- format:output_template ---------------------------------------------------------------------

_TEMPLATE_LABELS = ("My Answer:", "My Conclusion:", "Future Outlook:")


@register
class OutputTemplate(Constraint):
    """The three labels of the template each appear somewhere (case-sensitive, any order)."""

    id = "format:output_template"
    summary = "The template 'My Answer: … My Conclusion: … Future Outlook: …'."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        missing = [label for label in _TEMPLATE_LABELS if label not in response]
        if missing:
            return False, "missing " + ", ".join(repr(m) for m in missing) + " (case-sensitive)"
        return True, "has " + ", ".join(repr(label) for label in _TEMPLATE_LABELS)

    def describe(self) -> str:
        return (
            "Use this exact template for your response: My Answer: [answer] "
            "My Conclusion: [conclusion] Future Outlook: [outlook]"
        )


# --- format:parentheses -------------------------------------------------------------------------

_BRACKET_RE = re.compile(r"[()\[\]{}]")
_OPENERS = {")": "(", "]": "[", "}": "{"}
_NEST_DEPTH = 5


@register
class Parentheses(Constraint):
    """Brackets ``()``, ``[]``, ``{}`` nested at least 5 deep, with a matching closer.

    As in the reference: the deepest level reached since the last reset counts as soon as any
    matching closer follows (the group need not be closed all the way out), and a closer that
    does not match the innermost open bracket resets the count.
    """

    id = "format:parentheses"
    summary = "Brackets (and [brackets {and braces}]) nested at least 5 levels deep."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        stack: list[str] = []
        deepest = 0
        overall = 0
        for match in _BRACKET_RE.finditer(response):
            char = match.group()
            if char in "([{":
                stack.append(char)
                deepest = max(deepest, len(stack))
                overall = max(overall, deepest)
            elif stack and stack[-1] == _OPENERS[char]:
                stack.pop()
                if deepest >= _NEST_DEPTH:
                    index = match.start()
                    return True, (
                        f"brackets nested {deepest} deep, closed at {around(response, index)}"
                    )
            else:
                stack = []
                deepest = 0
        return False, (
            f"deepest bracket nesting {overall} (a closer that does not match resets it); "
            f"needs {_NEST_DEPTH} levels followed by a matching closer"
        )

    def describe(self) -> str:
        return "Nest parentheses (and [brackets {and braces}]) at least 5 levels deep."


# --- format:quote_unquote -----------------------------------------------------------------------

_QUOTED_QUOTE = "'\"'"
_AFTER_CLOSING = string.digits + string.punctuation.replace('"', "")
_CURLY_DOUBLE = str.maketrans({"\u201c": '"', "\u201d": '"'})
_NON_SPACE_RE = re.compile(r"\S+")


def _squeezed_to_original(text: str, squeezed_index: int) -> int:
    """The index in ``text`` of character ``squeezed_index`` of its squeezed form (``'"'``
    removed, then all whitespace removed)."""
    removed: list[int] = []  # where each removed '"' sits, in the text after the removals
    start = 0
    while (found := text.find(_QUOTED_QUOTE, start)) >= 0:
        removed.append(found - 3 * len(removed))
        start = found + 3
    unquoted = text.replace(_QUOTED_QUOTE, "")
    total = 0
    for match in _NON_SPACE_RE.finditer(unquoted):
        size = match.end() - match.start()
        if squeezed_index < total + size:
            index = match.start() + squeezed_index - total
            return index + 3 * bisect_right(removed, index)
        total += size
    return len(text)


@register
class QuoteUnquote(Constraint):
    """Every quoted phrase is followed by unquoted text: with the literal ``'"'`` removed and
    all whitespace deleted, ``""`` must not occur and the text must not end with ``"`` (digits
    and other ASCII punctuation after it do not count).

    Reference quirk: only straight ``"`` counts; its attempt to turn curly quotes into straight
    ones replaces ``"`` with itself. Corrected mode treats “ and ” as ``"``.
    """

    id = "format:quote_unquote"
    summary = "Every quoted phrase is followed by an unquoted explanation."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        text = response
        if context.compat == "corrected":
            text = text.translate(_CURLY_DOUBLE)
        squeezed = "".join(text.replace(_QUOTED_QUOTE, "").split())
        adjacent = squeezed.find('""')
        if adjacent >= 0:
            index = _squeezed_to_original(text, adjacent + 1)
            return False, (
                f"a quote follows a quoted phrase with no explanation between, "
                f"{around(response, index)}"
            )
        tail = squeezed.rstrip(_AFTER_CLOSING)
        if tail.endswith('"'):
            index = _squeezed_to_original(text, len(tail) - 1)
            return False, (
                f"the response ends with a quoted phrase and no explanation after it, "
                f"{around(response, index)}"
            )
        quotes = squeezed.count('"')
        return True, f"{plural(quotes, 'double quote')}; none left without an explanation after"

    def describe(self) -> str:
        return "Follow every quoted phrase with an explanation that is not in quotes."


# --- format:quotes ------------------------------------------------------------------------------

_QUOTE_CHAR_RE = re.compile("[\"']")
_QUOTE_DEPTH = 3


@register
class Quotes(Constraint):
    """Quotes nested at least 3 deep, alternating ``"`` and ``'``: a quote character that
    equals the innermost open one closes it, any other opens a new level; it passes once three
    levels below the deepest level reached have been closed. Apostrophes count as single
    quotes."""

    id = "format:quotes"
    summary = "Quotes within quotes within quotes, 3 levels deep, alternating \" and '."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        stack: list[str] = []
        deepest = 0
        for match in _QUOTE_CHAR_RE.finditer(response):
            char = match.group()
            if stack and stack[-1] == char:
                stack.pop()
                if deepest - len(stack) >= _QUOTE_DEPTH:
                    index = match.start()
                    return True, (
                        f"quotes nested {deepest} deep and closed, at {around(response, index)}"
                    )
            else:
                stack.append(char)
                deepest = max(deepest, len(stack))
        return False, (
            f"quotes nested at most {deepest} deep, and {_QUOTE_DEPTH} nested levels were never "
            "closed (apostrophes count as single quotes)"
        )

    def describe(self) -> str:
        return (
            "Include quotes within quotes within quotes, at least 3 levels deep, alternating "
            "between double quotes and single quotes."
        )


# --- format:sub-bullets -------------------------------------------------------------------------


@register
class SubBullets(Constraint):
    """Every ``*`` is followed by a ``-`` before the next ``*`` (or the end). Anywhere in the
    text, not only at line starts, so ``**bold**`` fails; a response with no ``*`` passes."""

    id = "format:sub-bullets"
    summary = "'*' bullet points, each with at least one '-' sub-bullet."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        star = response.find("*")
        stars = 0
        while star >= 0:
            stars += 1
            following = response.find("*", star + 1)
            end = len(response) if following < 0 else following
            if response.find("-", star + 1, end) < 0:
                return False, (
                    f"the '*' at {around(response, star)} has no '-' after it before the "
                    f"{'next *' if following >= 0 else 'end'}"
                )
            star = following
        if not stars:
            return True, "no '*' at all (nothing to check: passes)"
        return True, f"each of the {plural(stars, '*')} is followed by a '-' before the next"

    def describe(self) -> str:
        return (
            "Use bullet points marked with *, and give each bullet point at least one "
            "sub-bullet marked with -."
        )


# --- format:thesis ------------------------------------------------------------------------------


@register
class Thesis(Constraint):
    """An italic thesis in HTML followed by more text.

    As in the reference: the first ``<i>`` is used if there is one, else the first ``<em>``;
    the closer is the first ``</i>`` after it, else the first ``</em>``. The thesis is taken
    from three characters after the opening tag's start and the rest from four after the
    closer's start, so with ``<em>…</em>`` a stray ``>`` counts as text on both sides.
    """

    id = "format:thesis"
    summary = "A thesis statement in HTML italics (<i> or <em>) followed by more text."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        start = response.find("<i>")
        if start < 0:
            start = response.find("<em>")
            if start < 0:
                return False, "no <i> or <em> tag"
        end = response.find("</i>", start)
        if end < 0:
            end = response.find("</em>", start)
            if end < 0:
                return (
                    False,
                    f"no </i> or </em> after the opening tag at line {line_of(response, start)}",
                )
        thesis = response[start + 3 : end]
        if not thesis.strip():
            return False, f"the italic thesis is empty ({at(response, start, end)})"
        if not response[end + 4 :].strip():
            return False, f"nothing follows the italic thesis ({at(response, start, end)})"
        return True, f"italic thesis {quote(thesis.strip())} at line {line_of(response, start)}"

    def describe(self) -> str:
        return (
            "Begin each section with a thesis statement in italics; use HTML (<i>…</i>) for "
            "the italics."
        )


# --- format:title_case --------------------------------------------------------------------------

_GAP_RE = re.compile(r"\s*")


def _token_position(text: str, tokens: list[str], target: int) -> int | None:
    """Where ``tokens[target]`` starts in ``text``, by walking the tokens in order; ``None``
    when the tokenizer rewrote the token (quotes) so that it cannot be found."""
    cursor = 0
    place: int | None = None
    for token in tokens[: target + 1]:
        gap = _GAP_RE.match(text, cursor)
        cursor = gap.end() if gap else cursor
        found = text.find(token, cursor, cursor + len(token) + 4)
        place = found if found >= 0 else None
        if found >= 0:
            cursor = found + len(token)
    return place


@register
class TitleCase(Constraint):
    """Every word token (NLTK ``word_tokenize``) that starts with a letter is capitalised:
    a one-letter token must not be lower case, and a longer one fails when its first letter is
    lower case and the rest is all lower or all upper case. Short words (of, the, and) are not
    exempt; all-caps words and mixed forms such as ``iPhone`` pass."""

    id = "format:title_case"
    summary = "Title case: every word starts with a capital letter."
    cost = 2.0
    work_group = "tokens"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        tokens = word_tokenize(response)
        for index, token in enumerate(tokens):
            if not token or not token[0].isalpha():
                continue
            head, rest = token[0], token[1:]
            if not head.islower():
                continue
            if rest and not (rest.islower() or rest.isupper()):
                continue
            place = _token_position(response, tokens, index)
            where = f" at {around(response, place)}" if place is not None else ""
            return False, f"word {index + 1} {quote(token)} is not capitalised{where}"
        return True, f"all {plural(len(tokens), 'token')} capitalised or not words"

    def describe(self) -> str:
        return (
            "Write the entire response in title case (capitalize the first letter of every "
            "major word)."
        )
