"""The prompt template registry: loads `<name>/v<N>.md.j2` files, resolves `name@vN`, renders messages.

Templates ship inside the package (coach.bundled_prompts, from the top-level prompts/ folder);
COACH_PROMPTS_DIR points at a working copy instead. With reload on (COACH_RELOAD_PROMPTS=1, set by
`coach serve --reload-prompts`) every access re-reads files whose mtime or size changed; a file that
fails to load is reported (file and line, in `errors` and the log) and its last good version keeps
serving.
"""

from __future__ import annotations

import importlib.resources
import logging
import re
from collections.abc import Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from coach.config import Settings
from coach.errors import ConfigError, InvalidInput, NotFound, TemplateError
from coach.prompts.loader import PromptTemplate, parse_template
from coach.types import Conversation, Message, Passage, Situation, Violation

log = logging.getLogger("coach.prompts")

_REF = re.compile(r"^([a-z][a-z0-9_-]*)(?:@v?(\d+))?$")
_FILE = re.compile(r"^v(\d+)\.md\.j2$")
DEFAULT_REPLY = "reply"
DEFAULT_REPAIR = "repair"

LANGUAGE_NAMES = {"zh-Hans": "Chinese", "zh-Hant": "Chinese", "en": "English"}


def parse_ref(ref: str) -> tuple[str, int | None]:
    """`reply@v1` -> ("reply", 1); `reply` -> ("reply", None). InvalidInput when malformed."""
    match = _REF.match(ref.strip())
    if not match:
        raise InvalidInput(f"template must look like name@v1, not {ref!r}")
    return match.group(1), int(match.group(2)) if match.group(2) else None


class PromptRegistry:
    def __init__(self, root: Path | Traversable, *, reload: bool = False) -> None:
        self.root = root
        self.reload = reload and isinstance(root, Path)
        self._templates: dict[str, PromptTemplate] = {}  # by file key
        self._signatures: dict[str, tuple[int, int]] = {}
        self.errors: dict[str, str] = {}  # file key -> "file:line: message"
        self._load_all()

    @classmethod
    def from_settings(cls, settings: Settings) -> PromptRegistry:
        if settings.prompts_dir is not None:
            root = Path(settings.prompts_dir)
            if not root.is_dir():
                raise ConfigError(f"COACH_PROMPTS_DIR {str(root)!r} is not a folder")
        else:
            root = importlib.resources.files("coach.bundled_prompts")  # type: ignore[assignment]
        registry = cls(root, reload=settings.reload_prompts)
        if not any(t.name == DEFAULT_REPLY for t in registry._templates.values()):
            problems = "; ".join(registry.errors.values()) or "no reply/v<N>.md.j2 found"
            raise TemplateError(f"no usable '{DEFAULT_REPLY}' template in {root}: {problems}")
        return registry

    # -- lookup -----------------------------------------------------------------------------
    def get(self, ref: str | None, *, default: str = DEFAULT_REPLY) -> PromptTemplate:
        """The template named by `ref` (`name@vN`, or `name` for its newest version)."""
        self._maybe_refresh()
        wanted = default if ref is None else ref
        name, version = parse_ref(wanted)
        candidates = [t for t in self._templates.values() if t.name == name]
        if version is not None:
            candidates = [t for t in candidates if t.version == version]
        if not candidates:
            known = ", ".join(t.ref for t in self.list(refresh=False)) or "none"
            raise NotFound(f"no prompt template {wanted!r} (known: {known})")
        return max(candidates, key=lambda t: t.version)

    def list(self, *, refresh: bool = True) -> list[PromptTemplate]:
        if refresh:
            self._maybe_refresh()
        return sorted(self._templates.values(), key=lambda t: (t.name, t.version))

    def render(self, ref: str | None, context: dict[str, Any]) -> tuple[Message, ...]:
        return self.get(ref).render(context)

    # -- loading ----------------------------------------------------------------------------
    def _files(self) -> dict[str, Path | Traversable]:
        found: dict[str, Path | Traversable] = {}
        for folder in sorted(self.root.iterdir(), key=lambda p: p.name):
            if not folder.is_dir() or folder.name.startswith((".", "_")):
                continue
            for file in folder.iterdir():
                if _FILE.match(file.name) and file.is_file():
                    found[f"{folder.name}/{file.name}"] = file
        return found

    @staticmethod
    def _signature(file: Path | Traversable) -> tuple[int, int]:
        if isinstance(file, Path):
            st = file.stat()
            return st.st_mtime_ns, st.st_size
        return 0, 0

    def _load_all(self) -> None:
        for key, file in self._files().items():
            self._load_one(key, file)

    def _load_one(self, key: str, file: Path | Traversable) -> None:
        try:
            signature = self._signature(file)
            path = str(file)
            source = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._report(key, f"{file}: cannot read: {exc}")
            return
        self._signatures[key] = signature
        try:
            template = parse_template(path, source, expect_name=key.split("/", 1)[0])
            template.render(sample_context())  # catches undefined variables at load time
        except TemplateError as exc:
            self._report(key, exc.message)
            return
        self._templates[key] = template
        self.errors.pop(key, None)

    def _report(self, key: str, message: str) -> None:
        keeping = " (the last good version keeps serving)" if key in self._templates else ""
        log.error("prompt template failed to load: %s%s", message, keeping)
        self.errors[key] = message

    def _maybe_refresh(self) -> None:
        if self.reload:
            self.refresh()

    def refresh(self) -> None:
        """Re-read templates whose files changed; forget those whose files are gone."""
        files = self._files()
        for key, file in files.items():
            try:
                signature = self._signature(file)
            except OSError:
                continue
            if self._signatures.get(key) != signature:
                self._load_one(key, file)
        for key in set(self._templates) - set(files):
            del self._templates[key]
            self._signatures.pop(key, None)
        for key in set(self.errors) - set(files):
            del self.errors[key]


