"""Scenario files: the contract's format, validated, bad files reported with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.evaluation.scenarios import load_paths

GOOD = """\
name: demo
scenarios:
  - id: esc-first
    description: opens by demanding a manager
    conversation:
      locale: zh-CN
      turns:
        - {role: customer, text: 叫你们领导来！}
      case: {prior_contacts: 2, ticket: open}
    expect:
      concession: none
      must_match: ["帮您"]
  - id: esc-second
    description: second one
    conversation: {turns: [{role: customer, text: hello there}]}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_yaml_with_defaults_and_lines(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    result = load_paths([tmp_path])
    assert not result.errors
    first, second = result.scenarios
    assert first.scenario.id == "esc-first" and first.line == 3 and first.set_name == "demo"
    assert first.scenario.expect.concession == "none"
    assert first.scenario.conversation.case.ticket == "open"
    assert second.line == 13
    assert second.scenario.expect.rules_clean is True and second.scenario.expect.concession == "allowed"


def test_json_files_load_too(tmp_path: Path) -> None:
    data = {"name": "j", "scenarios": [{"id": "j1", "description": "d",
                                         "conversation": {"turns": [{"role": "customer", "text": "hi there"}]}}]}
    write(tmp_path, "j.json", json.dumps(data))
    result = load_paths([tmp_path / "j.json"])
    assert [s.scenario.id for s in result.scenarios] == ["j1"] and not result.errors


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        # a pydantic error points at the offending node's line
        (GOOD.replace("concession: none", "concession: maybe"), 11, "concession"),
        (GOOD.replace("role: customer, text: 叫你们领导来！", "role: boss, text: 叫你们领导来！"), 8, "role"),
        (GOOD.replace('must_match: ["帮您"]', 'must_match: ["(unclosed"]'), 12, "regular expression"),
        (GOOD.replace("    description: second one\n", ""), 13, "description"),
        # a YAML syntax error carries its mark
        (GOOD.replace("      locale: zh-CN", "      locale: [zh-CN"), 7, "invalid YAML"),
        ("- just a list\n", 1, "mapping"),
    ],
)
def test_bad_file_is_reported_with_line_and_others_still_load(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    write(tmp_path, "bad.yaml", text)
    write(tmp_path, "good.yaml", GOOD.replace("esc-first", "g-first").replace("esc-second", "g-second"))
    result = load_paths([tmp_path])
    assert [s.scenario.id for s in result.scenarios] == ["g-first", "g-second"]
    assert result.errors, "the bad file must be reported"
    err = result.errors[0]
    assert err.file.endswith("bad.yaml") and err.line == line and fragment in err.message
    assert f"bad.yaml:{line}" in str(err)


def test_invalid_json_reports_line(tmp_path: Path) -> None:
    write(tmp_path, "x.json", '{"name": "x",\n "scenarios": [\n}')
    result = load_paths([tmp_path])
    assert result.errors[0].line == 3 and "invalid JSON" in result.errors[0].message


def test_duplicate_ids_and_missing_paths(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    result = load_paths([tmp_path, tmp_path / "nope.yaml"])
    assert len(result.scenarios) == 2
    messages = [e.message for e in result.errors]
    assert sum("duplicate scenario id" in m for m in messages) == 2
    assert any("no such file" in m for m in messages)


def test_shipped_sets_load_cleanly() -> None:
    root = Path(__file__).resolve().parents[1] / "eval" / "scenarios"
    result = load_paths([root])
    assert not result.errors, [str(e) for e in result.errors]
    assert len(result.scenarios) >= 80
    locales = [s.scenario.conversation.locale for s in result.scenarios]
    for locale in ("zh-CN", "zh-TW", "en"):
        assert locales.count(locale) >= 15, locale


def test_json_validation_errors_carry_lines(tmp_path: Path) -> None:
    text = ('{"name": "j",\n "scenarios": [\n  {"id": "j1", "description": "d",\n'
            '   "conversation": {"turns": [{"role": "customer", "text": "hi there"}]},\n'
            '   "expect": {"concession": "sometimes"}}\n ]\n}\n')
    write(tmp_path, "j.json", text)
    result = load_paths([tmp_path])
    assert result.errors[0].line == 5 and "scenarios.0.expect.concession" in result.errors[0].message
