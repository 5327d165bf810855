"""A tiny OTLP/HTTP trace receiver for tests and benchmarks: accepts POST /v1/traces (protobuf,
gzip or not), decodes each ExportTraceServiceRequest and keeps the spans' names, attributes and
resources. Not a collector: just enough to prove the spans crossed a real HTTP connection.

    with OtlpReceiver() as receiver:          # a thread on a free loopback port
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.url
        ...
        receiver.wait_for(lambda spans: any(s.name == "coach.suggestion" for s in spans))

    python benchmarks/otlp_receiver.py --port 4318    # the same, standalone (prints a count a second)
"""

from __future__ import annotations

import argparse
import gzip
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    return getattr(v, kind) if kind else None


@dataclass(frozen=True)
class ReceivedSpan:
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]
    resource: dict[str, Any] = field(default_factory=dict)


class OtlpReceiver:
    def __init__(self, port: int | None = None) -> None:
        self.spans: list[ReceivedSpan] = []
        self.posts = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_response(404)
                    self.end_headers()
                    return
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                receiver._add(request)
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                return None

        if port is None:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = int(s.getsockname()[1])
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _add(self, request: ExportTraceServiceRequest) -> None:
        found = []
        for rs in request.resource_spans:
            resource = {a.key: _value(a.value) for a in rs.resource.attributes}
            for ss in rs.scope_spans:
                for s in ss.spans:
                    found.append(ReceivedSpan(name=s.name, trace_id=s.trace_id.hex(), span_id=s.span_id.hex(),
                                              parent_id=s.parent_span_id.hex(),
                                              attributes={a.key: _value(a.value) for a in s.attributes},
                                              resource=resource))
        with self.lock:
            self.posts += 1
            self.spans.extend(found)

    def wait_for(self, ready: Callable[[list[ReceivedSpan]], bool], timeout: float = 20.0) -> list[ReceivedSpan]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                spans = list(self.spans)
            if ready(spans):
                return spans
            time.sleep(0.05)
        raise TimeoutError(f"the receiver got {len(self.spans)} spans in {self.posts} posts, not what was awaited")

    def __enter__(self) -> OtlpReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> int:
    p = argparse.ArgumentParser(description="a tiny OTLP/HTTP trace receiver")
    p.add_argument("--port", type=int, default=4318)
    args = p.parse_args()
    with OtlpReceiver(args.port) as receiver:
        print(f"listening on {receiver.url}/v1/traces", flush=True)
        try:
            while True:
                time.sleep(1)
                print(f"{len(receiver.spans)} spans in {receiver.posts} posts", flush=True)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