# -- the variables a template sees ----------------------------------------------------------
def build_context(
    conversation: Conversation,
    situation: Situation,
    passages: Sequence[Passage],
    *,
    draft: str | None = None,
    violations: Sequence[Violation] = (),
    earlier: Sequence[tuple[str, Sequence[Violation]]] = (),
    attempt: int = 1,
) -> dict[str, Any]:
    """Everything the templates may use, as plain values: script, language, passages (id, title,
    text, source), turns (role, round, text), situation (round, conceded_this_round, standing_amount,
    moves, strategy, notes, topic, offer_amount...), policy, case, n; for repairs draft and violations
    (rule, message, evidence, hint), `earlier`: the drafts rejected before it with theirs, and
    `attempt` (1 for the first repair)."""
    policy = conversation.policy.model_dump(mode="json")
    if situation.policy.max_compensation is not None and conversation.policy.max_compensation is None:
        policy = situation.policy.model_dump(mode="json")
    return {
        "script": situation.script,
        "language": LANGUAGE_NAMES[situation.script],
        "passages": [{"id": p.id, "title": p.title, "text": p.text, "source": p.source} for p in passages],
        "turns": [{"role": t.role, "round": t.round, "text": t.text} for t in conversation.turns],
        "situation": situation.model_dump(mode="json", exclude={"case", "policy"}),
        "policy": policy,
        "case": conversation.case.model_dump(mode="json"),
        "n": conversation.n,
        "draft": draft or "",
        "violations": _violations(violations),
        "earlier": [{"draft": d, "violations": _violations(vs)} for d, vs in earlier],
        "attempt": attempt,
    }


def _violations(violations: Sequence[Violation]) -> list[dict[str, str]]:
    return [{"rule": v.rule, "message": v.message, "evidence": v.evidence, "hint": v.hint} for v in violations]


def sample_context() -> dict[str, Any]:
    """A small but complete context, used to try each template when it loads."""
    from coach.types import Policy, Turn

    conversation = Conversation(
        turns=(Turn(role="customer", text="sample"),),
        policy=Policy.model_validate({"max_compensation": {"amount": 50, "currency": "CNY"}}),
    )
    situation = Situation(script="en", conceded_this_round=True, standing_amount=20, moves=("sample",), notes=("sample",))
    passage = Passage(id="p-000-000", source="sample.txt", title="sample", text="sample")
    violation = Violation(rule="sample", severity="block", message="m", span=(0, 1), evidence="s", hint="h")
    return build_context(conversation, situation, [passage], draft="sample", violations=[violation])
