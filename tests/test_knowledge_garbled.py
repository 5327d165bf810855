"""Repairs of GBK text garbled by a one-byte misalignment: each kind, against the original bytes
of the bundled scraped pages (issue 15), and the repair's choice in the scorer's hands."""

from __future__ import annotations

from functools import lru_cache

import pytest

from coach.knowledge import garbled
from coach.knowledge.clean import clean_text
from coach.knowledge.corpus import bundled_documents
from coach.knowledge.ingest import name_title


@lru_cache(maxsize=None)
def cleaned(code: str) -> str:
    """A bundled page, read from its original bytes and cleaned whole."""
    (doc,) = [d for d in bundled_documents() if d.code == code]
    return clean_text(doc.raw)


@lru_cache(maxsize=None)
def raw(code: str) -> str:
    (doc,) = [d for d in bundled_documents() if d.code == code]
    return doc.raw


# (kind of repair, page, the garbled bytes as the page holds them, the text as it was written)
REPAIRS = [
    ("re-read one byte later", "002", "?shù)淖鳂I(yè)", "嚴謹的作業流程要求"),
    ("re-read one byte later, before a Han character", "002", "?yàn)殡娫捒头\ue479皇桥c", "因為電話客服不是與客戶面對面"),
    ("a lost character whose second byte is known", "002", "?yàn)閼B(tài)", "只因為態度出了錯"),
    ("a lost character whose second byte is known, chosen by the page's own words", "000", "談?wù)劊敖蓄I", "個體角度談談"),
    ("a full-width question mark before the run", "000", "害怕??梢栽囍", "不必害怕。可以試"),
    ("a full-width question mark, the lost character a word's end", "000", "正??蛻?/span>", "客戶是否正常客"),
    ("a dropped user-defined pair put back, commas in the page's style", "000", "談?wù)劊敖蓄I", "談談,“叫領導接電話”"),
    ("a last byte lost before a tag remnant", "000", "正??蛻?/span>", "是否正常客戶(如是否判定"),
]


@pytest.mark.parametrize("kind,code,bytes_as_found,written", REPAIRS, ids=[r[0] for r in REPAIRS])
def test_each_kind_of_repair_on_the_bundled_pages(kind: str, code: str, bytes_as_found: str, written: str) -> None:
    assert bytes_as_found in raw(code)  # the case is really in the shipped bytes
    out = cleaned(code)
    assert written in out, f"{kind}: {written!r} missing"


def test_no_garbage_survives_the_repairs() -> None:
    out = cleaned("000") + cleaned("002")
    for junk in ("蛻", "span", "劊", "敖", "梢栽", "０", "談獎", "淖", "殡", "閼"):
        assert junk not in out


class PreferringScorer:
    """A fake scorer: every text scores the same except for the characters it is told to prefer."""

    def __init__(self, preferred: str) -> None:
        self.preferred = preferred

    def score(self, text: str) -> float:
        return float(sum(text.count(c) for c in self.preferred))

    def knows(self, char: str) -> bool:
        return True


def test_the_scorer_chooses_the_lost_character() -> None:
    found = garbled.Garbled(question_marks=2, run="蛻", last="", before="客戶是否正", after="(如是否")
    assert garbled.repair(found, PreferringScorer("常戶")) == "常客戶"
    assert garbled.repair(found, PreferringScorer("。戶")) == "。客戶"  # the same bytes, another reading


def test_only_prose_comes_back() -> None:
    found = garbled.Garbled(question_marks=1, run="亥、", last="M", before="客戶是否", after="(如")
    assert garbled.repair(found, PreferringScorer("")) is None  # re-read: a katakana, not prose
    assert "亥" in clean_text("客戶是否?亥、M行處理", lm=PreferringScorer(""))  # no tag: left alone


def test_file_names_give_titles_only_when_they_hold_words() -> None:
    assert name_title("returns_refunds.md") == "returns refunds"
    assert name_title("退货流程.txt") == "退货流程"
    assert name_title("001_207afece498790e7.txt") == ""
