"""The checks of a scenario's `expect` against one reply: pure functions, no I/O.

Patterns and phrases are matched script-insensitively (a Simplified pattern matches a Traditional
reply) and case-insensitively, so one expectation serves zh-CN, zh-TW and en replies alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from coach.evaluation import listening
from coach.evaluation.scenarios import Expect
from coach.text import to_simplified
from coach.types import Conversation, Locale, Offer, Passage, Policy, Turn, ValidationResult

# (draft, turns, policy, locale) -> ValidationResult: coach.rules.validate.
ValidateFn = Callable[[str, Sequence[Turn], Policy, Locale | None], ValidationResult]
# (reply, turns, policy, locale) -> the concessions the reply itself makes (restating a standing
# offer is not one).
ConcessionFn = Callable[[str, Sequence[Turn], Policy, Locale | None], Sequence[Offer]]

_ANNOTATION = re.compile(r"[(（][^()（）\u3400-\u9fff]{1,12}[)）]")  # pinyin glosses like 領(lǐng)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    simplified = to_simplified(pattern)
    return re.compile(pattern, re.IGNORECASE), re.compile(simplified, re.IGNORECASE)


def pattern_matches(pattern: str, text: str) -> bool:
    raw, simple = _compiled(pattern)
    return bool(raw.search(text) or simple.search(to_simplified(text)))


def normalise_phrase_text(text: str) -> str:
    """Simplified, no glosses, no whitespace, lower case: for phrase containment tests."""
    return _SPACE.sub("", _ANNOTATION.sub("", to_simplified(text))).lower()


def check_rules_clean(expect: Expect, validation: ValidationResult) -> Check | None:
    if not expect.rules_clean:
        return None
    if validation.ok and not validation.violations:
        return Check("rules_clean", True, "no violation")
    found = ", ".join(f"{v.rule} ({v.evidence!r})" for v in validation.violations) or "validator said not ok"
    return Check("rules_clean", False, found)


def check_concession(expect: Expect, offers: Sequence[Offer]) -> Check | None:
    found = ", ".join(_describe(o) for o in offers)
    if expect.concession == "none":
        return Check("concession", not offers, f"conceded: {found}" if offers else "no concession")
    if expect.concession == "required":
        return Check("concession", bool(offers), f"conceded: {found}" if offers else "no concession made")
    return None


def _describe(offer: Offer) -> str:
    amount = f" {offer.amount:g}" if offer.amount is not None else ""
    return f"{offer.kind}{amount}"


def check_must_match(expect: Expect, reply: str) -> Check | None:
    if not expect.must_match:
        return None
    missing = [p for p in expect.must_match if not pattern_matches(p, reply)]
    if missing:
        return Check("must_match", False, "no match for " + ", ".join(repr(p) for p in missing))
    return Check("must_match", True, f"all {len(expect.must_match)} matched")


def check_must_not_match(expect: Expect, reply: str) -> Check | None:
    if not expect.must_not_match:
        return None
    hits = [p for p in expect.must_not_match if pattern_matches(p, reply)]
    if hits:
        return Check("must_not_match", False, "matched " + ", ".join(repr(p) for p in hits))
    return Check("must_not_match", True, f"none of {len(expect.must_not_match)} matched")


def check_cites_any(expect: Expect, cited: Sequence[Passage]) -> Check | None:
    if not expect.cites_any:
        return None
    if not cited:
        return Check("cites_any", False, "the reply cites no passage")
    texts = {p.id: normalise_phrase_text(p.title + " " + p.text) for p in cited}
    for phrase in expect.cites_any:
        needle = normalise_phrase_text(phrase)
        for pid, text in texts.items():
            if needle and needle in text:
                return Check("cites_any", True, f"{pid} holds {phrase!r}")
    ids = ", ".join(texts)
    return Check("cites_any", False, f"none of the cited passages ({ids}) holds any of the phrases")


def check_mentions_problem(expect: Expect, reply: str) -> Check | None:
    if not expect.mentions_problem:
        return None
    found = listening.mentions(reply, expect.mentions_problem)
    if found is None:
        return Check("mentions_problem", False, "names none of " + ", ".join(repr(t) for t in expect.mentions_problem))
    return Check("mentions_problem", True, f"names {found!r}")


def check_no_repeat_question(expect: Expect, reply: str) -> Check | None:
    if not expect.already_said:
        return None
    again = listening.asked_again(reply, list(expect.already_said))
    if again:
        return Check("no_repeat_question", False, "asks again for " + ", ".join(again))
    return Check("no_repeat_question", True, "asks for none of " + ", ".join(expect.already_said))


def check_no_past_time(expect: Expect, reply: str, conversation: Conversation | None) -> Check | None:
    if not expect.no_past_time or conversation is None:
        return None
    today = listening.proposed_today(reply)
    if not today:
        return None  # proposes no time of today: nothing to judge
    from coach.analysis.clock import local_time
    from coach.text import script_of_turns

    clock, known = local_time(conversation, script=script_of_turns(conversation.turns, conversation.locale))
    if clock is None or not known:
        return Check("no_past_time", True, "names a time today, but the customer's clock is not known")
    past = listening.past_times(reply, clock)
    if past:
        return Check("no_past_time", False, f"proposes {', '.join(past)} at {clock:%H:%M} local")
    return Check("no_past_time", True, f"every time proposed is after {clock:%H:%M} local")


def run_checks(
    expect: Expect,
    reply: str,
    validation: ValidationResult,
    offers: Sequence[Offer],
    cited: Sequence[Passage],
    conversation: Conversation | None = None,
) -> list[Check]:
    """Every deterministic check the expectation asks for (the judge is added by the runner)."""
    candidates = (
        check_rules_clean(expect, validation),
        check_concession(expect, offers),
        check_must_match(expect, reply),
        check_must_not_match(expect, reply),
        check_cites_any(expect, cited),
        check_mentions_problem(expect, reply),
        check_no_repeat_question(expect, reply),
        check_no_past_time(expect, reply, conversation),
    )
    return [c for c in candidates if c is not None]
