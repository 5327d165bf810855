"""What the customer already said, kept in their own words: the problem (what, which product or
service, since when), what they want, deadlines and harm, the promises made to them earlier and
whether they were kept, and every sum of money with its role (amounts.py).

Pure functions over the turns. Patterns live in coach/data/analysis/reading.yaml and read the
folded text (Simplified, lower case); what is kept is sliced from the Simplified text with its
case, so an English customer's words come back as they wrote them and a Traditional customer's
are converted back to their script with the rest of the reply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coach.analysis import voice
from coach.analysis.amounts import read_amounts
from coach.analysis.lexicon import fold, reading, simplified
from coach.rules.normalize import normalize
from coach.rules.offers import money_mentions
from coach.types import Facts, Promise, Script, Turn

_CLAUSE = re.compile(r"(?:[^。！？!?；;，,\n.]|\.(?!\s|$)|(?<=\d),(?=\d{3}))+(?:[。！？!?；;，,]|\.(?=\s|$))*")
# Problems with the service itself rank below the customer's own problem ("你这是什么态度" after
# "我的话费怎么多了六十块").
_BUT = re.compile(r"(可是|可|但是|但|却|but\b|yet\b)")
_ORDERED = re.compile(r"(买|订|要|选)的是|i (ordered|bought|asked for)")
_SERVICE_KINDS = frozenset({"rude_service", "wait"})
_FILLER = re.compile(
    r"^\s*(喂|你好|您好|hi|hello|hey|oh|ok|okay|well|so|and|but|now|look|listen|seriously|brilliant|great)\b[\s,，!！.]*",
    re.IGNORECASE,
)
_CUT = " \t,，。.!！?？;；:：\"“”'‘’"
_MAX_HAN = 30
_MAX_WORDS = 22


def _customer_blocks(turns: Sequence[Turn]) -> list[Turn]:
    """Customer turns, the latest first."""
    return [t for t in reversed(turns) if t.role == "customer"]


def _pieces(text: str, pattern: re.Pattern[str]) -> list[tuple[str, str, bool]]:
    """(folded, simplified with case, is a question) per clause/sentence of `text`."""
    base = simplified(text)
    out = []
    for m in pattern.finditer(base):
        raw = m.group()
        question = raw.rstrip().endswith(("?", "？"))
        clean = _FILLER.sub("", raw).strip(_CUT)
        if clean:
            out.append((fold(clean), clean, question))
    return out


def _in_language(text: str, script: Script) -> bool:
    """The clause is in the reply's language (a locale may differ from what the customer wrote)."""
    han = bool(re.search(r"[\u3400-\u9fff]", text))
    return han != (script == "en")


def _tiny(text: str, han: int = 5) -> bool:
    """Too short to stand alone ("怎么又扣了"): the clause before it says what it is about."""
    return len(re.findall(r"[\u3400-\u9fff]", text)) <= han and len(text.split()) <= 3


def _short(text: str) -> bool:
    han = len(re.findall(r"[\u3400-\u9fff]", text))
    return han <= _MAX_HAN and len(text.split()) <= _MAX_WORDS


def _names_a_demand(folded: str, said: str) -> bool:
    """A clause naming a sum the customer asks for or turns down is no problem statement to
    restate ("I'm claiming $5,000 for the cake"); a charge they dispute is ("话费多了六十块")."""
    r = reading()
    return bool(money_mentions(normalize(said).text)) and bool(r.demand_words.search(folded) or r.reject_words.search(folded))


def _problem(turns: Sequence[Turn], script: Script) -> tuple[str | None, str | None, str | None]:
    """(kind, the customer's clause, the clause turned to the agent's view): the customer's own
    problem first, a complaint about the service itself only when there is none."""
    for exclude, money in ((_SERVICE_KINDS, False), (_SERVICE_KINDS, True), (frozenset(), False)):
        found = _problem_in(turns, script, exclude, money)
        if found[0] is not None:
            return found
    return _statement(turns, script)


_MIN_STATEMENT = re.compile(r"[\u3400-\u9fff]{6,}|(?:\b[a-z']+\b\W+){4,}", re.IGNORECASE)


