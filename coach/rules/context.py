"""One reading of a draft, shared by every rule.

`read_draft()` normalises the draft once (Simplified, half-width, lower-case, invisible characters
dropped), cuts it into units (clauses.py: clauses, sentences, coordinated parts), finds its offers
and judges them against the round state of the turns, works out the customer's language and the
stretch parroted from a customer turn, and, when a semantic scorer is given, scores every unit (and
the agent's units of the current round) with the heads. Rules only read it. (`clauses` holds the
units; the name stays from when they were all clauses.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coach.rules.clauses import Clause, split_units
from coach.rules.entitlement import entitled_kind, under_warranty
from coach.rules.normalize import Normalized, normalize
from coach.rules.offers import find_offers_in
from coach.rules.parroting import copied_run
from coach.rules.reported import reports_customer
from coach.rules.semantic.heads import Scorer
from coach.rules.state import Judged, concessions, first_seen, round_state
from coach.text import detect_script, script_for_locale, script_of_turns
from coach.types import Locale, Policy, RoundState, Script, Turn


CONTEXT_MARGIN = 0.15
# Heads whose clauses need a closer agreement from their sentence, set on the dev round: authority
# read it at P 0.991 R 0.958 with any margin from 0 to 0.10 (P 0.983 at 0.15); 0.05 is the middle.
HEAD_MARGINS = {"authority": 0.05}


@dataclass(frozen=True)
class DraftContext:
    draft: str
    norm: Normalized
    clauses: tuple[Clause, ...]
    turns: tuple[Turn, ...]
    policy: Policy
    state: RoundState
    judged: tuple[Judged, ...]
    script: Script  # the draft's own
    customer_script: Script | None  # the customer's (locale first, else their turns), if known
    signals: np.ndarray | None = None  # (clauses, heads) probabilities; None: semantic tier off
    heads: tuple[str, ...] = ()
    thresholds: np.ndarray | None = None
    round_granted: bool = False  # an agent clause of the current round grants a benefit (semantic)
    lexical: bool = True  # the lexical tier runs (off only to measure the semantic tier alone)
    parroted: tuple[int, int] | None = None  # the stretch copied from a customer turn (normalised)
    parents: tuple[int, ...] = ()  # per unit: the sentence unit holding it, or -1
    reader_script: Script = "en"  # the language of messages and hints (the reader's, else the draft's)

    def quoted(self, start: int, end: int) -> bool:
        """[start, end) of the normalised text lies in the customer's own words handed back: other
        rules do not read them as the agent's. A unit is the customer's when the copied stretch
        covers three quarters of it ("對，" + the customer's sentence)."""
        p = self.parroted
        if p is None or end <= start:
            return False
        covered = min(end, p[1] + 1) - max(start, p[0])
        return covered >= 0.75 * (end - start)

    def fires(self, head: str, clause_index: int) -> bool:
        """The head's score for the unit reaches its calibrated threshold, and, for a clause of a
        longer sentence, the sentence's own score comes within CONTEXT_MARGIN of it (a clause
        read out of its sentence, "这个做法是不能执行的" after "按照服务规定", must agree with it)."""
        if self.signals is None or self.thresholds is None or head not in self.heads:
            return False
        h = self.heads.index(head)
        t = self.thresholds[h]
        if self.signals[clause_index, h] < t:
            return False
        parent = self.parents[clause_index] if self.parents else -1
        return parent < 0 or bool(self.signals[parent, h] >= t - HEAD_MARGINS.get(head, CONTEXT_MARGIN))

    def flagged(self, head: str, tails: bool = True) -> list[int]:
        """Units on which the head fires, finest first: a sentence is dropped when a clause of it
        fires too (the clause is the sharper span). `tails=False`: a clause is not read without
        the short piece joined in front of it (clauses.led_tail)."""
        hits = [i for i in range(len(self.clauses)) if (tails or not self.clauses[i].tail) and self.fires(head, i)]
        return [i for i in hits if not any(j != i and self.clauses[j].within(self.clauses[i]) for j in hits)]

    def leaf(self, i: int) -> bool:
        """Unit i holds no finer unit (a clause, not a sentence cut into clauses)."""
        return i not in self.parents

    def reported(self, i: int, head: str) -> bool:
        """Unit i tells the customer's own account back ("您反映违约金就要三百", "you've told me
        waive the late fee, and I've got that down"), so what the head reads in it is theirs: a
        clause that opens by reporting them, or a sentence that does where no other clause of it
        comes within the margin of the head's threshold."""
        unit = self.clauses[i]
        if self.leaf(i):
            return reports_customer(unit.text)
        inner = [j for j, u in enumerate(self.clauses) if j != i and u.within(unit) and self.leaf(j)]
        if not inner or not reports_customer(self.clauses[min(inner, key=lambda j: self.clauses[j].start)].text):
            return False
        if self.signals is None or self.thresholds is None or head not in self.heads:
            return True
        h = self.heads.index(head)
        low = self.thresholds[h] - HEAD_MARGINS.get(head, CONTEXT_MARGIN)
        return all(self.signals[j, h] < low or reports_customer(self.clauses[j].text) for j in inner)

    def sentence_of(self, i: int) -> Clause:
        """The sentence holding unit i (the unit itself when it is one)."""
        while self.parents and self.parents[i] >= 0:
            i = self.parents[i]
        return self.clauses[i]

    def span(self, clause: Clause) -> tuple[int, int]:
        """The clause's [start, end) in the original draft."""
        return self.norm.span(clause.start, clause.end)


def agent_clauses_this_round(turns: Sequence[Turn]) -> list[str]:
    """Normalised clauses of the agent's turns in the current (last) round."""
    if not turns:
        return []
    current = turns[-1].round
    return [c.text for t in turns if t.role == "agent" and t.round == current for c in split_units(normalize(t.text).text)]


def parroted_stretch(norm_text: str, turns: Sequence[Turn]) -> tuple[int, int] | None:
    for turn in turns:
        if turn.role == "customer":
            run = copied_run(norm_text, normalize(turn.text).text)
            if run is not None:
                return run
    return None


_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")


def customer_script(turns: Sequence[Turn], locale: Locale | None) -> Script | None:
    """The locale's script, else the customer's own writing when it says enough (a few Chinese
    characters or English words); else None: not known."""
    if locale is not None:
        return script_for_locale(locale)
    said = " ".join(t.text for t in turns if t.role == "customer")
    han, words = len(_HAN.findall(said)), len(_WORD.findall(said))
    if han >= 4 or words >= 3:
        return script_of_turns(turns)  # the newest turns weigh most, as for the reply itself
    return None


def read_draft(
    draft: str,
    turns: Sequence[Turn] = (),
    policy: Policy = Policy(),
    locale: Locale | None = None,
    scorer: Scorer | None = None,
    lexical: bool = True,
    reader: Locale | None = None,
) -> DraftContext:
    """The one reading of `draft` (see the module docstring). `locale` is the customer's language;
    `reader` the language the violation messages and hints are for (default: the draft's)."""
    norm = normalize(draft)
    own_script: Script = detect_script(draft) if draft.strip() else "zh-Hans"
    clauses = split_units(norm.text)
    parroted = parroted_stretch(norm.text, turns)
    turns = tuple(turns)
    state = round_state(turns)
    found = find_offers_in(norm)
    judged = tuple(first_seen(j, state, any_money_form=True) for j in concessions(found, state)) if found else ()
    if judged:
        judged = owed_not_given(judged, norm, clauses)
    signals = None
    heads: tuple[str, ...] = ()
    thresholds = None
    round_granted = False
    if scorer is not None:
        heads, thresholds = tuple(scorer.heads), scorer.thresholds
        prior = agent_clauses_this_round(turns)
        texts = [c.reading for c in clauses] + prior
        probs = scorer.score(texts) if texts else np.zeros((0, len(heads)), dtype=np.float32)
        signals = probs[: len(clauses)]
        if prior and "grant" in heads:
            round_granted = _prior_granted(probs[len(clauses):], heads, thresholds, turns)
    return DraftContext(
        draft=draft, norm=norm, clauses=clauses, turns=turns, policy=policy, state=state, judged=judged,
        script=own_script,
        reader_script=script_for_locale(reader) if reader is not None else own_script,
        customer_script=customer_script(turns, locale), signals=signals, heads=heads,
        thresholds=thresholds, round_granted=round_granted, lexical=lexical, parroted=parroted,
        parents=tuple(next((j for j, s in enumerate(clauses) if j != i and c.within(s)), -1) for i, c in enumerate(clauses)),
    )


def _prior_granted(probs: np.ndarray, heads: tuple[str, ...], thresholds: np.ndarray, turns: Sequence[Turn]) -> bool:
    """An agent clause of the current round gives a benefit: the grant head fires on it, or, when
    no earlier round had an agent turn (nothing earlier to carry out), the benefit head does ("the
    late fee has been removed", "早餐我们请": given, whether offered or done)."""
    g = heads.index("grant")
    if (probs[:, g] >= thresholds[g]).any():
        return True
    if "benefit" not in heads:
        return False
    current = turns[-1].round
    if any(t.role == "agent" and t.round < current for t in turns):
        return False
    b = heads.index("benefit")
    return bool((probs[:, b] >= thresholds[b]).any())


def owed_not_given(judged: tuple[Judged, ...], norm: Normalized, units: tuple[Clause, ...]) -> tuple[Judged, ...]:
    """A repair, replacement or visit offered in a sentence under warranty is owed: not a
    concession (entitlement.py)."""
    out = []
    for j in judged:
        if j.concession and entitled_kind(j.offer.kind):
            at = j.offer.span[0]
            holding = [u for u in units if norm.span(u.start, u.end)[0] <= at < norm.span(u.start, u.end)[1]]
            if holding and under_warranty(max(holding, key=lambda u: u.end - u.start).text):
                j = j._replace(concession=False)
        out.append(j)
    return tuple(out)


def prefetch(scorer: Scorer, drafts: Sequence[tuple[str, Sequence[Turn]]]) -> None:
    """Score the clauses of many drafts (and their conversations' current-round agent clauses) in
    one encoder call, so that the read_draft() calls that follow find them remembered."""
    texts: list[str] = []
    for draft, turns in drafts:
        texts.extend(c.reading for c in split_units(normalize(draft).text))
        texts.extend(agent_clauses_this_round(turns))
    if texts:
        scorer.score(list(dict.fromkeys(texts)))
