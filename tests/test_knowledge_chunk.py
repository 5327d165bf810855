"""Chunking along the text's structure, and the vectorised repeat finder against a plain reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.knowledge.chunk import (
    MAX_CHARS,
    MIN_CHARS,
    TAIL_SLACK,
    chunk_text,
    heading_of,
    plain_title,
    split_sentences,
)
from coach.knowledge.repeats import K, repeated_mask

SENTENCE = "客户在电话里要求找领导处理问题，我们先确认需求，再说明可以直接办理。"  # 33 characters


def test_headings_open_sections_and_titles_follow_them() -> None:
    text = "\n".join(["服务规范", "一、开场", SENTENCE * 4, "二、升级", SENTENCE * 4, "1.补偿原则", SENTENCE * 3])
    chunks = chunk_text(text)
    assert [c.title for c in chunks] == ["服务规范 › 一、开场", "服务规范 › 二、升级", "服务规范 › 1.补偿原则"]
    assert [heading_of(c.title) for c in chunks] == ["一、开场", "二、升级", "1.补偿原则"]
    assert [c.position for c in chunks] == [0, 1, 2]
    assert all("一、开场" not in c.text and "服务规范" not in c.text for c in chunks)


def test_a_stand_alone_short_line_between_blank_lines_is_a_heading() -> None:
    text = "\n".join(["标题行", "", SENTENCE * 3, "", "如何拒绝客户?", "", SENTENCE * 3])
    assert [c.title for c in chunk_text(text)] == ["标题行", "标题行 › 如何拒绝客户?"]


def test_long_paragraphs_are_cut_at_sentence_ends() -> None:
    chunks = chunk_text("标题\n" + SENTENCE * 30)
    assert len(chunks) > 2
    for c in chunks:
        assert MIN_CHARS <= len(c.text) <= MAX_CHARS + TAIL_SLACK
        assert c.text.endswith("。")


def test_short_list_lines_are_packed_together() -> None:
    lines = [f"可能是第{i}种情况的客户" for i in range(12)]
    chunks = chunk_text("标题\n" + "\n".join(lines))
    assert len(chunks) == 1 and chunks[0].text.count("\n") == 11


@pytest.mark.parametrize(
    "text,expected",
    [
        ("你好。我在！真的吗？好；", ["你好。", "我在！", "真的吗？", "好；"]),
        ("他说“走吧。”然后走了", ["他说“走吧。”", "然后走了"]),
        ("没有句号", ["没有句号"]),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


_BODY = st.text(alphabet=st.sampled_from(list("客户服务领导电话补偿原则，。！？；")), min_size=1, max_size=700)


@settings(max_examples=120, deadline=None)
@given(st.lists(_BODY, min_size=1, max_size=8))
def test_no_body_text_is_lost_and_sizes_hold(paragraphs: list[str]) -> None:
    text = "这是一篇没有小标题的指引\n" + "\n".join(paragraphs)
    chunks = chunk_text(text)
    assert "".join(c.text.replace("\n", "") for c in chunks) == "".join(paragraphs)
    assert all(len(c.text) <= MAX_CHARS + TAIL_SLACK for c in chunks)


def _reference(lines: list[str]) -> list[list[bool] | None]:
    """The plain definition: characters of a K-window that occurred in an earlier line."""
    seen: set[str] = set()
    out: list[list[bool] | None] = []
    for line in lines:
        covered = [False] * len(line)
        for i in range(len(line) - K + 1):
            if line[i : i + K] in seen:
                covered[i : i + K] = [True] * K
        seen.update(line[i : i + K] for i in range(len(line) - K + 1))
        out.append(covered if any(covered) else None)
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("甲乙丙丁")), max_size=60), max_size=8))
def test_repeat_finder_matches_the_plain_definition(lines: list[str]) -> None:
    got = [None if m is None else m.tolist() for m in repeated_mask(lines)]
    assert got == _reference(lines)


def test_a_heading_above_a_heading_joins_its_title_and_a_last_heading_is_text() -> None:
    text = "\n".join(["标题", "一、总则", "1.开场", SENTENCE * 3, "2.结尾"])
    chunks = chunk_text(text)
    assert [c.title for c in chunks] == ["标题 › 一、总则 1.开场"]
    assert chunks[-1].text.endswith("2.结尾")


def test_a_document_without_headings_does_not_title_its_passages_with_its_first_sentence() -> None:
    text = "\n".join([SENTENCE * 2, SENTENCE * 9, SENTENCE * 9])
    chunks = chunk_text(text)
    assert len(chunks) >= 2
    assert {c.title for c in chunks} == {""}
    assert chunks[0].text.startswith(SENTENCE)  # the opening line stays body text
    named = chunk_text(text, name_title="returns refunds")
    assert {c.title for c in named} == {"returns refunds"}


def test_a_title_line_wins_over_the_file_name_and_headings_follow_it() -> None:
    text = "\n".join(["退货流程", SENTENCE * 3, "一、受理", SENTENCE * 3])
    assert [c.title for c in chunk_text(text, name_title="returns")] == ["退货流程", "退货流程 › 一、受理"]


def test_a_short_first_line_that_ends_like_a_clause_is_body_text() -> None:
    chunks = chunk_text("\n".join(["客户来电时，", SENTENCE * 3]))
    assert {c.title for c in chunks} == {""}
    assert chunks[0].text.startswith("客户来电时，")


def test_markdown_marks_leave_the_titles() -> None:
    text = "\n".join(["# 配送延误处理指引", "", SENTENCE * 3, "", "**一、适用情形**", "", SENTENCE * 3])
    assert [c.title for c in chunk_text(text)] == ["配送延误处理指引", "配送延误处理指引 › 一、适用情形"]
    assert plain_title("--- **第一部分 开场** **1. 开场白**") == "第一部分 开场 1. 开场白"
    assert plain_title("C# 与 F# 的区别") == "C# 与 F# 的区别"
