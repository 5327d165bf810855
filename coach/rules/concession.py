"""double_concession and over_authority: rules over the offers a draft makes, judged against the
round state (state.concessions).

- double_concession fires on every new concession of the draft when the agent already conceded in
  the current round, and on the second and later new concessions within the draft itself.
- over_authority fires when a money offer (in any form) or the standing amount it leads to exceeds
  `policy.max_compensation`, or when the draft gives in without a figure ("您说多少就多少") while a
  ceiling exists. Amounts in another currency than the policy's are not compared (no rates here).
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.rules.base import violation
from coach.rules.offers import find_offers
from coach.rules.state import Judged, concessions
from coach.types import Policy, RoundState, Severity, Violation

_EPS = 0.005


_last: list[tuple[str, RoundState, tuple[Judged, ...]]] = []


def judge_draft(draft: str, state: RoundState) -> tuple[Judged, ...]:
    """The draft's offers judged against the state. Both rules ask for the same draft and state
    object in turn, so the last answer is kept (by identity: holding them keeps the ids valid)."""
    if _last:
        d, s, judged = _last[0]
        if d is draft and s is state:
            return judged
    found = find_offers(draft)
    judged = tuple(concessions(found, state)) if found else ()
    _last[:] = [(draft, state, judged)]
    return judged


@dataclass(frozen=True)
class DoubleConcession:
    id: str = "double_concession"
    severity: Severity = "block"
    message: str = "concedes twice within one round"
    hint: str = (
        "keep to the offer already made in this round and restate it; a further concession waits for "
        "the next contact (arrange a callback)"
    )
    message_in_draft: str = "holds two concessions in one reply"
    hint_in_draft: str = "make one offer only; keep anything further for a later contact"

    def check(self, draft: str, state: RoundState, policy: Policy) -> list[Violation]:
        new = [j for j in judge_draft(draft, state) if j.concession]
        out: list[Violation] = []
        for i, j in enumerate(new):
            if state.conceded_this_round:
                out.append(violation(self.id, self.severity, self.message, self.hint, draft, j.offer.span))
            elif i >= 1:
                out.append(violation(self.id, self.severity, self.message_in_draft, self.hint_in_draft, draft, j.offer.span))
        return out


@dataclass(frozen=True)
class OverAuthority:
    id: str = "over_authority"
    severity: Severity = "block"
    message: str = "offers more than the agent's authority allows"
    hint: str = "stay within your compensation limit and do not name it; offer to follow up instead"
    message_open: str = "gives in without a limit"
    hint_open: str = "do not promise whatever the customer asks; make a bounded offer or arrange a follow-up"

    def check(self, draft: str, state: RoundState, policy: Policy) -> list[Violation]:
        cap = policy.max_compensation
        if cap is None:
            return []
        out: list[Violation] = []
        for j in judge_draft(draft, state):
            o = j.offer
            if o.kind == "capitulation":
                out.append(violation(self.id, self.severity, self.message_open, self.hint_open, draft, o.span))
                continue
            if not o.is_money or (o.currency is not None and o.currency != cap.currency.upper()):
                continue
            assert o.amount is not None
            over_single = o.amount > cap.amount + _EPS
            over_total = j.concession and j.standing_after is not None and j.standing_after > cap.amount + _EPS
            if over_single or over_total:
                out.append(violation(self.id, self.severity, self.message, self.hint, draft, o.span))
        return out


DOUBLE_CONCESSION = DoubleConcession()
OVER_AUTHORITY = OverAuthority()
