"""Domain values: immutable, validated, shared by the service, the CLI and the eval runner.

API request/response schemas live apart (coach/api/schemas.py); these are the values the
pipeline passes between its steps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["customer", "agent"]
Locale = Literal["zh-CN", "zh-TW", "en"]
Script = Literal["zh-Hans", "zh-Hant", "en"]
Severity = Literal["block", "warn"]
Ticket = Literal["none", "open", "closed"]

MAX_TURN_CHARS = 4000
MAX_TURNS = 200


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Turn(Frozen):
    role: Role
    text: str = Field(min_length=1, max_length=MAX_TURN_CHARS)
    round: int = Field(default=1, ge=1)


class Money(Frozen):
    amount: float = Field(ge=0)
    currency: str = Field(default="CNY", min_length=1, max_length=8)


class Policy(Frozen):
    max_compensation: Money | None = None


class Case(Frozen):
    prior_contacts: int = Field(default=0, ge=0)
    ticket: Ticket = "none"
    company_at_fault: bool = False


def known_timezone(value: str | None) -> str | None:
    """`value` when it names an IANA timezone; a ValueError in plain words otherwise."""
    if value is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r}: use an IANA name such as Asia/Shanghai or Europe/London") from None
    return value


class Conversation(Frozen):
    conversation_id: str | None = Field(default=None, max_length=200)
    locale: Locale | None = None
    turns: tuple[Turn, ...] = Field(min_length=1, max_length=MAX_TURNS)
    policy: Policy = Policy()
    case: Case = Case()
    n: int = Field(default=1, ge=1, le=3)
    template: str | None = Field(default=None, max_length=100)
    # The request's clock: when the agent asks (ISO 8601; without an offset it is read as UTC) and
    # the customer's IANA timezone. Proposed times are never before it. Both optional.
    now: datetime | None = None
    timezone: str | None = Field(default=None, max_length=64)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        return known_timezone(value)


class Passage(Frozen):
    id: str
    source: str
    title: str
    text: str
    score: float = 0.0
    position: int = 0
    # Set when `text`/`title` were converted to the reader's script: the source's own words.
    original_text: str | None = None
    original_title: str | None = None


class Violation(Frozen):
    rule: str
    severity: Severity
    message: str
    span: tuple[int, int]
    evidence: str
    hint: str


class ValidationResult(Frozen):
    ok: bool
    violations: tuple[Violation, ...] = ()


class Usage(Frozen):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class Draft(Frozen):
    """One candidate reply as a drafter produced it, before validation."""

    text: str
    citations: tuple[str, ...] = ()
    source: Literal["llm", "offline"] = "offline"


class Suggestion(Frozen):
    text: str
    citations: tuple[str, ...] = ()
    source: Literal["llm", "offline"]
    attempts: int = 1
    validation: ValidationResult


class SuggestionResponse(Frozen):
    conversation_id: str | None = None
    request_id: str = ""
    suggestions: tuple[Suggestion, ...]
    passages: tuple[Passage, ...]
    degraded: bool = False
    degraded_reason: str | None = None
    template: str
    model: str
    timings_ms: dict[str, float] = {}
    usage: Usage = Usage()


class Offer(Frozen):
    """A concession found in an agent turn (or a draft): what kind, and the amount if any."""

    kind: str
    amount: float | None = None
    round: int = 1
    text: str = ""


class RoundState(Frozen):
    """What the conversation so far says about rounds and concessions (from coach.rules.state)."""

    current_round: int = 1
    conceded_this_round: bool = False
    standing_amount: float | None = None
    offers: tuple[Offer, ...] = ()


AmountRole = Literal["demanded", "offered", "rejected", "restated", "mentioned"]


class AmountFact(Frozen):
    """A sum of money in the conversation with its role: the customer's demand, the agent's offer,
    an offer the customer turns down, a sum said again (the standing offer, an earlier demand), or
    one that is part of the case (a fee or a charge the customer names)."""

    amount: float
    currency: str | None = None
    role: AmountRole
    speaker: Role
    round: int = 1
    turn: int = 0  # index of the turn it was said in
    form: str = "money"  # voucher, refund, money... as the offer reader reads it
    evidence: str = ""


class Promise(Frozen):
    """Something the agent side committed to earlier: a callback, a visit, a resend, a refund.
    `kept` is False when the customer says it did not happen, True when this contact is it (a
    callback round after a promised callback), None when nothing says."""

    what: Literal["callback", "visit", "resend", "refund"]
    when: str | None = None  # the time it named, as said
    said_by: Role = "agent"  # "customer": known only from the customer reporting it
    round: int = 1
    kept: bool | None = None
    evidence: str = ""


class Facts(Frozen):
    """What the customer already said, kept in their own words (Simplified for Chinese)."""

    problem: str | None = None  # their clause naming the problem, pronouns turned to the agent's view
    problem_kind: str | None = None  # wrong_item, not_arrived, duplicate_charge, damaged...
    problem_said: str | None = None  # the same clause as the customer wrote it
    item: str | None = None  # the product or service, in their words
    since: str | None = None  # since when, in their words
    wants: tuple[str, ...] = ()  # refund, replacement, repair, compensation, manager, callback...
    amounts: tuple[AmountFact, ...] = ()
    promises: tuple[Promise, ...] = ()
    deadline: str | None = None  # in their words, turned to the agent's view
    harm: str | None = None  # in their words, turned to the agent's view
    order_number: str | None = None
    alternative: str | None = None  # what the agent's last turn offered to do instead, as said
    agent_turns: int = 0  # how many times the agent has spoken

    @property
    def missed(self) -> Promise | None:
        """The earliest promise the customer says was not kept."""
        return next((p for p in self.promises if p.kept is False), None)

    def rejected(self) -> tuple[float, ...]:
        return tuple(dict.fromkeys(a.amount for a in self.amounts if a.role == "rejected"))


class Situation(Frozen):
    """Deterministic reading of the conversation before drafting (from coach.analysis.situation)."""

    script: Script
    round: int = 1
    conceded_this_round: bool = False
    standing_amount: float | None = None
    moves: tuple[str, ...] = ()
    strategy: str = "calm_and_help"
    notes: tuple[str, ...] = ()
    case: Case = Case()
    policy: Policy = Policy()
    # Added for the offline drafter and the prompt (additive, with defaults):
    fingerprint: str = ""  # stable hash of the conversation; varies phrasings deterministically
    topic: str | None = None  # what the customer's issue is about (phone, delivery, bill, ...)
    demanded_amount: float | None = None  # the largest sum the customer asked for, if any
    offer_amount: float | None = None  # the offer (or raised total) the strategy proposes, if any
    facts: Facts = Facts()  # what the customer already said (coach.analysis.facts)
    local_time: datetime | None = None  # the request's clock in the customer's timezone, if known
    clock_known: bool = False  # local_time is the customer's own wall clock (else only the instant)


class Message(Frozen):
    """One chat message of a rendered prompt."""

    role: Literal["system", "user", "assistant"]
    content: str


class DraftRequest(Frozen):
    """Everything a drafter may use: the rendered messages (LLM) or the situation and passages
    (offline composer). `feedback` holds the violations of a rejected earlier draft, if any."""

    messages: tuple[Message, ...] = ()
    situation: Situation
    passages: tuple[Passage, ...] = ()
    n: int = Field(default=1, ge=1, le=3)
    feedback: tuple[Violation, ...] = ()
    # Model parameters from the template's front matter (temperature, max_tokens, response_format...).
    params: dict[str, Any] = Field(default_factory=dict)
