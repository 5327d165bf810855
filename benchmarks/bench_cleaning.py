"""Cleaning throughput: characters per second of coach.knowledge.clean.clean_text.

    .venv/bin/python benchmarks/bench_cleaning.py

Two inputs: the five bundled scraped pages (pinyin annotations, garbled runs, boilerplate,
repeats: the hard case), cleaned one document at a time over and over; and synthetic guideline
documents of about 17,000 characters each (bench_retrieval_corpus.py). Clean + chunk is timed
too. Best of 3 runs of each (the machine is shared); floor: 1 M characters/s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_retrieval_corpus import write_corpus  # noqa: E402

from coach.knowledge.chunk import chunk_text  # noqa: E402
from coach.knowledge.clean import clean_text  # noqa: E402
from coach.knowledge.corpus import bundled_documents  # noqa: E402


def rate(texts: list[str], fn, repeat: int = 3) -> float:
    chars = sum(len(t) for t in texts)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - started)
    return chars / best


def main() -> int:
    bundled = [d.raw for d in bundled_documents()] * 40
    with tempfile.TemporaryDirectory() as tmp:
        write_corpus(Path(tmp), 30_000)
        synthetic = [p.read_text(encoding="utf-8") for p in sorted(Path(tmp).glob("*.txt"))]
    for name, texts in (("bundled scraped pages", bundled), ("synthetic guidelines", synthetic)):
        chars = sum(len(t) for t in texts)
        clean = rate(texts, clean_text)
        both = rate(texts, lambda t: chunk_text(clean_text(t)))
        print(f"{name}: {len(texts)} documents, {chars / 1e6:.2f} M characters; "
              f"clean_text {clean / 1e6:.2f} M chars/s; clean + chunk {both / 1e6:.2f} M chars/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
