"""COACH_DATABASE: a SQLite file path (the default), or a PostgreSQL URL.

    coach-feedback.sqlite3                      a SQLite file (relative to the working directory)
    sqlite:////var/lib/coach/feedback.sqlite3   the same, as a URL
    postgresql://coach:secret@db.internal/coach?sslmode=require

PostgreSQL URLs are read by libpq's rules (psycopg 3): every parameter psql accepts (sslmode,
sslrootcert, a `host=/run/postgresql` socket, a password from ~/.pgpass) works unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from coach.errors import ConfigError

_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_SQLITE_SCHEMES = ("sqlite", "sqlite+pysqlite")


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the feedback lives: the SQLAlchemy URL, and the SQLite file when it is one."""

    url: URL
    sqlite_path: Path | None = None  # None for PostgreSQL and for ":memory:"

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def shown(self) -> str:
        """For messages and logs: the file, or the URL without its password."""
        if self.sqlite_path is not None:
            return str(self.sqlite_path)
        return self.url.render_as_string(hide_password=True).replace("postgresql+psycopg://", "postgresql://")


def parse_database(value: str | Path, *, setting: str = "COACH_DATABASE") -> DatabaseTarget:
    """The target a COACH_DATABASE value (or a --db argument) names; ConfigError naming `setting`
    when it names neither a file nor a PostgreSQL database."""
    text = str(value).strip()
    if not text:
        raise ConfigError(f"{setting} is empty: give a SQLite file path or a postgresql:// URL")
    if "://" not in text:
        path = Path(text).expanduser()
        return DatabaseTarget(URL.create("sqlite", database=str(path)), sqlite_path=path)
    scheme = text.split("://", 1)[0].lower()
    if scheme in _POSTGRES_SCHEMES:
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
    elif scheme not in _SQLITE_SCHEMES:
        raise ConfigError(
            f"{setting} names a {scheme}:// database; coach stores feedback in SQLite (a file path) "
            "or PostgreSQL (postgresql://user:password@host:5432/dbname)"
        )
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise ConfigError(f"{setting} is not a database URL coach can read: {exc}") from exc
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            return DatabaseTarget(url)
        path = Path(database).expanduser()
        return DatabaseTarget(url.set(drivername="sqlite", database=str(path)), sqlite_path=path)
    if not url.database:
        raise ConfigError(f"{setting} names no database: end the URL with /dbname (e.g. .../coach)")
    return DatabaseTarget(url)
