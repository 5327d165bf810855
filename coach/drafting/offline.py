"""The offline drafter: deterministic, situation-aware replies composed from the phrasebook.

A reply is a lead that calms the feelings (chosen by the customer's strongest move), the core of the
situation's strategy, and for offers a closing question. Variants are chosen by a stable hash of the
conversation (Situation.fingerprint), so the same conversation always gets the same replies and the
n replies of one request differ. Each reply cites the passages whose text holds the cue words of the
strategy (then of the lead's move, then of calming the feelings; prompts/offline/citations.yaml), and
none when no passage fits.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path

from coach.config import Settings
from coach.errors import TemplateError
from coach.drafting.phrasebook import Phrasebook, Phrasebooks, Variants, load_phrasebooks, offline_folder
from coach.analysis.moves import fold
from coach.text import to_traditional
from coach.types import Draft, DraftRequest, Passage, Situation

log = logging.getLogger("coach.offline")

# The move whose lead opens the reply when the strategy has no lead of its own, strongest first.
_LEAD_MOVES = (
    "threat_harm", "insult", "repeat_contact", "at_fault", "demand_manager", "threat_complaint", "probe_authority",
)
# Strategies built around the standing offer (a `core_generic` variant serves when it has no amount).
_NEEDS_STANDING = frozenset({"hold_offer_propose_callback", "confirm_offer", "hold_final_offer"})
_NEEDS_OFFER = frozenset({"first_offer", "raise_in_callback"})
_NO_BRIDGE = frozenset({"confirm_offer"})  # a thank-you needs no reminder of the issue
_MAX_CITATIONS = 2
_LEAD_HOURS = 1.0  # a proposed time today is at least this long after the request
# Strategies that look something up and may ask for one missing fact; the fact each kind needs.
_ASKS_FOR_DETAILS = frozenset({"calm_and_help", "focus_on_problem", "reassure_capability", "stay_on_task", "calm_abuse"})
_NEEDS = {"wrong_item": "order_number", "missing_part": "order_number", "not_arrived": "order_number",
          "not_working": "since", "outage": "since"}
_FALLBACK_CUES = "calm_and_help"
_LAST_RESORT_CUES = "any_service"  # every reply opens by calming the feelings


class OfflineDrafter:
    """coach.protocols.Drafter without an LLM: composes up to `n` different validated-by-design replies."""

    name = "offline"

    def __init__(self, settings: Settings | None = None, *, phrasebooks: Phrasebooks | None = None,
                 folder: Path | None = None) -> None:
        if phrasebooks is None:
            phrasebooks = _load_or_bundled(folder if folder is not None else offline_folder(settings))
        self.phrasebooks = phrasebooks

    async def draft(self, request: DraftRequest) -> list[Draft]:
        return self.compose(request.situation, request.passages, request.n)

    def compose(self, situation: Situation, passages: Sequence[Passage] = (), n: int = 1) -> list[Draft]:
        """Up to `n` (1..3) different replies for `situation`, each citing the passages it follows."""
        book = self.phrasebooks.for_script(situation.script)
        seed = _seed(situation)
        strategy = _usable_strategy(situation, book)
        parts = book.strategies[strategy]
        facts = situation.facts
        missed = facts.missed if strategy not in _NO_BRIDGE else None
        missed_lead = f"missed_{missed.what}" if missed is not None and missed.what in ("callback", "visit") else None
        if missed_lead not in book.leads:
            missed_lead = None
        lead_move = None if (parts.get("lead") and not missed_lead) else (missed_lead or _lead_move(situation, book))
        leads = book.leads[missed_lead] if missed_lead else (parts.get("lead") or book.leads[lead_move or "default"])
        known = facts.problem_kind is not None
        cores = _core_variants(situation, strategy, parts, known)
        closes = parts.get("close", ())
        values = _values(situation, book, seed)
        citations = self.citations(strategy, passages, lead_move, situation)
        joiner = " " if situation.script == "en" else ""
        acks = _acks(situation, book, strategy)
        ask = _ask(situation, book, strategy, known)
        drafts: list[Draft] = []
        seen: set[str] = set()
        for i in range(max(1, min(n, 3))):
            core = _pick(cores, seed >> 8, i)
            pieces = [_pick(leads, seed, i)]
            pieces.extend(_pick(variants, seed >> 24, i) for variants in acks)
            pieces.append(core)
            if ask and "?" not in core and "？" not in core:
                pieces.append(_pick(ask, seed >> 32, i))
            elif closes:
                pieces.append(_pick(closes, seed >> 16, i))
            text = joiner.join(p.format(**values) for p in pieces).strip()
            if text in seen:
                continue
            seen.add(text)
            drafts.append(Draft(text=text, citations=citations, source="offline"))
        return drafts

    def moment_query(self, situation: Situation) -> str:
        """A retrieval query of what the reply to `situation` does: the cue words of its first
        facts, its strategy, its lead and of calming the feelings (see citations())."""
        lead = _lead_move(situation, self.phrasebooks.for_script(situation.script))
        keys = _first_cue_keys(situation, lead) + [situation.strategy] + ([f"lead:{lead}"] if lead else []) + [_FALLBACK_CUES]
        words = [cue for key in dict.fromkeys(keys) for cue in self.phrasebooks.cues.get(key, ()) if not cue.isascii()]
        return " ".join(dict.fromkeys(words))

    def citations(self, strategy: str, passages: Sequence[Passage], lead: str | None = None,
                  situation: Situation | None = None) -> tuple[str, ...]:
        """Ids of the passages (at most two) that hold the cues of what the reply does first (a
        missed promise it apologises for, a repeat caller it answers), then of the strategy, of
        the lead's move and of calming the feelings; within each, the passages holding more cues
        first. When no passage holds any cue, the best-ranked passage: every reply cites one."""
        first = _first_cue_keys(situation, lead) if situation is not None else []
        keys = first + [strategy] + ([f"lead:{lead}"] if lead else []) + [_FALLBACK_CUES]
        chosen: list[str] = []
        for i, key in enumerate(dict.fromkeys(keys)):
            cues = self.phrasebooks.cues.get(key, ())
            ranked = sorted(
                (-hits, index, passage.id)
                for index, passage in enumerate(passages)
                if (hits := _cue_hits(cues, passage.title, passage.text))
            )
            scored = [pid for _, _, pid in ranked if pid not in chosen]
            # What the reply does first takes one passage and leaves room for the strategy's.
            chosen.extend(scored[:1] if i < len(first) else scored)
            if len(chosen) >= _MAX_CITATIONS:
                break
        if not chosen:  # every reply cites one: the best-ranked passage on serving customers at all
            cues = self.phrasebooks.cues.get(_LAST_RESORT_CUES, ())
            chosen.extend(p.id for p in passages[:1] if _cue_hits(cues, p.title, p.text))
        return tuple(chosen[:_MAX_CITATIONS])


def _load_or_bundled(folder: Traversable | Path) -> Phrasebooks:
    """A prompt engineer's broken working copy is reported and the bundled phrasings serve instead;
    broken bundled phrasings are a TemplateError (a packaging bug, not something to serve around)."""
    bundled = offline_folder(None)
    try:
        return load_phrasebooks(folder)
    except TemplateError:
        if str(folder) == str(bundled):
            raise
        log.exception("offline phrasings in %s failed to load; using the bundled ones", folder)
        return load_phrasebooks(bundled)


def compose(situation: Situation, passages: Sequence[Passage] = (), n: int = 1) -> list[Draft]:
    """The bundled offline drafter's replies (see OfflineDrafter.compose)."""
    return _default_drafter().compose(situation, passages, n)


