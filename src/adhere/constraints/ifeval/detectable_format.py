"""``detectable_format:*``: bullets, highlights, sections, JSON, titles, fixed answers."""

from __future__ import annotations

import json

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.constraints.userregex import user_pattern
from adhere.text.locate import at, plural, quote
from adhere.text.markdown import BOLD_RE, DASH_BULLET_RE, HIGHLIGHT_RE, STAR_BULLET_RE, title_spans


@register
class NumberBulletLists(Constraint):
    id = "detectable_format:number_bullet_lists"
    summary = "Exactly N markdown bullet lines ('* ' or '-' at line start; '1.' does not count)."
    params = (Param("num_bullets", "int", "the exact number N", minimum=0),)

    num_bullets: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        stars = STAR_BULLET_RE.findall(response)
        dashes = DASH_BULLET_RE.findall(response)
        count = len(stars) + len(dashes)
        first = (stars or dashes or [""])[0].strip()
        example = f", e.g. {quote(first)}" if count else ""
        return count == self.num_bullets, (
            f"{plural(count, 'bullet line')}{example}; needs exactly {self.num_bullets}"
        )

    def describe(self) -> str:
        return (
            f"Use exactly {self.num_bullets} markdown bullet points, each on its own line "
            "starting with '* '."
        )


_CONSTRAINED_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


@register
class ConstrainedResponse(Constraint):
    id = "detectable_format:constrained_response"
    summary = "Contains one of 'My answer is yes.', 'My answer is no.', 'My answer is maybe.'."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        text = response.strip()
        for option in _CONSTRAINED_OPTIONS:
            index = text.find(option)
            if index >= 0:
                return True, f"found {option!r} at {at(text, index, index + len(option))}"
        return False, "none of " + ", ".join(repr(o) for o in _CONSTRAINED_OPTIONS) + " found"

    def describe(self) -> str:
        return "Reply with one of these exact options: " + ", ".join(
            repr(o) for o in _CONSTRAINED_OPTIONS
        )


@register
class NumberHighlightedSections(Constraint):
    id = "detectable_format:number_highlighted_sections"
    summary = "At least N *highlighted* spans (each **bold** span counts as well)."
    params = (Param("num_highlights", "int", "the minimum number N", minimum=0),)

    num_highlights: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        found = [m.group() for m in HIGHLIGHT_RE.finditer(response) if m.group().strip("*").strip()]
        found += [
            m.group()
            for m in BOLD_RE.finditer(response)
            if m.group().removeprefix("**").removesuffix("**").strip()
        ]
        shown = ", ".join(quote(h, 30) for h in found[:4]) + (", …" if len(found) > 4 else "")
        listing = f" ({shown})" if found else ""
        ok = len(found) >= self.num_highlights
        return (
            ok,
            f"{plural(len(found), 'highlight')}{listing}; needs at least {self.num_highlights}",
        )

    def describe(self) -> str:
        return (
            f"Highlight at least {self.num_highlights} parts of your answer with markdown, "
            "like *this part*."
        )


@register
class MultipleSections(Constraint):
    id = "detectable_format:multiple_sections"
    summary = "At least N sections, each opened by the splitter and a number (e.g. 'Section 2')."
    params = (
        Param(
            "section_spliter", "str", "the word that opens a section, e.g. 'Section'", strip=True
        ),
        Param("num_sections", "int", "the minimum number of sections N", minimum=0),
    )

    section_spliter: str
    num_sections: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        pattern, valid = user_pattern(r"\s?" + self.section_spliter + r"\s?\d+\s?")
        count = len(pattern.split(response)) - 1
        note = "" if valid else " (splitter is not a valid regex; matched literally)"
        ok = count >= self.num_sections
        return ok, (
            f"{plural(count, 'section')} marked '{self.section_spliter} <number>' "
            f"(case-sensitive){note}; needs at least {self.num_sections}"
        )

    def describe(self) -> str:
        s = self.section_spliter
        return (
            f"Divide your answer into {self.num_sections} sections, starting each with "
            f"'{s} N' ({s} 1, {s} 2, …)."
        )


_FENCE_OPENINGS = ("```json", "```Json", "```JSON", "```")


@register
class JsonFormat(Constraint):
    id = "detectable_format:json_format"
    summary = "The whole response parses as JSON (one ```json fence around it is allowed)."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        text = response.strip()
        for opening in _FENCE_OPENINGS:
            text = text.removeprefix(opening)
        text = text.removesuffix("```").strip()
        try:
            json.loads(text)
        except ValueError as error:
            return False, f"not valid JSON: {error}"
        except RecursionError:
            return False, "not valid JSON: nested too deeply to parse"
        return True, "parses as JSON"

    def describe(self) -> str:
        return "Format your entire output as JSON; you may wrap it in ``` markdown ticks."


@register
class Title(Constraint):
    id = "detectable_format:title"
    summary = "A title in double angular brackets, like <<my title>>, on one line."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        for start, end in title_spans(response):
            if response[start:end].lstrip("<").rstrip(">").strip():
                return True, f"title at {at(response, start, end)}"
        return False, "no <<title>> with text inside found"

    def describe(self) -> str:
        return "Give your answer a title wrapped in double angular brackets, like <<a title>>."
