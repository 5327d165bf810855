"""`coach eval`: not built yet (see the open issues)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="(not built yet)")
    p.set_defaults(handler=lambda args: _unavailable())


def _unavailable() -> int:
    import sys

    print("coach: 'eval' is not built yet", file=sys.stderr)
    return 2
