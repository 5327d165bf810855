"""`coach db`: the feedback database's schema (Alembic migrations shipped in coach.db).

    coach db upgrade [--db PATH|URL] [--sql [--from REV]]
        migrates the database to this coach's schema (creates the tables of an empty one); safe to
        run again, and from several hosts at once (they take turns). --sql prints the SQL instead.
    coach db current [--db PATH|URL]
        the database's schema revision and this coach's; exit 0 when they match, 1 when not
"""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="create or migrate the feedback database (SQLite or PostgreSQL)")
    inner = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")

    up = inner.add_parser("upgrade", help="migrate the feedback database to this coach's schema")
    up.add_argument("--db", help="SQLite file or postgresql:// URL (default: COACH_DATABASE)")
    up.add_argument("--sql", action="store_true", help="print the migrations' SQL instead of running them")
    up.add_argument("--from", dest="start", metavar="REV",
                    help="with --sql: the revision the database is at (default: an empty database)")
    up.set_defaults(handler=_upgrade)

    current = inner.add_parser("current", help="the database's schema revision against this coach's")
    current.add_argument("--db", help="SQLite file or postgresql:// URL (default: COACH_DATABASE)")
    current.set_defaults(handler=_current)


def _target(db: str | None):  # noqa: ANN202 - imported lazily to keep `coach --help` fast
    from coach.config import get_settings
    from coach.db.url import parse_database

    if db is not None:
        return parse_database(db, setting="--db")
    return parse_database(get_settings().database)


def _upgrade(args: argparse.Namespace) -> int:
    from coach.db.engine import make_engine
    from coach.db.migrate import upgrade, upgrade_sql
    from coach.feedback.store import guarded

    target = _target(args.db)
    if args.sql:
        upgrade_sql(target, args.start)
        return 0
    engine = make_engine(target)
    try:
        with guarded(target, "migrate"):
            before, after = upgrade(engine, target)
    finally:
        engine.dispose()
    if before == after:
        print(f"coach: {target.shown} is at schema revision {after}: nothing to do", file=sys.stderr)
    else:
        print(f"coach: {target.shown} migrated from {before or 'nothing'} to schema revision {after}", file=sys.stderr)
    return 0


def _current(args: argparse.Namespace) -> int:
    from coach.db.engine import make_engine
    from coach.db.migrate import head_revision, mismatch, read_state
    from coach.errors import ConfigError
    from coach.feedback.store import guarded

    target = _target(args.db)
    if target.sqlite_path is not None and not target.sqlite_path.exists():
        raise ConfigError(f"no feedback database at {target.shown} (set COACH_DATABASE or pass --db)")
    engine = make_engine(target, create_folder=False)
    try:
        with guarded(target, "read the schema revision"), engine.connect() as connection:
            state = read_state(connection)
    finally:
        engine.dispose()
    problem = mismatch(state, target)
    print(json.dumps({"database": target.shown, "revision": state.revision, "head": head_revision(),
                      "ok": problem is None, "problem": problem.message if problem else None}))
    return 0 if problem is None else 1
