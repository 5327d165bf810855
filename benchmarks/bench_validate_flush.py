"""What a flush per answer line would cost `coach validate` on a pipe, against a flush per chunk.

Writes 20,000 answer-sized lines (about 190 bytes) into an OS pipe drained by a thread, flushing
after every line or after every 300 lines. Run: .venv/bin/python benchmarks/bench_validate_flush.py
"""

from __future__ import annotations

import io
import os
import threading
import time

LINE = (
    b'{"ok": false, "violations": [{"rule": "authority_exposure", "severity": "block", "message": '
    b'"exposes the limits", "span": [10, 14], "evidence": "x", "hint": "y"}]}\n'
)
N = 20_000


def measure(per_line: bool) -> float:
    r, w = os.pipe()

    def drain() -> None:
        while os.read(r, 1 << 16):
            pass

    t = threading.Thread(target=drain)
    t.start()
    out = io.BufferedWriter(io.FileIO(w, "wb"))
    t0 = time.perf_counter()
    if per_line:
        for _ in range(N):
            out.write(LINE)
            out.flush()
    else:
        for _ in range(N // 300):
            out.write(LINE * 300)
            out.flush()
    out.close()
    t.join()
    os.close(r)
    return (time.perf_counter() - t0) / N * 1e6


if __name__ == "__main__":
    for _ in range(2):
        print(f"flush per line: {measure(True):.2f} us/line; flush per chunk of 300: {measure(False):.2f} us/line")
