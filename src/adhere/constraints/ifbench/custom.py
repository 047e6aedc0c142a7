"""``custom:*``: IFBench's one-off tasks, each checked against fixed facts.

Every check here belongs to a single fixed request (a CSV table with given columns, a sorted
list of capitals, a count of multiples of 7, ...), so the facts it compares with are part of
the check and the constraints take no params.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from adhere.constraints.base import CheckContext, Constraint, Outcome, register
from adhere.text.locate import around, line_of, plural, quote
from adhere.text.punctuation import DROP_PUNCTUATION as _NO_PUNCT
from adhere.text.punctuation import PUNCTUATION_AND_SPACE as _PUNCT_AND_SPACE
from adhere.text.punkt import sentence_spans


def _ascii_fold(text: str) -> str:
    """Compatibility-decompose ``text`` and drop everything outside ASCII (accents go)."""
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _csv_rows(text: str, delimiter: str = ",") -> list[list[str]] | str:
    """The rows Python's ``csv.reader`` reads from ``text``, or the parser's error message."""
    import csv
    import io

    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        return str(error)


def _cannot_parse(error: str) -> Outcome:
    return None, f"the csv module cannot read the text ({error}); the reference check raises"


# --- the US national animal, reversed -------------------------------------------------------

_BACKWARDS = "elgae dlab"


@register
class CharacterReverse(Constraint):
    id = "custom:character_reverse"
    summary = "Answers 'bald eagle' spelled backwards letter by letter ('elgae dlab' appears)."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        lowered = response.lower()
        index = lowered.find(_BACKWARDS)
        if index < 0:
            return False, f"{_BACKWARDS!r} (bald eagle reversed) does not appear (any case)"
        return True, f"found {_BACKWARDS!r} at {around(lowered, index)}"

    def describe(self) -> str:
        return (
            "Which animal is the national symbol of the US? Answer, but write your sentence "
            "backwards, letter by letter."
        )


@register
class WordReverse(Constraint):
    id = "custom:word_reverse"
    summary = "Answers with the words in reverse order: read backwards it contains 'bald eagle'."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        cleaned = response.lower().strip().translate(_NO_PUNCT)
        backwards = " ".join(reversed(cleaned.split()))
        if "bald eagle" not in backwards:
            return False, (
                f"read word by word backwards, the text is {quote(backwards, 60)}, "
                "which does not contain 'bald eagle'"
            )
        # No ASCII sentence mark is left, so Punkt (the reference's test) finds one sentence.
        spans = sentence_spans(backwards)
        if (0, len(backwards)) not in spans:
            return False, (
                f"read backwards, the text is {plural(len(spans), 'sentence')}, not one sentence"
            )
        return True, f"read word by word backwards: {quote(backwards, 60)}"

    def describe(self) -> str:
        return (
            "Which animal is the national symbol of the US? Answer, but put the words of your "
            "sentence in reverse order."
        )


# --- CSV tables -----------------------------------------------------------------------------

_CITY_HEADER = ["ID", "Country", "City", "Year", "Count"]


@register
class CsvCity(Constraint):
    id = "custom:csv_city"
    summary = "Comma-separated CSV: the header ID,Country,City,Year,Count and 7 rows of 5 fields."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        rows = _csv_rows(response)
        if isinstance(rows, str):
            return _cannot_parse(rows)
        if len(rows) != 8:
            return False, (
                f"{plural(len(rows), 'CSV row')} (blank lines count); needs exactly 8: "
                "the header and 7 data rows"
            )
        if rows[0] != _CITY_HEADER:
            shown = quote(",".join(rows[0]), 60)
            return False, f"the header row is {shown}; needs 'ID,Country,City,Year,Count'"
        for number, row in enumerate(rows[1:], start=2):
            if len(row) != 5:
                return False, f"row {number} has {plural(len(row), 'field')}; needs 5"
        return True, "the header and 7 rows of 5 fields"

    def describe(self) -> str:
        return (
            "Write comma-separated CSV data with the columns ID, Country, City, Year and Count, "
            "and 7 data rows."
        )


_QUOTES_HEADER_RE = re.compile(
    r'^(StudentID|"StudentID")\t *(Subject|"Subject")\t *(Grade|"Grade")'
    r'\t *(Semester|"Semester")\t *(Score|"Score")$'
)


@register
class CsvQuotes(Constraint):
    id = "custom:csv_quotes"
    summary = (
        "Tab-separated: header StudentID, Subject, Grade, Semester, Score and 3 rows, "
        "every field in double quotes."
    )

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        header = response.split("\n", 1)[0].strip()
        if not _QUOTES_HEADER_RE.match(header):
            return False, (
                f"the first line is {quote(header, 60)}; needs the tab-separated header "
                "StudentID, Subject, Grade, Semester, Score"
            )
        # Tripled quotes make the reader keep each field's own quotes, as the reference does.
        rows = _csv_rows(response.replace('"', '"""'), "\t")
        if isinstance(rows, str):
            return _cannot_parse(rows)
        if len(rows) != 4:
            return False, (
                f"{plural(len(rows), 'tab-separated row')} (blank lines count); needs exactly "
                "4: the header and 3 data rows"
            )
        for number, row in enumerate(rows, start=1):
            if len(row) != 5:
                return False, f"row {number} has {plural(len(row), 'field')}; needs 5"
            for field_number, field in enumerate(row, start=1):
                text = field.strip()
                if not text:
                    return None, (
                        f"field {field_number} of row {number} is blank; the reference check "
                        "raises an error on it"
                    )
                if text[0] != '"' or text[-1] != '"':
                    return False, (
                        f"field {field_number} of row {number} ({quote(text, 30)}) is not "
                        "enclosed in double quotes"
                    )
        return True, "the header and 3 rows of 5 double-quoted, tab-separated fields"

    def describe(self) -> str:
        return (
            "Write tab-separated CSV data with the columns StudentID, Subject, Grade, Semester "
            "and Score, and 3 data rows; put every field in double quotes."
        )


