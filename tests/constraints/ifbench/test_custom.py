"""Unit tests for the IFBench ``custom:*`` constraints: verdicts, quirks, evidence, params."""

from __future__ import annotations

import string

import pytest

from adhere.constraints import CheckContext, Compat
from adhere.core.errors import ParamError
from adhere.core.types import ConstraintSpec
from adhere.scoring.evaluate import build
from tests.constraints.ifbench.examples_custom import EXAMPLES


def check(cid: str, text: str, compat: Compat = "reference") -> tuple[bool | None, str]:
    verdict = build(ConstraintSpec(cid, {})).check(text, CheckContext("strict", compat))
    return verdict.passed, verdict.evidence


def passed(cid: str, text: str, compat: Compat = "reference") -> bool | None:
    return check(cid, text, compat)[0]


# --- fixtures written for these tests ---------------------------------------------------------

CITY_CSV = "ID,Country,City,Year,Count\n" + "\n".join(
    f"{n},Peru,Lima,{2000 + n},{n * 10}" for n in range(1, 8)
)
QUOTES_TSV = '"StudentID"\t"Subject"\t"Grade"\t"Semester"\t"Score"\n' + "\n".join(
    f'"{n}"\t"Art"\t"B"\t"Fall"\t"{80 + n}"' for n in range(1, 4)
)
PRODUCT_ROWS = [f"{n},Toys,Acme,9.99,{n}" for n in range(1, 15)]
PRODUCT_ROWS[4] = '5,Toys,"Acme & Sons",9.99,5'
SPECIAL_CSV = "ProductID,Category,Brand,Price,Stock\n" + "\n".join(PRODUCT_ROWS)
CAPITALS = (
    "Reykjavík, Helsinki, Oslo, Tallinn, Stockholm, Riga, Moscow, Copenhagen, Vilnius, Minsk, "
    "Dublin, Berlin, Amsterdam, Warsaw, London, Brussels, Prague, Luxembourg, Paris, Vienna, "
    "Bratislava, Budapest, Vaduz, Chișinău, Bern, Ljubljana, Zagreb"
)
ALPHABET_STORY = " ".join(f"{c.upper()}ob walked home." for c in string.ascii_lowercase)
COUNTRY_LINES = ["Zimbabwe"] + [f"Country {n:02d}" for n in range(51, 0, -1)]


def mcq(lengths: tuple[int, ...] = (10, 20, 30, 40), options: int = 5) -> str:
    blocks = []
    for number, length in enumerate(lengths, start=1):
        letters = "ABCDE" if options <= 5 else "ABCDEA"
        opts = "\n".join(f"{letters[i]}) choice" for i in range(options))
        blocks.append(f"Question {number}: {'w' * length}\n{opts}")
    return "\n\n".join(blocks)


def test_examples_cover_every_custom_id() -> None:
    assert sorted(EXAMPLES) == [
        "custom:character_reverse",
        "custom:csv_city",
        "custom:csv_quotes",
        "custom:csv_special_character",
        "custom:date_format_list",
        "custom:european_capitals_sort",
        "custom:mcq_count_length",
        "custom:multiples",
        "custom:reverse_newline",
        "custom:sentence_alphabet",
        "custom:word_reverse",
    ]


