"""Retrieval on a company's own guidelines that nobody tuned for (issue 15): hit@3 per language.

    python benchmarks/bench_retrieval_sop.py [--corpus DIR] [--queries FILE]

Indexes tests/data/retrieval/corpus_sop/ (six SOP and training documents, Simplified and
Traditional, written for this measurement) through COACH_GUIDELINES_DIR, exactly as a company's
folder would be, and asks the labelled paraphrases of corpus_sop_queries.yaml (Simplified,
Traditional and English over the Chinese documents). A query hits when one of the top k passages
comes from the named document and contains one of its phrases. Each set is reported whole and by
half (`coach.knowledge.evaluate.sop_half`: odd ids tuned the ranking, even ids report it);
corpus_sop_fresh.yaml, when present, was written blind after the tuning and is never tuned on.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.config import Settings  # noqa: E402
from coach.knowledge import load_knowledge_base  # noqa: E402
from coach.knowledge.evaluate import is_hit, sop_half  # noqa: E402

DATA = ROOT / "tests" / "data" / "retrieval"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DATA / "corpus_sop")
    ap.add_argument("--queries", type=Path, default=DATA / "corpus_sop_queries.yaml")
    ap.add_argument("--fresh", type=Path, default=DATA / "corpus_sop_fresh.yaml")
    ap.add_argument("-k", type=int, default=3)
    args = ap.parse_args(argv)
    queries = yaml.safe_load(args.queries.read_text(encoding="utf-8"))["queries"]
    for q in queries:
        q["set"] = sop_half(q["id"])
    if args.fresh.exists():
        fresh = yaml.safe_load(args.fresh.read_text(encoding="utf-8"))["queries"]
        queries += [dict(q, set="fresh") for q in fresh]
    for mode in ("hybrid", "lexical"):
        with tempfile.TemporaryDirectory() as cache:
            settings = Settings(_env_file=None, COACH_GUIDELINES_DIR=str(args.corpus), COACH_CACHE_DIR=cache,  # type: ignore[call-arg]
                                COACH_RETRIEVAL=mode)
            started = time.perf_counter()
            kb = load_knowledge_base(settings)
            built = time.perf_counter() - started
            print(f"{mode}: {len(kb.passages)} passages, built in {built:.1f} s")
            for name in ("tune", "report", "fresh"):
                chosen = [q for q in queries if q["set"] == name]
                if not chosen:
                    continue
                hits: dict[str, list[bool]] = defaultdict(list)
                hard: list[bool] = []
                for q in chosen:
                    found = [p for p in kb.search(q["query"], args.k) if p.source == q["document"]]
                    hit = is_hit(found, q["phrases"])
                    hits[q["lang"]].append(hit)
                    if q.get("hard"):
                        hard.append(hit)
                every = [h for v in hits.values() for h in v]
                per_lang = ", ".join(f"{lang} {sum(v) / len(v):.2f} ({sum(v)}/{len(v)})" for lang, v in sorted(hits.items()))
                print(f"  {name:6s} hit@{args.k} {sum(every) / len(every):.2f} ({sum(every)}/{len(every)}); {per_lang}"
                      + (f"; hard {sum(hard)}/{len(hard)}" if hard else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
