"""Guards in front of the routes: service keys, request body size, and the in-flight bound.

Each answers with the same JSON error shape as coach.api.errors, before any route runs.
"""

from __future__ import annotations

import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coach.api.errors import error_body
from coach.api.limits import InflightLimiter
from coach.api.middleware import send_json
from coach.api.security import bearer_token, key_matches
from coach.metrics import INFLIGHT, QUEUE_WAIT, QUEUED, REJECTED, SHED

PROTECTED_PREFIX = "/v1/"


def app_path(scope: Scope) -> str:
    """The request path as the app's routes see it: without the root path of a mount or proxy
    prefix, so that a prefix cannot walk around a guard."""
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):] or "/"
    return path


class ApiKeyMiddleware:
    """With service keys configured, every /v1/* request needs `Authorization: Bearer <key>`."""

    def __init__(self, app: ASGIApp, keys: tuple[str, ...]) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and self.keys
            and scope.get("method") != "OPTIONS"
            and (app_path(scope) + "/").startswith(PROTECTED_PREFIX)
        ):
            token = bearer_token(Headers(scope=scope).get("authorization"))
            if token is None or not key_matches(token, self.keys):
                REJECTED.labels(reason="unauthorized").inc()
                message = "a valid service key is required: Authorization: Bearer <key>"
                await send_json(send, 401, error_body("unauthorized", message), {"WWW-Authenticate": "Bearer"})
                return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Reads a request body up to `max_bytes` and hands it on; a larger one is a 413."""

    _WITH_BODY = frozenset({"POST", "PUT", "PATCH"})

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _too_large(self, send: Send) -> None:
        REJECTED.labels(reason="body_too_large").inc()
        message = f"the request body is larger than {self.max_bytes} bytes"
        await send_json(send, 413, error_body("body_too_large", message, {"max_bytes": self.max_bytes}))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in self._WITH_BODY:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > self.max_bytes):
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away before sending its body
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        buffered: Message | None = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay() -> Message:
            nonlocal buffered
            if buffered is not None:
                message, buffered = buffered, None
                return message
            return await receive()  # afterwards: disconnect notices, as usual

        await self.app(scope, replay, send)


class BackpressureMiddleware:
    """Bounds the requests in flight on the given paths; beyond the queue, 429 with Retry-After."""

    def __init__(self, app: ASGIApp, limiter: InflightLimiter, paths: tuple[str, ...]) -> None:
        self.app = app
        self.limiter = limiter
        self.paths = frozenset(p.rstrip("/") for p in paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        path = app_path(scope).rstrip("/")
        if path not in self.paths:
            await self.app(scope, receive, send)
            return
        QUEUED.labels(route=path).inc()
        try:
            admission = await self.limiter.acquire()
        finally:
            QUEUED.labels(route=path).dec()
        QUEUE_WAIT.labels(route=path).observe(admission.waited_s)
        if not admission.admitted:
            SHED.labels(route=path, reason=admission.reason).inc()
            retry_after = self.limiter.retry_after_s()
            message = "too many requests in flight; retry later"
            detail = {"reason": admission.reason, "retry_after_s": retry_after}
            await send_json(send, 429, error_body("overloaded", message, detail), {"Retry-After": str(retry_after)})
            return
        INFLIGHT.labels(route=path).inc()
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            INFLIGHT.labels(route=path).dec()
            self.limiter.release(time.perf_counter() - started)