CASES = [
    ("custom:character_reverse", ".elgae dlab ehT", True),
    ("custom:character_reverse", "ELGAE DLAB", True),
    ("custom:character_reverse", "The bald eagle.", False),
    ("custom:word_reverse", "Eagle bald the is symbol national the.", True),
    ("custom:word_reverse", "The national symbol is the bald eagle.", False),
    ("custom:csv_city", CITY_CSV, True),
    ("custom:csv_city", CITY_CSV + "\n", True),
    ("custom:csv_city", CITY_CSV.replace("Count", "Total"), False),
    ("custom:csv_city", CITY_CSV.rsplit("\n", 1)[0], False),
    ("custom:csv_city", CITY_CSV.replace("Lima,2003", "Lima"), False),
    ("custom:csv_quotes", QUOTES_TSV, True),
    ("custom:csv_quotes", QUOTES_TSV.replace("\t", ","), False),
    ("custom:csv_quotes", QUOTES_TSV.replace('"Art"', "Art", 1), False),
    ("custom:csv_quotes", QUOTES_TSV + '\n"4"\t"Art"\t"B"\t"Fall"\t"84"', False),
    ("custom:csv_special_character", SPECIAL_CSV, True),
    ("custom:csv_special_character", SPECIAL_CSV.replace('"Acme & Sons"', "Acme"), False),
    ("custom:csv_special_character", SPECIAL_CSV.replace("Stock", "Stock,Note"), False),
    ("custom:csv_special_character", SPECIAL_CSV.rsplit("\n", 1)[0], False),
    ("custom:date_format_list", "1805-12-02, 1806-10-14,1809-07-05", True),
    ("custom:date_format_list", "1805-12-02", True),
    ("custom:date_format_list", "2 December 1805", False),
    ("custom:date_format_list", "1805-12-02, 1806-10-14.", False),
    ("custom:date_format_list", "1768-12-02", False),
    ("custom:date_format_list", "1822-01-01", False),
    ("custom:date_format_list", "1805-13-01", False),
    ("custom:date_format_list", "1805-04-31", False),
    ("custom:date_format_list", "1805-02-30", False),
    ("custom:date_format_list", "1805-01-32", False),
    ("custom:european_capitals_sort", CAPITALS, True),
    ("custom:european_capitals_sort", CAPITALS.replace("Oslo, Tallinn", "Tallinn, Oslo"), False),
    ("custom:european_capitals_sort", CAPITALS.replace(", Zagreb", ""), False),
    ("custom:european_capitals_sort", CAPITALS + ", Rome", False),
    ("custom:mcq_count_length", mcq(), True),
    ("custom:mcq_count_length", mcq((10, 20, 30)), False),
    ("custom:mcq_count_length", mcq((10, 20, 30, 40, 50)), False),
    ("custom:mcq_count_length", mcq(options=4), False),
    ("custom:mcq_count_length", mcq(options=6), False),
    ("custom:mcq_count_length", mcq((10, 30, 20, 40)), False),
    ("custom:mcq_count_length", mcq((10, 20, 20, 40)), False),
    ("custom:multiples", "14, 21, 28, 35, 42, 49", True),
    ("custom:multiples", "14\n21\n28\n35\n42\n49", True),
    ("custom:multiples", "14, 21, 28, 35, 42", False),
    ("custom:multiples", "49, 42, 35, 28, 21, 14", False),
    ("custom:multiples", "7, 14, 21, 28, 35, 42, 49", False),
    ("custom:reverse_newline", "\n".join(COUNTRY_LINES), True),
    ("custom:reverse_newline", "\n".join(COUNTRY_LINES[:-1]), False),
    ("custom:reverse_newline", "\n".join(reversed(COUNTRY_LINES)), False),
    ("custom:reverse_newline", "\n".join([*COUNTRY_LINES[1:], "Aruba"]), False),
    ("custom:sentence_alphabet", ALPHABET_STORY, True),
    ("custom:sentence_alphabet", ALPHABET_STORY.replace("Cob", "Rob"), False),
    ("custom:sentence_alphabet", ALPHABET_STORY.replace(" Zob walked home.", ""), False),
    ("custom:sentence_alphabet", ALPHABET_STORY + " Zed too.", False),
]


@pytest.mark.parametrize(("cid", "text", "expected"), CASES)
def test_verdicts(cid: str, text: str, expected: bool) -> None:
    assert passed(cid, text) is expected


