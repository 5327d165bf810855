"""Latency regressions between two runs: run B's median latency beyond a margin over run A's.

A margin has two parts and both must be exceeded, so that neither a fast run's small jitter
(40 -> 70 ms is 1.75x) nor a slow run's small drift (2,000 -> 2,080 ms is +80 ms) counts:
the default flags a p50 more than 1.5 times and more than 50 ms above the reference's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from coach.errors import InvalidInput

METRIC = "p50"


@dataclass(frozen=True)
class LatencyMargin:
    ratio: float = 1.5
    extra_ms: float = 50.0

    def __str__(self) -> str:
        return f"{self.ratio:g}x and +{self.extra_ms:g} ms"

    def as_dict(self) -> dict[str, float]:
        return {"ratio": self.ratio, "extra_ms": self.extra_ms}


DEFAULT_MARGIN = LatencyMargin()
MARGIN_SYNTAX = "RATIO,MS (e.g. 1.5,50 or 1.5x,50ms) or off"
_MARGIN = re.compile(r"^\s*(?P<ratio>\d+(?:\.\d+)?)\s*x?\s*,\s*\+?(?P<ms>\d+(?:\.\d+)?)\s*(?:ms)?\s*$", re.IGNORECASE)


def parse_margin(text: str) -> LatencyMargin | None:
    """`1.5,50` (or `1.5x,50ms`) -> a margin; `off` -> None (latency is not compared)."""
    if text.strip().lower() == "off":
        return None
    match = _MARGIN.match(text)
    if match is None:
        raise InvalidInput(f"--latency-margin: expected {MARGIN_SYNTAX}; got {text!r}")
    ratio, extra = float(match["ratio"]), float(match["ms"])
    if ratio < 1:
        raise InvalidInput(f"--latency-margin: the ratio must be 1 or more (a slower run B is what is flagged); got {ratio:g}")
    return LatencyMargin(ratio=ratio, extra_ms=extra)


@dataclass(frozen=True)
class LatencyCheck:
    """The p50 latencies of both runs and whether run B's is beyond the margin."""

    a_ms: float
    b_ms: float
    margin: LatencyMargin

    @property
    def ratio(self) -> float:
        return self.b_ms / self.a_ms if self.a_ms > 0 else float("inf")

    @property
    def regression(self) -> bool:
        return self.b_ms > self.a_ms * self.margin.ratio and self.b_ms - self.a_ms > self.margin.extra_ms

    def describe(self) -> str:
        verdict = "beyond" if self.regression else "within"
        return (f"{METRIC} latency {self.a_ms:g} -> {self.b_ms:g} ms ({self.ratio:.2f}x): "
                f"{verdict} the margin ({self.margin})")

    def as_dict(self) -> dict[str, object]:
        return {"metric": METRIC, "a_ms": self.a_ms, "b_ms": self.b_ms, "ratio": round(self.ratio, 3),
                "margin": self.margin.as_dict(), "regression": self.regression}


def _p50(summary: dict[str, Any]) -> float | None:
    value = (summary.get("latency_ms") or {}).get(METRIC)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def check_latency(sa: dict[str, Any], sb: dict[str, Any], margin: LatencyMargin | None) -> LatencyCheck | str:
    """The check, or why latency was not compared."""
    if margin is None:
        return "not compared (--latency-margin off)"
    a, b = _p50(sa), _p50(sb)
    missing = [name for name, value in (("A", a), ("B", b)) if value is None]
    if a is None or b is None:
        return f"not compared (no {METRIC} latency in run {' and '.join(missing)})"
    return LatencyCheck(a_ms=a, b_ms=b, margin=margin)
