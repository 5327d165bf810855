"""Request context: a request id on every response and log line, latency per route, access log.

Pure ASGI (no BaseHTTPMiddleware) so streaming responses pass through untouched and the
request id context variable is visible to the route and everything it awaits.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coach.api.errors import error_body
from coach import tracing
from coach.logging_setup import request_id_var
from coach.metrics import REQUEST_LATENCY

access_log = logging.getLogger("coach.access")
error_log = logging.getLogger("coach.api")

REQUEST_ID_HEADER = "X-Request-ID"
_PROBE_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
# An incoming id is honoured when it is short and plain (a load balancer's or the desktop's id);
# anything else is replaced, so ids can be logged and echoed without escaping.
_SANE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def new_request_id(incoming: str | None) -> str:
    if incoming and _SANE_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def route_label(scope: Scope) -> str:
    """The route's path template (bounded label values). A request refused before routing (401,
    413, 429) is labelled with its path when that is one of the API's fixed paths (from its
    OpenAPI description); any other path is 'unmatched', so label values stay bounded."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    raw = scope.get("path", "")
    return raw if raw in _fixed_paths(scope.get("app")) else "unmatched"


def _fixed_paths(app: object) -> frozenset[str]:
    state = getattr(app, "state", None)
    if state is None:
        return frozenset()
    known = getattr(state, "fixed_paths", None)
    if known is None:
        try:
            paths = app.openapi().get("paths", {})  # type: ignore[attr-defined]
        except Exception:  # a broken schema must not break metering
            paths = {}
        known = state.fixed_paths = frozenset(p for p in paths if "{" not in p)
    return known


async def send_json(send: Send, status: int, body: object, headers: dict[str, str] | None = None) -> None:
    import json

    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        trace_token = tracing.continue_trace(scope["headers"])  # the caller's traceparent, when traced
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            error_log.exception("unhandled error", extra={"path": scope.get("path", "")})
            if not response_started:
                status = 500
                await send_json(
                    send, 500, error_body("internal_error", "an internal error occurred"),
                    {REQUEST_ID_HEADER: request_id},
                )
            raise
        finally:
            elapsed = time.perf_counter() - started
            route = route_label(scope)
            method = scope.get("method", "")
            REQUEST_LATENCY.labels(route=route, method=method, status=str(status)).observe(elapsed)
            # Probes and scrapes arrive every few seconds: at debug level unless they fail.
            quiet = route in _PROBE_ROUTES and status < 400
            access_log.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s %s %s", method, scope.get("path", ""), status,
                extra={"route": route, "method": method, "status": status, "duration_ms": round(elapsed * 1000, 2)},
            )
            request_id_var.reset(token)
            tracing.end_trace(trace_token)