_SPECIAL_HEADER_RE = re.compile(
    r'^(ProductID|"ProductID"),[ \t]*(Category|"Category"),[ \t]*(Brand|"Brand"),'
    r'[ \t]*(Price|"Price"),[ \t]*(Stock|"Stock")$'
)
_SPECIAL_CHAR_RE = re.compile(r"[^\w\s]")


def _quoted_special(field: str) -> bool:
    """Whether ``field`` matches ``".*[^\\d\\w\\s].*"`` at its start (in linear time).

    That is: it opens with a quote, and before its first newline a later quote follows some
    character that is neither a word character nor whitespace (a quote itself counts).
    """
    if not field.startswith('"'):
        return False
    newline = field.find("\n")
    line = field if newline < 0 else field[:newline]
    last_quote = line.rfind('"', 1)
    return last_quote > 1 and _SPECIAL_CHAR_RE.search(line, 1, last_quote) is not None


@register
class CsvSpecialCharacter(Constraint):
    id = "custom:csv_special_character"
    summary = (
        "Comma-separated: header ProductID, Category, Brand, Price, Stock and 14 rows; "
        "a double-quoted field holds a special character."
    )

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        header = response.split("\n", 1)[0].strip()
        if not _SPECIAL_HEADER_RE.match(header):
            return False, (
                f"the first line is {quote(header, 60)}; needs the comma-separated header "
                "ProductID, Category, Brand, Price, Stock"
            )
        rows = _csv_rows(response.replace('"', '"""'))
        if isinstance(rows, str):
            return _cannot_parse(rows)
        if len(rows) != 15:
            return False, (
                f"{plural(len(rows), 'CSV row')} (blank lines count); needs exactly 15: "
                "the header and 14 data rows"
            )
        for number, row in enumerate(rows[1:], start=2):
            if len(row) != 5:
                return False, f"row {number} has {plural(len(row), 'field')}; needs 5"
            found = next((field for field in row if _quoted_special(field)), None)
            if found is not None:
                # The reference stops at the first such row: later rows go unchecked.
                return True, (
                    f"row {number} has the quoted field {quote(found, 40)} with a special character"
                )
        return False, "no data row has a double-quoted field with a special character"

    def describe(self) -> str:
        return (
            "Write comma-separated CSV data with the columns ProductID, Category, Brand, Price "
            "and Stock, and 14 data rows; one field should contain a special character and be "
            "enclosed in double quotes."
        )


# --- lists ----------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LONG_MONTHS = frozenset((1, 3, 5, 7, 8, 10, 12))
_SHORT_MONTHS = frozenset((4, 6, 9, 11))


