"""Training pieces written more than once take each head's majority label; a tie teaches nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.rules.semantic.votes import piece_key, settle


@pytest.mark.parametrize(
    ("norm", "key"),
    [("您说得对，", "您说得对"), ("you're right.", "you're right"), ("好的！！", "好的"), ("no change", "no change"), ("，", "")],
)
def test_a_piece_is_keyed_without_its_trailing_punctuation(norm: str, key: str) -> None:
    assert piece_key(norm) == key


@pytest.mark.parametrize(
    ("votes", "hostile"),
    [([1, 0, 0], 0), ([1, 1, 0], 1), ([1, 0], None), ([None, 1], 1), ([None], None), ([0], 0)],
)
def test_each_head_takes_the_majority(votes: list, hostile: int | None) -> None:
    assert settle([{"hostile": v, "grant": 0} for v in votes]) == {"hostile": hostile, "grant": 0}


def test_the_trainer_reads_one_row_per_piece_with_the_pooled_labels(tmp_path: Path) -> None:
    from coach.rules.semantic.train import load_rows

    base = {"lang": "zh-Hans", "authority": 0, "grant": "none", "refusal": 0}
    rows = [{**base, "text": "您说得对，", "hostile": 0, "reply": "a1"},
            {**base, "text": "您说得对", "hostile": 1, "reply": "b1"},
            {**base, "text": "您說得對。", "hostile": 0, "reply": "c1"}]
    (tmp_path / "x.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    got = load_rows(tmp_path)
    assert len(got) == 1 and got[0]["labels"]["hostile"] == 0 and got[0]["group"] == "x/a1"
