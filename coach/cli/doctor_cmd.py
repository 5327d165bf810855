"""`coach doctor`: checks the configured LLM endpoint and recommends the deadline and timeouts for its speed."""

from __future__ import annotations

import argparse
import asyncio
import json

from coach.doctor import DOCTOR_TIMEOUT_S


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check the LLM endpoint: reachable, model listed, JSON honoured, speed; recommend the deadline and timeouts",
        description="Checks the configured OpenAI-compatible endpoint (OPENAI_BASE_URL, OPENAI_API_KEY, COACH_MODEL): "
        "GET /models (reachable, COACH_MODEL listed), one tiny chat completion asking for a JSON object (honoured or "
        "not, its latency and completion tokens/s), and the COACH_DEADLINE_S and COACH_LLM_TIMEOUT_S that fit coach's "
        "calls at that speed. With no endpoint configured it says the offline drafter answers. Exits 0 when coach can "
        "use the endpoint as configured, 1 when not, 2 on bad usage.",
    )
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--timeout", type=_seconds, default=DOCTOR_TIMEOUT_S, metavar="S",
                   help=f"seconds to wait for each of the two calls (default {DOCTOR_TIMEOUT_S:g})")
    p.set_defaults(handler=_handle)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return value


def _handle(args: argparse.Namespace) -> int:
    from coach.config import get_settings
    from coach.doctor import diagnose

    report = asyncio.run(diagnose(get_settings(), timeout=args.timeout))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.to_text())
    return 0 if report.usable else 1
