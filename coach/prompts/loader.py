"""One prompt template file: YAML front matter + Jinja2 blocks, parsed and compiled.

A file `<name>/v<N>.md.j2` starts with front matter between two `---` lines (name, version,
description, `messages` listing the blocks that become chat messages in order, and model parameters
such as temperature and max_tokens), followed by Jinja2 source defining one `{% block %}` per message.
Undefined variables are errors (StrictUndefined). Every failure names the file and the line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import jinja2
import yaml

from coach.errors import TemplateError
from coach.types import Message

_FILE_NAME = re.compile(r"^v(\d+)\.md\.j2$")
_ROLES = ("system", "user", "assistant")
_MODEL_PARAMS = ("temperature", "max_tokens", "top_p", "response_format", "presence_penalty", "frequency_penalty")


def data_json(value: Any) -> str:
    """JSON for untrusted text inside a prompt: readable CJK, and no `<`/`>` so that customer text
    can never close or open the delimiters around it."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def number(value: Any) -> str:
    """50.0 -> "50", 12.5 -> "12.5": amounts as a person writes them."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        loader=jinja2.DictLoader({}),
    )
    env.filters["data"] = data_json
    env.filters["num"] = number
    return env


_ENV = _environment()


@dataclass(frozen=True)
class PromptTemplate:
    """A loaded template: identity, model parameters and the compiled Jinja2 blocks."""

    name: str
    version: int
    description: str
    path: str
    messages: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    template: jinja2.Template | None = field(default=None, repr=False, compare=False)

    @property
    def ref(self) -> str:
        return f"{self.name}@v{self.version}"

    def render(self, context: dict[str, Any]) -> tuple[Message, ...]:
        """The chat messages for `context`; a TemplateError (file:line) when the template fails."""
        assert self.template is not None
        try:
            try:
                ctx = self.template.new_context(context)
                out = []
                for role in self.messages:
                    text = "".join(self.template.blocks[role](ctx)).strip()
                    out.append(Message(role=role, content=text))  # type: ignore[arg-type]
                return tuple(out)
            except Exception:
                self.template.environment.handle_exception()
        except TemplateError:
            raise
        except Exception as exc:
            line = _template_line(exc.__traceback__, self.path)
            where = f"{self.path}:{line}" if line else self.path
            raise TemplateError(f"{where}: {type(exc).__name__}: {exc}", detail={"file": self.path, "line": line}) from exc
        raise AssertionError("unreachable")  # handle_exception always raises


def _template_line(tb: TracebackType | None, path: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _fail(path: str, line: int | None, message: str) -> TemplateError:
    where = f"{path}:{line}" if line else path
    return TemplateError(f"{where}: {message}", detail={"file": path, "line": line})


def _split_front_matter(path: str, source: str) -> tuple[dict[str, Any], str]:
    lines = source.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise _fail(path, 1, "a template starts with front matter between '---' lines")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise _fail(path, 1, "the front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise _fail(path, line, f"front matter is not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(meta, dict):
        raise _fail(path, 2, "front matter must be a mapping")
    # Blank lines in place of the front matter keep Jinja's line numbers equal to the file's.
    body = "\n" * (end + 1) + "".join(lines[end + 1 :])
    return meta, body


def parse_template(path: str, source: str, *, expect_name: str | None = None) -> PromptTemplate:
    """Parse and compile one template file; raise TemplateError naming file and line."""
    meta, body = _split_front_matter(path, source)
    name = meta.get("name")
    version = meta.get("version")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
        raise _fail(path, 2, "front matter needs `name` (lowercase letters, digits, - or _)")
    if expect_name is not None and name != expect_name:
        raise _fail(path, 2, f"front matter name {name!r} does not match its folder {expect_name!r}")
    if isinstance(version, str) and re.fullmatch(r"v?\d+", version):
        version = int(version.lstrip("v"))
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(path, 2, "front matter needs `version`, a whole number >= 1")
    match = _FILE_NAME.match(path.rsplit("/", 1)[-1])
    if match and int(match.group(1)) != version:
        raise _fail(path, 2, f"front matter version {version} does not match the file name")
    messages = meta.get("messages", ["system", "user"])
    if not isinstance(messages, list) or not messages or any(m not in _ROLES for m in messages):
        raise _fail(path, 2, f"`messages` must list block names among {', '.join(_ROLES)}")
    try:
        template = _compile_named(body, path)
    except jinja2.TemplateSyntaxError as exc:
        raise _fail(path, exc.lineno, f"Jinja2 syntax error: {exc.message}") from exc
    missing = [m for m in messages if m not in template.blocks]
    if missing:
        raise _fail(path, None, f"no block for message(s): {', '.join(missing)}")
    params = {k: meta[k] for k in _MODEL_PARAMS if k in meta}
    return PromptTemplate(
        name=name,
        version=version,
        description=str(meta.get("description", "")).strip(),
        path=path,
        messages=tuple(messages),
        params=params,
        template=template,
    )


def _compile_named(body: str, path: str) -> jinja2.Template:
    """Compile with the file's path as the code's filename, so render errors point at the file."""
    code = _ENV.compile(body, name=path, filename=path)
    return jinja2.Template.from_code(_ENV, code, _ENV.make_globals(None))
