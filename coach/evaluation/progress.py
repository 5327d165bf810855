"""A plain progress bar on stderr (redrawn in place on a terminal, a few lines otherwise)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.failed = 0
        self._stream = stream if stream is not None else sys.stderr
        self._width = width
        self._started = time.monotonic()
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self._next_line_at = 0.0

    def __call__(self, passed: bool) -> None:
        self.done += 1
        self.failed += 0 if passed else 1
        if self._tty:
            self._stream.write("\r" + self.line())
            self._stream.flush()
        elif self.done / self.total >= self._next_line_at or self.done == self.total:
            self._stream.write(self.line() + "\n")
            self._next_line_at = self.done / self.total + 0.25

    def line(self) -> str:
        filled = int(self._width * self.done / self.total)
        elapsed = time.monotonic() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f"[{'#' * filled}{'.' * (self._width - filled)}] {self.done}/{self.total} "
                f"failed {self.failed} {elapsed:5.1f}s eta {eta:4.1f}s")

    def close(self) -> None:
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()
