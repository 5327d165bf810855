"""`coach serve`: run the HTTP API with uvicorn."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--reload-prompts", action="store_true", help="pick up template edits without a restart")
    p.add_argument("--log-level", default="info")
    p.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    if args.reload_prompts:
        os.environ["COACH_RELOAD_PROMPTS"] = "1"
    uvicorn.run(
        "coach.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        timeout_graceful_shutdown=10,
    )
    return 0