@lru_cache(maxsize=1)
def _default_drafter() -> OfflineDrafter:
    return OfflineDrafter()


def _seed(situation: Situation) -> int:
    basis = situation.fingerprint or situation.model_dump_json()
    return int.from_bytes(hashlib.blake2b(basis.encode("utf-8"), digest_size=8).digest(), "big")


def _pick(variants: Variants, seed: int, i: int) -> str:
    return variants[(seed + i) % len(variants)]


def _usable_strategy(situation: Situation, book: Phrasebook) -> str:
    strategy = situation.strategy if situation.strategy in book.strategies else "calm_and_help"
    if strategy in _NEEDS_OFFER and _offer_amount(situation) is None:
        return "assess_and_follow_up"
    return strategy


def _offer_amount(situation: Situation) -> float | None:
    """The strategy's offer, never above the private ceiling (no ceiling known, no money offered)."""
    ceiling = situation.policy.max_compensation
    amount = situation.offer_amount
    if amount is None or ceiling is None or amount <= 0 or ceiling.amount <= 0:
        return None
    return min(amount, ceiling.amount)


def _standing_amount(situation: Situation) -> float | None:
    """The standing offer's amount when it may be named (never one above the ceiling)."""
    ceiling = situation.policy.max_compensation
    amount = situation.standing_amount
    if amount is None or amount <= 0 or (ceiling is not None and amount > ceiling.amount):
        return None
    return amount


