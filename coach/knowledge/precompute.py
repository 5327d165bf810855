"""Regenerate the bundled passages' vectors: `python -m coach.knowledge.precompute`.

Run it after a change to the bundled guidelines, the cleaner or the chunker (the table is keyed by
the embedded text, so unchanged passages keep their rows); commit coach/data/vectors/e5-use.npz.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from coach.knowledge.corpus import bundled_documents
from coach.knowledge.ingest import build_passages
from coach.knowledge.vectors import BUNDLED, bundled_table, embed_input, embed_passages, save_table, text_key


def main() -> int:
    passages = build_passages(bundled_documents())
    old = bundled_table()
    keys = [text_key(embed_input(p)) for p in passages]
    missing = [p for p, key in zip(passages, keys) if key not in old]
    started = time.perf_counter()
    fresh = embed_passages(missing) if missing else []
    table = {key: old[key] for key in keys if key in old}
    for p, vec in zip(missing, fresh):
        table[text_key(embed_input(p))] = vec
    out = Path(__file__).resolve().parent.parent / "data" / "vectors" / BUNDLED
    out.parent.mkdir(parents=True, exist_ok=True)
    save_table(out, table)
    took = time.perf_counter() - started
    print(f"{len(passages)} passages, {len(missing)} embedded in {took:.1f} s -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
