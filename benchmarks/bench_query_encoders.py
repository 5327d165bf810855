"""What each query encoder adds to the hybrid, what it costs, and what could replace it (issue 15).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_query_encoders.py [--static PATH] [--layers] [--rounds 5]

Reads only the tune sets and the measured blind rounds (labelled, heldout, the SOP queries in
halves, blind_q1, blind_q2: benchmarks/bench_retrieval_rerank.tune_queries; never the unmeasured
round). For each query: every passage's BM25 score (the shipped expansion), e5 and USE cosines
(the shipped vectors; the query's USE vector also by the package's own numpy pass). Then hit@3
per group and per corpus and script for:
- the hybrid as shipped (BM25 + e5 + 0.5 USE, the query's USE by the int8 graph of
  coach.knowledge.encoders.use_onnx), the same with the package's USE pass (before round rq4),
  with e5 only, with USE only, and BM25 alone;
- each dense side alone (no BM25);
- static token vectors distilled from e5 (benchmarks/static_vectors.py; distilled into --static
  when that file is missing, about 80 s): alone, in place of e5, in place of USE, and beside both;
- a cascade that skips e5 when the BM25 + USE ranking is decisive (top score against the 4th);
- the query clipped to 32 or 24 tokens' worth instead of 64;
- with --layers: e5 cut to its first 6, 8 or 10 layers (int8, passages re-embedded the same way).
Last, the CPU per query text (thread CPU time, median over the queries; e5, USE by the package
and by the graph, and static in turn for each text, --rounds times), one text at a time as a lone
request encodes it.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_retrieval_rerank import GROUPS, shipped, tune_queries, z  # noqa: E402
from static_vectors import StaticEncoder, distill, select_pieces  # noqa: E402

from coach.config import Settings  # noqa: E402
from coach.knowledge import load_knowledge_base  # noqa: E402
from coach.knowledge.encoders import e5, use_onnx  # noqa: E402
from coach.knowledge.encoders.e5_file import shipped_weights  # noqa: E402
from coach.knowledge.evaluate import is_hit  # noqa: E402
from coach.knowledge.vectors import E5_DIM, _use_vectors, clip_query, embed_input, embed_queries  # noqa: E402
from coach.text import to_simplified  # noqa: E402

DATA = ROOT / "tests" / "data" / "retrieval"
SCRIPTS = ("en", "zh-Hans", "zh-Hant")
Dense = Callable[[dict], np.ndarray]


def _unit_rows(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-9)


def collect(cache: Path) -> tuple[list[dict], dict]:
    queries, corpora = tune_queries(), {}
    for corpus in ("bundled", "sop"):
        extra = {"COACH_GUIDELINES_DIR": str(DATA / "corpus_sop")} if corpus == "sop" else {}
        kb = load_knowledge_base(Settings(_env_file=None, COACH_CACHE_DIR=str(cache / corpus), **extra))  # type: ignore[call-arg]
        kb.wait_for_vectors()
        cols, m = kb.columns, kb.dense.matrix
        corpora[corpus] = dict(lexw=kb.lexical_weight, m=m, inputs=[embed_input(p) for p in kb.passages])
        for q in (q for q in queries if q["corpus"] == corpus):
            v = embed_queries([q["text"]])[0]
            q["prepared"] = to_simplified(clip_query(q["text"]))
            q["e5"], q["use"] = m[:, :E5_DIM] @ _unit_rows(v[:E5_DIM]), m[:, E5_DIM:] @ _unit_rows(v[E5_DIM:])
            q["use_package"] = m[:, E5_DIM:] @ _unit_rows(_use_vectors([q["prepared"]])[0])
            lex = kb.bm25.scores(kb._weights(q["text"]))
            q["lex"] = np.zeros(len(cols)) if lex is None else lex
            q["label"] = np.array([(q["document"] is None or cols.source[i] == q["document"])
                                   and is_hit([cols.passage(i)], q["phrases"]) for i in range(len(cols))])
    return queries, corpora


# -- scoring -------------------------------------------------------------------------------------
def hybrid(q: dict, corpora: dict, sem: np.ndarray) -> np.ndarray:
    """The shipped fusion (bench_retrieval_rerank.shipped) over any dense score."""
    return shipped({**q, "e5": sem, "use": np.zeros_like(sem)}, corpora)


def hit3(score: np.ndarray, label: np.ndarray) -> bool:
    return bool(label[np.argsort(-score, kind="stable")[:3]].any())


def cascade(q: dict, corpora: dict, gap: float) -> tuple[np.ndarray, bool]:
    """BM25 + USE alone when its top score leads the 4th by `gap` (relative), else the shipped one."""
    cheap = hybrid(q, corpora, z(q["use"]))
    top = np.sort(cheap)[::-1]
    if (top[0] - top[3]) / max(float(top[0]), 1e-9) >= gap:
        return cheap, True
    return shipped(q, corpora), False


def report(name: str, queries: list[dict], scores: Callable[[dict], np.ndarray], scripts: bool = False) -> list[bool]:
    cells: dict = defaultdict(list)
    for q in queries:
        h = hit3(scores(q), q["label"])
        cells[q["group"]].append(h)
        cells[(q["corpus"], q["lang"])].append(h)
    every = [h for g in GROUPS for h in cells[g]]
    print(f"| {name} | " + " | ".join(f"{np.mean(cells[g]):.3f}" for g in GROUPS) + f" | {np.mean(every):.3f} ({sum(every)}) |")
    if scripts:
        print(f"|   by script | " + " | ".join(
            f"{c} {s} {sum(cells[(c, s)])}/{len(cells[(c, s)])}" for c in ("bundled", "sop") for s in SCRIPTS) + " | |")
    return every


def quality(queries: list[dict], corpora: dict, static: dict[str, StaticEncoder]) -> None:
    print("| hit@3 | " + " | ".join(GROUPS) + " | all |")
    print("| --- |" + " ---: |" * (len(GROUPS) + 1))
    report("shipped: BM25 + e5 + 0.5 USE (query USE: int8 graph)", queries, lambda q: shipped(q, corpora), True)
    report("the same, query USE by the package's numpy pass", queries, lambda q: shipped({**q, "use": q["use_package"]}, corpora), True)
    report("BM25 + e5", queries, lambda q: hybrid(q, corpora, z(q["e5"])), True)
    report("BM25 + USE", queries, lambda q: hybrid(q, corpora, z(q["use"])), True)
    report("BM25 alone", queries, lambda q: q["lex"] if q["lex"].max() > 0 else np.zeros_like(q["lex"]))
    report("e5 + 0.5 USE alone", queries, lambda q: z(q["e5"]) + 0.5 * z(q["use"]))
    report("e5 alone", queries, lambda q: q["e5"])
    report("USE alone", queries, lambda q: q["use"])
    for name, enc in static.items():
        passages = {c: enc.encode(corpora[c]["inputs"]) for c in corpora}
        for q in queries:
            q["st"] = passages[q["corpus"]] @ enc.encode([q["prepared"]])[0]
        report(f"static {name} alone", queries, lambda q: q["st"])
        report(f"BM25 + static {name} + 0.5 USE", queries, lambda q: hybrid(q, corpora, z(q["st"]) + 0.5 * z(q["use"])))
        report(f"BM25 + e5 + 0.5 static {name}", queries, lambda q: hybrid(q, corpora, z(q["e5"]) + 0.5 * z(q["st"])))
        report(f"BM25 + e5 + 0.5 USE + 0.5 static {name}", queries,
               lambda q: hybrid(q, corpora, z(q["e5"]) + 0.5 * z(q["use"]) + 0.5 * z(q["st"])))
    for gap in (0.3, 0.4, 0.5):
        skipped = [cascade(q, corpora, gap)[1] for q in queries]
        report(f"cascade, gap {gap} (e5 skipped for {np.mean(skipped):.0%})", queries, lambda q: cascade(q, corpora, gap)[0])
    for limit in (32, 24):
        texts = [to_simplified(clip_query(q["text"], limit)) for q in queries]
        vecs = _unit_rows(embed_queries(texts))
        for q, v in zip(queries, vecs):
            m = corpora[q["corpus"]]["m"]
            q["clip"] = z(m[:, :E5_DIM] @ _unit_rows(v[:E5_DIM])) + 0.5 * z(m[:, E5_DIM:] @ _unit_rows(v[E5_DIM:]))
        changed = sum(t != q["prepared"] for t, q in zip(texts, queries))
        report(f"query clipped to {limit} ({changed} texts shorter)", queries, lambda q: hybrid(q, corpora, q["clip"]))


def layers(queries: list[dict], corpora: dict) -> None:
    from coach.knowledge.encoders.e5_numpy import PASSAGE_PREFIX, QUERY_PREFIX
    from coach.knowledge.encoders.e5_onnx import OnnxE5, build_model_file

    w = shipped_weights()
    folder = Path(tempfile.mkdtemp(prefix="coach-layers-"))
    for k in (10, 8, 6):
        cut = dataclasses.replace(w, layers=k)
        model = OnnxE5(cut, build_model_file(cut, folder / str(k), "int8"))
        passages = {c: model.embed(corpora[c]["inputs"], PASSAGE_PREFIX) for c in corpora}
        for q, v in zip(queries, model.embed([q["prepared"] for q in queries], QUERY_PREFIX)):
            q["cut"] = passages[q["corpus"]] @ v
        report(f"e5 cut to {k} layers, alone", queries, lambda q: q["cut"])
        report(f"BM25 + e5 cut to {k} layers + 0.5 USE", queries, lambda q: hybrid(q, corpora, z(q["cut"]) + 0.5 * z(q["use"])))


def cpu(queries: list[dict], encoders: dict[str, Callable[[list[str]], np.ndarray]], rounds: int) -> None:
    texts = list(dict.fromkeys(q["prepared"] for q in queries))
    spent: dict[str, list[float]] = defaultdict(list)
    for r in range(rounds):
        for text in texts:
            probe = f"{text} {r}"  # a text no encoder has seen
            for name, enc in encoders.items():
                started = time.thread_time()
                enc([probe])
                spent[name].append((time.thread_time() - started) * 1000)
    base = statistics.median(spent["e5"])
    for name, values in spent.items():
        med = statistics.median(values)
        print(f"| {name} | {med:.3f} ms | {np.percentile(values, 90):.3f} ms | {med / base:.2f} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--static", type=Path, default=Path(tempfile.gettempdir()) / "e5-static.npz")
    ap.add_argument("--layers", action="store_true")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    w = shipped_weights()
    if not args.static.exists():
        np.savez(args.static, **distill(w, select_pieces(w.vocab)))
    with np.load(args.static) as table:
        ids, pooled, state = table["ids"], table["pooled"], table["state"]
    static = {"pooled 384d": StaticEncoder(w.vocab, ids, pooled),
              "pooled 128d": StaticEncoder(w.vocab, ids, pooled, dims=128),
              "state 384d": StaticEncoder(w.vocab, ids, state, sif=1e-4)}
    with tempfile.TemporaryDirectory(prefix="coach-qenc-") as cache:
        queries, corpora = collect(Path(cache))
    quality(queries, corpora, static)
    if args.layers:
        layers(queries, corpora)
    print("\n| query encoder | CPU per text, median | p90 | x e5 |\n| --- | ---: | ---: | ---: |")
    use_graph = use_onnx.query_model()
    cpu(queries, {"e5": e5.encode_queries, "USE, package numpy": _use_vectors, "USE, int8 graph": use_graph.encode,
                  "static pooled 128d": static["pooled 128d"].encode}, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
