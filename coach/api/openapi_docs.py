"""The answers the service layer gives before or around any route, written into /openapi.json.

Middleware refuses requests without a valid service key (401), with a body that is too large
(413), and sheds suggestion load (429 with Retry-After); a body that is not JSON is a 400, one sent
as another media type a 415, and JSON of the wrong shape a 422 whose `error.detail` names each
field, what was wrong and what is accepted (coach.api.errors). Clients and schema-driven tests
must find those statuses, with the service's error body, in the description of each operation.
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
_INVALID = (
    "a field is missing, of the wrong type or out of range: `error.detail` lists each one with "
    "`field`, `problem` and `accepted`"
)
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
        extra["400"] = _error("the body is not valid UTF-8 JSON")
        extra["413"] = _error("the body is larger than COACH_MAX_BODY_BYTES")
        extra["415"] = _error("the body was not sent with Content-Type: application/json")
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
                if "422" in responses:  # the service's error body, not FastAPI's default one
                    responses["422"] = _error(_INVALID)
        schemas = schema["components"]["schemas"]
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
