"""The pure parts of benchmarks/bench_query_encoders.py and benchmarks/static_vectors.py: the
benchmark's fusion over one dense score is coach's own, the cascade falls back to the shipped
order when the cheap ranking is not decisive, and the static encoder is a SIF-weighted mean of
centred piece vectors. No index, no encoder pass."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_query_encoders as bq  # noqa: E402
from static_vectors import StaticEncoder, select_pieces  # noqa: E402

from coach.knowledge.encoders.e5_file import shipped_vocabulary  # noqa: E402
from coach.knowledge.fusion import fuse  # noqa: E402
from coach.knowledge.vectors import _standard  # noqa: E402


def _query(rng: np.random.Generator, n: int = 30) -> dict:
    lex = np.where(rng.random(n) < 0.3, rng.random(n) * 8, 0.0).astype(np.float32)
    return {"corpus": "c", "lex": lex, "e5": rng.random(n).astype(np.float32), "use": rng.random(n).astype(np.float32)}


def test_the_hybrid_over_one_dense_score_is_coachs_fusion() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        q = _query(rng)
        want = fuse(q["lex"], _standard(q["use"]), 0.25)
        got = bq.hybrid(q, {"c": {"lexw": 0.25}}, bq.z(q["use"]))
        assert list(np.argsort(-got, kind="stable")[:5]) == list(np.argsort(-want, kind="stable")[:5])


def test_the_cascade_skips_e5_only_when_the_cheap_ranking_is_decisive() -> None:
    corpora = {"c": {"lexw": 0.25}}
    q = _query(np.random.default_rng(1))
    _, never = bq.cascade(q, corpora, gap=2.0)  # a lead of 200 % is impossible
    assert not never
    score, always = bq.cascade(q, corpora, gap=-1.0)
    assert always
    assert np.array_equal(score, bq.hybrid(q, corpora, bq.z(q["use"])))


def test_hit3_looks_at_the_top_three_only() -> None:
    label = np.array([False, False, False, True])
    assert not bq.hit3(np.array([4.0, 3.0, 2.0, 1.0]), label)
    assert bq.hit3(np.array([4.0, 3.0, 1.0, 2.0]), label)


def test_the_piece_selection_holds_han_pieces_and_the_likeliest_latin_ones() -> None:
    vocab = shipped_vocabulary()
    ids = select_pieces(vocab, ascii_top=100)
    pieces = {vocab.pieces[i] for i in ids}
    assert {"客户", "退", "款"} <= pieces
    assert "\u2581the" in pieces
    assert not {vocab.pieces[i] for i in (vocab.bos, vocab.eos, vocab.pad, vocab.unk)} & pieces
    latin = [i for i in ids if vocab.pieces[i].replace("\u2581", "").isascii()]
    assert len(latin) == 100


def test_the_static_encoder_is_a_weighted_mean_of_centred_rows() -> None:
    vocab = shipped_vocabulary()
    ids = np.array(sorted({vocab.pieces.index(p) for p in ("客户", "退", "款", "\u2581refund")}))
    rng = np.random.default_rng(4)
    table = rng.standard_normal((len(ids), 8)).astype(np.float32) + 5.0
    enc = StaticEncoder(vocab, ids, table, sif=0)  # plain mean, no SIF weights
    rows = enc.rows("客户退款")
    want = (table - table.mean(0))[rows].sum(0)
    assert np.allclose(enc.encode(["客户退款"])[0], want / np.linalg.norm(want), atol=1e-5)
    assert enc.rows("書") == [] and not enc.encode(["書"]).any()  # no piece in the table: no vector
    reduced = StaticEncoder(vocab, ids, table, dims=3)
    assert reduced.encode(["客户退款"]).shape == (1, 3)