def _statement(turns: Sequence[Turn], script: Script) -> tuple[str | None, str | None, str | None]:
    """No known kind of problem: the customer's first statement that says something of their case
    (not a question, a demand, abuse or an instruction), kept as they put it (kind "other")."""
    r = reading()
    for turn in [t for t in turns if t.role == "customer"]:
        for folded, said, question in _pieces(turn.text, _CLAUSE):
            if question or r.not_problem.search(folded) or not _in_language(said, script) or not _short(said):
                continue
            if r.demand_words.search(folded) or r.wants[0][1].search(folded) or money_mentions(normalize(said).text):
                continue
            if not _MIN_STATEMENT.search(said) or not (r.since.search(folded) or _any(r.items).search(folded)):
                continue
            return "other", said, voice.turn(said, script)
    return None, None, None


def _problem_in(turns: Sequence[Turn], script: Script, exclude: frozenset[str],
                money: bool) -> tuple[str | None, str | None, str | None]:
    """The first problem clause (see _problem). With `money`, clauses naming a sum count too, but
    only their kind is kept: a sum is never restated (the offer reader could take it for one)."""
    r = reading()
    fallback: tuple[str | None, str | None, str | None] = (None, None, None)
    for turn in _customer_blocks(turns):
        pieces = _pieces(turn.text, _CLAUSE)
        for i, (folded, said, question) in enumerate(pieces):
            if r.not_problem.search(folded) or not _in_language(said, script):
                continue
            names_money = bool(money_mentions(normalize(said).text)) or bool(r.imperative.search(folded))
            if names_money and not money:
                continue
            kind = next((k for k, p in r.problems if p.search(folded)), None)
            if kind is None or kind in exclude:
                continue
            # What they ordered, or what it contradicts, said just before joins it ("我买的是棕色的
            # 皮鞋，你们给我寄了双黑色的", "显示签收了，可我根本没收到").
            if i > 0 and (_ORDERED.search(pieces[i - 1][0]) or _BUT.match(folded) or _tiny(said)) and not pieces[i - 1][2] \
                    and not r.not_problem.search(pieces[i - 1][0]):
                joined = f"{pieces[i - 1][1]}，{said}" if script != "en" else f"{pieces[i - 1][1]}, {said}"
                if _short(joined):
                    said = joined
            # A neighbouring clause of the same problem joins it ("发错货了，我要的是黑色的寄来白色的").
            if i + 1 < len(pieces):
                nf, ns, nq = pieces[i + 1]
                joined = f"{said}，{ns}" if script != "en" else f"{said}, {ns}"
                if (not r.not_problem.search(nf) and any(p.search(nf) for _, p in r.problems)
                        and _short(joined) and not nq):
                    said = joined
            if names_money:
                return kind, None, None
            if not _short(said) or _tiny(said, 3):
                continue
            turned = voice.turn(said, script)
            if question and script == "en":  # a Chinese question restates well ("您反映…怎么又扣了")
                if fallback[0] is None:
                    fallback = (kind, said, None)
                continue
            return kind, said, turned
    return fallback


def _first(pattern: re.Pattern[str], turns: Sequence[Turn]) -> str | None:
    for turn in _customer_blocks(turns):
        base = simplified(turn.text)
        folded = fold(turn.text)
        m = pattern.search(folded)
        if m:
            return base[m.start():m.end()] if len(base) == len(folded) else m.group()
    return None


def _clause_with(pattern: re.Pattern[str], turns: Sequence[Turn], script: Script) -> str | None:
    """The customer's clause holding `pattern` (latest first), turned to the agent's view."""
    r = reading()
    for turn in _customer_blocks(turns):
        for folded, said, _ in _pieces(turn.text, _CLAUSE):
            if pattern.search(folded) and not r.not_problem.search(folded) and _short(said) and _in_language(said, script):
                return voice.turn(said, script)
    return None


def _wants(turns: Sequence[Turn]) -> tuple[str, ...]:
    said = " ".join(fold(t.text) for t in turns if t.role == "customer")
    return tuple(k for k, p in reading().wants if p.search(said))


