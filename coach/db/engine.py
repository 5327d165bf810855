"""Opening the feedback database: one SQLAlchemy engine (a connection pool) per process.

SQLite runs in WAL mode with a busy timeout, so several workers of one host can write to one file.
PostgreSQL connections give up after a few seconds when the server does not answer, and are pinged
before use, so a restarted server is picked up again without restarting coach.
"""

from __future__ import annotations

from typing import Any

import sqlite3

from sqlalchemy import Engine, create_engine, event
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from coach.db.url import DatabaseTarget
from coach.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_S = 3  # libpq's connect_timeout: a dead host fails in seconds, not minutes


def make_engine(target: DatabaseTarget, *, create_folder: bool = True, pool_size: int = 5) -> Engine:
    """An engine for the target; no connection is made until first use. For a SQLite file the
    folder is created when `create_folder` (the service's default file needs no set-up)."""
    if target.is_sqlite:
        if target.sqlite_path is not None and create_folder:
            try:
                target.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot make the folder of the feedback database {target.shown}: {exc}") from exc
        engine = create_engine(target.url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = {"application_name": "coach"}
    if "connect_timeout" not in target.url.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    return create_engine(
        target.url,
        connect_args=connect_args,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=CONNECT_TIMEOUT_S,
        pool_pre_ping=True,  # a connection the server dropped (restart, failover) is replaced, not used
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the sqlite3 module, decides where transactions begin (see _sqlite_begin): the
    # module would otherwise run DDL outside any transaction, and a failed migration half-done.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # Switching a new file to WAL takes a lock that SQLite does not wait for through the busy
        # timeout: several workers opening one new file at once retry here within the same budget.
        for attempt in Retrying(retry=retry_if_exception(_locked), stop=stop_after_delay(SQLITE_BUSY_TIMEOUT_MS / 1000),
                                wait=wait_random_exponential(multiplier=0.005, max=0.2), reraise=True):
            with attempt:
                cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def _sqlite_begin(connection: Any) -> None:
    # `sqlite_begin="BEGIN IMMEDIATE"` (migrations) takes the write lock at once, so two processes
    # migrating one file run one after the other instead of both seeing an empty database.
    connection.exec_driver_sql(connection.get_execution_options().get("sqlite_begin", "BEGIN"))
