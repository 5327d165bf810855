"""Retrieval modes and the bound on query-embedding work."""

from __future__ import annotations

import pytest

from coach.config import Settings
from coach.knowledge import load_knowledge_base
from coach.knowledge.vectors import QUERY_CHARS_MAX, clip_query


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("叫你们领导来", "叫你们领导来"),
        ("  short  ", "short"),
        ("甲" * QUERY_CHARS_MAX, "甲" * QUERY_CHARS_MAX),
        ("头" * 40 + "中" * 100 + "尾" * 40, "头" * 32 + " … " + "尾" * 32),
    ],
)
def test_clip_query_keeps_head_and_tail(text: str, expected: str) -> None:
    assert clip_query(text) == expected


def test_a_4000_character_turn_is_clipped_to_the_bound() -> None:
    clipped = clip_query("投诉" * 2000)
    assert len(clipped.replace(" … ", "")) == QUERY_CHARS_MAX


def test_english_gets_four_characters_per_token() -> None:
    sentence = "I have called three times about the same broken parcel and I want a manager now. "
    assert clip_query(sentence * 3) == (sentence * 3).strip()  # 243 characters: within budget
    clipped = clip_query(sentence * 10)
    assert len(clipped.replace(" … ", "")) == 4 * QUERY_CHARS_MAX


@pytest.mark.parametrize(("mode", "vectors"), [("hybrid", True), ("lexical", False)])
def test_retrieval_mode_decides_whether_queries_are_embedded(
    monkeypatch: pytest.MonkeyPatch, mode: str, vectors: bool
) -> None:
    monkeypatch.setenv("COACH_RETRIEVAL", mode)
    kb = load_knowledge_base(Settings(_env_file=None))
    assert kb.has_vectors is vectors
    assert kb.search("客户要找领导", 3)  # both modes answer
