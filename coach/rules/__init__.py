"""The rule validator: pure checks of a draft reply against the conversation so far.

Public surface:
- validate(draft, turns=(), policy=Policy(), locale=None) -> ValidationResult (both tiers)
- Validator(scorer=..., lexical=...): a configured validator; .many() batches drafts
- read_draft(...) -> DraftContext                (coach.rules.context: the one reading rules share)
- round_state(turns) -> RoundState            (coach.rules.state)
- find_offers(text) -> list[FoundOffer]        (coach.rules.offers)
- RULES, RULE_IDS, FailurePolicy, run_rules   (coach.rules.registry)
"""

from __future__ import annotations

from collections.abc import Sequence

from coach.rules.context import DraftContext, read_draft
from coach.rules.offers import FoundOffer, find_offers
from coach.rules.registry import DEFAULT_FAILURE_POLICY, RULE_IDS, RULES, FailurePolicy, run_rules
from coach.rules.state import concessions, round_state
from coach.rules.validator import Validator
from coach.types import Locale, Policy, Turn, ValidationResult

DEFAULT_VALIDATOR = Validator()

__all__ = [
    "DEFAULT_VALIDATOR", "DraftContext", "FailurePolicy", "FoundOffer", "RULES", "RULE_IDS", "Validator",
    "concessions", "find_offers", "read_draft", "round_state", "run_rules", "validate",
]


def validate(
    draft: str,
    turns: Sequence[Turn] = (),
    policy: Policy = Policy(),
    locale: Locale | None = None,
    failure_policy: FailurePolicy = DEFAULT_FAILURE_POLICY,
    reader_locale: Locale | None = None,
) -> ValidationResult:
    """Check `draft` (the agent's next reply) against `turns` (the conversation before it), with
    every rule of both tiers. Simplified, Traditional and English are all read (Traditional through
    OpenCC t2s); spans index the original `draft`; messages and hints come in the draft's language.
    `locale` names the customer's language when the turns do not show it; `reader_locale` the
    language of messages and hints when it is not the draft's (an agent's English panel)."""
    return DEFAULT_VALIDATOR(draft, turns, policy, locale, failure_policy, reader_locale)
