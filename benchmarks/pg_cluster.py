"""A throwaway PostgreSQL cluster on loopback, for the tests and the report benchmark.

    cluster = ThrowawayCluster.start_new()      # initdb in a temporary folder, postgres on a free port
    url = cluster.create_database("fb")          # postgresql://coach@127.0.0.1:PORT/fb
    cluster.stop(); cluster.start()               # the database going away and coming back
    cluster.destroy()                             # stopped, and its folder removed

The server binaries are looked for where Debian puts them (`pg_config --bindir`,
/usr/lib/postgresql/*/bin, newest first) and on PATH. PostgreSQL refuses to run as root, so under
root (CI) the server runs as the `postgres` user that Debian's package creates (or, without one, a
system user made for the purpose) in a folder it owns. Only 127.0.0.1 listens; trust auth.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "coach"
_SERVER_USER = "postgres"
_FALLBACK_USER = "coach-pg"


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", str(path))) or (0,)


def find_bindir() -> Path | None:
    """The folder holding `postgres`, `initdb` and `pg_ctl`, or None when there is none."""
    candidates: list[Path] = []
    configured = os.environ.get("COACH_TEST_PG_BINDIR")
    if configured:
        candidates.append(Path(configured))
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            candidates.append(Path(out.stdout.strip()))
        except (subprocess.SubprocessError, OSError):
            pass
    candidates.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True))
    on_path = shutil.which("postgres")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("postgres", "initdb", "pg_ctl")):
            return folder
    return None


def where_looked() -> str:
    return "COACH_TEST_PG_BINDIR, `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str | None:
    """None when not root (the server runs as us); else an unprivileged user to run it as."""
    if os.geteuid() != 0:
        return None
    for name in (_SERVER_USER, _FALLBACK_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", _FALLBACK_USER],
                   check=True, capture_output=True)
    return _FALLBACK_USER


@dataclass
class ThrowawayCluster:
    bindir: Path
    root: Path
    port: int
    user: str | None = None
    fsync: bool = False
    settings: dict[str, str] = field(default_factory=dict)  # more `-c name=value` server settings
    _running: bool = field(default=False, repr=False)

    @classmethod
    def start_new(cls, bindir: Path | None = None, *, fsync: bool = False, settings: dict[str, str] | None = None,
                  ) -> ThrowawayCluster:
        bindir = bindir or find_bindir()
        if bindir is None:
            raise FileNotFoundError(f"no PostgreSQL server binaries (looked in {where_looked()})")
        root = Path(tempfile.mkdtemp(prefix="coach-pg-", dir="/tmp" if Path("/tmp").is_dir() else None))
        cluster = cls(bindir=bindir, root=root, port=free_port(), user=_server_user(), fsync=fsync,
                      settings=dict(settings or {}))
        try:
            cluster._initdb()
            cluster.start()
        except BaseException:
            cluster.destroy()
            raise
        return cluster

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def _run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = list(argv)
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:2])} failed ({result.returncode}): {result.stderr.strip()[-2000:]}"
                               f"\n{self.log.read_text(errors='replace')[-2000:] if self.log.exists() else ''}")
        return result

    def _initdb(self) -> None:
        if self.user is not None:
            shutil.chown(self.root, user=self.user)
        os.chmod(self.root, 0o700)
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-instructions", "--no-sync")

    def _options(self) -> str:
        settings = {
            "listen_addresses": "127.0.0.1", "port": str(self.port), "unix_socket_directories": str(self.root),
            "fsync": "on" if self.fsync else "off", "synchronous_commit": "on", "full_page_writes": "on",
            "max_connections": "100", "logging_collector": "off", **self.settings,
        }
        return " ".join(f"-c {name}={value}" for name, value in settings.items())

    def start(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", self._options(),
                  "-w", "-t", "60", "start")
        self._running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast`: sessions are ended and the server shuts down cleanly; `immediate`: it stops at
        once, as in a crash (committed work survives through the WAL)."""
        if self._running:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
            self._running = False

    def destroy(self, wait: bool = False) -> None:
        """Stops the server and removes its folder: in the background unless `wait` (unlinking a
        cluster's thousand files takes seconds on a slow disk, and nothing waits for them)."""
        try:
            self.stop("immediate")
        except (RuntimeError, subprocess.SubprocessError, OSError):
            pass
        if wait:
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            subprocess.Popen(["rm", "-rf", "--", str(self.root)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of `template` when given); its URL."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a plain database name: {name!r}")
        self.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.url(name)
