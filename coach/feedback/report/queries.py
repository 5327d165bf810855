"""One SQL query per view of the report, the same code over SQLite and PostgreSQL.

Each view (the totals, one per breakdown, the days) is a single statement: the suggestions shown
and the verdicts are each summed per group within the range, then put together (UNION ALL) and
summed again. On PostgreSQL the indexes on `created_at` carry every column a view reads, so a view
is an index-only scan of the range. The views run side by side, each on its own connection.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from coach.db.schema import feedback, suggestions_shown
from coach.feedback.report.model import (
    DIMENSIONS,
    Breakdown,
    Figures,
    Group,
    Report,
    ReportRange,
    figures,
    group_key,
)

_SUMS = ("shown", "accepted", "edited", "rejected", "measured", "distance_sum", "ratio_sum")


class local_day(FunctionElement[Any]):  # noqa: N801 - used like a SQL function
    """The calendar day (YYYY-MM-DD) of a UTC timestamp column, `minutes` east of UTC."""

    inherit_cache = True
    name = "local_day"

    def __init__(self, column: sa.ColumnElement[Any], minutes: int) -> None:
        self.minutes = int(minutes)
        super().__init__(column)


@compiles(local_day, "postgresql")
def _day_postgresql(element: local_day, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(({column} AT TIME ZONE 'UTC') + INTERVAL '{element.minutes} minutes' AS DATE)"


@compiles(local_day, "sqlite")
def _day_sqlite(element: local_day, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)  # ISO text in UTC: shift, then take the date
    return f"date({column}, '{element.minutes:+d} minutes')" if element.minutes else f"substr({column}, 1, 10)"


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _zero() -> sa.ColumnElement[Any]:
    return sa.literal_column("0")


def view_query(key: str | None, span: ReportRange) -> sa.Select[Any]:
    """The query of one view: `key` a dimension column, "day", or None (the totals)."""
    def key_of(table: sa.Table) -> sa.ColumnElement[Any]:
        if key is None:
            return sa.literal_column("'all'")
        if key == "day":
            return local_day(table.c.created_at, span.utc_offset_minutes)
        return table.c[key]

    def within(table: sa.Table) -> sa.ColumnElement[bool]:
        return sa.and_(table.c.created_at >= span.start, table.c.created_at < span.end)

    def grouped(query: sa.Select[Any], by: sa.ColumnElement[Any]) -> sa.Select[Any]:
        return query if key is None else query.group_by(by)  # the totals: one group, no GROUP BY

    shown_key = key_of(suggestions_shown).label("key")
    shown = grouped(sa.select(
        shown_key, sa.func.sum(suggestions_shown.c.shown).label("shown"),
        *(_zero().label(name) for name in _SUMS[1:]),
    ).where(within(suggestions_shown)), shown_key)
    verdict = feedback.c.verdict
    edited = verdict == "edited"
    measured = sa.and_(edited, feedback.c.edit_distance.is_not(None))
    verdict_key = key_of(feedback).label("key")
    verdicts = grouped(sa.select(
        verdict_key, _zero().label("shown"),
        _count(verdict == "accepted").label("accepted"), _count(edited).label("edited"),
        _count(verdict == "rejected").label("rejected"), _count(measured).label("measured"),
        sa.func.sum(sa.case((measured, feedback.c.edit_distance))).label("distance_sum"),
        sa.func.sum(sa.case((measured, feedback.c.edit_ratio))).label("ratio_sum"),
    ).where(within(feedback)), verdict_key)
    both = sa.union_all(shown, verdicts).subquery("both")
    return (sa.select(both.c.key, *(sa.func.sum(both.c[name]).label(name) for name in _SUMS))
            .group_by(both.c.key).order_by(both.c.key))


def _run_view(engine: sa.Engine, key: str | None, span: ReportRange) -> tuple[list[dict[str, Any]], float]:
    started = time.perf_counter()
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(view_query(key, span)).mappings()]
    return rows, round((time.perf_counter() - started) * 1000, 1)


def build_report(engine: sa.Engine, span: ReportRange, *, database: str = "", parallel: int = 4) -> Report:
    """Every view of the report over `span`; views run on up to `parallel` connections at once."""
    views: list[str | None] = [None, *(name for name, _ in DIMENSIONS), "day"]
    with ThreadPoolExecutor(max(1, parallel)) as pool:
        results = dict(zip(views, pool.map(lambda key: _run_view(engine, key, span), views)))
    query_ms = {str(key or "totals"): ms for key, (_, ms) in results.items()}
    total_rows = results[None][0]
    totals = Figures(**figures(total_rows[0] if total_rows else {}))
    breakdowns = []
    for name, heading in DIMENSIONS:
        groups = [Group(key=group_key(name, row["key"]), **figures(row)) for row in results[name][0]]
        groups.sort(key=lambda g: (-g.shown, -g.used - g.rejected, g.key))
        breakdowns.append(Breakdown(dimension=name, heading=heading, groups=tuple(groups)))
    by_day = {group_key("day", row["key"]): row for row in results["day"][0]}
    days = tuple(Group(key=day, **figures(by_day.get(day, {}))) for day in span.days())
    return Report(database=database, range=span, generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
                  totals=totals, breakdowns=tuple(breakdowns), days=days, query_ms=query_ms)
