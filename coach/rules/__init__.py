"""The rule validator: pure checks of a draft reply against the conversation so far.

Public surface:
- validate(draft, turns=(), policy=Policy(), locale=None) -> ValidationResult
- round_state(turns) -> RoundState            (coach.rules.state)
- find_offers(text) -> list[FoundOffer]        (coach.rules.offers)
- RULES, RULE_IDS, FailurePolicy, run_rules   (coach.rules.registry)
"""

from __future__ import annotations

from collections.abc import Sequence

from coach.rules.normalize import normalize_cached
from coach.rules.offers import FoundOffer, find_offers
from coach.rules.prefilter import REGISTRY
from coach.rules.registry import CLEAN, DEFAULT_FAILURE_POLICY, RULE_IDS, RULES, FailurePolicy, run_rules
from coach.rules.state import concessions, round_state
from coach.types import Policy, RoundState, Turn, ValidationResult

_NO_STATE = RoundState()

__all__ = [
    "FailurePolicy", "FoundOffer", "RULES", "RULE_IDS", "concessions", "find_offers", "round_state",
    "run_rules", "validate",
]


def validate(
    draft: str,
    turns: Sequence[Turn] = (),
    policy: Policy = Policy(),
    locale: str | None = None,
    failure_policy: FailurePolicy = DEFAULT_FAILURE_POLICY,
) -> ValidationResult:
    """Check `draft` (the agent's next reply) against `turns` (the conversation before it).

    Simplified, Traditional and English are all matched (Traditional is normalised with OpenCC
    t2s); spans index the original `draft`. `locale` is accepted for symmetry with the API; the
    patterns of every language are always applied, since drafts mix languages.
    """
    if not REGISTRY.active(normalize_cached(draft).text):
        return CLEAN  # not one literal any rule needs: nothing can fire
    # The conversation matters only to judge the draft's own offers; without any, skip reading it.
    state = round_state(turns) if turns and find_offers(draft) else _NO_STATE
    return run_rules(draft, state, policy, RULES, failure_policy)