def _lead_move(situation: Situation, book: Phrasebook) -> str | None:
    """The move whose lead opens the reply (None: the default lead)."""
    moves = set(situation.moves)
    if situation.case.prior_contacts > 0:
        moves.add("repeat_contact")
    if situation.case.company_at_fault:
        moves.add("at_fault")
    for move in _LEAD_MOVES:
        if move in moves and move in book.leads:
            return move
    return None


def _core_variants(situation: Situation, strategy: str, parts: dict[str, Variants], known: bool) -> Variants:
    for move in situation.moves:
        if f"core_{move}" in parts:
            return parts[f"core_{move}"]
    if known and "core_known" in parts:
        return parts["core_known"]
    repeat = situation.case.prior_contacts > 0 or "repeat_contact" in situation.moves or situation.case.ticket != "none"
    if not known and repeat and "core_history" in parts:
        return parts["core_history"]
    if strategy in _NEEDS_STANDING and _standing_amount(situation) is None and "core_generic" in parts:
        return parts["core_generic"]
    return parts["core"]


def _amount_text(amount: float) -> str:
    return f"{amount:.0f}" if float(amount).is_integer() else f"{amount:.2f}".rstrip("0").rstrip(".")


def _money(book: Phrasebook, amount: float, currency: str) -> str:
    pattern = book.money.get(currency.upper(), book.money["default"])
    return pattern.format(amount=_amount_text(amount), currency=currency)


def _values(situation: Situation, book: Phrasebook, seed: int) -> dict[str, str]:
    ceiling = situation.policy.max_compensation
    currency = ceiling.currency if ceiling is not None else "CNY"
    topic = book.topics.get(situation.topic or "default", book.topics["default"])
    offer = _offer_amount(situation)
    money = _money(book, offer, currency) if offer is not None else ""
    standing_amount = _standing_amount(situation)
    if standing_amount is not None:
        standing = book.standing.format(money=_money(book, standing_amount, currency))
    else:
        standing = book.standing_generic
    facts = situation.facts
    kind = facts.problem_kind
    steps = book.next_steps.get(kind or "", ())
    said = _in_script(situation.script)
    # the customer's own word for the thing ("耳机", not the topic's "手机"); English templates need
    # its article, so they keep the topic's phrase
    own_word = said(facts.item) if situation.script != "en" else ""
    return {
        "problem": said(facts.problem),
        "said": said(facts.problem_said),
        "harm": said(facts.harm or facts.deadline),
        "item": said(facts.item),
        "next_step": steps[seed % len(steps)] if steps else topic["alternative"],
        "alternative": said(facts.alternative) or topic["alternative"],
        "when": "",
        "topic": own_word or topic["issue"],
        "device": own_word or topic["device"],
        "money": money,
        "offer": book.offer.format(money=money) if money else "",
        "standing": standing,
        "standing_cap": standing[:1].upper() + standing[1:],
        "callback": callback_text(book, situation, seed),
    }


