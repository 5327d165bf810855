"""`coach validate`: JSON Lines of validation requests on stdin -> one response per line on stdout.

Same order as the input; exit 0 whatever the drafts hold. A line that is not JSON, or not a valid
request (no `draft`, bad turns..., a blank line), gets `{"error": {...}}` on its own line and the next
lines are answered as usual, so answer N always belongs to line N. Input is read in chunks as it arrives and the answers to
each chunk are flushed together: an interactive caller gets each answer at once, a pipe of many
lines is not slowed down by a flush per line.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
    from coach.api.problems import Problem

_CHUNK = 1 << 16
_CLEAN = json.dumps({"ok": True, "violations": []}).encode("utf-8") + b"\n"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="validate drafts: JSON Lines requests on stdin, one response per line on stdout",
        description="Reads validation requests ({\"draft\", \"turns\", \"policy\", \"locale\"}) as JSON Lines on stdin "
        "and writes one validation response per line, in order. Exit status 0 whatever the drafts hold.",
    )
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    run(sys.stdin.buffer, sys.stdout.buffer)
    return 0


def run(inp: IO[bytes], out: IO[bytes]) -> int:
    """Answer every request line of `inp` on `out`; returns the number of lines answered. Lines are
    read in chunks, and each chunk's drafts are validated together (one encoder call for all their
    clauses)."""
    from coach.api.schemas_validate import REQUEST_ADAPTER, response_dict
    from coach.rules import DEFAULT_VALIDATOR

    def answer_all(lines: list[bytes], first: int) -> bytes:
        parsed: list[Any] = []
        for offset, line in enumerate(lines):
            try:
                parsed.append(REQUEST_ADAPTER.validate_json(line))
            except ValidationError as exc:
                parsed.append(_error(exc, first + offset))
        requests = [r for r in parsed if not isinstance(r, dict)]
        results = iter(DEFAULT_VALIDATOR.many([(r.draft, r.turns, r.policy, r.locale, r.reader_locale) for r in requests]))
        chunks = []
        for r in parsed:
            if isinstance(r, dict):
                body: dict[str, Any] = {"error": r}
            else:
                result = next(results)
                if not result.violations and r.id is None:
                    chunks.append(_CLEAN)  # the common answer, encoded once
                    continue
                body = response_dict(result)
                if r.id is not None:
                    body = {"id": r.id, **body}
            chunks.append(json.dumps(body, ensure_ascii=False).encode("utf-8") + b"\n")
        return b"".join(chunks)

    read = getattr(inp, "read1", None) or inp.read
    pending = b""
    number = 0
    while True:
        chunk = read(_CHUNK)
        if not chunk:
            break
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        if lines:
            out.write(answer_all(lines, number + 1))
            out.flush()
            number += len(lines)
    if pending.strip():
        number += 1
        out.write(answer_all([pending], number))
    out.flush()
    return number


def _error(exc: ValidationError, number: int) -> dict[str, Any]:
    problems = exc.errors(include_url=False, include_context=False, include_input=False)
    if any(p.get("type") == "json_invalid" for p in problems):
        message = "line is not valid JSON"
    elif any(p.get("type") == "missing" and tuple(p.get("loc", ())) == ("draft",) for p in problems):
        message = "request has no 'draft'"
    elif any(p.get("type") == "model_type" and not p.get("loc") for p in problems):
        message = "request must be a JSON object"
    else:
        message = None
    plain = _plain(exc)
    if message is None:
        from coach.api.problems import summary

        message = summary(plain)
    detail = [
        {"field": p.field or None, "problem": p.problem, "accepted": p.accepted or None, "msg": p.message,
         "loc": list(p.loc[1:])}
        for p in plain[:5]
    ]
    return {"code": "invalid_input", "message": message, "line": number, "detail": detail}


def _plain(exc: ValidationError) -> list[Problem]:
    """The errors in plain words (field, what was wrong, what is accepted), as the API gives them."""
    from coach.api.accepted import Slot
    from coach.api.problems import explain
    from coach.api.schemas_validate import ValidateRequest

    errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
    return explain(errors, {"body": Slot(ValidateRequest)}, whole="the line")
