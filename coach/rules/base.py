"""Building blocks of rules: a phrase rule driven by compiled patterns with vetoes, and Violation
construction with spans mapped back onto the original draft."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coach.rules.messages import wording
from coach.rules.normalize import Normalized
from coach.rules.prefilter import REGISTRY, Gate, gate
from coach.rules.regex_tools import fast_source, split_alternatives
from coach.rules.reported import reports_customer
from coach.types import Severity, Violation

if TYPE_CHECKING:
    from coach.rules.context import DraftContext


def violation(rule: str, severity: Severity, message: str, hint: str, draft: str, span: tuple[int, int]) -> Violation:
    """A Violation whose span is clamped into `draft` and whose evidence is exactly that slice."""
    n = len(draft)
    start = min(max(0, span[0]), n)
    end = min(max(start, span[1]), n)
    return Violation(rule=rule, severity=severity, message=message, hint=hint, span=(start, end), evidence=draft[start:end])


@dataclass(frozen=True, slots=True)
class Veto:
    """Suppresses a hit when `before` matches the text just before it or `after` the text after."""

    before: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None
    width: int = 10

    def blocks(self, text: str, start: int, end: int) -> bool:
        if self.before is not None and self.before.search(text[max(0, start - self.width):start]):
            return True
        return self.after is not None and bool(self.after.match(text[end:end + self.width]))


@dataclass(frozen=True, slots=True)
class Phrase:
    """One family of wordings: a pattern over the normalised text, with optional vetoes."""

    pattern: str
    vetoes: tuple[Veto, ...] = ()


@dataclass(frozen=True)
class PhraseRule:
    """A rule over wordings and meanings (authority exposure, hostile tone, refusal): pure.

    Lexical tier: each phrase family is its own compiled pattern behind a literal prefilter
    (prefilter.py): one shared scan per draft tells which families can match, and only those run.
    Semantic tier: every clause whose `head` probability reaches its calibrated threshold, unless a
    head in `yields_to` also fires on it (a refusal is not also authority exposure). A clause
    already covered by a lexical hit is reported once, with the lexical evidence.
    """

    id: str
    phrases: tuple[Phrase, ...]
    head: str | None = None
    yields_to: tuple[str, ...] = ()
    severity: Severity = "block"
    reads_tails: bool = True  # False: a clause is read only with the short piece in front of it (tone)
    _gates: dict[int, tuple[Gate, tuple[Veto, ...]]] = field(init=False, repr=False, compare=False)
    _ids: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One gate per top-level alternative: each has its own, sharper literal requirements.
        gates = [(gate(alt), p.vetoes) for p in self.phrases for alt in split_alternatives(fast_source(p.pattern)) if alt]
        object.__setattr__(self, "_gates", {g.id: (g, vetoes) for g, vetoes in gates})
        object.__setattr__(self, "_ids", frozenset(g.id for g, _ in gates))

    def lexical_hits(self, norm: Normalized) -> list[tuple[int, int]]:
        """[start, end) of every phrase match in the normalised text, overlaps merged."""
        t = norm.text
        hits: list[tuple[int, int]] = []
        own = self._gates
        mine = REGISTRY.active(t) & self._ids
        for gid in sorted(mine):
            g, vetoes = own[gid]
            for m in g.pattern.finditer(t):
                if m.end() == m.start() or any(v.blocks(t, m.start(), m.end()) for v in vetoes):
                    continue
                hits.append((m.start(), m.end()))
        return merge(hits)

    def check(self, ctx: DraftContext) -> list[Violation]:
        lexical = self.lexical_hits(ctx.norm) if ctx.lexical else []
        quiet = [
            ctx.clauses[i] for i in range(len(ctx.clauses))
            if any(ctx.fires(h, i) for h in self.yields_to) or (ctx.leaf(i) and reports_customer(ctx.clauses[i].text))
        ]
        lexical = [(s, e) for s, e in lexical if not any(c.start <= s < c.end for c in quiet) and not ctx.quoted(s, e)]
        message, hint = wording(self.id, "default", ctx.reader_script)
        out = [violation(self.id, self.severity, message, hint, ctx.draft, ctx.norm.span(s, e)) for s, e in lexical]
        if self.head is not None:
            semantic = [
                c for c in (ctx.clauses[i] for i in ctx.flagged(self.head, tails=self.reads_tails))
                if c not in quiet and not ctx.quoted(c.start, c.end) and not any(c.start < e and s < c.end for s, e in lexical)
            ]
            if semantic:
                message, hint = wording(self.id, "semantic", ctx.reader_script)
                out.extend(violation(self.id, self.severity, message, hint, ctx.draft, ctx.span(c)) for c in semantic)
        return out


def merge(hits: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping hits of different families become one violation over their union."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(hits):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
