"""A batch run's state on disk: one SQLite file beside the run's JSONL files.

What it remembers is what a killed run needs to carry on without paying twice:

- `scenarios`: the plan (which scenario of which file runs, in which order); the files' hashes are
  in run.json.
- `requests`: every LLM request the run has asked for, by key (a hash of the body and the repeat
  index): `new` (to be written into a chunk), `out` (in a chunk file, uploaded or submitted),
  `done` (its answer is here) or `failed` (for good, with the error). A request's body is never
  stored: replaying the scenario renders it again, identically.
- `chunks`: the JSONL files sent as batches: `open` while being written, `written`, `uploaded`
  (file id known), `submitted` (batch id known), `collected`.
- `jobs`: the trials settled so far and where their line is in results.jsonl.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios(ord INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,
    file INTEGER NOT NULL, idx INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS requests(key TEXT PRIMARY KEY, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    chunk INTEGER, answer TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS requests_chunk ON requests(chunk, state);
CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY, path TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL, file_id TEXT, batch_id TEXT, status TEXT, detail TEXT);
CREATE TABLE IF NOT EXISTS jobs(job INTEGER PRIMARY KEY, offset INTEGER NOT NULL, length INTEGER NOT NULL,
    failed_requests INTEGER NOT NULL DEFAULT 0);
"""


@dataclass(frozen=True)
class RequestRow:
    key: str
    state: str
    attempts: int
    answer: str | None
    error: str | None


@dataclass(frozen=True)
class ChunkRow:
    id: int
    path: str
    requests: int
    state: str
    file_id: str | None
    batch_id: str | None
    status: str | None


class RunStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self._in_tx = False

    def close(self) -> None:
        self.db.close()

    # -- transactions: the caller groups writes; every public write commits unless inside one --
    def begin(self) -> None:
        if not self._in_tx:
            self.db.execute("BEGIN")
            self._in_tx = True

    def commit(self) -> None:
        if self._in_tx:
            self.db.execute("COMMIT")
            self._in_tx = False

    def rollback(self) -> None:
        if self._in_tx:
            self.db.execute("ROLLBACK")
            self._in_tx = False

    # -- the plan ----------------------------------------------------------------------------
    def add_scenario(self, ord_: int, scenario_id: str, file: int, idx: int) -> bool:
        """Plan the scenario at place `ord_`; False when its id is already planned (a duplicate)."""
        cur = self.db.execute("INSERT OR IGNORE INTO scenarios(ord, id, file, idx) VALUES (?, ?, ?, ?)",
                              (ord_, scenario_id, file, idx))
        return cur.rowcount == 1

    def scenario_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM scenarios").fetchone()[0])

    def kept_in_file(self, file: int) -> dict[int, int]:
        """{index of the scenario in the file: its place in the run} for one scenario file."""
        rows = self.db.execute("SELECT idx, ord FROM scenarios WHERE file = ?", (file,))
        return {int(i): int(o) for i, o in rows}

    # -- requests ----------------------------------------------------------------------------
    def request(self, key: str) -> RequestRow | None:
        row = self.db.execute("SELECT key, state, attempts, answer, error FROM requests WHERE key = ?",
                              (key,)).fetchone()
        return RequestRow(*row) if row else None

    def put_out(self, key: str, chunk: int) -> None:
        """The request is written into `chunk` (new, or a retry of a failed one)."""
        self.db.execute("INSERT INTO requests(key, state, chunk) VALUES (?, 'out', ?) "
                        "ON CONFLICT(key) DO UPDATE SET state = 'out', chunk = excluded.chunk", (key, chunk))

    def answer(self, key: str, body: str, chunk: int) -> None:
        """The answer to a request of `chunk` (ignored unless the request is out in that chunk)."""
        self.db.execute("UPDATE requests SET state = 'done', answer = ?, error = NULL "
                        "WHERE key = ? AND chunk = ? AND state = 'out'", (body, key, chunk))

    def fail(self, key: str, error: str, chunk: int, *, retry: bool, max_attempts: int) -> bool:
        """Count a failed attempt of a request of `chunk`: back to `new` while attempts remain and
        the failure is worth another try, else `failed` for good. True when it will be retried."""
        row = self.db.execute("SELECT attempts FROM requests WHERE key = ? AND chunk = ? AND state = 'out'",
                              (key, chunk)).fetchone()
        if row is None:
            return False
        attempts = int(row[0]) + 1
        again = retry and attempts < max_attempts
        self.db.execute("UPDATE requests SET state = ?, attempts = ?, error = ?, chunk = NULL WHERE key = ?",
                        ("new" if again else "failed", attempts, error, key))
        return again

    def still_out(self, chunk: int) -> Iterator[str]:
        rows = self.db.execute("SELECT key FROM requests WHERE chunk = ? AND state = 'out'", (chunk,)).fetchall()
        return (str(r[0]) for r in rows)

    def request_counts(self) -> dict[str, int]:
        counts = {str(s): int(n) for s, n in self.db.execute("SELECT state, COUNT(*) FROM requests GROUP BY state")}
        retried = self.db.execute("SELECT COUNT(*) FROM requests WHERE attempts > 0 AND state = 'done'").fetchone()[0]
        return {"total": sum(counts.values()), **counts, "done_after_retry": int(retried)}

    # -- chunks ------------------------------------------------------------------------------
    def open_chunk(self, path: str) -> int:
        cur = self.db.execute("INSERT INTO chunks(path, state) VALUES (?, 'open')", (path,))
        return int(cur.lastrowid or 0)

    def close_chunk(self, chunk: int, requests: int) -> None:
        self.db.execute("UPDATE chunks SET state = 'written', requests = ? WHERE id = ?", (requests, chunk))

    def set_chunk(self, chunk: int, **fields: object) -> None:
        names = ", ".join(f"{k} = ?" for k in fields)
        values = [json.dumps(v) if isinstance(v, dict) else v for v in fields.values()]
        self.db.execute(f"UPDATE chunks SET {names} WHERE id = ?", (*values, chunk))  # noqa: S608 - our own names

    def chunks(self, *states: str) -> list[ChunkRow]:
        marks = ",".join("?" for _ in states)
        rows = self.db.execute(f"SELECT id, path, requests, state, file_id, batch_id, status FROM chunks "  # noqa: S608
                               f"WHERE state IN ({marks}) ORDER BY id", states).fetchall()
        return [ChunkRow(*r) for r in rows]

    def discard_open_chunks(self) -> list[str]:
        """Chunks a killed run was still writing: their requests go back to `new`; returns their
        files for the caller to delete."""
        rows = self.db.execute("SELECT id, path FROM chunks WHERE state = 'open'").fetchall()
        for chunk, _ in rows:
            self.db.execute("UPDATE requests SET state = 'new', chunk = NULL WHERE chunk = ? AND state = 'out'", (chunk,))
            self.db.execute("DELETE FROM chunks WHERE id = ?", (chunk,))
        return [str(p) for _, p in rows]

    def chunk_summary(self) -> dict[str, object]:
        rows = self.db.execute("SELECT state, status, COUNT(*) FROM chunks GROUP BY state, status").fetchall()
        by_status: dict[str, int] = {}
        for state, status, n in rows:
            name = str(status or state)
            by_status[name] = by_status.get(name, 0) + int(n)
        return {"batches": sum(by_status.values()), "by_status": by_status}

    # -- settled trials ----------------------------------------------------------------------
    def job_done(self, job: int, offset: int, length: int, failed_requests: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO jobs(job, offset, length, failed_requests) VALUES (?, ?, ?, ?)",
                        (job, offset, length, failed_requests))

    def is_done(self, job: int) -> bool:
        return self.db.execute("SELECT 1 FROM jobs WHERE job = ?", (job,)).fetchone() is not None

    def done_between(self, first: int, end: int) -> int:
        """How many of the jobs first <= job < end are settled."""
        return int(self.db.execute("SELECT COUNT(*) FROM jobs WHERE job >= ? AND job < ?", (first, end)).fetchone()[0])

    def done_jobs(self) -> Iterator[tuple[int, int, int]]:
        """(job, offset, length) in job order, streamed."""
        cur = self.db.execute("SELECT job, offset, length FROM jobs ORDER BY job")
        while True:
            rows = cur.fetchmany(1000)
            if not rows:
                return
            for job, offset, length in rows:
                yield int(job), int(offset), int(length)

    def jobs_done(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])

    def jobs_with_failed_requests(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM jobs WHERE failed_requests > 0").fetchone()[0])
