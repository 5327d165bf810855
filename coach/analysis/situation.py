"""Situation analysis: a deterministic reading of the conversation before anything is drafted.

`analyse(conversation)` works out the customer's script, the round and what the agent already
conceded in it (from coach.rules.state), the customer's moves (coach.analysis.moves), the case facts, and
from those a strategy key with short private English notes for the prompt. The same Situation
drives the offline drafter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from datetime import datetime

from coach.analysis.amounts import demanded_amount, voucher_sums_of_agent
from coach.analysis.clock import local_time
from coach.analysis.facts import detect_topic, read_facts
from coach.analysis.moves import context_moves, detect_moves, offered_something
from coach.prompts.notes import NoteBook, load_notebook, render_notes
from coach.analysis.strategies import STRATEGIES
from coach.text import script_of_turns
from coach.types import Conversation, Facts, RoundState, Script, Situation, Turn

# Moves that only apply to the latest customer message vs. facts that stay true for the round.
_STICKY = ("report_fault",)
_MONEY_CONTEXT = ("report_fault", "threat_complaint", "repeat_contact", "ask_status")
# Demands that are refused with empathy, a reason and an alternative.
REFUSALS = (
    "impossible_demand", "out_of_hours", "fraud_report", "rule_override", "privacy_request", "queue_jump",
    "insist_after_refusal",
)
# Moves that are answered on their own merits rather than with the callback raise.
_NOT_HAGGLING = ("ask_free_repair", "accept_offer")


def fingerprint(turns: Sequence[Turn], extra: object = None) -> str:
    payload = json.dumps(
        [[t.role, t.text, t.round] for t in turns] + [extra], ensure_ascii=False, sort_keys=True
    )
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=8).hexdigest()


def customer_script(conversation: Conversation) -> Script:
    """conversation.locale wins; else the customer's own writing, newest turns weighing most."""
    return script_of_turns(conversation.turns, conversation.locale)


def _read_rounds(turns: Sequence[Turn]) -> RoundState:
    from coach.rules.state import round_state

    state = round_state(list(turns))
    if not state.conceded_this_round and _unrecognised_concession(turns, state):
        # Err on the side of holding: a voucher above the standing amount in this round's agent
        # turns is treated as this round's concession even if the validator did not read it as one.
        state = state.model_copy(update={"conceded_this_round": True})
    return state


def _unrecognised_concession(turns: Sequence[Turn], state: RoundState) -> bool:
    standing = state.standing_amount or 0.0
    return any(amount > standing + 0.005 for amount in voucher_sums_of_agent(turns, state.current_round))


def _latest_customer_block(turns: Sequence[Turn]) -> list[Turn]:
    block: list[Turn] = []
    for turn in reversed(turns):
        if turn.role != "customer":
            if block:
                break
            continue
        block.append(turn)
    return list(reversed(block))


def _last_agent_text(turns: Sequence[Turn]) -> str:
    for turn in reversed(turns):
        if turn.role == "agent":
            return turn.text
    return ""