def _promises(turns: Sequence[Turn]) -> tuple[Promise, ...]:
    r = reading()
    p = r.promises
    found: list[Promise] = []
    for index, turn in enumerate(turns):
        if turn.role != "agent":
            continue
        for folded, said, _ in _pieces(turn.text, _CLAUSE):
            for what in ("callback", "visit", "resend", "refund"):
                if p[what].search(folded):
                    when = p["when"].search(folded)
                    found.append(Promise(what=what, when=when.group() if when else None, said_by="agent",
                                         round=turn.round, evidence=said))
    current = turns[-1].round if turns else 1
    for turn in turns:
        if turn.role != "customer":
            continue
        for folded, said, _ in _pieces(turn.text, _CLAUSE):
            if r.not_problem.search(folded) and not re.search(r"领导|主管|经理|manager|supervisor", folded):
                continue
            missed = p["missed"].search(folded)
            reported = p["reported"].search(folded)
            if not (missed or reported):
                continue
            what = "visit" if re.search(r"上门|师傅|来|came|show|technician|engineer|visit", folded) and not re.search(
                r"回电|电话|回复|call|rang", folded) else "callback"
            earlier = [i for i, pr in enumerate(found) if pr.what == what and pr.round <= turn.round and pr.kept is None]
            if earlier:
                i = earlier[-1]
                if missed:
                    found[i] = found[i].model_copy(update={"kept": False})
            else:
                found.append(Promise(what=what, said_by="customer", round=turn.round,
                                     kept=False if missed else None, evidence=said))
    # A callback promised in an earlier round and not reported missed: this contact keeps it.
    return tuple(
        pr.model_copy(update={"kept": True}) if pr.what == "callback" and pr.kept is None and pr.round < current
        and pr.said_by == "agent" else pr
        for pr in found
    )


def _item(turns: Sequence[Turn]) -> str | None:
    """The product or service the customer names (latest message first), wordings where the
    word means something else ("on the phone") blanked."""
    r = reading()
    pattern = _any(r.items)
    for turn in _customer_blocks(turns):
        base, folded = simplified(turn.text), fold(turn.text)
        for blank in r.topic_not:
            folded = blank.sub(lambda m: " " * len(m.group()), folded)
        m = pattern.search(folded)
        if m:
            return base[m.start():m.end()] if len(base) == len(folded) else m.group()
    return None


_ALTERNATIVE = re.compile(
    r"我可以(?:先)?(?P<zh>(?:帮|为|给)您[^。！？!?；;]{4,40})|\bI can (?:also )?(?P<en>[^.!?;]{8,90})", re.IGNORECASE
)


def _agent_alternative(turns: Sequence[Turn]) -> str | None:
    """What the agent's last turn offered to do instead ("我可以帮您预约最近的时段"), kept so that
    a refusal repeats the alternative already on the table rather than inventing another."""
    for turn in reversed(turns):
        if turn.role != "agent":
            continue
        m = _ALTERNATIVE.search(simplified(turn.text))
        if m:
            return (m.group("zh") or m.group("en")).strip(_CUT)
        return None
    return None


def _order_number(turns: Sequence[Turn]) -> str | None:
    pattern = reading().order_number
    for turn in _customer_blocks(turns):
        m = pattern.search(fold(turn.text))
        if m:
            return (m.group("id") or m.group("bare")).upper()
    return None


def read_facts(turns: Sequence[Turn], script: Script) -> Facts:
    """The facts of the conversation so far (see the module docstring)."""
    r = reading()
    kind, said, turned = _problem(turns, script)
    item, since = _item(turns), _first(r.since, turns)
    return Facts(
        problem=turned,
        problem_kind=kind,
        problem_said=said,
        item=item if item and _in_language(item, script) else None,
        since=since if since and _in_language(since, script) else None,
        wants=_wants(turns),
        amounts=read_amounts(turns),
        promises=_promises(turns),
        deadline=_clause_with(r.deadline, turns, script),
        harm=_clause_with(r.harm, turns, script),
        order_number=_order_number(turns),
        alternative=_agent_alternative(turns),
        agent_turns=sum(1 for t in turns if t.role == "agent"),
    )


_ANY: dict[int, re.Pattern[str]] = {}


def _any(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str]:
    key = id(patterns)
    if key not in _ANY:
        _ANY[key] = re.compile("|".join(f"(?:{p.pattern})" for p in patterns))
    return _ANY[key]


def detect_topic(turns: Sequence[Turn]) -> str | None:
    """The topic of the whole complaint: every cue of every topic in the customer's turns adds its
    weight (the latest message twice), wordings where a cue means something else blanked first."""
    r = reading()
    customer = [t for t in turns if t.role == "customer"]
    if not customer:
        return None
    scores: dict[str, int] = {}
    latest = customer[-1]
    for turn in customer:
        text = fold(turn.text)
        for pattern in r.topic_not:
            text = pattern.sub(lambda m: " " * len(m.group()), text)
        factor = 2 if turn is latest else 1
        for topic, cues in r.topic_cues.items():
            for weight, cue in cues:
                if cue.search(text):
                    scores[topic] = scores.get(topic, 0) + weight * factor
    if not scores:
        return None
    order = list(r.topic_cues)
    best = max(scores.items(), key=lambda kv: (kv[1], -order.index(kv[0])))
    return best[0] if best[1] >= r.topic_min else None
