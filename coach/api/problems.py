"""Request validation errors in plain words: which field, what was wrong, what is accepted.

pydantic speaks of its own types ("Tuple should have at least 1 item after validation", "a valid
dictionary or object to extract fields from"); callers sent JSON. `explain` turns the errors of a
request into `Problem`s such as

    turns[0].text is too long (5,000 characters); accepted: text of 1 to 4,000 characters

and drops the follow-on errors pydantic adds about a list whose items failed. Statuses are chosen
in coach.api.errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from coach.api.accepted import Fields, Slot, accepted, is_union, number, object_fields, slot_at

Kind = Literal["invalid", "not_json", "media_type"]
Roots = Mapping[str, "Slot | Fields"]
_SHOWN = 5  # problems spelt out in the top-level message; all are in `detail`
_QUOTE_UP_TO = 40  # longer strings are described by their length, not echoed


@dataclass(frozen=True)
class Problem:
    where: str  # "body", "query" or "path"
    field: str  # "turns[0].text"; "" for the body itself
    problem: str  # "is too long (5,000 characters)"
    accepted: str  # "text of 1 to 4,000 characters"; "" when there is nothing to add
    loc: tuple[str | int, ...]
    kind: Kind = "invalid"
    whole: str = "the body"  # what the body is called: "the conversation", "the line"...

    @property
    def subject(self) -> str:
        if self.where == "body":
            return self.field or self.whole
        return f"{self.where} parameter {self.field}"

    @property
    def message(self) -> str:
        text = f"{self.subject} {self.problem}"
        return f"{text}; accepted: {self.accepted}" if self.accepted else text

    def as_dict(self) -> dict[str, object]:
        return {"field": self.field or None, "in": self.where, "problem": self.problem,
                "accepted": self.accepted or None, "message": self.message, "loc": list(self.loc)}


def field_name(path: Sequence[str | int]) -> str:
    """("turns", 0, "text") -> "turns[0].text"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def given(value: Any, *, quote: bool = True) -> str:
    """A short plain description of a JSON value the caller sent (a query parameter's value is
    text as typed: `quote=False` shows it bare)."""
    if isinstance(value, str) and not quote and len(value) <= _QUOTE_UP_TO:
        return value
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= _QUOTE_UP_TO else f"text of {len(value):,} characters"
    if isinstance(value, (list, tuple)):
        return "an empty list" if not value else f"a list of {len(value):,} item{'s' * (len(value) != 1)}"
    if isinstance(value, dict):
        return "an object"
    return "not JSON"


def _is_follow_on(error: Mapping[str, Any]) -> bool:
    """pydantic also reports a list whose items failed as too short (it counts the items that
    passed): an error about a length the caller's list does have."""
    value, ctx = error.get("input"), error.get("ctx") or {}
    if not isinstance(value, (list, tuple)):
        return False
    if error.get("type") == "too_short":
        return len(value) >= ctx.get("min_length", 0)
    if error.get("type") == "too_long":
        return len(value) <= ctx.get("max_length", len(value))
    return False


def _what_was_wrong(error: Mapping[str, Any], where: str) -> str:
    kind, value, ctx = error.get("type", ""), error.get("input"), error.get("ctx") or {}
    shown = given(value, quote=where == "body")
    if kind == "missing":
        return "is missing"
    if kind == "string_too_long":
        return f"is too long ({len(value):,} characters)"
    if kind == "string_too_short":
        return "is empty" if value == "" else f"is too short ({len(value):,} characters)"
    if kind == "string_pattern_mismatch":
        return "is blank" if ctx.get("pattern") == r"\S" else f"is {shown}, not in the expected form"
    if kind == "too_short":
        return "is an empty list" if not value else f"has only {len(value):,} item{'s' * (len(value) != 1)}"
    if kind == "too_long":
        return f"has too many items ({len(value):,})"
    if kind == "extra_forbidden":
        return "is not a field of this object"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    if kind == "enum" or kind.endswith(("_type", "_parsing", "_error", "_from_float")) or kind.startswith(
        ("greater_than", "less_than", "multiple_of", "finite_number")
    ):
        return f"is {shown}"
    return str(error.get("msg", "is not valid"))


