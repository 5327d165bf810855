"""Phrase lexicons of the phrase rules, read from coach/data/rules/lexicon/<rule>.yaml.

A lexicon file has three sections:
- fragments: NAME -> a regex piece, inserted into patterns and vetoes wherever {NAME} appears;
- vetoes:    NAME -> {before: regex, after: regex, width: n} (base.Veto; width defaults to Veto's);
- phrases:   language (zh, en) -> phrase families, each a pattern string or
             {pattern: ..., vetoes: [NAME, ...]}; languages are read in file order.

{NAME} (letters, digits, underscore; not a number, so quantifiers like {0,6} are left alone) always
names a fragment; fragments cannot use other fragments. Every pattern is compiled here, so a
bad file fails at import with a LexiconError naming the file and the entry, not at the first draft.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from coach.errors import ConfigError
from coach.rules.base import Phrase, Veto

LANGUAGES = ("zh", "en")
_REF = re.compile(r"\{([A-Za-z_]\w*)\}")
_NAME = re.compile(r"[A-Za-z_]\w*")


class LexiconError(ConfigError):
    """A lexicon file is unusable; the message names the file and the offending entry."""


def lexicon_path(rule: str) -> Traversable:
    """The packaged lexicon file of `rule` (e.g. "authority")."""
    return resources.files("coach") / "data" / "rules" / "lexicon" / f"{rule}.yaml"


def load_phrases(rule: str) -> tuple[Phrase, ...]:
    """The phrase families of `rule`'s packaged lexicon, in file order."""
    return read_phrases(lexicon_path(rule))


def read_phrases(path: Path | Traversable) -> tuple[Phrase, ...]:
    """The phrase families of the lexicon file at `path`, fragments filled and vetoes attached."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise LexiconError(f"{path}: cannot read lexicon: {e}") from e
    return _Reader(str(path)).phrases(raw)


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.fragments: dict[str, str] = {}

    def fail(self, where: str, what: str) -> LexiconError:
        return LexiconError(f"{self.file}: {where}: {what}", detail={"file": self.file, "entry": where})

    def mapping(self, value: Any, where: str, keys: set[str] | None = None) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        bad = [k for k in value if not isinstance(k, str) or not (_NAME.fullmatch(k) if keys is None else k in keys)]
        if bad:
            raise self.fail(where, f"unexpected key(s) {', '.join(map(str, bad))}")
        return value

    def regex(self, value: Any, where: str, fill: bool = True) -> str:
        if not isinstance(value, str) or not value or value != value.strip() or "\n" in value:
            raise self.fail(where, "expected a non-empty one-line regex without surrounding spaces")
        if fill:
            value = _REF.sub(lambda m: self.fragment(m.group(1), where), value)
        elif m := _REF.search(value):
            raise self.fail(where, f"a fragment cannot use another fragment ({m.group(0)})")
        try:
            re.compile(value)
        except re.error as e:
            raise self.fail(where, f"does not compile ({e}): {value}") from e
        return value

    def fragment(self, name: str, where: str) -> str:
        if name not in self.fragments:
            known = ", ".join(sorted(self.fragments)) or "none"
            raise self.fail(where, f"unknown fragment {{{name}}} (defined: {known})")
        return self.fragments[name]

    def veto(self, value: Any, where: str) -> Veto:
        spec = self.mapping(value, where, {"before", "after", "width"})
        if spec.get("before") is None and spec.get("after") is None:
            raise self.fail(where, "a veto needs `before` or `after`")
        fields: dict[str, Any] = {
            side: re.compile(self.regex(spec[side], f"{where}.{side}")) for side in ("before", "after") if spec.get(side) is not None
        }
        if "width" in spec:  # else Veto's own default
            width = spec["width"]
            if not isinstance(width, int) or isinstance(width, bool) or width < 1:
                raise self.fail(f"{where}.width", f"expected a positive integer, got {width!r}")
            fields["width"] = width
        return Veto(**fields)

    def phrase(self, item: Any, where: str, vetoes: Mapping[str, Veto]) -> Phrase:
        spec = {"pattern": item} if isinstance(item, str) else self.mapping(item, where, {"pattern", "vetoes"})
        names = spec.get("vetoes") or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise self.fail(f"{where}.vetoes", "expected a list of veto names")
        for name in names:
            if name not in vetoes:
                known = ", ".join(sorted(vetoes)) or "none"
                raise self.fail(f"{where}.vetoes", f"unknown veto {name} (defined: {known})")
        return Phrase(self.regex(spec.get("pattern"), f"{where}.pattern"), tuple(vetoes[n] for n in names))

    def phrases(self, raw: Any) -> tuple[Phrase, ...]:
        top = self.mapping(raw, "top level", {"fragments", "vetoes", "phrases"})
        for name, piece in self.mapping(top.get("fragments"), "fragments").items():
            self.fragments[name] = self.regex(piece, f"fragments.{name}", fill=False)
        vetoes = {name: self.veto(spec, f"vetoes.{name}") for name, spec in self.mapping(top.get("vetoes"), "vetoes").items()}
        out: list[Phrase] = []
        for lang, items in self.mapping(top.get("phrases"), "phrases", set(LANGUAGES)).items():
            if not isinstance(items, list) or not items:
                raise self.fail(f"phrases.{lang}", "expected a non-empty list of phrases")
            out.extend(self.phrase(item, f"phrases.{lang}[{i}]", vetoes) for i, item in enumerate(items))
        if not out:
            raise self.fail("phrases", "no phrases")
        return tuple(out)
