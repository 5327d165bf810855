"""The answers the service layer gives before or around any route, written into /openapi.json.

Middleware refuses requests without a valid service key (401), with a body that is too large
(413) or not decodable (400), and sheds suggestion load (429 with Retry-After); clients and
schema-driven tests must find those statuses in the description of each operation.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "detail": {}},
        }
    },
}
_REF = {"$ref": "#/components/schemas/ErrorBody"}
_REQUEST_ID = {"X-Request-ID": {"description": "the request's id (also in every log line)", "schema": {"type": "string"}}}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": _REF}}}
    response["headers"] = {**_REQUEST_ID, **(headers or {})}
    return response


def service_responses(path: str, method: str, bounded_paths: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The extra responses an operation can give because of the service layer."""
    extra: dict[str, dict[str, Any]] = {}
    if path.startswith("/v1/"):
        extra["401"] = _error(
            "no valid service key (only when COACH_API_KEYS is set)",
            {"WWW-Authenticate": {"schema": {"type": "string"}}},
        )
    if method in ("post", "put", "patch"):
        extra["400"] = _error("the body could not be read (not UTF-8 JSON)")
        extra["413"] = _error("the body is larger than COACH_MAX_BODY_BYTES")
    if path in bounded_paths and method == "post":
        extra["429"] = _error(
            "too many requests in flight; retry after the given seconds",
            {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
        )
    if path == "/readyz":
        extra["503"] = {"description": "the guideline index is loading or failed to load"}
    return extra


def install_service_openapi(app: FastAPI, bounded_paths: tuple[str, ...]) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes,
        )
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorBody"] = _ERROR_SCHEMA
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                for status, response in service_responses(path, method, bounded_paths).items():
                    responses.setdefault(status, response)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