def _accepted_at(roots: Roots, where: str, path: Sequence[str | int], error: Mapping[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    if "accepted" in ctx:  # a validator that knows better says so itself
        return str(ctx["accepted"])
    root = roots.get(where)
    if root is None:
        return ""
    if error.get("type") == "extra_forbidden":
        parent = slot_at(root, path[:-1])
        model = getattr(parent, "annotation", None) if parent is not None else None
        return f"the fields {object_fields(model)}" if hasattr(model, "model_fields") else ""
    text = accepted(slot_at(root, path), null="null" if where == "body" else "")
    return "a JSON object" + text[len("an object"):] if not path and text.startswith("an object") else text


def _union_place(roots: Roots, where: str, path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The path up to a field that takes one of several types: pydantic reports one error per
    type below it (`id.str`, `id.int`), and the caller wants one about `id`."""
    root = roots.get(where)
    if root is None:
        return path
    for end in range(1, len(path)):
        if isinstance(path[end], str) and is_union(slot_at(root, path[:end])):
            return path[:end]
    return path


def explain(errors: Sequence[Mapping[str, Any]], roots: Roots, *, whole: str = "the body") -> list[Problem]:
    """Plain-words problems for pydantic/FastAPI errors whose locations start with a root of
    `roots` ("body", "query", "path"). `whole` names the body itself in messages."""
    problems: list[Problem] = []
    seen: set[tuple[str | int, ...]] = set()
    for error in errors:
        loc = tuple(error.get("loc", ()))
        where, path = (str(loc[0]), loc[1:]) if loc else ("body", ())
        trimmed = _union_place(roots, where, path)
        if trimmed != path:
            loc, path = (where, *trimmed), trimmed
            error = {**error, "loc": loc, "type": "union_type", "ctx": {}}
        if loc in seen:
            continue
        seen.add(loc)
        if error.get("type") == "json_invalid":
            problem = not_json(roots, str((error.get("ctx") or {}).get("error", "")), path)
            problems.append(replace(problem, whole=whole))
            continue
        if _is_follow_on(error):
            continue
        what = _what_was_wrong(error, where)
        if not path and where == "body" and error.get("type") == "missing":
            what = "is empty"
        accepted_here = _accepted_at(roots, where, path, error)
        problems.append(Problem(where, field_name(path), what, accepted_here, loc, whole=whole))
    return problems


def not_json(roots: Roots, reason: str, path: Sequence[str | int]) -> Problem:
    at = f" at character {path[0]}" if path and isinstance(path[0], int) else ""
    reason = (reason[0].lower() + reason[1:]) if reason else "it cannot be decoded"
    body = _accepted_at(roots, "body", (), {}) or "a JSON object"
    return Problem("body", "", f"is not valid JSON ({reason}{at})", f"UTF-8 encoded JSON: {body}", ("body",), "not_json")


def wrong_media_type(roots: Roots, content_type: str) -> Problem:
    """A body sent as a form, as plain text, or without saying what it is."""
    body = _accepted_at(roots, "body", (), {}) or "a JSON object"
    sent = f"was sent as {content_type}" if content_type else "was sent without a Content-Type header"
    return Problem("body", "", sent, f"{body}, sent with Content-Type: application/json", ("body",), "media_type")


def summary(problems: Sequence[Problem]) -> str:
    """One line for the top-level error message."""
    if not problems:
        return "the request is not valid"
    if len(problems) == 1:
        return problems[0].message
    shown = "; ".join(p.message for p in problems[:_SHOWN])
    more = f"; and {len(problems) - _SHOWN} more (see detail)" if len(problems) > _SHOWN else ""
    return f"{len(problems)} problems: {shown}{more}"


def route_roots(route: object) -> dict[str, Slot | Fields]:
    """The body model and the query and path parameters of a FastAPI route, as `explain` roots."""
    roots: dict[str, Slot | Fields] = {}
    body = getattr(route, "body_field", None)
    if body is not None:
        roots["body"] = Slot(body.field_info.annotation)
    dependant = getattr(route, "dependant", None)
    for where, params in (("query", "query_params"), ("path", "path_params")):
        fields = {p.alias: Slot(p.field_info.annotation, p.field_info) for p in getattr(dependant, params, ())}
        if fields:
            roots[where] = fields
    return roots
