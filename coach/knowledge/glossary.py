"""Query expansion through a bilingual domain glossary (coach/data/glossary.yaml).

English words (and a few phrases) map to the Simplified terms the guidelines use, so an English
question about a manager reaches the passages on "找领导" even without vectors; Chinese colloquial
words map to the guidelines' own vocabulary ("老板" -> "领导"). Expanded terms weigh less than the
query's own terms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import yaml

from coach.errors import ConfigError
from coach.knowledge.tokenize import tokenize
from coach.text import to_simplified

FILE_NAME = "glossary.yaml"  # optional, in a guidelines folder
EN_WEIGHT = 0.8  # an English word's Chinese terms: the query's only lexical signal, so near 1
ZH_WEIGHT = 0.4  # a Chinese synonym's terms: a hint next to the query's own words

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _base_forms(word: str) -> list[str]:
    """The word and crude base forms (no stemmer library needed for a closed glossary)."""
    forms = [word]
    if word.endswith("'s"):
        forms.append(word[:-2])
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    for suffix in ("es", "s", "ed", "d", "ing", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            forms.append(stem)
            if suffix == "ing":
                forms.append(stem + "e")
            if suffix in ("ed", "ing") and len(stem) > 3 and stem[-1] == stem[-2]:
                forms.append(stem[:-1])
    return forms


class Glossary:
    def __init__(self, en: Mapping[str, list[str]], zh: Mapping[str, list[str]]) -> None:
        self.en_words = {k: self._terms(v) for k, v in en.items() if " " not in k}
        self.en_phrases = {k: self._terms(v) for k, v in en.items() if " " in k}
        self.zh = {to_simplified(k): self._terms(v) for k, v in zh.items()}

    @staticmethod
    def _terms(targets: list[str]) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for target in targets:
            for t in tokenize(str(target)):
                seen[t] = None
        return tuple(seen)

    @classmethod
    def empty(cls) -> Glossary:
        return cls({}, {})

    @classmethod
    def parse(cls, raw: str, name: str = "glossary.yaml") -> Glossary:
        """A glossary from YAML text (`en:` and `zh:` maps of a word to the corpus' terms); a
        ConfigError naming the file when it is not that."""
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster
        try:
            data = yaml.load(raw, Loader=loader) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"glossary file {name} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict) or any(not isinstance(data.get(k) or {}, dict) for k in ("en", "zh")):
            raise ConfigError(f"glossary file {name} must map 'en' and 'zh' to word -> [terms] maps")
        return cls(data.get("en") or {}, data.get("zh") or {})

    @classmethod
    def bundled(cls) -> Glossary:
        return cls.parse(resources.files("coach").joinpath("data", "glossary.yaml").read_text(encoding="utf-8"))

    @classmethod
    def for_folder(cls, folder: Path) -> Glossary:
        """A company's own glossary (`glossary.yaml` beside its guidelines), or none."""
        path = Path(folder).expanduser() / FILE_NAME
        if not path.is_file():
            return cls.empty()
        try:
            return cls.parse(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"glossary file {path} cannot be read: {exc}") from exc

    def __bool__(self) -> bool:
        return bool(self.en_words or self.en_phrases or self.zh)

    def expand(self, weights: dict[str, float], text: str, weight: float = 1.0) -> dict[str, float]:
        """The query's term weights plus the glossary's terms for the text (never lowering a weight)."""
        if not self:
            return weights
        out = dict(weights)

        def add(terms: tuple[str, ...], w: float) -> None:
            for t in terms:
                if out.get(t, 0.0) < w:
                    out[t] = w

        lower = text.lower()
        if re.search(r"[a-z]", lower):
            for word in _WORD.findall(lower):
                for form in _base_forms(word):
                    terms = self.en_words.get(form)
                    if terms:
                        add(terms, EN_WEIGHT * weight)
                        break
            for phrase, terms in self.en_phrases.items():
                if phrase in lower:
                    add(terms, EN_WEIGHT * weight)
        simple = to_simplified(text)
        for key, terms in self.zh.items():
            if key in simple:
                add(terms, ZH_WEIGHT * weight)
        return out
