"""Building blocks of rules: a phrase rule driven by compiled patterns with vetoes, and Violation
construction with spans mapped back onto the original draft."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from coach.rules.normalize import Normalized, normalize_cached
from coach.types import Policy, RoundState, Severity, Violation


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


def compile_phrases(phrases: Iterable[Phrase]) -> tuple[re.Pattern[str], tuple[tuple[Veto, ...], ...]]:
    """One alternation with a named group per phrase (a single scan per draft), and the vetoes."""
    phrases = tuple(phrases)
    combined = "|".join(f"(?P<p{i}>{p.pattern})" for i, p in enumerate(phrases))
    return re.compile(combined), tuple(p.vetoes for p in phrases)


@dataclass(frozen=True)
class PhraseRule:
    """A rule that fires on wordings (authority exposure, hostile tone): pure, compiled once."""

    id: str
    message: str
    hint: str
    phrases: tuple[Phrase, ...]
    severity: Severity = "block"
    _compiled: tuple[re.Pattern[str], tuple[tuple[Veto, ...], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", compile_phrases(self.phrases))

    def check(self, draft: str, state: RoundState, policy: Policy) -> list[Violation]:
        return self.check_normalized(normalize_cached(draft))

    def check_normalized(self, norm: Normalized) -> list[Violation]:
        pattern, vetoes = self._compiled
        out: list[Violation] = []
        t = norm.text
        for m in pattern.finditer(t):
            if m.end() == m.start():
                continue
            index = int(m.lastgroup[1:]) if m.lastgroup else 0
            if any(v.blocks(t, m.start(), m.end()) for v in vetoes[index]):
                continue
            out.append(violation(self.id, self.severity, self.message, self.hint, norm.original, norm.span(m.start(), m.end())))
        return out
