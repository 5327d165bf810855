"""A company's folder with bad files: an error naming the file, or a warning and the rest indexed;
never a crash, never a silently empty index (issue 15, bad input)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from coach.errors import ConfigError
from coach.knowledge import load_knowledge_base
from tests.fakes_knowledge import settings_for

GOOD = "# 退款\n\n客户申请退款时，先核对订单号，再按原路退回。\n".encode()
BOILERPLATE = "首页 | 关于我们 | 联系我们\n版权所有 © 2024 某某公司 保留所有权利\n".encode() * 5
PDF = (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 44 /Filter /FlateDecode >>\nstream\n"
       b"x\x9c\xf3H\xcd\xc9\xc9W\x08\xcf/\xcaIQ\x04\x00\x1c\x9c\x03\x1d\nendstream\nendobj\n")


def _load(tmp_path: Path, files: dict[str, bytes]):
    folder = tmp_path / "guides"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    settings = settings_for(folder, tmp_path / "cache").model_copy(update={"retrieval": "lexical"})
    return load_knowledge_base(settings)


def test_one_huge_paragraph_is_cut_into_passages(tmp_path: Path) -> None:
    kb = _load(tmp_path, {"a.md": ("客户来电要求退款，先核对订单号，再按原路退回，" * 3000).encode()})
    assert len(kb) > 100 and max(len(p.text) for p in kb.passages) < 2000


def test_a_boilerplate_only_file_is_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="coach"):
        kb = _load(tmp_path, {"b.md": BOILERPLATE, "a.md": GOOD})
    assert {p.source for p in kb.passages} == {"a.md"}
    assert "b.md" in caplog.text


def test_only_boilerplate_is_an_error_not_an_empty_index(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="b.md"):
        _load(tmp_path, {"b.md": BOILERPLATE})


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [("x.txt", PDF, "binary"), ("g.txt", "客户申请退款时，先核对订单号。".encode("gbk"), "not valid UTF-8")],
)
def test_a_file_that_is_not_utf8_text_is_named(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    with pytest.raises(ConfigError, match=f"{name}.*{reason}"):
        _load(tmp_path, {name: data, "a.md": GOOD})


def test_an_empty_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="holds no .txt or .md file"):
        _load(tmp_path, {})
