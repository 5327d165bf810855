"""The sums of money in a conversation, each with its role, read once through the validator's
offer reader (coach.rules.offers.money_mentions; state.round_state for what the agent conceded).

- agent turns: a sum the round state counts as a new concession is `offered`; any other sum the
  agent names (the standing offer, the base of a raise) is `restated`;
- customer turns: a sum equal to one the agent offered before, or written as a voucher, or after
  "才/就" ("才20？"), is `rejected` when the turn turns it down (`restated` when it accepts); a sum
  the customer already asked for is `restated`; a sum next to a fee or charge word and no demand
  word is `mentioned` (part of the case: "违约金就要三百"); any other is `demanded`.

Sums written without a unit count only next to a demand or a scorn word ("赔100", "才20").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coach.analysis.lexicon import reading
from coach.rules.normalize import normalize
from coach.rules.numerals import parse_number
from coach.rules.offers import MoneyMention, money_mentions
from coach.rules.state import round_state
from coach.types import AmountFact, Turn

_EPS = 0.005
_ACCEPT = re.compile(
    r"^\W*(好(吧|的|啊)?|行(吧)?|可以|那就这样|我接受|接受|同意|没问题|成交)"
    r"|^\W*(ok(ay)?|fine|deal|alright|all right|i accept|that works|sounds good|agreed)\b"
)
_VOUCHER_FORMS = frozenset({"voucher", "red_packet", "credit"})
_CLAUSE = re.compile(r"[。！？!?；;，,\n]")


def _clause_around(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE.finditer(text, end)), len(text))
    return text[left:right]


def _bare(norm_text: str, taken: list[MoneyMention]) -> list[tuple[float, int, int, str]]:
    """Unit-less sums next to a demand or scorn word that no money mention covers."""
    r = reading()
    out = []
    for pattern, context in ((r.bare_demand, "demand"), (r.bare_reject, "reject")):
        for m in pattern.finditer(norm_text):
            group = "n" if m.group("n") is not None else "n2"
            s, e = m.span(group)
            if any(s < t.end and e > t.start for t in taken) or any(s < o[2] and e > o[1] for o in out):
                continue
            value = parse_number(m.group(group))
            if value is None or value <= 0 or value >= 1_000_000:
                continue
            out.append((value, s, e, context))
    return out


def read_amounts(turns: Sequence[Turn]) -> tuple[AmountFact, ...]:
    """Every sum of the conversation, in order, with its role (see the module docstring)."""
    r = reading()
    state = round_state(list(turns))
    concessions = [(o.amount, o.round) for o in state.offers if o.amount is not None]
    offered_so_far: list[float] = []
    asked: list[float] = []
    out: list[AmountFact] = []
    for index, turn in enumerate(turns):
        norm = normalize(turn.text).text
        mentions = money_mentions(norm)
        if turn.role == "agent":
            for m in mentions:
                new = next((i for i, (a, rd) in enumerate(concessions) if abs(a - m.amount) < _EPS and rd == turn.round), None)
                role = "offered" if new is not None else "restated"
                if new is not None:
                    concessions.pop(new)
                offered_so_far.append(m.amount)
                out.append(AmountFact(amount=m.amount, currency=m.currency, role=role, speaker="agent",
                                      round=turn.round, turn=index, form=m.kind, evidence=norm[m.start:m.end]))
            continue
        accepts = bool(_ACCEPT.search(norm.strip()))
        scorns = bool(r.reject_words.search(norm))
        found = [(m.amount, m.start, m.end, m.kind, m.currency) for m in mentions]
        found += [(v, s, e, f"bare:{ctx}", None) for v, s, e, ctx in _bare(norm, mentions)]
        for amount, s, e, kind, currency in sorted(found, key=lambda f: f[1]):
            clause = _clause_around(norm, s, e)
            was_offered = any(abs(amount - o) < _EPS for o in offered_so_far)
            scorned = scorns or (kind in _VOUCHER_FORMS and norm[e:e + 2].lstrip()[:1] in ("?", "？"))  # "A $10 voucher?"
            if kind == "bare:reject" or ((was_offered or kind in _VOUCHER_FORMS) and not accepts and (scorned or was_offered)):
                role = "rejected"
            elif was_offered or kind in _VOUCHER_FORMS:
                role = "restated"
            elif any(abs(amount - a) < _EPS for a in asked):
                role = "restated"
            elif r.charge_words.search(clause) and not r.demand_words.search(clause):
                role = "mentioned"
            else:
                role = "demanded"
                asked.append(amount)
            form = kind if not kind.startswith("bare:") else "money"
            out.append(AmountFact(amount=amount, currency=currency, role=role, speaker="customer",
                                  round=turn.round, turn=index, form=form, evidence=norm[s:e]))
    return tuple(out)


def demanded_amount(amounts: Sequence[AmountFact], from_turn: int) -> float | None:
    """The largest sum the customer asks for in the turns from `from_turn` on (their latest
    messages): a new demand or one they say again (never one they turn down or name as a fee)."""
    asked = {a.amount for a in amounts if a.speaker == "customer" and a.role == "demanded"}
    recent = [a for a in amounts if a.turn >= from_turn and a.speaker == "customer"
              and (a.role == "demanded" or (a.role == "restated" and a.amount in asked))]
    return max((a.amount for a in recent), default=None)


def voucher_sums_of_agent(turns: Sequence[Turn], round_: int) -> tuple[float, ...]:
    """Sums the agent wrote as a voucher, red packet or credit in round `round_`."""
    return tuple(
        m.amount
        for t in turns if t.role == "agent" and t.round == round_
        for m in money_mentions(normalize(t.text).text) if m.kind in _VOUCHER_FORMS
    )
