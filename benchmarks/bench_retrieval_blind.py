"""hit@3 on a blind query round over both corpora (issue 15): the bundled guidelines and the SOP
corpus, per corpus and language, hybrid and lexical.

    python benchmarks/bench_retrieval_blind.py tests/data/retrieval/blind_q1.yaml

A round was written by a session that saw only the documents: never tune on it; measure it once,
keep its floor in tests/test_retrieval_blind.py, and write a fresh round for the next measurement.
A query hits when one of the top k passages comes from the named document and holds one of its
phrases (coach.knowledge.evaluate.is_hit).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.config import Settings  # noqa: E402
from coach.knowledge import load_knowledge_base  # noqa: E402
from coach.knowledge.evaluate import is_hit  # noqa: E402

CORPORA = {"bundled": None, "sop": ROOT / "tests" / "data" / "retrieval" / "corpus_sop"}


def measure(path: Path, mode: str = "hybrid", k: int = 3) -> dict[tuple[str, str], list[bool]]:
    """{(corpus, lang): [hit per query]} for one round and one retrieval mode."""
    queries = yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]
    hits: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for corpus, folder in CORPORA.items():
        chosen = [q for q in queries if q["corpus"] == corpus]
        if not chosen:
            continue
        kb = _knowledge_base(corpus, mode)
        for q in chosen:
            found = [p for p in kb.search(q["query"], k) if p.source == q["document"]]
            hits[(corpus, q["lang"])].append(is_hit(found, q["phrases"]))
    return hits


_CACHE = tempfile.TemporaryDirectory(prefix="coach-blind-")


@lru_cache(maxsize=None)
def _knowledge_base(corpus: str, mode: str):  # type: ignore[no-untyped-def]
    """One index per corpus and mode for the process (both blind rounds' tests read the same
    corpora), built in a fresh cache folder: nothing of the user's cache is reused."""
    folder = CORPORA[corpus]
    extra = {"COACH_GUIDELINES_DIR": str(folder)} if folder is not None else {}
    cache = Path(_CACHE.name) / f"{corpus}-{mode}"
    settings = Settings(_env_file=None, COACH_CACHE_DIR=str(cache), COACH_RETRIEVAL=mode, **extra)  # type: ignore[call-arg]
    kb = load_knowledge_base(settings)
    if hasattr(kb, "wait_for_vectors"):
        kb.wait_for_vectors()
    return kb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("-k", type=int, default=3)
    args = ap.parse_args(argv)
    for mode in ("hybrid", "lexical"):
        hits = measure(args.path, mode, args.k)
        every = [h for v in hits.values() for h in v]
        print(f"{mode}: hit@{args.k} {sum(every) / len(every):.2f} ({sum(every)}/{len(every)})")
        for corpus in CORPORA:
            cells = {lang: v for (c, lang), v in sorted(hits.items()) if c == corpus}
            if cells:
                flat = [h for v in cells.values() for h in v]
                print(f"  {corpus:8s} {sum(flat) / len(flat):.2f} ({sum(flat)}/{len(flat)}); "
                      + ", ".join(f"{lang} {sum(v) / len(v):.2f} ({sum(v)}/{len(v)})" for lang, v in cells.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
