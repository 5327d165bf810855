"""CPU per draft of the validator: drafts alone, in Validator.many calls, and through the pipeline's
ValidationBatcher with concurrent requests.

    .venv/bin/python benchmarks/bench_validation_batch.py [--drafts 300] [--concurrency 32]

Distinct drafts (one phrase of each of bench_eval.py's lists, so no draft repeats) over distinct
conversations (the shipped eval scenarios, each made distinct by a suffix): nothing the validator
read before answers for free. Three ways, each over its own drafts: `alone` validates each draft
in its own call (as every request did before); `many x32` hands 32 drafts to one Validator.many
call; `batcher` starts `--concurrency` requests at once, each validating its draft through
coach.validation_batch.ValidationBatcher, as concurrent suggestions do. CPU time of the process.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_eval  # noqa: E402

from coach.evaluation.scenarios import load_paths  # noqa: E402
from coach.rules import DEFAULT_VALIDATOR  # noqa: E402
from coach.validation_batch import ValidationBatcher  # noqa: E402


def drafts(count: int, offset: int) -> list[str]:
    out = []
    for number in range(offset, offset + count):
        parts, n = [], number
        for options in bench_eval._HANS_PARTS:
            n, pick = divmod(n, len(options))
            parts.append(options[pick])
        out.append("".join(parts))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--drafts", type=int, default=300, help="drafts each way (at most 300)")
    p.add_argument("--concurrency", type=int, default=32)
    args = p.parse_args(argv)
    n = min(args.drafts, 300)  # 1,000 distinct drafts in all, three ways
    with tempfile.TemporaryDirectory() as tmp:
        bench_eval.write_scenarios(Path(tmp), n, distinct=True)
        convs = [s.scenario.conversation for s in load_paths([Path(tmp) / "bench.yaml"]).scenarios]
    DEFAULT_VALIDATOR.warm()
    DEFAULT_VALIDATOR("预热", (), convs[0].policy, "zh-CN")

    def requests(offset: int) -> list[tuple]:
        return [(d, c.turns, c.policy, "zh-CN") for d, c in zip(drafts(n, offset), convs)]

    alone = requests(0)
    cpu = time.process_time()
    for r in alone:
        DEFAULT_VALIDATOR(*r)
    alone_ms = (time.process_time() - cpu) * 1000 / n

    many = requests(n)
    cpu = time.process_time()
    for at in range(0, n, 32):
        DEFAULT_VALIDATOR.many(many[at:at + 32])
    many_ms = (time.process_time() - cpu) * 1000 / n

    batched = requests(2 * n)
    batcher = ValidationBatcher(DEFAULT_VALIDATOR.many)

    async def concurrent() -> None:
        sem = asyncio.Semaphore(args.concurrency)

        async def one(r: tuple) -> None:
            async with sem:
                await batcher.validate([r])

        await asyncio.gather(*(one(r) for r in batched))

    cpu = time.process_time()
    asyncio.run(concurrent())
    batcher_ms = (time.process_time() - cpu) * 1000 / n
    print(f"{n} distinct drafts each way; CPU per draft: alone {alone_ms:.2f} ms | many x32 {many_ms:.2f} ms | "
          f"batcher, {args.concurrency} concurrent requests {batcher_ms:.2f} ms "
          f"({batcher.calls} calls, {batcher.drafts / max(batcher.calls, 1):.1f} drafts a call)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
