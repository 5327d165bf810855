"""The feedback database's schema on SQLite and PostgreSQL: `coach db upgrade` and `coach db
current`, the check before anything is read or written, and at the start of the service."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from coach.api.app import create_app
from coach.cli import main
from coach.config import Settings, get_settings
from coach.db import make_engine, parse_database, upgrade
from coach.db.migrate import head_revision
from coach.errors import ConfigError, SchemaMismatch
from coach.feedback import FeedbackEntry, FeedbackStore

from tests.pg_harness import pg

# The table as coach made it before migrations (SQLite only), with two rows of that time.
LEGACY_DDL = """
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('accepted', 'edited', 'rejected')), suggestion TEXT NOT NULL,
    suggestion_index INTEGER NOT NULL DEFAULT 0, final_text TEXT, reason TEXT, request_id TEXT,
    conversation_id TEXT, conversation_json TEXT, source TEXT, degraded INTEGER, template TEXT, model TEXT,
    agent_id TEXT);
CREATE INDEX feedback_verdict ON feedback (verdict, id);
CREATE INDEX feedback_request ON feedback (request_id);
INSERT INTO feedback (created_at, verdict, suggestion, final_text, request_id, conversation_json, degraded)
VALUES ('2025-04-30T08:00:00.000+00:00', 'edited', '请稍等，我马上为您核实。', '请稍等，我马上为您查询。', 'r-old',
        '{"turns": [{"role": "customer", "text": "你们到底能不能解决？"}]}', 0),
       ('2025-04-30T09:00:00.000+00:00', 'rejected', '不行。', NULL, 'r-old2', NULL, 1);