def _in_script(script: str):  # type: ignore[no-untyped-def]
    """The customer's words (kept in Simplified) in the reply's script."""
    def convert(text: str | None) -> str:
        if not text:
            return ""
        return to_traditional(text) if script == "zh-Hant" else text
    return convert


def callback_text(book: Phrasebook, situation: Situation, seed: int) -> str:
    """A callback time at least an hour after the request's local time (one of the first two
    that fit); when the customer's wall clock is unknown, a later day's slot."""
    now = situation.local_time
    slots = list(book.callback_slots)
    if now is None or not situation.clock_known:
        fitting = [s for s in slots if s.day >= 1]
    else:
        hour = now.hour + now.minute / 60 + _LEAD_HOURS
        fitting = [s for s in slots if s.day >= 1 or s.at >= hour]
    fitting.sort(key=lambda s: (s.day, s.at))
    choices = fitting[:2] or [max(slots, key=lambda s: (s.day, s.at))]
    return choices[seed % len(choices)].text


def _acks(situation: Situation, book: Phrasebook, strategy: str) -> list[Variants]:
    """What the reply restates of the customer's words, in order: the problem (turned to our view,
    else quoted), the harm or deadline they named, the voucher they turned down; an item alone
    when the problem itself was not said."""
    facts = situation.facts
    acks = book.acks
    if strategy in _NO_BRIDGE:  # a thank-you: only what was promised besides the offer
        promised = any(p.what in ("resend", "visit") and p.said_by == "agent" for p in facts.promises)
        return [acks[f"promised"]] if promised and facts.item and "promised" in acks else []
    out: list[Variants] = []
    disputes_us = "dispute" in situation.moves and facts.agent_turns > 0  # against what we told them
    if facts.problem and disputes_us and "disputed" in acks:
        out.append(acks["disputed"])
    elif facts.problem and "problem" in acks:
        out.append(acks["problem"])
    elif facts.problem_said and "quoted" in acks:
        out.append(acks["quoted"])
    elif facts.item and "item" in acks:
        out.append(acks["item"])
    elif situation.topic and book.topic_bridge:
        out.append(book.topic_bridge)
    harm = facts.harm or facts.deadline
    if out and harm and "harm" in acks and harm not in (facts.problem or "") and (facts.problem or "") not in harm:
        out.append(acks["harm"])
    turned_down = any(a.role == "rejected" and a.form in ("voucher", "red_packet", "credit") for a in facts.amounts)
    if turned_down and "rejected" in acks and strategy not in _NEEDS_OFFER and not situation.conceded_this_round:
        out.append(acks["rejected"])
    return out


def _ask(situation: Situation, book: Phrasebook, strategy: str, known: bool) -> Variants:
    """One question for a fact the case needs and the conversation does not hold (none when the
    core asks its own question or does not look anything up)."""
    if not known or strategy not in _ASKS_FOR_DETAILS:
        return ()
    facts = situation.facts
    need = _NEEDS.get(facts.problem_kind or "")
    if need == "order_number" and facts.order_number is None:
        return book.asks.get("order_number", ())
    if need == "since" and facts.since is None:
        return book.asks.get("since", ())
    return ()


def _first_cue_keys(situation: Situation, lead: str | None) -> list[str]:
    keys = []
    facts = situation.facts
    if facts.missed is not None:
        keys.append(f"fact:missed_{facts.missed.what}")
    if situation.strategy == "refund_owed":
        keys.append("refund_owed")
    if lead == "repeat_contact":
        keys.append("lead:repeat_contact")
    return keys


@lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    return fold(text)


def _cue_hits(cues: Variants, title: str, text: str) -> int:
    folded = _folded(f"{title}\n{text}")
    return sum(1 for cue in cues if cue.lower() in folded)
