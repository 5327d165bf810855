"""The trainer's contract on a tiny folder with a fake encoder: every head trains, and `--only`
retrains the named heads alone and leaves every other head's answers exactly as they were."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from coach.rules.semantic.heads import HEADS
from coach.rules.semantic.train import load_rows, train


class HashEncoder:
    """A deterministic 16-d unit vector per text (its SHA-1), so that the test needs no model."""

    name = "hash-16"
    dim = 16

    def encode(self, texts):  # type: ignore[no-untyped-def]
        out = np.array([np.frombuffer(hashlib.sha1(t.encode()).digest()[:16], dtype=np.uint8) for t in texts], dtype=np.float32)
        out -= 127.5
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _row(text: str, **labels) -> str:  # type: ignore[no-untyped-def]
    row = {"text": text, "lang": "en", "authority": 0, "grant": "none", "grants": 0, "capitulation": 0,
           "hostile": 0, "refusal": 0}
    row.update(labels)
    return json.dumps(row, ensure_ascii=False)


def _base(folder: Path) -> None:
    lines = []
    for n in range(12):
        lines += [
            _row(f"i am not allowed to do that {n}", authority=1),
            _row(f"here is a voucher for you {n}", grant="new", grants=1),
            _row(f"a refund and a voucher {n}", grant="new", grants=2),
            _row(f"fine whatever you want {n}", grant="new", grants=1, capitulation=1),
            _row(f"not enough tell me {n}", grant="invite"),
            _row(f"the voucher arrives tomorrow {n}", grant="restate"),
            _row(f"read the manual yourself {n}", hostile=1),
            _row(f"i cannot assist with that {n}", refusal=1),
            _row(f"thanks for waiting {n}"),
            _row(f"your parcel left the depot {n}"),
        ]
    (folder / "base.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_only_retrains_the_named_heads_and_keeps_the_others(tmp_path: Path) -> None:
    _base(tmp_path)
    base = train(tmp_path, HashEncoder())
    tone = [_row(f"bold expectation there {n}", hostile=1) for n in range(10)]
    tone += [_row(f"happy to explain the bill {n}", authority=1) for n in range(10)]  # must teach nothing but hostile
    (tmp_path / "tone.jsonl").write_text("\n".join(tone) + "\n", encoding="utf-8")
    (tmp_path / "teaches.yaml").write_text("tone: [hostile]\n", encoding="utf-8")
    rows = load_rows(tmp_path)
    assert all(r["labels"]["authority"] is None for r in rows if r["partial"])
    spliced = train(tmp_path, HashEncoder(), only=("hostile",), onto=base)
    probe = HashEncoder().encode([f"probe {n}" for n in range(30)] + ["bold expectation there 3", "happy to explain the bill 4"])
    texts = [f"probe {n}" for n in range(30)] + ["bold expectation there 3", "happy to explain the bill 4"]
    before, after = base.probabilities(probe, texts), spliced.probabilities(probe, texts)
    h = HEADS.index("hostile")
    others = [k for k in range(len(HEADS)) if k != h]
    assert np.allclose(before[:, others], after[:, others], atol=1e-6)
    assert not np.allclose(before[:, h], after[:, h], atol=1e-3)
    assert spliced.meta["trained_heads"] == ["hostile"]
    assert list(spliced.thresholds[others]) == list(base.thresholds[others])
