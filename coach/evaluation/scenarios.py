"""Scenario sets: the file format of `coach eval run`, loaded and validated with pydantic.

A file (YAML or JSON) holds `name` and `scenarios`. A file with an error never stops the others:
`load_paths` returns the scenarios it could load and one `LoadError` (file and line) per bad file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach.types import Conversation

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    return patterns


class Expect(_Strict):
    """What a good reply to the scenario looks like; every key optional."""

    rules_clean: bool = True
    concession: Literal["none", "allowed", "required"] = "allowed"
    must_match: list[str] = Field(default_factory=list)
    must_not_match: list[str] = Field(default_factory=list)
    cites_any: list[str] = Field(default_factory=list)
    judge: str | None = None
    # Listening (issue 11): key terms of the customer's problem, one of which the reply names;
    # facts the conversation already holds, which the reply must not ask for again; and whether a
    # time the reply proposes for today must lie after the request's clock (default: yes).
    mentions_problem: list[str] = Field(default_factory=list)
    already_said: list[Literal["problem", "product", "since", "order_number", "contact_history", "amount"]] = Field(
        default_factory=list
    )
    no_past_time: bool = True

    @field_validator("must_match", "must_not_match", "mentions_problem")
    @classmethod
    def _compilable(cls, value: list[str]) -> list[str]:
        return _check_patterns(value)


class Scenario(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
    description: str = Field(min_length=1)
    conversation: Conversation
    expect: Expect = Expect()
    tags: list[str] = Field(default_factory=list)


class ScenarioSet(_Strict):
    name: str = Field(min_length=1)
    description: str | None = None
    scenarios: list[Scenario] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    file: str
    set_name: str
    line: int | None = None


@dataclass(frozen=True)
class LoadError:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class LoadResult:
    scenarios: tuple[LoadedScenario, ...]
    errors: tuple[LoadError, ...]
    files: tuple[str, ...]


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[LoadError]]:
    """Files named on the command line, and every scenario file below named folders (sorted)."""
    files: list[Path] = []
    errors: list[LoadError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SCENARIO_SUFFIXES)
            if not found:
                errors.append(LoadError(str(path), None, "folder holds no .yaml/.yml/.json scenario file"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(LoadError(str(path), None, "no such file or folder"))
    unique: list[Path] = []
    seen: set[Path] = set()
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, errors


def _node_line(root: yaml.Node | None, loc: Sequence[Any]) -> int | None:
    """The line (1-based) of the deepest YAML node on the pydantic error location `loc`."""
    if root is None:
        return None
    node = root
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            child = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            child = node.value[key]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~20x faster


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None


def _parse(path: Path, text: str) -> tuple[Any, yaml.Node | None]:
    """The data and its YAML node tree (for line numbers), from one parse."""
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        return data, _compose(text)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, root


def _format_loc(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc) or "(file)"


def load_file(path: Path) -> tuple[list[LoadedScenario], list[LoadError]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [LoadError(name, None, f"cannot read: {exc}")]
    try:
        data, root = _parse(path, text)
    except json.JSONDecodeError as exc:
        return [], [LoadError(name, exc.lineno, f"invalid JSON: {exc.msg}")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [LoadError(name, line, f"invalid YAML: {problem}")]
    if not isinstance(data, dict):
        return [], [LoadError(name, 1, "a scenario file must be a mapping with `name` and `scenarios`")]
    try:
        parsed = ScenarioSet.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = err["loc"]
            errors.append(LoadError(name, _node_line(root, loc), f"{_format_loc(loc)}: {err['msg']}"))
        return [], errors
    seq = _node_line_list(root)
    loaded = [
        LoadedScenario(scenario=s, file=name, set_name=parsed.name, line=seq[i] if i < len(seq) else None)
        for i, s in enumerate(parsed.scenarios)
    ]
    return loaded, []


def _node_line_list(root: yaml.Node | None) -> list[int]:
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "scenarios" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def load_paths(paths: Iterable[str | Path]) -> LoadResult:
    """Every scenario under `paths`; a bad file is reported and skipped, duplicates ids too."""
    files, errors = discover(paths)
    scenarios: list[LoadedScenario] = []
    seen: dict[str, LoadedScenario] = {}
    for path in files:
        loaded, file_errors = load_file(path)
        errors.extend(file_errors)
        for item in loaded:
            first = seen.get(item.scenario.id)
            if first is not None:
                errors.append(
                    LoadError(item.file, item.line, f"duplicate scenario id {item.scenario.id!r} (first in {first.file}:{first.line})")
                )
                continue
            seen[item.scenario.id] = item
            scenarios.append(item)
    return LoadResult(scenarios=tuple(scenarios), errors=tuple(errors), files=tuple(str(f) for f in files))