@pytest.mark.parametrize(("cid", "text", "expected"), CASES)
def test_corrected_mode_agrees_on_plain_cases(cid: str, text: str, expected: bool) -> None:
    assert passed(cid, text, "corrected") is expected


@pytest.mark.parametrize("cid", sorted(EXAMPLES))
def test_custom_constraints_take_no_params(cid: str) -> None:
    with pytest.raises(ParamError, match="unknown param 'N'"):
        build(ConstraintSpec(cid, {"N": 3}))
    # IFBench pads every record with null kwargs: those are ignored.
    assert build(ConstraintSpec(cid, {"N": None, "prompt_to_repeat": None})).to_params() == {}


@pytest.mark.parametrize("cid", sorted(EXAMPLES))
def test_describe_states_the_task(cid: str) -> None:
    text = build(ConstraintSpec(cid, {})).describe()
    assert text and text[-1] in ".?"


# --- reference quirks, each reproduced by default ---------------------------------------------


def test_quirk_character_reverse_only_looks_for_the_reversed_name() -> None:
    # Nothing else needs to be reversed: a forward sentence with the phrase in it passes.
    assert passed("custom:character_reverse", "The national animal is the elgae dlab.") is True


def test_quirk_word_reverse_only_needs_eagle_bald_somewhere() -> None:
    assert passed("custom:word_reverse", "My answer: eagle bald!") is True
    assert passed("custom:word_reverse", "Bald eagle symbol.") is False


def test_quirk_csv_blank_lines_count_as_rows() -> None:
    text = CITY_CSV.replace("\n", "\n\n", 1)
    passed_, evidence = check("custom:csv_city", text)
    assert passed_ is False
    assert "9 CSV rows" in evidence


def test_quirk_csv_reader_errors_make_the_check_undecided() -> None:
    passed_, evidence = check("custom:csv_city", "ID,Country\rCity")
    assert passed_ is None
    assert "csv module cannot read" in evidence


def test_quirk_csv_quotes_blank_field_raises_in_the_reference() -> None:
    text = QUOTES_TSV.replace('"Fall"', "  ", 1)
    passed_, evidence = check("custom:csv_quotes", text)
    assert passed_ is None
    assert "field 4 of row 2 is blank" in evidence
    # an unquoted field earlier in the row decides first
    assert passed("custom:csv_quotes", text.replace('"1"', "1", 1)) is False


def test_quirk_csv_quotes_unquoted_header_matches_but_then_fails_the_field_check() -> None:
    text = QUOTES_TSV.replace('"StudentID"', "StudentID")
    passed_, evidence = check("custom:csv_quotes", text)
    assert passed_ is False
    assert "field 1 of row 1" in evidence


def test_quirk_csv_quotes_needs_a_tab_header_but_allows_spaces_after_tabs() -> None:
    assert passed("custom:csv_quotes", QUOTES_TSV.replace('\t"Subject"', '\t  "Subject"')) is True
    assert passed("custom:csv_quotes", QUOTES_TSV.replace('"\t"Subject"', '" \t"Subject"')) is False


def test_quirk_csv_special_stops_at_the_first_quoted_special_field() -> None:
    # A later row with too few fields goes unchecked once a quoted special field is found.
    rows = PRODUCT_ROWS[:]
    rows[9] = "10,Toys,Acme,9.99"
    assert (
        passed(
            "custom:csv_special_character",
            "ProductID,Category,Brand,Price,Stock\n" + "\n".join(rows),
        )
        is True
    )
    rows[1] = "2,Toys,Acme,9.99"
    assert (
        passed(
            "custom:csv_special_character",
            "ProductID,Category,Brand,Price,Stock\n" + "\n".join(rows),
        )
        is False
    )


def test_quirk_csv_special_a_quote_inside_quotes_counts_as_special() -> None:
    text = SPECIAL_CSV.replace('"Acme & Sons"', '"Acme ""Best"" Sons"')
    assert passed("custom:csv_special_character", text) is True
    plain = SPECIAL_CSV.replace('"Acme & Sons"', '"Acme Sons"')
    assert passed("custom:csv_special_character", plain) is False


