"""/docs and /redoc load everything from the service itself: no CDN, no web fonts, no favicon host."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from coach.api.app import create_app
from coach.api.docs_ui import ASSETS, ASSETS_URL
from coach.config import Settings

PAGES = ("/docs", "/redoc")
# Every URL a page hands the browser: src/href attributes, Swagger UI's `url:` and ReDoc's spec-url.
_URLS = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|\burl\s*:\s*["']([^"']+)["']""")
_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture
def client(tmp_path) -> TestClient:
    settings = Settings(_env_file=None, COACH_BACKEND="offline", COACH_DATABASE=str(tmp_path / "fb.db"))  # type: ignore[call-arg]
    return TestClient(create_app(settings))


def page_urls(html: str) -> list[str]:
    return [a or b for a, b in _URLS.findall(html)]


@pytest.mark.parametrize("path", PAGES)
def test_pages_name_no_other_host(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert not re.search(r"(?:https?:)?//[A-Za-z0-9]", r.text), "the page names another host"
    urls = page_urls(r.text)
    assert urls, "no asset found in the page"
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url


@pytest.mark.parametrize("path", PAGES)
def test_every_url_of_a_page_answers(client: TestClient, path: str) -> None:
    for url in page_urls(client.get(path).text):
        r = client.get(url)
        assert r.status_code == 200, url
        assert len(r.content) > 100, url
        suffix = url[url.rfind("."):]
        if suffix in _TYPES:
            assert _TYPES[suffix] in r.headers["content-type"], (url, r.headers["content-type"])


@pytest.mark.parametrize("asset", ASSETS)
def test_assets_ship_in_the_package(client: TestClient, asset: str) -> None:
    assert client.get(f"{ASSETS_URL}/{asset}").status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_pages_behind_a_path_prefix_use_it(tmp_path, path: str) -> None:
    settings = Settings(_env_file=None, COACH_BACKEND="offline", COACH_DATABASE=str(tmp_path / "fb.db"))  # type: ignore[call-arg]
    client = TestClient(create_app(settings), root_path="/coach")
    urls = page_urls(client.get(path).text)
    assert urls and all(u.startswith("/coach/") for u in urls), urls


def test_assets_need_no_service_key(tmp_path) -> None:
    settings = Settings(_env_file=None, COACH_BACKEND="offline", COACH_API_KEYS="k",  # type: ignore[call-arg]
                        COACH_DATABASE=str(tmp_path / "fb.db"))
    client = TestClient(create_app(settings))
    assert client.get("/docs").status_code == 200
    assert client.get(f"{ASSETS_URL}/swagger-ui-bundle.js").status_code == 200


def test_unknown_asset_is_404(client: TestClient) -> None:
    assert client.get(f"{ASSETS_URL}/nosuch.js").status_code == 404


def test_docs_pages_stay_out_of_the_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not any(p.startswith(("/docs", "/redoc", ASSETS_URL)) for p in paths)


@pytest.mark.parametrize("path", PAGES)
def test_pages_tell_the_browser_to_load_from_this_server_only(client: TestClient, path: str) -> None:
    policy = client.get(path).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert "unsafe-inline" not in directives["script-src"]
    assert "http" not in policy and "*" not in policy
