"""Ingestion of the bundled guidelines and of guideline folders: passages, ids, bad input."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from coach.errors import ConfigError
from coach.knowledge import load_knowledge_base
from coach.knowledge.boilerplate import is_boilerplate
from coach.knowledge.chunk import MAX_CHARS, MIN_CHARS, TAIL_SLACK, heading_of
from coach.knowledge.corpus import bundled_documents, doc_code, folder_documents
from coach.knowledge.ingest import build_passages
from tests.fakes_knowledge import bundled_kb, fake_embed_passages, fake_vector, settings_for  # noqa: F401  (fixture)

_PINYIN = re.compile(r"[\u4e00-\u9fff][(（][a-zàáǎāèéěēìíǐīòóǒōùúǔūǖǘǚǜü]{1,6}[)）]")
JUNK = [
    "ICP", "010-82794120", "021-51601170", "版权所有", "版權所有", "相关阅读", "相關閱讀", "发表评论", "發表評論",
    "全部评论", "网友评论", "你所在的位置", "首頁>>", "首页>>", "/span>", "px\">", "@", "关注公众号", "關注公眾號",
    "官方微博", "地址:", "CTI論壇報道", "文章转载于", "热点专题", "熱點專題", "\u00a0", "\ufffd", "??",
]
_STRAY_QMARK = re.compile(r"^\s*\?|\?\s+\?|\?(?=[“「])")


def test_bundled_corpus_has_five_documents() -> None:
    docs = bundled_documents()
    assert [d.code for d in docs] == ["000", "001", "002", "003", "004"]


def test_no_pinyin_annotation_and_no_boilerplate_line_in_any_passage(bundled_kb) -> None:  # noqa: F811
    for p in bundled_kb.passages:
        assert not _PINYIN.search(p.text), p.id
        assert not _PINYIN.search(p.title), p.id
        for junk in JUNK:
            assert junk not in p.text, f"{p.id} keeps {junk!r}"
        for line in p.text.split("\n"):
            assert not is_boilerplate(line), f"{p.id}: {line!r}"
            assert not _STRAY_QMARK.search(line), f"{p.id}: {line!r}"


def test_no_paragraph_is_indexed_twice(bundled_kb) -> None:  # noqa: F811
    lines = [ln for p in bundled_kb.passages for ln in p.text.split("\n") if len(ln) >= 16]
    assert len(lines) == len(set(lines))


def test_passages_have_ids_titles_positions_and_sizes(bundled_kb) -> None:  # noqa: F811
    passages = bundled_kb.passages
    assert len(passages) >= 40
    by_doc: dict[str, list[int]] = {}
    for p in passages:
        m = re.fullmatch(r"p-(\d{3})-(\d{3})", p.id)
        assert m, p.id
        assert p.source.startswith(m.group(1)) and p.source.endswith(".txt")
        assert int(m.group(2)) == p.position
        assert p.text.strip()
        # 001 opens with its body and has no heading: untitled, not named after its first sentence.
        assert bool(p.title) == (m.group(1) != "001"), p.id
        assert len(p.text) <= MAX_CHARS + TAIL_SLACK, p.id
        by_doc.setdefault(m.group(1), []).append(p.position)
    assert all(pos == list(range(len(pos))) for pos in by_doc.values())
    short = [p.id for p in passages if len(p.text) < MIN_CHARS]
    assert len(short) <= len(passages) // 10, short


def test_section_titles_follow_the_headings(bundled_kb) -> None:  # noqa: F811
    titles = {p.title for p in bundled_kb.passages}
    assert "當客戶說,“叫你領導來接電話!” › 二. 服務過程中,客戶提出要找領導" in titles
    assert "拒绝客户,也是为了更好地服务 › 如何拒绝客户?" in titles
    assert "三、投诉是维权不是“一味求全”" in {heading_of(t) for t in titles}


def test_ids_are_stable_across_builds() -> None:
    first = build_passages(bundled_documents())
    second = build_passages(bundled_documents())
    assert [(p.id, p.text) for p in first] == [(p.id, p.text) for p in second]


def test_the_repaired_garble_reads_as_text(bundled_kb) -> None:  # noqa: F811
    text = "\n".join(p.text for p in bundled_kb.passages)
    assert "嚴謹的作業流程" in text and "因為電話客服不是與客戶面對面" in text
    assert "蛻" not in text and "淖鳂" not in text


@pytest.mark.parametrize(
    "name,code",
    [("000_abc.txt", "000"), ("123.md", "123"), ("policy.md", "h" + "x"), ("1234_x.txt", "h" + "x")],
)
def test_doc_codes(name: str, code: str) -> None:
    got = doc_code(name)
    if code.startswith("h"):
        assert re.fullmatch(r"h[0-9a-f]{6}", got) and got == doc_code(name)
    else:
        assert got == code


# -- guideline folders ----------------------------------------------------------------------------
def _write(folder: Path, name: str, data: bytes | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


GOOD = "退款规则\n\n客户要求退款时，先核实订单状态，再说明处理时限，并给出可以选择的替代方案。" * 3


def test_a_folder_of_txt_and_md_is_indexed_with_hash_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("coach.knowledge.loader.embed_passages", fake_embed_passages)
    monkeypatch.setattr("coach.knowledge.vectors.default_encoder", fake_vector)
    _write(tmp_path / "g", "refunds.md", GOOD)
    _write(tmp_path / "g", "010_escalation.txt", "升级规则\n\n客户坚持找主管时，先确认问题，再说明我可以直接处理，必要时登记后由主管回电。" * 2)
    _write(tmp_path / "g", "notes.pdf", b"%PDF-1.4 ignored")
    kb = load_knowledge_base(settings_for(tmp_path / "g", tmp_path / "c"))
    sources = {p.source for p in kb.passages}
    assert sources == {"refunds.md", "010_escalation.txt"}
    assert any(re.fullmatch(r"p-h[0-9a-f]{6}-000", p.id) for p in kb.passages)
    assert any(p.id == "p-010-000" for p in kb.passages)
    assert kb.has_vectors  # a small custom corpus is embedded at build time
    assert kb.search("退款", 1)[0].source == "refunds.md"


@pytest.mark.parametrize(
    "setup,needle",
    [
        ("missing", "does not exist"),
        ("file", "is not a folder"),
        ("empty", "no .txt or .md"),
        ("binary", "bad.txt is binary"),
        ("latin1", "legacy.txt is not valid UTF-8"),
        ("blank", "no usable text"),
    ],
)
def test_bad_folders_raise_config_errors_naming_the_file(tmp_path: Path, setup: str, needle: str) -> None:
    folder = tmp_path / "g"
    if setup == "file":
        _write(tmp_path, "g", "not a folder")
    elif setup == "empty":
        folder.mkdir()
    elif setup == "binary":
        _write(folder, "ok.txt", GOOD)
        _write(folder, "bad.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    elif setup == "latin1":
        _write(folder, "legacy.txt", "客户服务".encode("gb18030"))
    elif setup == "blank":
        _write(folder, "a.txt", "   \n\n")
        _write(folder, "b.md", "\u00a0? ? ?\n")
    with pytest.raises(ConfigError) as err:
        load_knowledge_base(settings_for(folder, tmp_path / "c"))
    assert needle in err.value.message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "g", "secret.txt", GOOD)
    path.chmod(0)
    try:
        with pytest.raises(ConfigError, match="secret.txt"):
            folder_documents(tmp_path / "g")
    finally:
        path.chmod(0o644)
