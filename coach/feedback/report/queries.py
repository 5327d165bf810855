"""The report's numbers from the database in two queries, the same code over SQLite and PostgreSQL.

- `dimensions`: the range's suggestions shown and verdicts, counted per template, model, strategy,
  locale and degraded at once (and per verdict). The totals and each of the five breakdowns are sums
  over its rows (a few hundred to a few thousand groups), made in Python by coach.feedback.report.rollup.
- `days`: the same per calendar day in the time zone asked for.

Each is one statement: the suggestions shown and the verdicts each grouped, put together with
UNION ALL. The rows are read twice in all, not once per view: at 1,000,000 verdicts one query per
view took 7 passes over the table (benchmarks/RESULTS.md). The two run side by side, each on its
own connection.
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
from coach.feedback.report.model import DIMENSIONS, Report, ReportRange
from coach.feedback.report.rollup import assemble

DIMENSION_COLUMNS: tuple[str, ...] = tuple(name for name, _ in DIMENSIONS)


class local_day(FunctionElement[Any]):  # noqa: N801 - used like a SQL function
    """The calendar day of a UTC timestamp column, `minutes` east of UTC: on PostgreSQL the moment
    that day begins (date_bin, plain arithmetic: cheaper per row than a time zone conversion; 14 or
    newer), on SQLite the day's YYYY-MM-DD. coach.feedback.report.model.day_key reads both."""

    inherit_cache = False  # `minutes` is in the SQL text: a statement cached for one offset must not serve another
    name = "local_day"

    def __init__(self, column: sa.ColumnElement[Any], minutes: int) -> None:
        self.minutes = int(minutes)
        super().__init__(column)


@compiles(local_day, "postgresql")
def _day_postgresql(element: local_day, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    sign, minutes = ("-" if element.minutes < 0 else "+"), abs(element.minutes)
    origin = f"2000-01-01 00:00:00{sign}{minutes // 60:02d}:{minutes % 60:02d}"  # a local midnight
    return f"date_bin(INTERVAL '1 day', {column}, TIMESTAMPTZ '{origin}')"


@compiles(local_day, "sqlite")
def _day_sqlite(element: local_day, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)  # ISO text in UTC: shift, then take the date
    return f"date({column}, '{element.minutes:+d} minutes')" if element.minutes else f"substr({column}, 1, 10)"


def grouped_query(by: str, span: ReportRange) -> sa.Select[Any]:
    """`by` "dimensions" or "days": rows of (keys..., kind, n, measured, distance_sum, ratio_sum),
    `kind` "shown" (n: suggestions) or a verdict (n: verdicts; the edit distance sums)."""
    def keys(table: sa.Table) -> list[sa.ColumnElement[Any]]:
        if by == "days":
            return [local_day(table.c.created_at, span.utc_offset_minutes).label("day")]
        return [table.c[name] for name in DIMENSION_COLUMNS]

    def within(table: sa.Table) -> sa.ColumnElement[bool]:
        return sa.and_(table.c.created_at >= span.start, table.c.created_at < span.end)

    shown_keys = keys(suggestions_shown)
    shown = (sa.select(*shown_keys, sa.literal_column("'shown'").label("kind"),
                       sa.func.sum(suggestions_shown.c.shown).label("n"), sa.literal_column("0").label("measured"),
                       sa.literal_column("0").label("distance_sum"), sa.literal_column("0.0").label("ratio_sum"))
             .where(within(suggestions_shown)).group_by(*shown_keys))
    verdict_keys = keys(feedback)
    verdicts = (sa.select(*verdict_keys, feedback.c.verdict.label("kind"), sa.func.count().label("n"),
                          sa.func.count(feedback.c.edit_distance).label("measured"),
                          sa.func.sum(feedback.c.edit_distance).label("distance_sum"),
                          sa.func.sum(feedback.c.edit_ratio).label("ratio_sum"))
                .where(within(feedback)).group_by(*verdict_keys, feedback.c.verdict))
    return sa.union_all(shown, verdicts)  # type: ignore[return-value]


def _run(engine: sa.Engine, by: str, span: ReportRange) -> tuple[list[dict[str, Any]], float]:
    started = time.perf_counter()
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(grouped_query(by, span)).mappings()]
    return rows, round((time.perf_counter() - started) * 1000, 1)


def build_report(engine: sa.Engine, span: ReportRange, *, database: str = "", parallel: bool = True) -> Report:
    """The report over `span`: the two queries (side by side unless `parallel` is false), then sums."""
    with ThreadPoolExecutor(2 if parallel else 1) as pool:
        (dimension_rows, dimension_ms), (day_rows, day_ms) = pool.map(
            lambda by: _run(engine, by, span), ("dimensions", "days"))
    return assemble(dimension_rows, day_rows, span, database=database,
                    generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    query_ms={"dimensions": dimension_ms, "days": day_ms})
