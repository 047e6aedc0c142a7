"""``language:response_language``: the whole response is in one given language."""

from __future__ import annotations

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.core.errors import ParamError
from adhere.text.langid import detect_language, language_codes

NO_LANGUAGE_REFERENCE = "no letters to identify a language; the reference counts this as followed"
NO_LANGUAGE_CORRECTED = "no letters to identify a language"


def undetectable(context: CheckContext) -> Outcome:
    """The verdict when the language detector finds no features in the text."""
    if context.compat == "corrected":
        return None, NO_LANGUAGE_CORRECTED
    return True, NO_LANGUAGE_REFERENCE


@register
class ResponseLanguage(Constraint):
    id = "language:response_language"
    summary = "The language detector (langdetect's, exactly) names the given ISO 639-1 code."
    params = (Param("language", "str", "ISO 639-1 code as langdetect names it, e.g. 'fr'"),)
    cost = 25.0
    work_group = "language"

    language: str

    def __post_init__(self) -> None:
        codes = language_codes()
        if self.language not in codes:
            raise ParamError(
                f"{self.id}: param 'language' expects a language code the detector knows "
                f"({', '.join(codes)}); found {self.language!r}"
            )

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        detected = detect_language(response)
        if detected is None:
            return undetectable(context)
        return detected == self.language, f"detected {detected!r}; needs {self.language!r}"

    def describe(self) -> str:
        return f"Write your whole answer in the language with code {self.language!r}, and no other."
