"""Retrieval quality on the labelled sets: hit@1/3/5 per configuration and language.

    .venv/bin/python benchmarks/bench_retrieval_quality.py [--save-query-vectors]

Configurations: BM25 alone, BM25 + glossary, dense (e5-small int8 + USE) alone, BM25 + vectors, and the
shipped hybrid (BM25 + glossary + vectors). Queries are encoded live;
--save-query-vectors also stores their vectors in tests/data/retrieval/query_vectors.npz so the
quality tests need not re-encode them (the SOP corpus' queries too) (a test checks that the stored vectors match live ones).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.config import Settings  # noqa: E402
from coach.knowledge import KnowledgeBase, load_knowledge_base  # noqa: E402
from coach.knowledge.evaluate import is_hit, load_labelled  # noqa: E402
from coach.knowledge.fusion import LEXICAL_WEIGHT  # noqa: E402
from coach.knowledge.vectors import default_encoder, save_table  # noqa: E402

DATA = ROOT / "tests" / "data" / "retrieval"


class DenseOnly:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def search(self, query: str, k: int = 5):
        scores = self.kb.dense.scores([(query, 1.0)])
        return [self.kb.passages[i] for i in np.argsort(-scores)[:k]]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--save-query-vectors", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        kb = load_knowledge_base(Settings(COACH_CACHE_DIR=cache))
    sets = {name: load_labelled(DATA / f"{name}.yaml") for name in ("labelled", "heldout")}
    started = time.perf_counter()
    table = {}
    for items in sets.values():
        for it in items:
            table[it.q] = default_encoder(it.q)
    per_query_ms = (time.perf_counter() - started) * 1000 / sum(len(v) for v in sets.values())
    import yaml

    for name in ("corpus_sop_queries.yaml", "corpus_sop_fresh.yaml"):
        if (DATA / name).exists():
            for q in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["queries"]:
                table[q["query"]] = default_encoder(q["query"])
    configs = {
        "bm25": kb.lexical_only().without_glossary(),
        "bm25+glossary": kb.lexical_only(),
        "dense only": DenseOnly(kb),
        "bm25+vectors": kb.without_glossary(),
        "hybrid (shipped)": kb,
    }
    print(f"passages: {len(kb.passages)}; query encoding: {per_query_ms:.1f} ms/query (this run)")
    for set_name, items in sets.items():
        print(f"\n## {set_name} ({len(items)} queries)")
        print("| configuration | hit@1 | hit@3 | hit@5 | hit@3 zh-Hans | hit@3 zh-Hant | hit@3 en | hit@3 hard |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, r in configs.items():
            got = {it.q: r.search(it.q, 5) for it in items}

            def rate(k: int, subset) -> str:
                subset = list(subset)
                if not subset:
                    return "-"
                return f"{sum(is_hit(got[it.q][:k], it.expect) for it in subset) / len(subset):.3f}"

            by = lambda lang: [it for it in items if it.lang == lang]  # noqa: E731
            print(
                f"| {name} | {rate(1, items)} | {rate(3, items)} | {rate(5, items)} | {rate(3, by('zh-Hans'))} "
                f"| {rate(3, by('zh-Hant'))} | {rate(3, by('en'))} | {rate(3, [it for it in items if it.hard])} |"
            )
    print("\n## lexical weight of the hybrid fusion (hit@3; the rest goes to the vectors)")
    print("| lexical weight | " + " | ".join(sets) + " |")
    print("| --- | " + " | ".join("---" for _ in sets) + " |")
    for w in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        kb.lexical_weight = w
        row = []
        for items in sets.values():
            row.append(f"{sum(is_hit(kb.search(it.q, 3), it.expect) for it in items) / len(items):.3f}")
        print(f"| {w} | " + " | ".join(row) + " |")
    kb.lexical_weight = LEXICAL_WEIGHT
    if args.save_query_vectors:
        out = DATA / "query_vectors.npz"
        save_table(out, {q: v for q, v in table.items()})
        print(f"\nsaved {len(table)} query vectors to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
