"""The phrase rules' lexicon files (coach/data/rules/lexicon/*.yaml) and their loader."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from coach.rules import authority, refusal, tone
from coach.rules.lexicon_files import LANGUAGES, LexiconError, load_phrases, read_phrases

LEXICON_DIR = resources.files("coach") / "data" / "rules" / "lexicon"
FILES = sorted(p.name for p in LEXICON_DIR.iterdir() if p.name.endswith(".yaml"))
_REF = re.compile(r"\{([A-Za-z_]\w*)\}")


def test_every_phrase_rule_reads_its_lexicon() -> None:
    assert FILES == ["authority.yaml", "refusal.yaml", "tone.yaml"]
    for module, rule in ((authority, "authority"), (tone, "tone"), (refusal, "refusal")):
        assert module.PHRASES == load_phrases(rule)


@pytest.mark.parametrize("name", FILES)
def test_lexicon_file_loads_compiles_and_references_exist(name: str) -> None:
    file = LEXICON_DIR / name
    phrases = read_phrases(file)
    raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    fragments, vetoes = raw.get("fragments") or {}, raw.get("vetoes") or {}
    items = [item for lang in raw["phrases"] for item in raw["phrases"][lang]]
    assert set(raw["phrases"]) <= set(LANGUAGES)
    assert len(phrases) == len(items) > 0

    used_fragments: set[str] = set()
    used_vetoes: set[str] = set()
    for item in items:
        spec = {"pattern": item} if isinstance(item, str) else item
        used_fragments |= set(_REF.findall(spec["pattern"]))
        used_vetoes |= set(spec.get("vetoes") or ())
    for veto in vetoes.values():
        used_fragments |= {f for side in ("before", "after") for f in _REF.findall(veto.get(side) or "")}
    assert used_fragments <= set(fragments), f"{name}: unknown fragments {used_fragments - set(fragments)}"
    assert used_vetoes <= set(vetoes), f"{name}: unknown vetoes {used_vetoes - set(vetoes)}"
    # Nothing defined and left unused.
    assert set(fragments) <= used_fragments and set(vetoes) <= used_vetoes

    for phrase in phrases:
        compiled = re.compile(phrase.pattern)
        assert not compiled.match(""), f"{name}: {phrase.pattern} matches the empty string"
        # Drafts are lower-cased before matching: an upper-case letter (outside \b, \s...) never matches.
        assert not re.search(r"[A-Z]", re.sub(r"\\.", "", phrase.pattern)), phrase.pattern
        for veto in phrase.vetoes:
            assert veto.before is not None or veto.after is not None
            assert veto.width > 0


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_fragment_names_file_and_fragment(tmp_path: Path) -> None:
    path = _write(tmp_path, "fragments:\n  BOSS: '(?:经理|主管)'\nphrases:\n  zh:\n    - '找{BOSS}'\n    - '问{BOS}'\n")
    with pytest.raises(LexiconError) as err:
        read_phrases(path)
    message = str(err.value)
    assert str(path) in message and "{BOS}" in message and "phrases.zh[1]" in message
    assert "BOSS" in message  # the fragments that do exist


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("phrases:\n  zh:\n    - pattern: '没办法'\n      vetoes: [NEGATED]\n", "unknown veto NEGATED"),
        ("phrases:\n  zh:\n    - '没(办法'\n", "does not compile"),
        ("phrases:\n  fr:\n    - 'non'\n", "unexpected key(s) fr"),
        ("phrase:\n  zh:\n    - '没办法'\n", "unexpected key(s) phrase"),
        ("vetoes:\n  V: {width: 3}\nphrases:\n  zh:\n    - '没办法'\n", "needs `before` or `after`"),
        ("fragments:\n  A: '(?:a)'\n  B: '{A}b'\nphrases:\n  en:\n    - '{B}'\n", "cannot use another fragment"),
        ("phrases:\n  en: []\n", "non-empty list"),
        ("phrases:\n  en:\n    - 'a: b\n", "cannot read lexicon"),
    ],
    ids=["unknown-veto", "bad-regex", "unknown-language", "unknown-section", "empty-veto", "nested-fragment",
         "no-phrases", "bad-yaml"],
)
def test_malformed_lexicon_is_reported(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(LexiconError, match=re.escape(expected)) as err:
        read_phrases(path)
    assert str(path) in str(err.value)


def test_veto_width_defaults_to_vetos_own(tmp_path: Path) -> None:
    path = _write(tmp_path, "vetoes:\n  NOT:\n    after: '了'\nphrases:\n  zh:\n    - pattern: '没办法'\n      vetoes: [NOT]\n")
    (phrase,) = read_phrases(path)
    assert phrase.vetoes[0].width == 10 and phrase.vetoes[0].after.pattern == "了"
