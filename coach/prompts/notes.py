"""The private notes of the LLM prompt, rendered from data that lives with the templates.

`prompts/notes/notes.yaml` holds the strategies' instructions and one format string per note;
`render_notes(situation, conversation, book)` fills them from the situation analysis, fact by fact,
each correctly labelled (a sum the customer turns down is never "the customer asks for"). A note
whose fact is absent is left out. `COACH_PROMPTS_DIR/notes/notes.yaml` replaces the bundled file.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from coach.errors import TemplateError
from coach.types import AmountFact, Conversation, Situation

NOTES_FILE = "notes.yaml"
_LANGUAGE = {"zh-Hans": "Simplified Chinese", "zh-Hant": "Traditional Chinese", "en": "English"}
_REQUIRED = (
    "reply_in", "round", "round_kind_first", "round_kind_callback", "conceded_yes", "conceded_no", "moves",
    "moves_none", "case", "strategy", "always",
)


@dataclass(frozen=True)
class NoteBook:
    strategies: dict[str, str]
    notes: dict[str, str]
    words: dict[str, dict[str, str]]
    origin: str

    def note(self, key: str, **values: Any) -> str | None:
        template = self.notes.get(key)
        return template.format(**values) if template is not None else None

    def word(self, group: str, key: str) -> str:
        return self.words.get(group, {}).get(key, key.replace("_", " "))


def bundled_folder() -> Traversable:
    return resources.files("coach.bundled_prompts") / "notes"


def notes_folder(prompts_dir: Path | None) -> Traversable | Path:
    """prompts_dir/notes when it holds a notes.yaml, else the bundled notes."""
    if prompts_dir is not None and (Path(prompts_dir) / "notes" / NOTES_FILE).is_file():
        return Path(prompts_dir) / "notes"
    return bundled_folder()


_READ: dict[tuple[str, int, int], NoteBook] = {}  # by (path, mtime, size): a changed file is read again


def load_notebook(folder: Traversable | Path | None = None) -> NoteBook:
    """The notes in `folder` (default: the bundled ones), checked; a TemplateError names what is wrong.
    Called for every suggestion: a file on disk is read again only when its modification time or
    size changed (one stat a call instead of opening and reading it)."""
    folder = folder if folder is not None else bundled_folder()
    path = folder / NOTES_FILE
    try:
        if not isinstance(path, Path):  # inside a zipped package: cannot change while we run
            return _parse(path.read_text(encoding="utf-8"), str(path), 0)
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        found = _READ.get(key)
        if found is not None:
            return found
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"prompt notes: cannot read {path}: {exc}") from exc
    book = _parse(text, key[0], key[1])
    if len(_READ) >= 8:
        _READ.clear()
    _READ[key] = book
    return book


@lru_cache(maxsize=8)
def _parse(text: str, origin: str, _mtime: int) -> NoteBook:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TemplateError(f"prompt notes: {origin}: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("strategies"), dict) or not isinstance(raw.get("notes"), dict):
        raise TemplateError(f"prompt notes: {origin} needs `strategies` and `notes` mappings")
    strategies = {str(k): str(v) for k, v in raw["strategies"].items()}
    notes = {str(k): str(v) for k, v in raw["notes"].items()}
    missing = [k for k in _REQUIRED if k not in notes]
    if missing:
        raise TemplateError(f"prompt notes: {origin}: `notes` lacks {missing}")
    for key, value in notes.items():
        try:
            list(string.Formatter().parse(value))
        except ValueError as exc:
            raise TemplateError(f"prompt notes: {origin}: notes.{key}: {exc}") from exc
    words = {str(g): {str(k): str(v) for k, v in (m or {}).items()} for g, m in (raw.get("words") or {}).items()}
    return NoteBook(strategies=strategies, notes=notes, words=words, origin=origin)


def _money(amount: float | None, currency: str) -> str:
    return "none" if amount is None else f"{amount:g} {currency}"


def _amount_notes(book: NoteBook, amounts: Sequence[AmountFact], currency: str, demanded: float | None) -> list[str]:
    out: list[str] = []
    seen: set[tuple[str, float]] = set()
    for a in amounts:
        key = (a.role, a.amount)
        if key in seen or a.role in ("restated", "demanded"):
            continue
        seen.add(key)
        money = _money(a.amount, a.currency or currency)
        if a.role == "rejected":
            out.append(book.note("rejected", amount=money) or "")
        elif a.role == "mentioned":
            out.append(book.note("mentioned", amount=money) or "")
        elif a.role == "offered":
            out.append(book.note("offered", amount=money, round=a.round) or "")
    if demanded is not None:
        out.append(book.note("demanded", amount=_money(demanded, currency)) or "")
    return [n for n in out if n]


def render_notes(s: Situation, conversation: Conversation, book: NoteBook) -> tuple[str, ...]:
    """The notes of situation `s` (see the module docstring)."""
    ceiling = s.policy.max_compensation
    currency = ceiling.currency if ceiling is not None else "CNY"
    facts = s.facts
    case = conversation.case
    n: list[str | None] = [
        book.note("reply_in", language=_LANGUAGE[s.script], script=s.script),
        book.note(
            "round", round=s.round,
            round_kind=book.notes["round_kind_callback" if s.round >= 2 else "round_kind_first"],
            conceded=book.notes["conceded_yes" if s.conceded_this_round else "conceded_no"],
            standing=_money(s.standing_amount, currency),
        ),
        book.note("moves", moves=", ".join(s.moves) if s.moves else book.notes["moves_none"]),
        book.note("case", ticket=case.ticket, prior_contacts=case.prior_contacts, at_fault="yes" if case.company_at_fault else "no"),
    ]
    if ceiling is not None:
        n.append(book.note("ceiling", ceiling=_money(ceiling.amount, currency)))
    if facts.problem_said:
        n.append(book.note("problem", problem=facts.problem_said, problem_kind=(facts.problem_kind or "other").replace("_", " ")))
    else:
        n.append(book.note("problem_unknown"))
    if facts.item:
        n.append(book.note("item", item=facts.item))
    if facts.since:
        n.append(book.note("since", since=facts.since))
    if facts.order_number:
        n.append(book.note("order_number", order_number=facts.order_number))
    said = [k for k, v in (("problem", facts.problem_said or facts.problem_kind), ("product", facts.item),
                           ("since", facts.since), ("order_number", facts.order_number)) if v]
    if said:
        n.append(book.note("already_said", said=", ".join(book.word("facts", k) for k in said)))
    missing = [k for k in ("problem", "product", "order_number") if k not in said]
    if missing and facts.problem_kind is not None:
        n.append(book.note("missing", missing=", ".join(book.word("facts", k) for k in missing if k != "problem")))
    if facts.wants:
        n.append(book.note("wants", wants=", ".join(facts.wants)))
    harm = facts.harm or facts.deadline
    if harm:
        n.append(book.note("harm", harm=harm))
    n.extend(_amount_notes(book, facts.amounts, currency, s.demanded_amount))
    for p in facts.promises:
        when = f" ({p.when})" if p.when else ""
        if p.kept is False:
            n.append(book.note("promise_missed", what=book.word("what", p.what), when=when))
        elif p.kept is True:
            n.append(book.note("promise_kept", what=book.word("what", p.what), when=when, round=p.round))
    if s.topic is not None:
        n.append(book.note("topic", topic=s.topic))
    n.append(book.note("strategy", strategy=s.strategy, instruction=book.strategies.get(s.strategy, "")))
    if s.offer_amount is not None:
        n.append(book.note("offer", amount=_money(s.offer_amount, currency)))
    if s.strategy == "refund_owed":
        n.append(book.note("refund_owed"))
    if s.strategy == "hold_offer_propose_callback":
        standing_note = (book.note("hold_standing", standing=_money(s.standing_amount, currency))
                         if s.standing_amount is not None else book.notes.get("hold_generic", ""))
        n.append(book.note("hold", standing_note=standing_note))
    if "demand_manager" in s.moves and s.strategy != "focus_on_problem":
        n.append(book.note("manager_too"))
    if case.prior_contacts > 0 or "repeat_contact" in s.moves:
        n.append(book.note("repeat"))
    if "threat_harm" in s.moves:
        n.append(book.note("harm_self"))
    if s.local_time is not None and s.clock_known:
        n.append(book.note("clock_known", time=f"{s.local_time:%H:%M}", weekday=f"{s.local_time:%A}"))
    else:
        n.append(book.note("clock_unknown"))
    n.append(book.note("always"))
    return tuple(x for x in n if x)
