"""Query embeddings one at a time or in batches: what batching costs in quality, and what it saves.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_query_batches.py

int8 activations are quantised per call, so a query's vector depends a little on its batch
companions. Quality: hit@3 of the hybrid ranking on the bundled labelled and held-out sets and on
the SOP corpus' tune half, with every query encoded alone, then in random batches of 8 and 32
(three shuffles each); how many top-3 lists changed at all, and the lowest cosine between a
query's e5 vectors alone and batched. Cost: CPU per text of e5 over the texts `coach eval run`
encodes for 1,000 distinct scenarios, alone and in batches (with and without cutting batches by
length). The SOP report half is not used here.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from retrieval_sets import SOP, bundled_sets, sop_sets  # noqa: E402

from coach.config import Settings  # noqa: E402
from coach.evaluation.scenarios import load_paths  # noqa: E402
from coach.knowledge import load_knowledge_base  # noqa: E402
from coach.knowledge import vectors as V  # noqa: E402
from coach.knowledge.encoders import e5  # noqa: E402
from coach.knowledge.encoders import e5_onnx  # noqa: E402
from coach.knowledge.encoders.e5_numpy import QUERY_PREFIX  # noqa: E402
from coach.knowledge.query import latest_customer_texts  # noqa: E402
from coach.knowledge.query_encoder import QueryEncoder  # noqa: E402
from coach.text import to_simplified  # noqa: E402


def quality() -> None:
    cache = tempfile.mkdtemp()
    kbs = {"bundled": load_knowledge_base(Settings(_env_file=None, COACH_CACHE_DIR=cache)),  # type: ignore[call-arg]
           "sop": load_knowledge_base(Settings(_env_file=None, COACH_GUIDELINES_DIR=str(SOP),  # type: ignore[call-arg]
                                               COACH_CACHE_DIR=cache))}
    for kb in kbs.values():
        kb.wait_for_vectors()
    sets = {"labelled": ("bundled", [q for q in bundled_sets() if q.set == "labelled"]),
            "heldout": ("bundled", [q for q in bundled_sets() if q.set == "heldout"]),
            "sop-tune": ("sop", [q for q in sop_sets() if q.set == "sop-tune"])}
    texts = [q.text for _, qs in sets.values() for q in qs]

    def run(encoder: QueryEncoder) -> tuple[dict[str, float], dict[str, list[list[str]]]]:
        hits, tops = {}, {}
        for name, (corpus, queries) in sets.items():
            kb = kbs[corpus]
            kb.dense.encoder = encoder
            found = [kb.search(q.text, 3) for q in queries]
            hits[name] = sum(q.hit(list(p)) for q, p in zip(queries, found)) / len(queries)
            tops[name] = [[p.id for p in ps] for ps in found]
        return hits, tops

    alone = QueryEncoder(embed=lambda ts: np.concatenate([V.embed_queries([t]) for t in ts]))
    base, base_tops = run(alone)
    print("alone      hit@3 " + "  ".join(f"{k} {v:.3f}" for k, v in base.items()))
    for size in (8, 32):
        for seed in range(3):
            batched = QueryEncoder(embed=V.embed_queries)
            order = texts[:]
            random.Random(seed).shuffle(order)
            batched.prepare(order, batch=size)
            hits, tops = run(batched)
            changed = {k: sum(a != b for a, b in zip(tops[k], base_tops[k])) for k in tops}
            low = min(float(np.dot(alone(t)[:V.E5_DIM], batched(t)[:V.E5_DIM])) for t in texts)
            print(f"batch {size:2d} #{seed} hit@3 " + "  ".join(f"{k} {v:.3f}" for k, v in hits.items())
                  + f" | top-3 lists changed {changed} | lowest cosine {low:.4f}")


def cost(n: int = 256) -> None:
    shipped = [s.scenario for s in load_paths([ROOT / "eval" / "scenarios"]).scenarios]
    texts: list[str] = []
    for i in range(1000):
        turns = list(shipped[i % len(shipped)].conversation.turns)
        turns[-1] = turns[-1].model_copy(update={"text": f"{turns[-1].text} (#{i})"})
        texts += [t for t, _ in latest_customer_texts(turns) if t.strip()]
    distinct = list(dict.fromkeys(texts))
    prepared = [to_simplified(V.clip_query(t)) for t in distinct[:n]]
    model = e5.model()
    tokens = [len(model.tokenizer.encode(QUERY_PREFIX + t)) for t in prepared]
    print(f"cost: {len(distinct)} distinct texts for 1,000 scenarios; {n} timed, {statistics.mean(tokens):.1f} tokens "
          f"on average (max {max(tokens)})")
    cases = [(1, 99.0), (32, 99.0), (32, e5_onnx.PAD_RATIO), (16, e5_onnx.PAD_RATIO)]
    results: dict[tuple[int, float], list[float]] = {c: [] for c in cases}
    shipped_ratio = e5_onnx.PAD_RATIO
    for _ in range(3):  # interleaved rounds: the machine is shared
        for size, ratio in cases:
            e5_onnx.PAD_RATIO = ratio
            started = time.process_time()
            for at in range(0, len(prepared), size):
                model.embed(prepared[at:at + size], QUERY_PREFIX)
            results[(size, ratio)].append((time.process_time() - started) / len(prepared) * 1000)
    e5_onnx.PAD_RATIO = shipped_ratio
    for (size, ratio), values in results.items():
        cut = "no length cut" if ratio > 10 else f"cut at {ratio}x + 2 tokens"
        print(f"e5 batches of {size:2d} ({cut:>22}): CPU {min(values):5.2f} ms/text (best of 3), "
              f"{statistics.median(values):5.2f} median")


if __name__ == "__main__":
    print(f"load {__import__('os').getloadavg()[0]:.2f}")
    quality()
    cost()
