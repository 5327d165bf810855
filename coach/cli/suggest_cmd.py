"""`coach suggest [FILE]`: a Conversation JSON (FILE or stdin) -> the Suggestion response JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from coach.errors import InvalidInput


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "suggest",
        help="suggest the agent's next reply for a conversation (JSON in, JSON out)",
        description="Reads a Conversation from FILE or stdin and prints the Suggestion response as JSON "
        "(both shapes: docs/api.md in the coach repository, or /docs on a running service). The backend "
        "follows COACH_BACKEND / OPENAI_BASE_URL (offline by default).",
    )
    p.add_argument("file", nargs="?", type=Path, metavar="FILE", help="the conversation JSON (default: stdin)")
    p.add_argument("--template", metavar="NAME@VER", help="override the conversation's template")
    p.add_argument("-n", type=int, choices=(1, 2, 3), help="override the number of candidates")
    p.add_argument("--compact", action="store_true", help="one line of JSON instead of indented")
    p.add_argument("--stream", action="store_true",
                   help='print the events as they happen, one JSON line each: {"event": "passages" | "suggestion" | "done", "data": ...}')
    p.set_defaults(handler=_handle)


def read_json(file: Path | None) -> Any:
    """Decoded JSON from FILE or stdin; InvalidInput naming the problem."""
    try:
        text = file.read_text(encoding="utf-8") if file is not None else sys.stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {file or 'stdin'}: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{file or 'stdin'} is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc


def load_conversation(file: Path | None, *, template: str | None = None, n: int | None = None):
    from coach.api.schemas_suggestions import parse_request

    data = read_json(file)
    if isinstance(data, dict):
        if template is not None:
            data["template"] = template
        if n is not None:
            data["n"] = n
    return parse_request(data).to_conversation()


def _handle(args: argparse.Namespace) -> int:
    from coach.advice import DegradedNotices
    from coach.config import get_settings
    from coach.knowledge import load_knowledge_base
    from coach.pipeline import build_coach

    conversation = load_conversation(args.file, template=args.template, n=args.n)
    settings = get_settings()
    coach = build_coach(settings, load_knowledge_base(settings))
    coach.check(conversation)
    # A degraded answer is said once, on stderr, by this command (not also through the log).
    coach.notices = DegradedNotices(settings, logger=None)

    async def run():
        try:
            if not args.stream:
                return await coach.suggest(conversation)
            async for event in coach.stream(conversation):
                print(json.dumps({"event": event.kind, "data": event.data}, ensure_ascii=False), flush=True)
            return None
        finally:
            if coach.llm is not None and hasattr(coach.llm, "aclose"):
                await coach.llm.aclose()

    from coach import tracing

    tracing.configure(settings)
    try:
        response = asyncio.run(run())
    finally:
        tracing.shutdown()  # the spans go out before the command exits
    if response is not None:
        indent = None if args.compact else 2
        print(json.dumps(response.model_dump(mode="json"), ensure_ascii=False, indent=indent))
    if coach.notices.last is not None:  # the answer is valid, but not the model's: say why, and what to change
        print(f"coach: warning: {coach.notices.last}", file=sys.stderr)
    return 0
