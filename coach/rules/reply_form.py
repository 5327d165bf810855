"""Rules on the form of the reply rather than its content: markup and wrong_language.

- markup: Markdown or HTML that a chat window would show raw (headings, bold, bullets, fences,
  links, tags). Spans are the marks themselves.
- wrong_language: English to a Chinese-speaking customer or the reverse (Simplified vs Traditional is
  a script slip the pipeline converts, not a violation), or another Latin-script language (Spanish,
  French, ...) than the customer's own (latin.py). The customer's language comes from the
  request's locale, else from the customer's turns; without either the rule cannot judge and stays
  quiet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.rules.base import merge, violation
from coach.rules.latin import other_language
from coach.rules.messages import wording
from coach.text import detect_script
from coach.types import Severity, Violation

if TYPE_CHECKING:
    from coach.rules.context import DraftContext

_MARKUP = re.compile(
    r"(?m)^[ \t]{0,3}#{1,6}[ \t]+\S"  # heading
    r"|\*\*[^*\n]+\*\*|(?<!\w)__[^_\n]+__(?!\w)"  # bold
    r"|^[ \t]*[-*+•][ \t]+\S"  # bullet
    r"|^[ \t]*\d{1,2}[.)][ \t]+\S(?=[^\n]*\n[ \t]*\d{1,2}[.)][ \t]+\S)"  # numbered list (two items or more)
    r"|```"  # code fence
    r"|^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+(?:[ \t]*:?-{3,}:?[ \t]*)?$"  # a table's |---|---| row
    r"|\[[^\]\n]+\]\((?:https?://|/|www\.)[^)\s]*\)"  # link
    r"|</?(?:br|p|div|span|b|i|u|strong|em|ul|ol|li|h[1-6]|a|table|tr|td|th|code|pre|img)\b[^<>]*>",  # tag
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Markup:
    id: str = "markup"
    severity: Severity = "block"

    def check(self, ctx: DraftContext) -> list[Violation]:
        hits = merge([m.span() for m in _MARKUP.finditer(ctx.draft)])
        if not hits:
            return []
        message, hint = wording(self.id, "default", ctx.reader_script)
        return [violation(self.id, self.severity, message, hint, ctx.draft, span) for span in hits]


_NAMES = {"en": {"en": "English", "zh": "Chinese"}, "zh": {"en": "英文", "zh": "中文"}}


def language_violation(draft: str, script: str, customer_text: str = "") -> Violation | None:
    """The reply is in the other language than `script` (the customer's), or, in Latin letters,
    in a language that is neither English nor the customer's own (`customer_text`: their words);
    else None."""
    if not draft.strip() or not re.search(r"[A-Za-z\u3400-\u9fff]", draft):
        return None
    own = detect_script(draft)
    if (own == "en") == (script == "en"):
        if own != "en" or script != "en":
            return None
        other = other_language(draft)
        if other is None or other == other_language(customer_text):
            return None
    want = _NAMES["en" if script == "en" else "zh"]["en" if script == "en" else "zh"]
    message, hint = wording("wrong_language", "default", script, want=want)  # type: ignore[arg-type]
    return violation("wrong_language", "block", message, hint, draft, (0, len(draft)))


@dataclass(frozen=True)
class WrongLanguage:
    id: str = "wrong_language"
    severity: Severity = "block"

    def check(self, ctx: DraftContext) -> list[Violation]:
        if ctx.customer_script is None:
            return []
        said = " ".join(t.text for t in ctx.turns if t.role == "customer")
        found = language_violation(ctx.draft, ctx.customer_script, said)
        return [found] if found is not None else []


MARKUP = Markup()
WRONG_LANGUAGE = WrongLanguage()
