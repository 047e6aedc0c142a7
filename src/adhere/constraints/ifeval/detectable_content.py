"""``detectable_content:*``: placeholders in square brackets and a postscript."""

from __future__ import annotations

import re

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.constraints.userregex import user_pattern
from adhere.text.locate import at, plural
from adhere.text.markdown import bracket_spans


@register
class NumberPlaceholders(Constraint):
    id = "detectable_content:number_placeholders"
    summary = "At least N placeholders in square brackets, like [name] ([] counts too)."
    params = (Param("num_placeholders", "int", "the minimum number N", minimum=0),)

    num_placeholders: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        spans = list(bracket_spans(response))
        shown = ", ".join(repr(response[s:e][:30]) for s, e in spans[:5])
        listing = f" ({shown}{', …' if len(spans) > 5 else ''})" if spans else ""
        ok = len(spans) >= self.num_placeholders
        found = plural(len(spans), "placeholder")
        return ok, f"{found}{listing}; needs at least {self.num_placeholders}"

    def describe(self) -> str:
        return (
            f"Include at least {self.num_placeholders} placeholders in square brackets, "
            "for example [address]."
        )


# The reference's patterns begin with ``\s*`` (which may match nothing) and end with ``.*$``
# (which always matches), so a match exists exactly where the marker itself does.
_PS = re.compile(r"p\.\s?s\.")
_PPS = re.compile(r"p\.\s?p\.\s?s")
_LINE_START = r"^[ \t>*_#-]*"


def _marker_pattern(marker: str, context: CheckContext) -> tuple[re.Pattern[str], str]:
    if context.compat == "corrected":
        return re.compile(_LINE_START + re.escape(marker.lower()), re.MULTILINE), ""
    if marker == "P.P.S":
        return _PPS, ""
    if marker == "P.S.":
        return _PS, ""
    pattern, valid = user_pattern(marker.lower(), re.MULTILINE)
    return pattern, "" if valid else " (not a valid regex; matched literally)"


@register
class Postscript(Constraint):
    id = "detectable_content:postscript"
    summary = "A postscript marker (e.g. P.S.) appears, case-insensitive, anywhere in a line."
    params = (Param("postscript_marker", "str", "the marker, e.g. 'P.S.' or 'P.P.S'", strip=True),)

    postscript_marker: str

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        pattern, note = _marker_pattern(self.postscript_marker, context)
        lowered = response.lower()
        match = pattern.search(lowered)
        if match is None:
            return False, f"no postscript marker {self.postscript_marker!r} found{note}"
        shown = response if len(response) == len(lowered) else lowered
        return True, f"marker found at {at(shown, match.start(), match.end())}{note}"

    def describe(self) -> str:
        return f"End your answer with a postscript that begins with {self.postscript_marker}"
