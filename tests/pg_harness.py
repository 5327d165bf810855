"""PostgreSQL for the tests: one throwaway cluster per test session (benchmarks/pg_cluster.py),
a migrated template database, and a fresh copy of it per test.

The fixtures are registered for every module in tests/conftest.py (one cluster per session).
`database_url` is parametrised over both backends: each test that takes it runs once on a SQLite
file and once on PostgreSQL. Without PostgreSQL's server binaries the PostgreSQL half is skipped,
saying where they were looked for; under CI (CI=true) that is a failure, never a skip (.ci/run
installs Debian's postgresql).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "pg_cluster.py"


def _cluster_module():  # noqa: ANN202
    name = "pg_cluster"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


pg = _cluster_module()
ThrowawayCluster = pg.ThrowawayCluster
_names = itertools.count(1)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_bindir() -> Path:
    bindir = pg.find_bindir()
    if bindir is None:
        message = f"no PostgreSQL server binaries (looked in {pg.where_looked()}): apt-get install postgresql (see .ci/run)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return bindir


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    # Room for the pools that tests leave to the garbage collector.
    cluster = ThrowawayCluster.start_new(require_bindir(), settings={"max_connections": "300"})
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def pg_template(pg_cluster) -> str:  # noqa: ANN001
    """A database at this coach's schema, copied for each test (CREATE DATABASE ... TEMPLATE)."""
    from coach.db import make_engine, parse_database, upgrade

    url = pg_cluster.create_database("coach_template")
    target = parse_database(url)
    engine = make_engine(target)
    try:
        upgrade(engine, target)
    finally:
        engine.dispose()  # a template must have no open connection when copied
    return "coach_template"


def fresh_pg_database(cluster, template: str | None = None) -> str:  # noqa: ANN001
    return cluster.create_database(f"t{os.getpid()}_{next(_names)}", template=template)


@pytest.fixture(scope="session")
def pg_shared(pg_cluster, pg_template) -> str:  # noqa: ANN001
    """One database at this coach's schema for the tests that only read and write rows."""
    return fresh_pg_database(pg_cluster, pg_template)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A feedback database at this coach's schema with no rows (for SQLite, an empty file that
    becomes one on first use): a file path, or a postgresql:// URL. PostgreSQL's is one database
    emptied for each test (TRUNCATE ... RESTART IDENTITY: ids start at 1 again), far quicker than
    a new database per test; tests that change the schema take `empty_database_url`."""
    if request.param == "sqlite":
        return str(tmp_path / "feedback.sqlite3")
    url = request.getfixturevalue("pg_shared")
    cluster = request.getfixturevalue("pg_cluster")
    cluster.execute("SET lock_timeout = '10s'; TRUNCATE feedback, suggestions_shown RESTART IDENTITY",
                    database=url.rsplit("/", 1)[1])
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no tables at all (for SQLite an empty file)."""
    if request.param == "sqlite":
        path = tmp_path / "empty.sqlite3"
        path.touch()
        return str(path)
    return fresh_pg_database(request.getfixturevalue("pg_cluster"))
