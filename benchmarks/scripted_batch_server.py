"""A small server speaking OpenAI's Batch API with scripted answers, for tests and benchmarks.

Not part of the product: it stands in for OpenAI (or any server with /v1/files and /v1/batches) so
that `coach eval run --batch` can be tested and measured against a real HTTP server.

    python benchmarks/scripted_batch_server.py --port 8912 [--script steps.yaml] [--dir /tmp/batches]

Routes: POST /v1/files (multipart upload, purpose=batch), GET /v1/files/{id},
GET /v1/files/{id}/content, POST /v1/batches, GET /v1/batches (newest first), GET /v1/batches/{id}.
Each request line of a batch is answered like benchmarks/scripted_llm_server.py answers a chat
completion (the same script format: `rules` matched against the last user message, `steps` in
order; a step with `status` other than 200 is an error line). Files live on disk, so a batch of
100,000 requests costs the server no memory to speak of.

Knobs (constructor, `--knobs JSON`, or POST /control with a JSON body):
    min_polls: 1        # GET /v1/batches/{id} calls before a finished batch shows as finished
    hold: false         # keep every batch in_progress until POST /control {"hold": false}
    fail_when: REGEX    # requests whose last user message matches get HTTP 500 ...
    fail_times: 1       # ... this many times per request (custom_id); then they are answered
    expire_batches: 0   # the first N batches expire ...
    expire_after: 0     # ... after answering this many of their requests (the rest: batch_expired)
    fail_batches: 0     # the first N batches fail as a whole (no output; errors say why)
GET /stats: batches, lines read, requests answered (200), and custom_ids answered more than once.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import itertools
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route


def _llm_module():  # noqa: ANN202 - the chat server beside this file, for its Script
    name = "scripted_llm_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("scripted_llm_server.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@dataclass
class Knobs:
    min_polls: int = 1
    hold: bool = False
    fail_when: str | None = None
    fail_times: int = 1
    expire_batches: int = 0
    expire_after: int = 0
    fail_batches: int = 0


@dataclass
class _Batch:
    id: str
    input_file_id: str
    endpoint: str
    window: str
    metadata: dict[str, str]
    number: int
    created: int
    status: str = "validating"
    processed: bool = False
    final: str = "completed"
    polls: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"total": 0, "completed": 0, "failed": 0})
    errors: list[dict[str, str]] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id, "object": "batch", "endpoint": self.endpoint, "input_file_id": self.input_file_id,
            "completion_window": self.window, "status": self.status, "created_at": self.created,
            "output_file_id": self.output_file_id if self.status in ("completed", "expired") else None,
            "error_file_id": self.error_file_id if self.status in ("completed", "expired") else None,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "request_counts": dict(self.counts), "metadata": self.metadata,
        }


class BatchServer:
    """The state behind the routes: files on disk, batches in memory (a few fields each)."""

    def __init__(self, script: Any = None, *, directory: Path | None = None, model: str = "scripted-model",
                 knobs: Knobs | None = None) -> None:
        mod = _llm_module()
        self.script = script if isinstance(script, mod.Script) else (mod.Script(script) if script is not None else mod.Script())
        self.content_text = mod._content_text
        self.directory = directory or Path(tempfile.mkdtemp(prefix="coach-batches-"))
        self.model = model
        self.knobs = knobs or Knobs()
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, _Batch] = {}
        self.ids = itertools.count(1)
        self.failures: dict[str, int] = {}
        self.answered: dict[str, int] = {}
        self.lines_read = 0
        self.tasks: set[asyncio.Task[None]] = set()

    # -- files ---------------------------------------------------------------------------------
    def _file(self, data_path: Path, name: str, purpose: str) -> dict[str, Any]:
        file_id = f"file-{next(self.ids):06d}"
        final = self.directory / file_id
        data_path.rename(final)
        info = {"id": file_id, "object": "file", "bytes": final.stat().st_size, "created_at": int(time.time()),
                "filename": name, "purpose": purpose, "status": "processed"}
        self.files[file_id] = info
        return info

    async def upload(self, request: Request) -> JSONResponse:
        async with request.form(max_part_size=1 << 30) as form:
            upload = form.get("file")
            purpose = str(form.get("purpose") or "")
            if upload is None or isinstance(upload, str):
                return _error(400, "no file in the upload")
            tmp = self.directory / f"upload-{next(self.ids)}.part"
            with tmp.open("wb") as fh:
                while chunk := await upload.read(1 << 20):
                    fh.write(chunk)
            return JSONResponse(self._file(tmp, upload.filename or "upload.jsonl", purpose))

    async def file_info(self, request: Request) -> JSONResponse:
        info = self.files.get(request.path_params["file_id"])
        return JSONResponse(info) if info else _error(404, "no such file")

    async def content(self, request: Request) -> FileResponse | JSONResponse:
        file_id = request.path_params["file_id"]
        if file_id not in self.files:
            return _error(404, "no such file")
        return FileResponse(self.directory / file_id, media_type="application/octet-stream")

    # -- batches -------------------------------------------------------------------------------
    async def create(self, request: Request) -> JSONResponse:
        body = await request.json()
        file_id = body.get("input_file_id")
        if file_id not in self.files:
            return _error(400, f"no file {file_id}")
        number = len(self.batches) + 1
        batch = _Batch(id=f"batch_{next(self.ids):06d}", input_file_id=file_id, endpoint=str(body.get("endpoint")),
                       window=str(body.get("completion_window")), metadata=dict(body.get("metadata") or {}),
                       number=number, created=int(time.time()))
        self.batches[batch.id] = batch
        task = asyncio.create_task(self._process(batch))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return JSONResponse(batch.view())

    async def retrieve(self, request: Request) -> JSONResponse:
        batch = self.batches.get(request.path_params["batch_id"])
        if batch is None:
            return _error(404, "no such batch")
        batch.polls += 1
        if batch.processed and not self.knobs.hold and batch.polls >= self.knobs.min_polls:
            batch.status = batch.final
        return JSONResponse(batch.view())

    async def listing(self, request: Request) -> JSONResponse:
        data = [b.view() for b in reversed(list(self.batches.values()))]
        limit = int(request.query_params.get("limit", 20))
        return JSONResponse({"object": "list", "data": data[:limit], "has_more": len(data) > limit,
                             "first_id": data[0]["id"] if data else None, "last_id": data[-1]["id"] if data else None})

    async def _process(self, batch: _Batch) -> None:
        k = self.knobs
        batch.status = "in_progress"
        if batch.number <= k.fail_batches:
            batch.errors = [{"code": "token_limit_exceeded", "message": "scripted: enqueued token limit reached"}]
            batch.final, batch.processed = "failed", True
            return
        expire_after = k.expire_after if batch.number <= k.expire_batches else None
        out_tmp = self.directory / f"{batch.id}.out.part"
        err_tmp = self.directory / f"{batch.id}.err.part"
        import re

        fail = re.compile(k.fail_when) if k.fail_when else None
        answered = errors = 0
        with (self.directory / batch.input_file_id).open("rb") as src, out_tmp.open("wb") as out, err_tmp.open("wb") as err:
            for index, raw in enumerate(src):
                if not raw.strip():
                    continue
                self.lines_read += 1
                line = json.loads(raw)
                custom_id = str(line.get("custom_id"))
                batch.counts["total"] += 1
                if expire_after is not None and answered + errors >= expire_after:
                    err.write(_line(custom_id, None, {"code": "batch_expired", "message":
                              "This request could not be executed before the completion window expired."}))
                    batch.counts["failed"] += 1
                    continue
                body = line.get("body") or {}
                messages = body.get("messages") or []
                last_user = str(next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), ""))
                if fail is not None and fail.search(last_user) and self.failures.get(custom_id, 0) < k.fail_times:
                    self.failures[custom_id] = self.failures.get(custom_id, 0) + 1
                    err.write(_line(custom_id, {"status_code": 500, "body": {"error": {
                        "message": "scripted server error", "type": "server_error"}}}, None))
                    batch.counts["failed"] += 1
                    errors += 1
                    continue
                step = self.script.next_step(last_user)
                status = int(step.get("status", 200))
                if status != 200:
                    err.write(_line(custom_id, {"status_code": status, "body": {"error": {
                        "message": "scripted failure", "type": "scripted"}}}, None))
                    batch.counts["failed"] += 1
                    errors += 1
                    continue
                out.write(_line(custom_id, {"status_code": 200, "body": self._completion(step, body)}, None))
                self.answered[custom_id] = self.answered.get(custom_id, 0) + 1
                batch.counts["completed"] += 1
                answered += 1
                if index % 500 == 499:
                    await asyncio.sleep(0)
        batch.output_file_id = self._file(out_tmp, f"{batch.id}_output.jsonl", "batch_output")["id"]
        batch.error_file_id = self._file(err_tmp, f"{batch.id}_error.jsonl", "batch_output")["id"]
        batch.final = "expired" if expire_after is not None and batch.counts["failed"] > errors else "completed"
        batch.processed = True

    def _completion(self, step: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        text = self.content_text(step.get("content", ""))
        n = int(step.get("choices", body.get("n") or 1))
        prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages") or [])
        prompt = int(step.get("prompt_tokens", max(1, prompt_chars // 2)))
        completion = int(step.get("completion_tokens", max(1, len(text) // 2)))
        return {
            "id": f"chatcmpl-{next(self.ids)}", "object": "chat.completion", "created": int(time.time()),
            "model": step.get("model", self.model),
            "choices": [{"index": i, "message": {"role": "assistant", "content": text},
                         "finish_reason": step.get("finish_reason", "stop")} for i in range(n)],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }

    # -- control -------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        return {"batches": len(self.batches), "lines_read": self.lines_read,
                "answered": sum(self.answered.values()),
                "answered_twice": sum(1 for n in self.answered.values() if n > 1),
                "statuses": [b.status for b in self.batches.values()]}

    async def stats_route(self, request: Request) -> JSONResponse:
        return JSONResponse(self.stats())

    async def control(self, request: Request) -> JSONResponse:
        changes = await request.json()
        for name, value in changes.items():
            if not hasattr(self.knobs, name):
                return _error(400, f"no knob {name}")
            setattr(self.knobs, name, value)
        return JSONResponse(asdict(self.knobs))

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/v1/files", self.upload, methods=["POST"]),
            Route("/v1/files/{file_id}", self.file_info, methods=["GET"]),
            Route("/v1/files/{file_id}/content", self.content, methods=["GET"]),
            Route("/v1/batches", self.create, methods=["POST"]),
            Route("/v1/batches", self.listing, methods=["GET"]),
            Route("/v1/batches/{batch_id}", self.retrieve, methods=["GET"]),
            Route("/stats", self.stats_route, methods=["GET"]),
            Route("/control", self.control, methods=["POST"]),
        ])


def _line(custom_id: str, response: dict[str, Any] | None, error: dict[str, str] | None) -> bytes:
    data = {"id": f"batch_req_{custom_id[:16]}", "custom_id": custom_id, "response": response, "error": error}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error"}}, status_code=status)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="scripted OpenAI Batch API server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8912)
    p.add_argument("--model", default="scripted-model")
    p.add_argument("--script", type=Path, help="YAML/JSON file of steps and/or rules (as scripted_llm_server.py)")
    p.add_argument("--dir", type=Path, help="where files are kept (default: a new temporary folder)")
    p.add_argument("--knobs", default="{}", help="JSON of knobs, e.g. '{\"expire_batches\": 1, \"expire_after\": 10}'")
    args = p.parse_args(argv)
    mod = _llm_module()
    script = mod.Script.from_file(args.script) if args.script else None
    if args.dir:
        args.dir.mkdir(parents=True, exist_ok=True)
    server = BatchServer(script, directory=args.dir, model=args.model, knobs=Knobs(**json.loads(args.knobs)))
    uvicorn.run(server.app(), host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
