"""`coach feedback report` on SQLite and PostgreSQL: the figures, the breakdowns, the days (in the
time zone asked for), one query per view, and the command's outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from coach.cli import main
from coach.errors import InvalidInput
from coach.feedback.report import build_report
from coach.feedback.report.html import render_html
from coach.feedback.report.model import figures, make_range
from coach.feedback.report.svg import nice_ceiling

from tests.feedback_rows import seed, shown, verdict

V1 = {"template": "reply@v1", "model": "qwen2.5", "strategy": "calm_and_help", "locale": "zh-CN", "degraded": False}
V2 = {"template": "reply@v2", "model": "qwen2.5", "strategy": "hold_offer_propose_callback", "locale": "zh-TW",
      "degraded": True}
SHOWN = [
    shown("2025-05-01T09:00:00+00:00", "a", 3, **V1),
    shown("2025-05-01T20:30:00+00:00", "b", 2, **V2),     # 05-02 at +08:00
    shown("2025-05-03T10:00:00+00:00", "c", 1, **V1),
    shown("2025-04-30T23:59:59+00:00", "early", 3, **V1),  # before the range in UTC; 05-01 at +08:00
    shown("2025-05-04T00:00:00+00:00", "late", 3, **V1),   # after it
]
VERDICTS = [
    verdict("2025-05-01T09:01:00+00:00", "a", "accepted", 0, 0.0, **V1),
    verdict("2025-05-01T09:02:00+00:00", "a", "edited", 4, 0.2, **V1),
    verdict("2025-05-01T09:03:00+00:00", "a", "rejected", **V1),
    verdict("2025-05-01T20:31:00+00:00", "b", "edited", 10, 0.5, **V2),
    verdict("2025-05-01T20:32:00+00:00", "b", "edited", None, None, **V2),  # no final text: not measured
    verdict("2025-05-03T10:01:00+00:00", "zz", "accepted", 0, 0.0),           # no dimension known
    verdict("2025-05-04T00:00:01+00:00", "late", "rejected", **V1),
]


def by_key(report, dimension: str) -> dict[str, dict[str, object]]:  # noqa: ANN001
    (breakdown,) = [b for b in report.breakdowns if b.dimension == dimension]
    return {g.key: g.model_dump(exclude={"key"}) for g in breakdown.groups}


def test_figures_breakdowns_and_days(database_url: str) -> None:
    store = seed(database_url, SHOWN, VERDICTS)
    report = build_report(store.engine, make_range("2025-05-01", "2025-05-03"), database=store.shown)
    assert report.totals.model_dump() == {
        "shown": 6, "used": 5, "accepted": 2, "edited": 3, "rejected": 1, "acceptance_rate": round(5 / 6, 4),
        "edit_rate": 0.6, "edit_distance_mean": 7.0, "edit_ratio_mean": 0.35}
    templates = by_key(report, "template")
    assert list(templates) == ["reply@v1", "reply@v2", "(unknown)"]  # most shown first
    assert templates["reply@v1"] == {"shown": 4, "used": 2, "accepted": 1, "edited": 1, "rejected": 1,
                                     "acceptance_rate": 0.5, "edit_rate": 0.5, "edit_distance_mean": 4.0,
                                     "edit_ratio_mean": 0.2}
    assert templates["(unknown)"]["acceptance_rate"] is None and templates["(unknown)"]["used"] == 1
    assert set(by_key(report, "degraded")) == {"not degraded", "degraded", "(unknown)"}
    assert by_key(report, "degraded")["degraded"]["edit_rate"] == 1.0
    assert by_key(report, "locale")["zh-TW"]["edit_distance_mean"] == 10.0
    assert set(by_key(report, "strategy")) == {"calm_and_help", "hold_offer_propose_callback", "(unknown)"}
    assert [(d.key, d.shown, d.used) for d in report.days] == [
        ("2025-05-01", 5, 4), ("2025-05-02", 0, 0), ("2025-05-03", 1, 1)]
    assert set(report.query_ms) == {"dimensions", "days"}
    store.dispose()


def test_days_follow_the_utc_offset(database_url: str) -> None:
    store = seed(database_url, SHOWN, VERDICTS)
    report = build_report(store.engine, make_range("2025-05-01", "2025-05-03", "+08:00"))
    # At +08:00 the range starts 2025-04-30T16:00Z: "early" is in it, and "b" falls on 05-02.
    assert [(d.key, d.shown, d.edited) for d in report.days] == [
        ("2025-05-01", 6, 1), ("2025-05-02", 2, 2), ("2025-05-03", 1, 0)]
    assert report.totals.shown == 9
    west = build_report(store.engine, make_range("2025-05-01", "2025-05-03", "-05:00"))  # same engine, other offset
    # At -05:00: "b" (05-01 20:30Z) is on 05-01 still; "late" (05-04 00:00Z) on 05-03.
    assert [(d.key, d.shown, d.rejected) for d in west.days] == [
        ("2025-05-01", 5, 1), ("2025-05-02", 0, 0), ("2025-05-03", 4, 1)]
    assert (west.totals.shown, west.totals.rejected) == (9, 2)
    store.dispose()


def test_two_queries_make_every_view(database_url: str) -> None:
    """The totals and the five breakdowns are sums over one query's groups, the days another's:
    the rows are read twice, whatever the number of views."""
    store = seed(database_url, SHOWN, VERDICTS)
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    build_report(store.engine, make_range("2025-05-01", "2025-05-03"))
    statements = [s for s in statements if s != "BEGIN"]  # SQLite's transaction, not a query
    assert len(statements) == 2, [s[:80] for s in statements]
    assert all("UNION ALL" in s and "suggestions_shown" in s and "feedback" in s for s in statements)
    assert sum("GROUP BY suggestions_shown.template, suggestions_shown.model" in s for s in statements) == 1
    store.dispose()


def test_an_empty_range_reports_zeros(database_url: str) -> None:
    store = seed(database_url, [], [])
    report = build_report(store.engine, make_range("2025-05-01", "2025-05-02"))
    assert report.totals.shown == 0 and report.totals.acceptance_rate is None
    assert all(not b.groups for b in report.breakdowns) and len(report.days) == 2
    assert "nothing in the range" in render_html(report)
    store.dispose()


def test_the_command(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(database_url, SHOWN, VERDICTS).dispose()
    argv = ["feedback", "report", "--db", database_url, "--from", "2025-05-01", "--to", "2025-05-03"]
    assert main([*argv, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["totals"]["shown"] == 6 and document["range"] == {
        "first": "2025-05-01", "last": "2025-05-03", "utc_offset_minutes": 0}
    assert main([*argv, "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr()
    assert "by template version" in out.out and "reply@v1" in out.out and "83.3%" in out.out
    assert "feedback.html" in out.err
    page = (tmp_path / "run" / "feedback.html").read_text(encoding="utf-8")
    assert "<script" not in page and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    written = json.loads((tmp_path / "run" / "feedback.json").read_text(encoding="utf-8"))
    for varying in ("generated_at", "query_ms"):
        written.pop(varying), document.pop(varying)
    assert written == document


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--from", "2025-5-1"], "--from '2025-5-1' is not a date"),
        (["--to", "yesterday"], "--to 'yesterday' is not a date"),
        (["--from", "2025-05-03", "--to", "2025-05-01"], "--from 2025-05-03 is after --to 2025-05-01"),
        (["--utc-offset", "Asia/Shanghai"], "--utc-offset 'Asia/Shanghai' is not an offset from UTC"),
        (["--from", "2000-01-01", "--to", "2025-01-01"], "longer than 3660 days"),
    ],
)
def test_bad_ranges_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str) -> None:
    assert main(["feedback", "report", "--db", str(tmp_path / "never-made.sqlite3"), *argv]) == 2
    assert said in capsys.readouterr().err
    assert not (tmp_path / "never-made.sqlite3").exists()


def test_pure_parts() -> None:
    assert figures({}) == {"shown": 0, "used": 0, "accepted": 0, "edited": 0, "rejected": 0, "acceptance_rate": None,
                           "edit_rate": None, "edit_distance_mean": None, "edit_ratio_mean": None}
    assert figures({"shown": 4, "accepted": 1, "edited": 1, "measured": 1, "distance_sum": 3, "ratio_sum": 0.25}) | {} == {
        "shown": 4, "used": 2, "accepted": 1, "edited": 1, "rejected": 0, "acceptance_rate": 0.5, "edit_rate": 0.5,
        "edit_distance_mean": 3.0, "edit_ratio_mean": 0.25}
    assert [nice_ceiling(v) for v in (0, 0.4, 7, 37, 100, 101, 2400)] == [1, 1, 10, 50, 100, 200, 2500]
    with pytest.raises(InvalidInput):
        make_range("2025-05-02", "2025-05-01")
    assert len(make_range(None, "2025-05-30").days()) == 30
