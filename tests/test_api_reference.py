"""docs/api.md is the project's own API reference: it must agree with what the code serves.

Routes against /openapi.json and the app's other routes, rule ids against the validator's
registry, settings against coach.config, commands against the CLI's parser, and the links that
point readers to it.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from coach.api.app import _ROUTERS, create_app
from coach.cli import build_parser
from coach.config import Settings
from coach.rules import RULE_IDS

ROOT = Path(__file__).resolve().parent.parent
API_MD = ROOT / "docs" / "api.md"
_ROUTE = re.compile(r"^`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)`$")
# A concrete URL for each templated page route, to ask the running app for it.
_EXAMPLES = {"{file}": "swagger-ui.css", "{asset}": "panel.js"}


def table_under(heading: str) -> list[list[str]]:
    """The rows (cells stripped, header and rule left out) of the first table after `heading`."""
    lines = API_MD.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    rows: list[list[str]] = []
    for line in lines[start + 1:]:
        if line.startswith("|"):
            rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
        elif rows:
            break
        elif line.startswith("#"):
            raise AssertionError(f"no table under {heading!r}")
    return rows[2:]


def documented_routes(heading: str) -> set[tuple[str, str]]:
    routes = set()
    for row in table_under(heading):
        match = _ROUTE.match(row[0])
        assert match, f"{heading}: the first cell should be `METHOD /path`, not {row[0]!r}"
        routes.add((match.group(1), match.group(2)))
    return routes


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    db = tmp_path_factory.mktemp("reference") / "fb.db"
    return create_app(Settings(_env_file=None, COACH_BACKEND="offline", COACH_DATABASE=str(db)))  # type: ignore[call-arg]


def test_operations_are_exactly_the_openapi_paths(app) -> None:  # noqa: ANN001
    schema = app.openapi()
    served = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    documented = documented_routes("### Operations")
    assert documented - served == set(), "documented in docs/api.md but not in /openapi.json"
    assert served - documented == set(), "in /openapi.json but not documented in docs/api.md"


def _hidden_routes(app) -> set[tuple[str, str]]:  # noqa: ANN001
    """Routes the app serves outside its OpenAPI description."""
    routes = list(app.routes) + [r for module in _ROUTERS for r in module.router.routes]
    hidden = set()
    for route in routes:
        if isinstance(route, Mount):
            hidden.add(("GET", route.path + "/{file}"))
        elif getattr(route, "include_in_schema", True) is False:
            hidden |= {(m, route.path) for m in route.methods if m != "HEAD"}
    return hidden


def test_pages_are_every_route_outside_the_schema_and_they_answer(app) -> None:  # noqa: ANN001
    documented = documented_routes("### Pages and files")
    assert documented == _hidden_routes(app)
    client = TestClient(app)
    for _, path in documented:
        for name, example in _EXAMPLES.items():
            path = path.replace(name, example)
        assert client.get(path).status_code == 200, path


def test_rule_ids_are_the_validators() -> None:
    ids = [row[0].strip("`") for row in table_under("## Rule ids")]
    assert ids == list(RULE_IDS)
    assert all(len(row[1]) > 60 for row in table_under("## Rule ids")), "every rule is explained"


def test_every_setting_is_documented() -> None:
    documented = " ".join(row[0] for row in table_under("## Configuration"))
    names = {field.validation_alias for field in Settings.model_fields.values()}
    missing = sorted(str(n) for n in names if f"`{n}`" not in documented)
    assert not missing, f"settings missing from docs/api.md: {missing}"


def _commands(parser: argparse.ArgumentParser, prefix: str = "coach") -> list[str]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _commands(sub, f"{prefix} {name}")
                out.extend(nested or [f"{prefix} {name}"])
    return out


def test_every_cli_command_is_documented() -> None:
    documented = [row[0] for row in table_under("## CLI")]
    for command in _commands(build_parser()):
        assert any(cell.startswith(f"`{command}") for cell in documented), command


def test_readers_are_pointed_at_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/api.md)" in readme
    assert "CONTRACT.md" not in readme
    sources = [p for p in (ROOT / "coach").rglob("*.py")]
    assert not [p for p in sources if "CONTRACT" in p.read_text(encoding="utf-8")]
    suggest = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["suggest"]
    assert "docs/api.md" in suggest.format_help().replace("\n", " ")
    assert "docs/api.md" in build_parser().format_help()


def test_its_links_resolve() -> None:
    text = API_MD.read_text(encoding="utf-8")
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", text, re.M)}
    for target in re.findall(r"\]\(([^)]+)\)", text):
        path, _, anchor = target.partition("#")
        if path == "validator.md":
            continue  # written alongside the validator's own documentation
        if path:
            assert (API_MD.parent / path).exists(), target
        else:
            assert anchor in anchors, target