"""


def at_revision(url: str, revision: str) -> None:
    target = parse_database(url)
    engine = make_engine(target)
    try:
        upgrade(engine, target, revision=revision)
    finally:
        engine.dispose()


def execute(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(parse_database(url))
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _entry() -> FeedbackEntry:
    return FeedbackEntry(verdict="accepted", suggestion="好的", request_id="r-1")


def test_upgrade_makes_an_empty_database_current(empty_database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = empty_database_url
    assert main(["db", "current", "--db", url]) == 1
    assert "has no coach tables yet: run `coach db upgrade" in json.loads(capsys.readouterr().out)["problem"]
    assert main(["db", "upgrade", "--db", url]) == 0
    assert f"migrated from nothing to schema revision {head_revision()}" in capsys.readouterr().err
    assert main(["db", "upgrade", "--db", url]) == 0  # again: nothing to do
    assert "nothing to do" in capsys.readouterr().err
    assert main(["db", "current", "--db", url]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["revision"] == report["head"] == head_revision()
    assert FeedbackStore(url).add(_entry()).id == 1


def test_only_an_empty_sqlite_file_is_set_up_on_first_use(empty_database_url: str) -> None:
    store = FeedbackStore(empty_database_url)
    if empty_database_url.startswith("postgresql://"):
        # PostgreSQL is shared by hosts: making its tables is the operator's step, never a side effect.
        with pytest.raises(SchemaMismatch, match=r"has no coach tables yet: run `coach db upgrade"):
            store.add(_entry())
        assert execute(empty_database_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    else:
        assert store.add(_entry()).id == 1
    store.dispose()


def test_a_database_behind_the_code_stops_everything_until_upgraded(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = empty_database_url
    at_revision(url, "0001")
    execute(url, "INSERT INTO feedback (created_at, verdict, suggestion, final_text, request_id) "
                 "VALUES ('2025-04-30T08:00:00+00:00', 'edited', 'abcdef', 'abcxyz', 'r-old')")
    behind = r"is at schema revision 0001, behind this coach's 0002: run `coach db upgrade"
    with pytest.raises(SchemaMismatch, match=behind):
        FeedbackStore(url).add(_entry())
    with pytest.raises(SchemaMismatch, match=behind):
        FeedbackStore(url, create_if_empty=False).entries()
    # The service does not start on it...
    app = create_app(Settings(_env_file=None, COACH_DATABASE=url, COACH_BACKEND="offline"))  # type: ignore[call-arg]
    with pytest.raises(SchemaMismatch, match=behind), TestClient(app):
        pass
    # ...and `coach serve` says so before any worker starts.
    monkeypatch.setenv("COACH_DATABASE", url)
    get_settings.cache_clear()
    try:
        assert main(["serve", "--port", str(pg.free_port())]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("coach: error: the feedback database") and "coach db upgrade" in err
    assert execute(url, "SELECT count(*) FROM feedback") == [(1,)]  # nothing written meanwhile
    # Upgraded, the row is kept and gets what the new revision added.
    assert main(["db", "upgrade", "--db", url]) == 0
    (row,) = FeedbackStore(url).entries()
    assert (row.request_id, row.edit_distance, row.edit_ratio) == ("r-old", 3, 0.5)
    assert row.created_at == "2025-04-30T08:00:00.000+00:00"


def test_a_database_ahead_of_the_code_is_left_alone(empty_database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = empty_database_url
    at_revision(url, "head")
    execute(url, "UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(SchemaMismatch, match=r"revision 0099, which this coach does not know .* a newer coach"):
        FeedbackStore(url).check()
    assert main(["db", "upgrade", "--db", url]) == 2
    assert "a newer coach migrated it" in capsys.readouterr().err
    assert execute(url, "SELECT version_num FROM alembic_version") == [("0099",)]


def test_a_sqlite_file_from_before_migrations_is_upgraded_with_its_rows(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(LEGACY_DDL)
    assert main(["feedback", "stats", "--db", str(path)]) == 2
    assert f"from before schema migrations: run `coach db upgrade --db {path}`" in capsys.readouterr().err
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    assert "migrated from 0001 to schema revision 0002" in capsys.readouterr().err
    assert main(["feedback", "stats", "--db", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {"accepted": 0, "edited": 1, "rejected": 1}
    edited, rejected = FeedbackStore(path).entries()
    assert edited.created_at == "2025-04-30T08:00:00.000+00:00" and edited.degraded is False
    assert (edited.edit_distance, edited.locale) == (2, "zh-CN") and edited.strategy
    assert (rejected.edit_distance, rejected.degraded) == (None, True)


def test_a_feedback_table_coach_did_not_make_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY, stars INTEGER)")
    assert main(["db", "upgrade", "--db", str(path)]) == 2
    assert "has a `feedback` table that coach did not make" in capsys.readouterr().err
    with sqlite3.connect(path) as conn:
        assert [r[1] for r in conn.execute("PRAGMA table_info(feedback)")] == ["id", "stars"]


def test_workers_starting_on_one_new_sqlite_file_make_its_tables_once(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    start = threading.Barrier(6)
    results: list[object] = []

    def worker() -> None:
        store = FeedbackStore(path)
        start.wait()
        try:
            results.append(store.check())
        except Exception as exc:  # noqa: BLE001 - reported below
            results.append(exc)
        store.dispose()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [head_revision()] * 6
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]


def test_upgrade_sql_prints_the_migrations_for_a_dba(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://coach@db.invalid:5432/coach"  # nothing is contacted
    assert main(["db", "upgrade", "--sql", "--db", url]) == 0
    sql = capsys.readouterr().out
    assert "CREATE TABLE feedback (" in sql and "CREATE TABLE suggestions_shown (" in sql
    assert "TIMESTAMP WITH TIME ZONE" in sql and "INCLUDE (verdict" in sql and "alembic_version" in sql
    assert main(["db", "upgrade", "--sql", "--from", "0001", "--db", url]) == 0
    step = capsys.readouterr().out
    assert "ALTER TABLE feedback ADD COLUMN strategy TEXT" in step and "CREATE TABLE feedback (" not in step


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("mysql://coach@db/coach", "COACH_DATABASE names a mysql:// database"),
        ("postgresql://coach@db.internal", "COACH_DATABASE names no database: end the URL with /dbname"),
        ("   ", "COACH_DATABASE is empty"),
    ],
)
def test_database_settings_coach_cannot_use_are_named(value: str, said: str) -> None:
    with pytest.raises(ConfigError, match=said):
        parse_database(value)


def test_a_password_never_shows_in_messages() -> None:
    target = parse_database("postgresql://coach:s3cret@db.internal:5432/coach?sslmode=require")
    assert "s3cret" not in target.shown and target.shown.startswith("postgresql://coach:***@db.internal:5432/coach")
    assert target.url.drivername == "postgresql+psycopg" and target.url.query["sslmode"] == "require"
