"""What a request field accepts, in plain words, read from its type and constraints.

`slot_at` follows an error location (`turns`, 0, `text`) through the request's pydantic models;
`accepted` says what that place takes ("text of 1 to 4,000 characters", `"customer" or "agent"`,
"a list of 1 to 200 turns"), so a 4xx can say what would have been right.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class Slot:
    """A place in a request: its type and, for a named field, the field's constraints."""

    annotation: Any
    info: FieldInfo | None = None


Fields = Mapping[str, Slot]


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """The type without Annotated and Optional: (type, extra metadata, whether null is allowed)."""
    metadata: list[Any] = []
    nullable = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *more = get_args(annotation)
            metadata.extend(more)
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) < len(get_args(annotation))
            if len(args) != 1:
                return Union[tuple(args)], metadata, nullable  # type: ignore[return-value]
            annotation = args[0]
        else:
            return annotation, metadata, nullable


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def is_union(slot: Slot | None) -> bool:
    """Whether the slot takes one of several types (pydantic then reports one error per type)."""
    if slot is None:
        return False
    annotation, _, _ = _unwrap(slot.annotation)
    return get_origin(annotation) in (Union, types.UnionType)


def slot_at(root: Slot | Fields, path: Sequence[str | int]) -> Slot | None:
    """The slot at `path` below `root` (a slot, or named slots such as query parameters)."""
    slot: Slot | None = None
    parts = list(path)
    if isinstance(root, Slot):
        slot = root
    elif parts:
        slot = root.get(str(parts.pop(0)))
    for part in parts:
        if slot is None:
            return None
        annotation, _, _ = _unwrap(slot.annotation)
        if isinstance(part, str) and _is_model(annotation):
            info = annotation.model_fields.get(part)
            slot = Slot(info.annotation, info) if info is not None else None
        elif isinstance(part, int) and get_origin(annotation) in (tuple, list):
            slot = Slot(get_args(annotation)[0])
        else:
            return None
    return slot


def _bounds(metadata: Sequence[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        for name in ("min_length", "max_length", "ge", "le", "gt", "lt"):
            value = getattr(item, name, None)
            if value is not None and isinstance(item, (at.MinLen, at.MaxLen, at.Ge, at.Le, at.Gt, at.Lt)):
                found[name] = value
        pattern = getattr(item, "pattern", None)
        if pattern is not None:
            found["pattern"] = pattern
    return found


def number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _range(bounds: Mapping[str, Any], low: str, high: str) -> str:
    lo, hi = bounds.get(low), bounds.get(high)
    if lo is not None and hi is not None:
        return f"{number(lo)} to {number(hi)}"
    if lo is not None:
        return f"at least {number(lo)}"
    if hi is not None:
        return f"at most {number(hi)}"
    return ""


def _value_range(bounds: Mapping[str, Any]) -> str:
    parts = []
    if "ge" in bounds and "le" in bounds:
        return f" from {number(bounds['ge'])} to {number(bounds['le'])}"
    if "ge" in bounds:
        parts.append(f"of at least {number(bounds['ge'])}")
    if "gt" in bounds:
        parts.append(f"above {number(bounds['gt'])}")
    if "le" in bounds:
        parts.append(f"of at most {number(bounds['le'])}")
    if "lt" in bounds:
        parts.append(f"below {number(bounds['lt'])}")
    return (" " + " and ".join(parts)) if parts else ""


def quoted(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else ("null" if value is None else str(value).lower())


def _noun(annotation: Any) -> str:
    if _is_model(annotation):
        return annotation.__name__.lower() + "s"
    return {str: "texts", int: "whole numbers", float: "numbers"}.get(annotation, "items")


def object_fields(model: type[BaseModel]) -> str:
    """'turns and optionally conversation_id, locale, ...': the fields of an object."""
    required = [name for name, f in model.model_fields.items() if f.is_required()]
    optional = [name for name, f in model.model_fields.items() if not f.is_required()]
    words = ", ".join(required)
    if optional:
        words += (" and optionally " if required else "optionally ") + ", ".join(optional)
    return words


def accepted(slot: Slot | None, *, null: str = "null") -> str:
    """What `slot` accepts, in plain words ("" when unknown). `null` names the absent value (JSON's
    null in a body; "" for a query parameter, which is simply left out)."""
    if slot is None:
        return ""
    annotation, metadata, nullable = _unwrap(slot.annotation)
    nullable = nullable and bool(null)
    bounds = _bounds([*(slot.info.metadata if slot.info is not None else ()), *metadata])
    choices = _choices(annotation)
    if choices:
        return one_of_words(choices + ([null] if nullable else []))
    text = _describe(annotation, bounds)
    return f"{text} or {null}" if nullable and text else text


def _choices(annotation: Any) -> list[str]:
    """The alternatives of a Literal or a union, each in words; [] for any other type."""
    origin = get_origin(annotation)
    if annotation is bool:
        return ["true", "false"]
    if origin is Literal:
        return [quoted(v) for v in get_args(annotation)]
    if origin in (Union, types.UnionType):
        return [w for a in get_args(annotation) for w in (_choices(a) or [_describe(a, {})]) if w]
    return []


def _describe(annotation: Any, bounds: Mapping[str, Any]) -> str:
    origin = get_origin(annotation)
    if origin is Literal or origin in (Union, types.UnionType):
        return one_of_words(_choices(annotation))
    if annotation is str:
        size = _range(bounds, "min_length", "max_length")
        text = f"text of {size} characters" if size else "text"
        return f"{text}, not blank" if bounds.get("pattern") == r"\S" else text
    if annotation is int:
        return "a whole number" + _value_range(bounds)
    if annotation is float:
        return "a number" + _value_range(bounds)
    if origin in (tuple, list):
        items = get_args(annotation)[0] if get_args(annotation) else Any
        size = _range(bounds, "min_length", "max_length")
        return f"a list of {size + ' ' if size else ''}{_noun(items)}"
    if _is_model(annotation):
        return f"an object with {object_fields(annotation)}"
    if origin is dict or annotation is dict:
        return "an object"
    return ""


def one_of_words(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
