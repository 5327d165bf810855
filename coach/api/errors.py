"""The one place where coach's typed errors become HTTP statuses and JSON bodies."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from coach.api.problems import Problem, explain, route_roots, summary, wrong_media_type
from coach.errors import (
    CoachError,
    ConfigError,
    InvalidInput,
    LLMError,
    NotFound,
    NotReady,
    Overloaded,
    StoreUnavailable,
    TemplateError,
)

_STATUS: dict[type[CoachError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    TemplateError: 422,
    NotReady: 503,
    Overloaded: 429,
    ConfigError: 503,
    StoreUnavailable: 503,
    LLMError: 502,
}


def status_for(exc: CoachError) -> int:
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]  # type: ignore[index]
    return 500


def error_body(code: str, message: str, detail: object | None = None) -> dict[str, object]:
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if detail is not None:
        body["error"]["detail"] = detail  # type: ignore[index]
    return body


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CoachError)
    async def _coach_error(request: Request, exc: CoachError) -> JSONResponse:
        headers = {}
        if isinstance(exc, (Overloaded, StoreUnavailable)):
            headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        return JSONResponse(error_body(exc.code, exc.message, exc.detail), status_code=status_for(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = request_problems(request, exc)
        status, code = _PROBLEM_STATUS[_worst(problems)]
        return JSONResponse(error_body(code, summary(problems), [p.as_dict() for p in problems]), status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body("http_error", http_message(request, exc)), status_code=exc.status_code, headers=exc.headers
        )


# A body that is not JSON at all is a 400, one sent as another media type a 415; JSON of the
# wrong shape is a 422.
_PROBLEM_STATUS = {"not_json": (400, "invalid_json"), "media_type": (415, "unsupported_media_type"),
                   "invalid": (422, "invalid_input")}


def _worst(problems: list[Problem]) -> str:
    kinds = {p.kind for p in problems}
    return next((k for k in ("media_type", "not_json") if k in kinds), "invalid")


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def request_problems(request: Request, exc: RequestValidationError) -> list[Problem]:
    roots = route_roots(request.scope.get("route"))
    content_type = request.headers.get("content-type", "")
    errors = exc.errors()
    # FastAPI reads a body of another declared type, or of none, as raw bytes, which then fail as
    # "not an object".
    raw = any(tuple(e.get("loc", ())) == ("body",) and isinstance(e.get("input"), bytes) for e in errors)
    if "body" in roots and ((content_type and not _is_json(content_type)) or raw):
        return [wrong_media_type(roots, content_type.split(";")[0].strip())]
    return explain(errors, roots)


def http_message(request: Request, exc: StarletteHTTPException) -> str:
    """Starlette's bare "Not Found" and "Method Not Allowed" said in full; other details as given."""
    detail = str(exc.detail)
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = None
    if detail != phrase:
        return detail
    path = request.url.path
    if exc.status_code == 404:
        return f"nothing is served at {path}; the routes are listed at /docs and in docs/api.md"
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return f"{path} does not accept {request.method}; accepted: {allowed or 'see /docs'}"
    return detail