def _date_problem(date: str) -> str | None:
    """Why ``date`` is not an acceptable date (YYYY-MM-DD within Napoleon's lifetime)."""
    if not _DATE_RE.match(date):
        return "is not in the form YYYY-MM-DD"
    year, month, day = (int(part) for part in date.split("-"))
    if not 1769 <= year <= 1821:
        return "has a year outside 1769-1821"
    if month > 12:
        return "has a month above 12"
    if month in _LONG_MONTHS and day > 31:
        return "has a day above 31"
    if month in _SHORT_MONTHS and day > 30:
        return "has a day above 30"
    if month == 2 and day > 29:
        return "has a day above 29 in February"
    return None


@register
class DateFormatList(Constraint):
    id = "custom:date_format_list"
    summary = "Only comma-separated dates YYYY-MM-DD with years 1769-1821 (nothing else)."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        items = response.strip().split(",")
        for number, item in enumerate(items, start=1):
            problem = _date_problem(item.strip())
            if problem is not None:
                return False, f"item {number} ({quote(item.strip(), 30)}) {problem}"
        return True, f"{plural(len(items), 'date')}, all YYYY-MM-DD within 1769-1821"

    def describe(self) -> str:
        return (
            "List the start dates of all of Napoleon's battles, separated by commas, in the "
            "format YYYY-MM-DD, with no explanation."
        )


_CAPITALS_BY_LATITUDE = (
    "Reykjavik",
    "Helsinki",
    "Oslo",
    "Tallinn",
    "Stockholm",
    "Riga",
    "Moscow",
    "Copenhagen",
    "Vilnius",
    "Minsk",
    "Dublin",
    "Berlin",
    "Amsterdam",
    "Warsaw",
    "London",
    "Brussels",
    "Prague",
    "Luxembourg",
    "Paris",
    "Vienna",
    "Bratislava",
    "Budapest",
    "Vaduz",
    "Chisinau",
    "Bern",
    "Ljubljana",
    "Zagreb",
)
"""European capitals north of 45°, from north to south: the reference's answer key."""


@register
class EuropeanCapitalsSort(Constraint):
    id = "custom:european_capitals_sort"
    summary = "Exactly the 27 European capitals north of 45°, comma-separated, north to south."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        names = [name for name in _ascii_fold(response).split(",") if name.strip()]
        wanted = len(_CAPITALS_BY_LATITUDE)
        if len(names) != wanted:
            return False, f"{plural(len(names), 'comma-separated name')}; needs exactly {wanted}"
        for number, (name, capital) in enumerate(
            zip(names, _CAPITALS_BY_LATITUDE, strict=True), start=1
        ):
            if name.strip() != capital:
                return False, f"name {number} is {quote(name.strip(), 30)}; needs {capital!r}"
        return True, f"the {wanted} capitals in order from Reykjavik to Zagreb"

    def describe(self) -> str:
        return (
            "Name every capital of a European country that lies north of 45 degrees latitude, "
            "without the countries, separated by commas, from the northernmost to the "
            "southernmost."
        )


_QUESTION_SPLIT_RE = re.compile(r"Question \d+[.|):;]?\s*")
_OPTION_RE = re.compile(r"[A-Ea-e][.|)]\s*\w+")


@register
class McqCountLength(Constraint):
    id = "custom:mcq_count_length"
    summary = (
        "Starts with 'Question'; 4 'Question N' blocks, each with 5 options A-E, "
        "question texts getting longer."
    )

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        start = response.find("Question")
        if response[start:] != response:
            if start < 0:
                return False, "the word 'Question' does not appear"
            return False, f"text comes before the first 'Question': {quote(response[:start])}"
        # The reference's split pattern also swallows newlines before each label; they are
        # stripped below either way.
        questions = [q.strip() for q in _QUESTION_SPLIT_RE.split(response) if q.strip()]
        if len(questions) != 4:
            return False, (
                f"{plural(len(questions), 'question')} labelled 'Question <number>'; needs 4"
            )
        lengths = []
        for number, question in enumerate(questions, start=1):
            text: list[str] = []
            options = 0
            for line in question.split("\n"):
                line = line.strip()
                if _OPTION_RE.match(line):
                    options += 1
                elif not options:
                    text.append(line)
            if options != 5:
                return False, (
                    f"question {number} has {plural(options, 'option line')} "
                    "(like 'A) ...'); needs 5"
                )
            lengths.append(len(" ".join(text).strip()))
        shown = ", ".join(str(n) for n in lengths)
        for number in range(1, len(lengths)):
            if lengths[number - 1] >= lengths[number]:
                return False, (
                    f"question texts are {shown} characters long; question {number + 1} is "
                    f"not longer than question {number}"
                )
        return True, f"4 questions with 5 options each, {shown} characters long"

    def describe(self) -> str:
        return (
            "Write 4 multiple-choice questions about 20th-century art history, with 5 options "
            "each; label each question 'Question', make each question longer than the one "
            "before, and give no explanation."
        )