def test_quirk_date_month_and_day_zero_and_february_29_pass() -> None:
    assert passed("custom:date_format_list", "1805-00-00, 1805-02-29") is True
    # a month of 00 has no day limit at all
    assert passed("custom:date_format_list", "1805-00-99") is True


def test_quirk_dates_accept_any_unicode_digits() -> None:
    assert passed("custom:date_format_list", "١٨٠٥-١٢-٠٢") is True


def test_quirk_capitals_need_bare_names_without_a_final_period() -> None:
    assert passed("custom:european_capitals_sort", CAPITALS + ".") is False
    assert passed("custom:european_capitals_sort", CAPITALS.replace(", ", ",\n")) is True


def test_quirk_mcq_needs_numbered_labels() -> None:
    unnumbered = "\n\n".join(
        block.replace(f"Question {n}:", "Question:")
        for n, block in enumerate(mcq().split("\n\n"), start=1)
    )
    passed_, evidence = check("custom:mcq_count_length", unnumbered)
    assert passed_ is False
    assert evidence == "1 question labelled 'Question <number>'; needs 4"


def test_quirk_mcq_rejects_anything_before_the_first_question() -> None:
    passed_, evidence = check("custom:mcq_count_length", "Here you go:\n" + mcq())
    assert passed_ is False
    assert "before the first 'Question'" in evidence
    assert passed("custom:mcq_count_length", " " + mcq()) is False


def test_quirk_multiples_counts_every_number_in_the_text() -> None:
    passed_, evidence = check("custom:multiples", "From 10 to 50: 14, 21, 28, 35, 42, 49")
    assert passed_ is False
    assert "found 8 numbers (10, 50, 14" in evidence


def test_quirk_reverse_newline_ignores_lines_before_zimbabwe_and_needs_52() -> None:
    assert passed("custom:reverse_newline", "Algeria\nEgypt\n" + "\n".join(COUNTRY_LINES)) is True
    # duplicates and made-up names are fine; only the order and count matter
    assert passed("custom:reverse_newline", "\n".join(["Zimbabwe"] * 52)) is True


def test_quirk_reverse_newline_compares_accent_folded_code_points() -> None:
    lines = ["Zimbabwe", "Zambia", "São Tomé", "Sao Tome", "Rwanda"] + ["A"] * 47
    assert passed("custom:reverse_newline", "\n".join(lines)) is True
    # code-point order: every capital letter sorts before every lower-case letter
    lines[2] = "uganda"
    assert passed("custom:reverse_newline", "\n".join(lines)) is False


def test_quirk_sentence_alphabet_takes_a_leading_quote_as_the_first_letter() -> None:
    story = ALPHABET_STORY.replace("Aob walked home.", '"Apples," Aob said.')
    passed_, evidence = check("custom:sentence_alphabet", story)
    assert passed_ is False
    assert evidence == "sentence 1 (line 1) starts with '\"'; needs 'a'"


def test_corrected_sentence_alphabet_skips_leading_punctuation() -> None:
    story = ALPHABET_STORY.replace("Aob walked home.", '"Apples," Aob said.')
    assert passed("custom:sentence_alphabet", story, "corrected") is True
    story = ALPHABET_STORY.replace("Bob walked home.", "(Bob) walked home.")
    assert passed("custom:sentence_alphabet", story, "corrected") is True
    story = ALPHABET_STORY.replace("Bob walked home.", '"Rob" walked home.')
    assert passed("custom:sentence_alphabet", story, "corrected") is False


# --- evidence ---------------------------------------------------------------------------------


