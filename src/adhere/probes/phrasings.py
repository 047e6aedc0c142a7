"""Other ways of saying each constraint's instruction: the phrasing bank of the ``paraphrase``
probe.

The bank (``data/phrasings.json``, written for adhere) maps every constraint id to a list of
templates. A template is a ``str.format`` string, or, for constraints with a ``less than`` /
``at least`` relation, an object with one string per relation value. Templates are filled from
the constraint's params (:func:`fields`):

- every param by its name (``{num_words}``, ``{keyword!r}``); a list param as its items quoted
  and sorted, joined by commas (``{keywords}``), or ending in "and" / "or" (``{keywords_and}``,
  ``{keywords_or}``);
- for an integer param ``X``: ``{X_ord}`` (``2nd``) and ``{X_s}`` (``s`` unless X is 1);
- ``{language_name}`` (``language:response_language``), ``{names}`` (the name list of
  ``count:person_names``) and ``{original}`` (the original text, for ``repeat:repeat_simple``,
  whose instruction is the very sentence the answer must repeat).

A phrasing says what the original says and nothing else: the constraint's verdict rule (its
spec and params) stays the same, only its words change. Every id has at least
:data:`MIN_PHRASINGS` phrasings; :data:`NO_PHRASINGS` names the ids that have none, and why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from adhere.constraints.base import RELATIONS, Constraint

BANK_FILE = Path(__file__).parent / "data" / "phrasings.json"

MIN_PHRASINGS = 3
"""Every constraint id of the bank has at least this many phrasings."""

NO_PHRASINGS: dict[str, str] = {}
"""Constraint ids without phrasings, each with the reason (none today: all 83 have some)."""

Template = str | dict[str, str]
"""One phrasing: a format string, or one format string per relation value."""

LANGUAGE_NAMES = {
    "af": "Afrikaans",
    "ar": "Arabic",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "ca": "Catalan",
    "cs": "Czech",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "et": "Estonian",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "gu": "Gujarati",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "kn": "Kannada",
    "ko": "Korean",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "mk": "Macedonian",
    "ml": "Malayalam",
    "mr": "Marathi",
    "ne": "Nepali",
    "nl": "Dutch",
    "no": "Norwegian",
    "pa": "Punjabi",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "so": "Somali",
    "sq": "Albanian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "te": "Telugu",
    "th": "Thai",
    "tl": "Tagalog",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh-cn": "Simplified Chinese",
    "zh-tw": "Traditional Chinese",
}
"""English names of the language codes the language detector knows."""


@lru_cache(maxsize=1)
def bank() -> dict[str, tuple[Template, ...]]:
    """The phrasing templates of every constraint id, read from :data:`BANK_FILE` once."""
    with BANK_FILE.open(encoding="utf-8") as handle:
        raw = json.load(handle)
    out: dict[str, tuple[Template, ...]] = {}
    for constraint_id, templates in raw.items():
        if not isinstance(templates, list) or not all(isinstance(t, str | dict) for t in templates):
            raise ValueError(f"{BANK_FILE}: {constraint_id}: expected a list of templates")
        out[constraint_id] = tuple(templates)
    return out


def count(constraint_id: str) -> int:
    """How many phrasings ``constraint_id`` has (0 when it has none)."""
    return len(bank().get(constraint_id, ()))


_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def _ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``22nd``."""
    suffix = "th" if n % 100 in (11, 12, 13) else _SUFFIXES.get(n % 10, "th")
    return f"{n}{suffix}"


def _listed(items: tuple[str, ...], last: str) -> str:
    quoted = [repr(i) for i in sorted(set(items))]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + f" {last} {quoted[-1]}"


def fields(constraint: Constraint) -> dict[str, Any]:
    """What templates may name for ``constraint`` (see the module docstring)."""
    out: dict[str, Any] = {}
    for param in constraint.params:
        value = getattr(constraint, param.name)
        if param.kind == "str_list":
            out[param.name] = ", ".join(repr(i) for i in sorted(set(value)))
            out[f"{param.name}_and"] = _listed(value, "and")
            out[f"{param.name}_or"] = _listed(value, "or")
            continue
        out[param.name] = value
        if param.kind == "int":
            out[f"{param.name}_ord"] = _ordinal(value)
            out[f"{param.name}_s"] = "" if value == 1 else "s"
    if constraint.id == "language:response_language":
        code = out["language"]
        out["language_name"] = LANGUAGE_NAMES.get(code, f"the language with code {code!r}")
    elif constraint.id == "count:person_names":
        from adhere.constraints.ifbench.count import PERSON_NAMES

        out["names"] = ", ".join(PERSON_NAMES)
    elif constraint.id == "repeat:repeat_simple":
        out["original"] = constraint.describe()
    return out


def _relation(constraint: Constraint) -> str | None:
    for param in constraint.params:
        if param.choices == RELATIONS:
            value = getattr(constraint, param.name)
            return str(value)
    return None


def render(template: Template, constraint: Constraint) -> str:
    """One template filled for ``constraint``."""
    if isinstance(template, Mapping):
        relation = _relation(constraint)
        if relation is None or relation not in template:
            raise ValueError(f"{constraint.id}: no template for relation {relation!r}")
        template = template[relation]
    return template.format(**fields(constraint))


def phrasings(constraint: Constraint) -> tuple[str, ...]:
    """Every phrasing of ``constraint``'s instruction, in bank order (empty when it has none)."""
    return tuple(render(t, constraint) for t in bank().get(constraint.id, ()))


__all__ = [
    "BANK_FILE",
    "LANGUAGE_NAMES",
    "MIN_PHRASINGS",
    "NO_PHRASINGS",
    "bank",
    "count",
    "fields",
    "phrasings",
    "render",
]
