"""The feedback database: SQLite (the embedded default) or PostgreSQL (several hosts), one code path.

`url.py` reads COACH_DATABASE (a file path or a URL), `engine.py` opens it, `schema.py` holds the
tables, `migrate.py` runs and checks the Alembic migrations in `migrations/`.
"""

from coach.db.engine import make_engine
from coach.db.migrate import check_schema, head_revision, upgrade
from coach.db.url import DatabaseTarget, parse_database

__all__ = ["DatabaseTarget", "check_schema", "head_revision", "make_engine", "parse_database", "upgrade"]
