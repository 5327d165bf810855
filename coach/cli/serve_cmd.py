"""`coach serve`: run the HTTP API with uvicorn (structured logs, graceful shutdown, workers)."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--reload-prompts", action="store_true", help="pick up template edits without a restart")
    p.add_argument("--log-level", default="info")
    p.add_argument(
        "--graceful-timeout", type=float, default=None,
        help="seconds to let in-flight requests finish on shutdown (default: COACH_DEADLINE_S + 5)",
    )
    p.add_argument(
        "--forwarded-allow-ips", default=None,
        help="load balancer addresses trusted for X-Forwarded-For/Proto (default: 127.0.0.1)",
    )
    p.add_argument("--keep-alive", type=int, default=75, help="idle keep-alive seconds; above the load balancer's (default 75)")
    p.set_defaults(handler=_serve)


@contextmanager
def multiprocess_metrics_dir() -> Iterator[Path]:
    """Several workers share /metrics through prometheus_client's multiprocess mode: each worker
    writes its samples to files in one folder and a scrape of any worker adds them all up.

    A folder given in PROMETHEUS_MULTIPROC_DIR is the operator's: its stale samples are cleared
    before the workers start and it stays. Otherwise a fresh coach-metrics-* folder is made in the
    temporary directory and removed, with its samples, when the server has shut down."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # samples of a previous run would be added in
            stale.unlink()
        yield path
        return
    created = Path(tempfile.mkdtemp(prefix="coach-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(created)
    try:
        yield created
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(created, ignore_errors=True)


def check_feedback_database(database: str) -> None:
    """Before any worker starts: a schema behind this coach's stops `coach serve` with the command
    to run (SchemaMismatch); an empty SQLite file gets its tables once, not by each worker; an
    unreachable database is said and the service starts (suggestions do not need it)."""
    import sys

    from coach.errors import StoreUnavailable
    from coach.feedback.store import FeedbackStore

    store = FeedbackStore(database)
    try:
        store.check()
    except StoreUnavailable as exc:
        print(f"coach: warning: {exc.message}; starting anyway: /v1/feedback answers 503 until it is back",
              file=sys.stderr)
    finally:
        store.dispose()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from coach.config import get_settings
    from coach.logging_setup import log_config

    if args.reload_prompts:
        os.environ["COACH_RELOAD_PROMPTS"] = "1"
    settings = get_settings()
    check_feedback_database(settings.database)
    graceful = args.graceful_timeout if args.graceful_timeout is not None else settings.deadline_s + 5
    with ExitStack() as stack:
        if args.workers > 1:
            stack.enter_context(multiprocess_metrics_dir())
        uvicorn.run(
            "coach.api.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            log_config=log_config(args.log_level, settings.log_format),
            access_log=False,  # the request middleware logs one line per request, with its id
            timeout_graceful_shutdown=max(1, round(graceful)),
            timeout_keep_alive=args.keep_alive,
            proxy_headers=True,
            forwarded_allow_ips=args.forwarded_allow_ips,
            server_header=False,
        )
    return 0
