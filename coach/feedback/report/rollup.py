"""From the two queries' grouped rows to the report: sums per group, in pure functions.

Each row is (keys..., kind, n, measured, distance_sum, ratio_sum); `kind` is "shown" or a verdict.
The totals and every breakdown are sums over the `dimensions` rows; the days come from `days`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from coach.feedback.report.model import (
    DIMENSIONS,
    Breakdown,
    Figures,
    Group,
    Report,
    ReportRange,
    day_key,
    figures,
    group_key,
)

Sums = dict[str, float]


def add_row(sums: Sums, row: dict[str, Any]) -> None:
    """Adds one grouped row to a group's sums (shown, accepted, edited, rejected, and the edit
    distance sums of the edited verdicts)."""
    kind, n = row["kind"], int(row["n"] or 0)
    if kind == "shown":
        sums["shown"] = sums.get("shown", 0) + n
        return
    sums[kind] = sums.get(kind, 0) + n
    if kind == "edited":
        sums["measured"] = sums.get("measured", 0) + int(row["measured"] or 0)
        sums["distance_sum"] = sums.get("distance_sum", 0) + float(row["distance_sum"] or 0)
        sums["ratio_sum"] = sums.get("ratio_sum", 0) + float(row["ratio_sum"] or 0)


def sum_by(rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> dict[str, Sums]:
    groups: dict[str, Sums] = defaultdict(dict)
    for row in rows:
        add_row(groups[key(row)], row)
    return dict(groups)


def breakdown(rows: list[dict[str, Any]], dimension: str, heading: str) -> Breakdown:
    sums = sum_by(rows, lambda row: group_key(dimension, row[dimension]))
    groups = [Group(key=key, **figures(values)) for key, values in sums.items()]
    groups.sort(key=lambda g: (-g.shown, -(g.used + g.rejected), g.key))  # most shown first
    return Breakdown(dimension=dimension, heading=heading, groups=tuple(groups))


def assemble(dimension_rows: list[dict[str, Any]], day_rows: list[dict[str, Any]], span: ReportRange, *,
             database: str, generated_at: str, query_ms: dict[str, float]) -> Report:
    totals = sum_by(dimension_rows, lambda _row: "all").get("all", {})
    by_day = sum_by(day_rows, lambda row: day_key(row["day"], span.zone))
    return Report(
        database=database, range=span, generated_at=generated_at, totals=Figures(**figures(totals)),
        breakdowns=tuple(breakdown(dimension_rows, name, heading) for name, heading in DIMENSIONS),
        days=tuple(Group(key=day, **figures(by_day.get(day, {}))) for day in span.days()),
        query_ms=query_ms,
    )
