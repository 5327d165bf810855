"""Reading completions as replies: wide input (hypothesis) and the shapes servers really send."""

from __future__ import annotations

import json

import pytest

from hypothesis import given, strategies as st

from coach.drafting.llm_parse import parse_reply, strip_wrapping


@given(st.text(max_size=400))
def test_any_text_gives_a_clean_reply_or_none(text):
    parsed = parse_reply(text)
    if parsed is not None:
        reply, citations = parsed
        assert reply and reply == reply.strip()
        assert isinstance(citations, tuple) and all(isinstance(c, str) for c in citations)
        assert not reply.startswith("```")


@given(st.text(min_size=1, max_size=200).filter(lambda s: s.strip()), st.lists(st.text(min_size=1, max_size=12), max_size=4))
def test_json_object_round_trips(reply, citations):
    parsed = parse_reply(json.dumps({"reply": reply, "citations": citations}, ensure_ascii=False))
    expected = strip_wrapping(reply)
    if not expected:
        assert parsed is None
    else:
        assert parsed is not None and parsed[0] == expected
        assert parsed[1] == tuple(dict.fromkeys(c.strip() for c in citations if c.strip()))


def test_shapes():
    assert parse_reply(None) is None
    assert parse_reply("   ") is None
    assert parse_reply('{"reply": "", "citations": []}') is None
    assert parse_reply('{"reply": "好的", "citations": ["p-1", "p-1", 3]}') == ("好的", ("p-1", "3"))
    assert parse_reply('```\n好的，我来处理。\n```') == ("好的，我来处理。", ())
    assert parse_reply("Reply: I will call you back at 5.") == ("I will call you back at 5.", ())
    assert parse_reply('{"reply": "我理解您的心情\\n我来处理", "citations"') == ("我理解您的心情\n我来处理", ())
    assert parse_reply("「我理解您的心情。」") == ("我理解您的心情。", ())


@pytest.mark.parametrize(("raw", "ids"), [
    (["[p-002-006]"], ("p-002-006",)),
    (["「ｐ－００２－００１」"], ("p-002-001",)),  # full-width forms
    (["先处理情绪 (p-002-001)", "p-002-001"], ("p-002-001",)),  # a title with the id; duplicates once
    (['"p-004-003"', "P-001-002; p-003-000"], ("p-004-003", "p-001-002", "p-003-000")),
    ("p-001-002", ("p-001-002",)),  # a string instead of a list
    (["sop-7"], ("sop-7",)),  # another id scheme stays as written
    ([None, {}, ""], ()),
])
def test_citations_accept_the_usual_decorations(raw: object, ids: tuple[str, ...]) -> None:
    parsed = parse_reply(json.dumps({"reply": "好的，我来处理。", "citations": raw}, ensure_ascii=False))
    assert parsed == ("好的，我来处理。", ids)
