"""Alembic migrations, run by `coach db upgrade` and checked whenever coach opens the database.

A database behind the code's schema (or made by a coach from before migrations, or ahead of it: a
newer coach migrated it) is a SchemaMismatch naming what to do; nothing is read or written then. An
empty SQLite file is the one exception: the embedded default makes its tables on first use, inside
a write-locked transaction so that several workers starting at once make them once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from coach.db.url import DatabaseTarget
from coach.errors import SchemaMismatch

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema of coach before migrations: such SQLite files are stamped with it
LEGACY_COLUMNS = frozenset({
    "id", "created_at", "verdict", "suggestion", "suggestion_index", "final_text", "reason", "request_id",
    "conversation_id", "conversation_json", "source", "degraded", "template", "model", "agent_id",
})


def alembic_config(connection: sa.Connection | None = None, *, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


@dataclass(frozen=True)
class SchemaState:
    revision: str | None
    tables: frozenset[str]

    @property
    def empty(self) -> bool:
        return self.revision is None and not ({"feedback", "suggestions_shown"} & self.tables)

    @property
    def legacy(self) -> bool:
        return self.revision is None and "feedback" in self.tables


def read_state(connection: sa.Connection) -> SchemaState:
    revision = MigrationContext.configure(connection).get_current_revision()
    return SchemaState(revision, frozenset(sa.inspect(connection).get_table_names()))


def upgrade_command(target: DatabaseTarget) -> str:
    if target.sqlite_path is not None:
        return f"coach db upgrade --db {target.shown}"
    return "coach db upgrade (with the same COACH_DATABASE, or --db URL)"


def mismatch(state: SchemaState, target: DatabaseTarget) -> SchemaMismatch | None:
    """What is wrong with this state for this code, or None when it is at the head."""
    head = head_revision()
    if state.revision == head:
        return None
    where = f"the feedback database {target.shown}"
    run = upgrade_command(target)
    if state.empty:
        return SchemaMismatch(f"{where} has no coach tables yet: run `{run}` once to create them")
    if state.legacy:
        return SchemaMismatch(f"{where} was made by a coach from before schema migrations: "
                              f"run `{run}` to bring it to revision {head} (its rows are kept)")
    if state.revision in known_revisions():
        return SchemaMismatch(f"{where} is at schema revision {state.revision}, behind this coach's {head}: "
                              f"run `{run}` (nothing was read or written)")
    return SchemaMismatch(f"{where} is at schema revision {state.revision}, which this coach does not know "
                          f"(its newest is {head}): a newer coach migrated it; run that version here too")


def check_schema(engine: sa.Engine, target: DatabaseTarget, *, create_if_empty: bool = False) -> str:
    """The database's revision when it is this code's head; SchemaMismatch otherwise. With
    `create_if_empty`, an empty SQLite database gets its tables (PostgreSQL never: `coach db upgrade`
    is an operator's step, run once per release, not by every host at start)."""
    with engine.connect() as connection:
        state = read_state(connection)
    if state.empty and create_if_empty and target.is_sqlite:
        return upgrade(engine, target, only_if_empty=True)[1] or head_revision()
    problem = mismatch(state, target)
    if problem is not None:
        raise problem
    return head_revision()


def upgrade(engine: sa.Engine, target: DatabaseTarget, *, only_if_empty: bool = False,
            revision: str = "head") -> tuple[str | None, str | None]:
    """Migrates to `revision` (the head) in one transaction; returns the revisions before and after.
    A SQLite file from before migrations is stamped with the baseline first (after checking its
    columns)."""
    with engine.connect().execution_options(sqlite_begin="BEGIN IMMEDIATE") as connection, connection.begin():
        state = read_state(connection)  # under the write lock: another process may have done it
        if only_if_empty and not state.empty:
            return state.revision, state.revision
        if state.legacy:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("feedback")}
            if columns != LEGACY_COLUMNS:
                raise SchemaMismatch(
                    f"the feedback database {target.shown} has a `feedback` table that coach did not make "
                    f"(columns {sorted(columns)}); coach leaves it alone: point COACH_DATABASE elsewhere"
                )
            command.stamp(alembic_config(connection), BASELINE)
            state = SchemaState(BASELINE, state.tables)
        elif state.revision is not None and state.revision not in known_revisions():
            raise mismatch(state, target) or SchemaMismatch("unknown revision")
        command.upgrade(alembic_config(connection), revision)
        return state.revision, read_state(connection).revision


def upgrade_sql(target: DatabaseTarget, start: str | None = None) -> None:
    """Prints the SQL of the migrations instead of running them (Alembic's offline mode), for a DBA
    who applies reviewed scripts; `start` is the revision the database is at (none: an empty one)."""
    url = target.url.render_as_string(hide_password=False)
    config = alembic_config(url=url)
    command.upgrade(config, f"{start}:head" if start else "head", sql=True)
