"""GET /panel: the agent-desktop panel, a static page (vanilla JS, no build step, no CDN).

The page loads without a service key; it takes the key from its URL fragment (#key=...) or a
field and sends it with each /v1 call. Assets are a fixed list of files shipped in the package.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from coach.api.deps import SettingsDep
from coach.errors import NotFound

router = APIRouter(tags=["panel"])

_ASSETS = {
    "panel.js": "text/javascript; charset=utf-8",
    "panel.css": "text/css; charset=utf-8",
    "sse.js": "text/javascript; charset=utf-8",
    "lint.js": "text/javascript; charset=utf-8",
    "i18n.js": "text/javascript; charset=utf-8",
    "problems.js": "text/javascript; charset=utf-8",
}


@lru_cache(maxsize=8)
def _read(name: str) -> bytes:
    return resources.files("coach.api").joinpath("panel", name).read_bytes()


def _security_headers(frame_ancestors: tuple[str, ...]) -> dict[str, str]:
    ancestors = " ".join(("'self'", *frame_ancestors)) if "*" not in frame_ancestors else "*"
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; form-action 'none'"
    )
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@router.get("/panel", response_class=HTMLResponse, include_in_schema=False)
async def panel(settings: SettingsDep) -> HTMLResponse:
    # The desktop that embeds the panel in a frame is one of the configured CORS origins.
    headers = _security_headers(settings.cors_origin_list)
    headers["Cache-Control"] = "no-cache"
    return HTMLResponse(_read("index.html"), headers=headers)


@router.get("/panel/{asset}", include_in_schema=False)
async def panel_asset(asset: str, request: Request) -> Response:
    media_type = _ASSETS.get(asset)
    if media_type is None:
        raise NotFound(f"no panel asset named {asset!r}")
    return Response(_read(asset), media_type=media_type, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})