def _nice(amount: float) -> float:
    """A round figure at or below `amount`: multiples of 5 from 10 up, whole units from 1 up."""
    if amount >= 10:
        return float(int(amount // 5) * 5)
    if amount >= 1:
        return float(int(amount))
    return round(amount, 2)


def first_offer_amount(ceiling: float, demanded: float | None) -> float:
    offer = _nice(ceiling * 0.25) or ceiling
    if demanded is not None and 0 < demanded < offer:
        offer = _nice(demanded) or demanded
    return min(offer, ceiling)


def raised_total(ceiling: float, standing: float, demanded: float | None) -> float | None:
    """The one raise of a callback round, as a new total; None when there is no room."""
    total = min(standing + (_nice(ceiling * 0.375) or ceiling), max(_nice(ceiling * 0.75), standing))
    if demanded is not None and standing < demanded < total:
        total = demanded
    total = min(total, ceiling)
    return total if total > standing else None


def choose_strategy(
    moves: Sequence[str], state: RoundState, conversation: Conversation, demanded: float | None,
    facts: Facts = Facts(),
) -> tuple[str, float | None]:
    """The strategy key and the amount it proposes (for first_offer and raise_in_callback).
    No compensation is offered before the case is known (the customer has not said what went
    wrong); a duplicate charge is owed back as a refund, not answered with a goodwill voucher."""
    case = conversation.case
    ceiling_money = conversation.policy.max_compensation
    ceiling = ceiling_money.amount if ceiling_money is not None else 0.0
    has = set(moves).__contains__
    if has("injection"):
        return "stay_on_task", None
    if any(has(m) for m in REFUSALS) or (has("ask_waiver") and not case.company_at_fault):
        return "refuse_with_alternative", None  # after abuse too: the lead calms, the core refuses
    if has("insult"):
        return "calm_abuse", None
    if state.conceded_this_round:
        if has("accept_offer"):
            return "confirm_offer", None
        if has("ask_free_repair") and not (has("reject_offer") or has("ask_compensation")):
            return "explain_warranty_inspection", None  # a new question, not more haggling
        return "hold_offer_propose_callback", None
    if has("accept_offer"):
        return "confirm_offer", None
    if facts.problem_kind == "duplicate_charge" and case.ticket == "none" and not has("fraud_report"):
        return "refund_owed", None
    standing = state.standing_amount
    if state.current_round >= 2 and standing and ceiling > 0 and not any(has(m) for m in _NOT_HAGGLING):
        # The callback round exists to bring the one raise (after an offer that was not accepted).
        total = raised_total(ceiling, standing, demanded)
        return ("raise_in_callback", total) if total is not None else ("hold_final_offer", None)
    if case.ticket == "closed" and not case.company_at_fault:
        return "closed_ticket_hold", None
    if case.ticket == "open" and not case.company_at_fault:
        return "open_ticket_follow_up", None
    asks_money = has("ask_compensation") and (has("demanding") or not has("ask_status"))  # not "where is my refund?"
    wants_money = asks_money or has("reject_offer") or has("ask_waiver") or (
        case.company_at_fault and any(has(m) for m in _MONEY_CONTEXT)
    )
    if wants_money:
        if ceiling <= 0:
            return "assess_and_follow_up", None
        if standing:  # an earlier round's offer stands: only a raise of it, never a fresh first offer
            total = raised_total(ceiling, standing, demanded)
            return ("raise_in_callback", total) if total is not None else ("hold_final_offer", None)
        if facts.problem_kind is None:  # nothing known of the case yet: no gesture before it is
            return ("assess_and_follow_up", None) if asks_money else ("calm_and_help", None)
        offer = first_offer_amount(ceiling, demanded)
        if any(abs(offer - r) < 0.005 for r in facts.rejected()):
            return "assess_and_follow_up", None  # the sum they just turned down is no gesture
        return "first_offer", offer
    if case.ticket == "open":
        return "open_ticket_follow_up", None
    if has("demand_manager"):
        return "focus_on_problem", None
    if has("ask_free_repair"):
        return "explain_warranty_inspection", None
    if has("report_fault"):
        return "keep_purpose_back", None
    if has("probe_authority"):
        return "reassure_capability", None
    return "calm_and_help", None


def analyse(conversation: Conversation, *, now: datetime | None = None, default_zone: str | None = None,
            notebook: NoteBook | None = None) -> Situation:
    """The deterministic situation of a conversation: script, round state, moves, facts, strategy,
    notes. `now` is the request's instant when the conversation carries none; `default_zone` the
    service's timezone (COACH_TIMEZONE) when neither the conversation nor its locale gives one;
    `notebook` the notes' texts (default: the bundled prompts/notes/notes.yaml)."""
    turns = conversation.turns
    state = _read_rounds(turns)
    script = customer_script(conversation)
    latest = _latest_customer_block(turns)
    latest_text = "\n".join(t.text for t in latest)
    after_offer = bool(state.offers) or offered_something(_last_agent_text(turns))
    moves = list(detect_moves(latest_text, after_offer=after_offer)) if latest_text else []
    this_round = [t for t in turns if t.role == "customer" and t.round == state.current_round]
    for sticky in _STICKY:
        if sticky not in moves and any(sticky in detect_moves(t.text) for t in this_round):
            moves.append(sticky)
    for move in context_moves(_last_agent_text(turns), latest_text):
        if move not in moves:
            moves.append(move)
    facts = read_facts(turns, script)
    first_latest = _first_of_latest_block(turns)
    demanded = demanded_amount(facts.amounts, first_latest)
    rejected = tuple(dict.fromkeys(a.amount for a in facts.amounts if a.turn >= first_latest and a.role == "rejected"))
    if demanded is not None and state.offers and "ask_compensation" not in moves:
        moves.append("ask_compensation")  # naming a sum while an offer stands is asking for money
    strategy, offer = choose_strategy(moves, state, conversation, demanded, facts)
    topic = detect_topic(turns)
    clock, clock_known = local_time(conversation, now, default_zone, script)
    situation = Situation(
        script=script,
        round=state.current_round,
        conceded_this_round=state.conceded_this_round,
        standing_amount=state.standing_amount,
        moves=tuple(moves),
        strategy=strategy,
        case=conversation.case,
        policy=conversation.policy,
        fingerprint=fingerprint(turns, [conversation.case.model_dump(), conversation.policy.model_dump()]),
        topic=topic,
        demanded_amount=demanded,
        offer_amount=offer,
        facts=facts,
        local_time=clock,
        clock_known=clock_known,
    )
    notes = render_notes(situation, conversation, notebook if notebook is not None else load_notebook())
    return situation.model_copy(update={"notes": notes})


def _first_of_latest_block(turns: Sequence[Turn]) -> int:
    """Index of the first turn of the customer's latest block of messages."""
    i = len(turns)
    while i > 0 and turns[i - 1].role != "customer":
        i -= 1
    while i > 0 and turns[i - 1].role == "customer":
        i -= 1
    return i


__all__ = [
    "REFUSALS", "STRATEGIES", "analyse", "choose_strategy", "customer_script", "fingerprint",
    "first_offer_amount", "raised_total",
]
