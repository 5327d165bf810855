"""The rule registry and the failure policy, kept apart from detection.

Rules only detect and carry a default severity. A FailurePolicy may override the severity per rule
id (e.g. demote hostile_tone to "warn" for a pilot); ValidationResult.ok is False iff some
violation ends up with severity "block".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coach.protocols import Rule
from coach.rules.authority import AUTHORITY_EXPOSURE
from coach.rules.concession import DOUBLE_CONCESSION
from coach.rules.over_authority import OVER_AUTHORITY
from coach.rules.parroting import PARROTING
from coach.rules.refusal import REFUSAL
from coach.rules.reply_form import MARKUP, WRONG_LANGUAGE
from coach.rules.tone import HOSTILE_TONE
from coach.types import Severity, ValidationResult, Violation

if TYPE_CHECKING:
    from coach.rules.context import DraftContext

RULES: tuple[Rule, ...] = (
    AUTHORITY_EXPOSURE, DOUBLE_CONCESSION, OVER_AUTHORITY, HOSTILE_TONE, REFUSAL, PARROTING, MARKUP, WRONG_LANGUAGE,
)
RULE_IDS: tuple[str, ...] = tuple(r.id for r in RULES)


@dataclass(frozen=True)
class FailurePolicy:
    """Which severity each rule's violations get; rules not named keep their own."""

    overrides: Mapping[str, Severity] = field(default_factory=dict)

    def apply(self, v: Violation) -> Violation:
        severity = self.overrides.get(v.rule)
        return v if severity is None or severity == v.severity else v.model_copy(update={"severity": severity})


DEFAULT_FAILURE_POLICY = FailurePolicy()
CLEAN = ValidationResult(ok=True)


def run_rules(
    ctx: DraftContext,
    rules: Sequence[Rule] = RULES,
    failure_policy: FailurePolicy = DEFAULT_FAILURE_POLICY,
) -> ValidationResult:
    """Every rule over the draft's context (no rule is skipped); violations ordered by position,
    then rule order."""
    found: list[Violation] = []
    for rule in rules:
        found.extend(rule.check(ctx))
    if not found:
        return CLEAN
    if failure_policy.overrides:
        found = [failure_policy.apply(v) for v in found]
    found.sort(key=lambda v: (v.span[0], v.span[1]))
    return ValidationResult(ok=not any(v.severity == "block" for v in found), violations=tuple(found))
