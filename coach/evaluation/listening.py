"""The listening checks a team lead makes of a reply (issue 11), usable in every scenario set:

- `mentions_problem`: the reply names the customer's problem: one of the scenario's key terms
  (regular expressions, script- and case-insensitive) is in it;
- `no_repeat_question`: the reply does not ask again for a fact the conversation holds (the
  scenario lists them under `already_said`: problem, product, since, order_number,
  contact_history, amount);
- `no_past_time`: a time the reply proposes for today is after the request's clock (the
  conversation's `now`, on the customer's wall clock: its `timezone`, `now`'s offset or the
  locale's zone). Without a known wall clock a time of today cannot be judged and passes with a note.

Pure functions; the word lists are coach/data/evaluation/listening.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from coach.datafiles import data_yaml
from coach.rules.numerals import parse_number
from coach.text import to_simplified

FACTS = ("problem", "product", "since", "order_number", "contact_history", "amount")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+|(?<=[.!?])\s")


@dataclass(frozen=True)
class _Lists:
    asks: dict[str, re.Pattern[str]]
    today: re.Pattern[str]
    later_day: re.Pattern[str]
    zh_clock: re.Pattern[str]
    en_clock: re.Pattern[str]
    afternoon: re.Pattern[str]
    asking: re.Pattern[str]


@lru_cache(maxsize=1)
def _lists() -> _Lists:
    raw = data_yaml("evaluation", "listening.yaml")
    times = raw["times"]
    return _Lists(
        asks={k: re.compile(v) for k, v in raw["asks"].items()},
        today=re.compile(times["today"]), later_day=re.compile(times["later_day"]),
        zh_clock=re.compile(times["zh_clock"]), en_clock=re.compile(times["en_clock"]),
        afternoon=re.compile(times["afternoon"]),
        asking=re.compile(raw["asking"]),
    )


def fold(text: str) -> str:
    return to_simplified(text).lower()


def asked_again(reply: str, facts: list[str]) -> list[str]:
    """The listed facts the reply asks for again, in its asking sentences (questions and
    requests: "let me look into what happened" asks nothing)."""
    lists = _lists()
    asking = [s for s in _sentences(fold(reply)) if lists.asking.search(s)]
    return [f for f in facts if f in lists.asks and any(lists.asks[f].search(s) for s in asking)]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？!?；;])|(?<=[.!?])\s+", text) if s.strip()]


def proposed_today(reply: str) -> list[tuple[int, int, str]]:
    """(hour, minute, words) of every clock time the reply names for today: in a sentence with a
    today word, or with no day word at all."""
    lists = _lists()
    out = []
    for sentence in _sentences(fold(reply)):
        if lists.later_day.search(sentence) and not lists.today.search(sentence):
            continue
        for m in lists.zh_clock.finditer(sentence):
            hour = parse_number(m.group("h") or m.group("h2"))
            if hour is None or hour > 24:
                continue
            minute = 30 if m.group("m") == "半" else int(m.group("m") or 0)
            h = int(hour)
            if m.group("part") in ("下午", "晚上", "傍晚") and h < 12:
                h += 12
            out.append((h, minute, m.group().strip()))
        for m in lists.en_clock.finditer(sentence):
            h = int(m.group("h"))
            if h > 12:
                continue
            if m.group("ampm").startswith("p") and h < 12:
                h += 12
            if m.group("ampm").startswith("a") and h == 12:
                h = 0
            out.append((h, int(m.group("m") or 0), m.group().strip()))
    return out


def past_times(reply: str, local_now: datetime) -> list[str]:
    """The times the reply proposes for today that are not after `local_now`."""
    now = (local_now.hour, local_now.minute)
    return [words for h, m, words in proposed_today(reply) if (h, m) <= now]


def mentions(reply: str, terms: list[str]) -> str | None:
    """The first key term (a regular expression) the reply holds, script- and case-insensitively."""
    folded = fold(reply)
    for term in terms:
        if re.search(term, reply, re.IGNORECASE) or re.search(fold(term), folded):
            return term
    return None
