"""parroting: the draft hands the customer's own words back as the reply.

Measured on the normalised texts, punctuation and spaces aside and quoted passages of the draft
excluded (quoting the customer to acknowledge them is fine): the draft parrots when runs of at least
three characters (Chinese) or three words (English) copied, in order, from one customer turn make up
at least half of the draft and at least MIN_COPIED units. The span runs from the first copied unit to
the last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from coach.rules.base import violation
from coach.rules.messages import wording
from coach.types import Severity, Violation

if TYPE_CHECKING:
    from coach.rules.context import DraftContext

_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』|\"[^\"]*\"|‘[^’]*’")
_UNIT = re.compile(r"[a-z0-9']+|[\u3400-\u9fff]")
SHARE = 0.5
MIN_RUN = 3
MIN_COPIED = 6


def _units(text: str) -> list[tuple[str, int, int]]:
    """(unit, start, end): English words and Chinese characters of `text`, quotes blanked out."""
    blanked = _QUOTED.sub(lambda m: " " * len(m.group()), text)
    return [(m.group(), m.start(), m.end()) for m in _UNIT.finditer(blanked)]


def copied_run(draft_norm: str, customer_norm: str) -> tuple[int, int] | None:
    """[start, end) of the parroted stretch of `draft_norm`, or None (see the module docstring)."""
    mine = _units(draft_norm)
    if len(mine) < MIN_COPIED:
        return None
    theirs = [u for u, _, _ in _units(customer_norm)]
    words = [u for u, _, _ in mine]
    blocks = [b for b in SequenceMatcher(None, words, theirs, autojunk=False).get_matching_blocks() if b.size >= MIN_RUN]
    copied = sum(b.size for b in blocks)
    if copied < MIN_COPIED or copied < SHARE * len(words):
        return None
    return mine[blocks[0].a][1], mine[blocks[-1].a + blocks[-1].size - 1][2]


@dataclass(frozen=True)
class Parroting:
    id: str = "parroting"
    severity: Severity = "block"

    def check(self, ctx: DraftContext) -> list[Violation]:
        if ctx.parroted is None:
            return []
        message, hint = wording(self.id, "default", ctx.reader_script)
        return [violation(self.id, self.severity, message, hint, ctx.draft, ctx.norm.span(*ctx.parroted))]


PARROTING = Parroting()