_MULTIPLES_OF_7 = [str(n) for n in range(14, 51, 7)]
_DIGITS_RE = re.compile(r"\d+")


@register
class Multiples(Constraint):
    id = "custom:multiples"
    summary = "The only numbers in the response are 14, 21, 28, 35, 42, 49, in this order."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        numbers = _DIGITS_RE.findall(response)
        wanted = ", ".join(_MULTIPLES_OF_7)
        if numbers == _MULTIPLES_OF_7:
            return True, f"the numbers are exactly {wanted}"
        shown = ", ".join(numbers[:10]) + (", …" if len(numbers) > 10 else "")
        found = f"found {plural(len(numbers), 'number')}" + (f" ({shown})" if numbers else "")
        return False, f"{found}; needs exactly {wanted} and no other numbers"

    def describe(self) -> str:
        return "Count from 10 to 50, printing only the multiples of 7."


@register
class ReverseNewline(Constraint):
    id = "custom:reverse_newline"
    summary = (
        "From the first line naming Zimbabwe: at least 52 non-empty lines in reverse "
        "alphabetical order."
    )

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        lines: list[tuple[int, str]] = []
        for number, raw in enumerate(response.split("\n"), start=1):
            line = raw.strip(_PUNCT_AND_SPACE)
            if line:
                lines.append((number, line))
        start = next((i for i, (_, line) in enumerate(lines) if "Zimbabwe" in line), None)
        if start is None:
            return False, "no line contains 'Zimbabwe' (where the list must begin)"
        listed = lines[start:]
        if len(listed) < 52:
            return False, (
                f"{plural(len(listed), 'non-empty line')} from the 'Zimbabwe' line "
                f"(line {listed[0][0]}) on; needs at least 52"
            )
        folded = [_ascii_fold(line) for _, line in listed]
        for i in range(len(folded) - 1):
            if folded[i] < folded[i + 1]:
                return False, (
                    f"line {listed[i][0]} {quote(listed[i][1], 30)} comes before line "
                    f"{listed[i + 1][0]} {quote(listed[i + 1][1], 30)}: not reverse "
                    "alphabetical"
                )
        return True, (
            f"{len(listed)} lines from line {listed[0][0]} on, in reverse alphabetical order"
        )

    def describe(self) -> str:
        return "List the countries of Africa in reverse alphabetical order, one per line."


def _first_character(sentence: str, skip: Callable[[str], bool]) -> str:
    """The lower-cased first character of the sentence's first word, after skipped ones."""
    words = sentence.lstrip().split()
    if not words:
        return ""
    first = words[0]
    if skip(first[0]):
        rest = sentence.lstrip()
        index = next((i for i, c in enumerate(rest) if c.isalnum()), -1)
        return "" if index < 0 else rest[index].lower()[0]
    return first.lower()[0]


@register
class SentenceAlphabet(Constraint):
    id = "custom:sentence_alphabet"
    summary = "26 Punkt sentences whose first words start with a, b, c, ... z in order."
    cost = 1.0
    work_group = "sentences"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        spans = sentence_spans(response)
        if len(spans) != 26:
            return False, f"{plural(len(spans), 'sentence')}; needs exactly 26"
        corrected = context.compat == "corrected"

        def skip(c: str) -> bool:
            return corrected and not c.isalnum()

        for i, (start, end) in enumerate(spans):
            letter = chr(ord("a") + i)
            found = _first_character(response[start:end], skip)
            if found != letter:
                shown = quote(found) if found else "nothing"
                return False, (
                    f"sentence {i + 1} (line {line_of(response, start)}) starts with {shown}; "
                    f"needs {letter!r}"
                )
        return True, "26 sentences starting with a to z in order"

    def describe(self) -> str:
        return (
            "Tell a story of 26 sentences whose first words begin with the letters of the "
            "alphabet, A to Z, in order."
        )