EVIDENCE = [
    ("custom:character_reverse", "eagle", "'elgae dlab' (bald eagle reversed) does not appear"),
    ("custom:word_reverse", "The eagle.", "the text is 'eagle the', which does not contain"),
    ("custom:csv_city", CITY_CSV.replace("Count", "Total"), "the header row is"),
    ("custom:csv_city", CITY_CSV.replace("Lima,2003", "Lima"), "row 4 has 4 fields; needs 5"),
    ("custom:csv_quotes", "StudentID,Subject", "needs the tab-separated header"),
    ("custom:csv_quotes", QUOTES_TSV.replace('"Art"', "Art", 1), "field 2 of row 2 ('Art')"),
    ("custom:date_format_list", "1805-12-02, 1805-13-01", "item 2 ('1805-13-01') has a month"),
    (
        "custom:european_capitals_sort",
        CAPITALS.replace("Oslo, Tallinn", "Tallinn, Oslo"),
        "name 3 is 'Tallinn'; needs 'Oslo'",
    ),
    ("custom:european_capitals_sort", "Oslo", "1 comma-separated name; needs exactly 27"),
    ("custom:mcq_count_length", mcq(options=4), "question 1 has 4 option lines"),
    (
        "custom:mcq_count_length",
        mcq((10, 30, 20, 40)),
        "10, 30, 20, 40 characters long; question 3 is not longer than question 2",
    ),
    ("custom:multiples", "no numbers", "found 0 numbers; needs exactly 14, 21"),
    ("custom:reverse_newline", "Kenya", "no line contains 'Zimbabwe'"),
    (
        "custom:reverse_newline",
        "\n".join(reversed(COUNTRY_LINES)),
        "1 non-empty line from the 'Zimbabwe' line (line 52) on; needs at least 52",
    ),
    ("custom:sentence_alphabet", "One. Two.", "2 sentences; needs exactly 26"),
    (
        "custom:sentence_alphabet",
        ALPHABET_STORY.replace("Cob", "\nRob"),
        "sentence 3 (line 2) starts with 'r'; needs 'c'",
    ),
]


@pytest.mark.parametrize(("cid", "text", "fragment"), EVIDENCE)
def test_evidence_says_why(cid: str, text: str, fragment: str) -> None:
    passed_, evidence = check(cid, text)
    assert passed_ is False
    assert fragment in evidence
    assert len(evidence) < 300


def test_passing_evidence_says_what_was_found() -> None:
    assert check("custom:csv_special_character", SPECIAL_CSV) == (
        True,
        "row 6 has the quoted field '\"Acme & Sons\"' with a special character",
    )
    assert check("custom:multiples", "14 21 28 35 42 49") == (
        True,
        "the numbers are exactly 14, 21, 28, 35, 42, 49",
    )
    assert check("custom:character_reverse", "Elgae dlab!") == (
        True,
        "found 'elgae dlab' at line 1: 'elgae dlab!'",
    )


def test_reverse_newline_evidence_names_the_lines_out_of_order() -> None:
    lines = COUNTRY_LINES[:]
    lines[3], lines[4] = lines[4], lines[3]
    passed_, evidence = check("custom:reverse_newline", "Intro\n" + "\n".join(lines))
    assert passed_ is False
    assert evidence == (
        "line 5 'Country 48' comes before line 6 'Country 49': not reverse alphabetical"
    )


# --- robustness -------------------------------------------------------------------------------


def test_special_field_test_is_linear_on_a_long_unclosed_field() -> None:
    # The reference's pattern would backtrack quadratically here; ours must stay fast.
    # A quoted field whose first line is all special characters with no closing quote on it.
    field = '"' + "!" * 100_000 + '\n"'
    text = SPECIAL_CSV.replace('"Acme & Sons"', field)
    passed_, evidence = check("custom:csv_special_character", text)
    assert passed_ is False
    assert evidence == "no data row has a double-quoted field with a special character"


def test_mcq_is_linear_on_many_newlines() -> None:
    assert passed("custom:mcq_count_length", "Question 1" + "\n" * 1_000_000) is False
