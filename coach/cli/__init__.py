"""The `coach` command: a thin argparse front over the same functions the service uses.

Each sub-command lives in its own module with a `register(subparsers)` function; the command's
handler returns the process exit status.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_settings import SettingsError

from coach import __version__
from coach.config import Settings
from coach.errors import CoachError

_COMMAND_MODULES = ("serve", "suggest", "validate", "guidelines", "prompts", "eval", "feedback", "db", "doctor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach", description="Reply coach for customer-service agents.",
        epilog="Shapes, rule ids, settings and exit statuses: docs/api.md in the coach repository.",
    )
    parser.add_argument("--version", action="version", version=f"coach {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    import importlib

    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"coach.cli.{name}_cmd")
        module.register(sub)
    return parser


def settings_problem(exc: Exception) -> str:
    """A bad setting in plain words, naming the variable."""
    if isinstance(exc, ValidationError):
        parts = []
        for e in exc.errors(include_url=False):
            name = ".".join(str(x) for x in e.get("loc", ())) or "settings"
            parts.append(f"{name.upper()}={e.get('input')!r}: {e.get('msg')}")
        return "bad setting: " + "; ".join(parts)
    match = re.search(r'field "(\w+)"', str(exc))
    field = Settings.model_fields.get(match.group(1)) if match else None
    name = (field.validation_alias if field is not None else None) or (match.group(1) if match else "a setting")
    return f"bad setting {name}: the value is not valid JSON of the expected shape"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CoachError as exc:
        print(f"coach: error: {exc.message}", file=sys.stderr)
        return 2
    except (ValidationError, SettingsError) as exc:  # a setting from the environment or .env
        print(f"coach: error: {settings_problem(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
