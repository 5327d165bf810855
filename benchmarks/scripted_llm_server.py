"""A small OpenAI-compatible chat-completions server with scripted answers, for benchmarks and evals.

Not part of the product: it stands in for an LLM endpoint so that latency, concurrency, retries
and repairs can be measured against a real HTTP server without a real model.

    python benchmarks/scripted_llm_server.py --port 8911 --delay 0.5
    python benchmarks/scripted_llm_server.py --port 8911 --script steps.yaml

Without --script every request gets one JSON reply `{"reply": ..., "citations": []}` (the reply
text is set with --reply). A script (YAML or JSON) is either a list of steps, or a mapping with
`steps` (answered in order, the last one repeating; `cycle: true` starts over instead) and/or
`rules` (the first rule whose `when` regular expression matches the last user message answers;
rules win over steps). A step or rule may hold:

    status: 200            # HTTP status; non-200 answers with an OpenAI-style error body
    content: "..."         # the message content (a string; a mapping is sent as JSON text)
    finish_reason: stop    # or "length"
    delay: 0.5             # seconds before answering (default: --delay)
    headers: {Retry-After: "1"}
    choices: 2             # how many choices to return (default: the request's n)
    prompt_tokens: 100     # usage reported (defaults: a rough count of the input/output)
    completion_tokens: 20
    hang: true             # never answer (until the client gives up)
    reply_parts: [[...], [...]]  # instead of content: {"reply": one phrase of each list, chosen by
                           # the request's number, so that replies differ, "citations": []}

GET /stats returns how many requests came in; POST /reset starts the script over.
`make_app(script, delay=..., model=...)` builds the ASGI app for in-process use.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import time
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DEFAULT_REPLY = "I understand how frustrating this is. Let me look into it and call you back by 5 pm today."


class Script:
    """The answers to give, in order or by rule; thread-unsafe but the server is one event loop."""

    def __init__(self, spec: Any = None, *, reply: str = DEFAULT_REPLY) -> None:
        if spec is None:
            spec = {"steps": [{"content": {"reply": reply, "citations": []}}]}
        if isinstance(spec, list):
            spec = {"steps": spec}
        if not isinstance(spec, dict):
            raise ValueError("a script is a list of steps or a mapping with steps/rules")
        self.steps: list[dict[str, Any]] = list(spec.get("steps") or [])
        self.rules = [(re.compile(r["when"]), r) for r in spec.get("rules") or []]
        self.cycle = bool(spec.get("cycle", False))
        if not self.steps and not self.rules:
            raise ValueError("a script needs at least one step or rule")
        self.requests = 0
        self._index = 0

    def reset(self) -> None:
        self.requests = 0
        self._index = 0

    def next_step(self, last_user: str) -> dict[str, Any]:
        self.requests += 1
        for pattern, rule in self.rules:
            if pattern.search(last_user):
                return rule
        if not self.steps:
            return {"content": {"reply": DEFAULT_REPLY, "citations": []}}
        if self._index >= len(self.steps):
            self._index = 0 if self.cycle else len(self.steps) - 1
        step = self.steps[self._index]
        self._index += 1
        return step

    @classmethod
    def from_file(cls, path: Path) -> Script:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return json.dumps(content, ensure_ascii=False)


def _composed(parts: list[list[str]], number: int) -> dict[str, Any]:
    """A reply of one phrase from each list, chosen by the request's number (mixed radix): each
    request within the product of the lists' lengths gets a reply of its own."""
    chosen = []
    for options in parts:
        number, pick = divmod(number, len(options))
        chosen.append(options[pick])
    return {"reply": "".join(chosen), "citations": []}


def _error(status: int, headers: dict[str, str]) -> JSONResponse:
    messages = {429: "rate limited", 501: "not supported", 400: "bad request"}
    body = {"error": {"message": messages.get(status, "scripted failure"), "type": "scripted", "code": status}}
    return JSONResponse(body, status_code=status, headers=headers)


def make_app(script: Script | None = None, *, delay: float = 0.0, model: str = "scripted-model") -> Starlette:
    script = script or Script()
    ids = itertools.count(1)

    async def completions(request: Request) -> JSONResponse:
        body = await request.json()
        messages = body.get("messages") or []
        last_user = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
        step = script.next_step(str(last_user))
        if step.get("hang"):
            await asyncio.sleep(3600)
        wait = float(step.get("delay", delay))
        if wait > 0:
            await asyncio.sleep(wait)
        headers = {str(k): str(v) for k, v in (step.get("headers") or {}).items()}
        status = int(step.get("status", 200))
        if status != 200:
            return _error(status, headers)
        text = _content_text(_composed(step["reply_parts"], script.requests) if "reply_parts" in step
                             else step.get("content", ""))
        n = int(step.get("choices", body.get("n") or 1))
        finish = step.get("finish_reason", "stop")
        prompt_chars = sum(len(str(m.get("content", ""))) for m in messages)
        usage_prompt = int(step.get("prompt_tokens", max(1, prompt_chars // 2)))
        usage_completion = int(step.get("completion_tokens", max(1, len(text) // 2)))
        choices = [
            {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
            for i in range(n)
        ]
        return JSONResponse(
            {
                "id": f"chatcmpl-{next(ids)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": step.get("model", model),
                "choices": choices,
                "usage": {
                    "prompt_tokens": usage_prompt,
                    "completion_tokens": usage_completion,
                    "total_tokens": usage_prompt + usage_completion,
                },
            },
            headers=headers,
        )

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({"requests": script.requests})

    async def reset(request: Request) -> JSONResponse:
        script.reset()
        return JSONResponse({"ok": True})

    async def models(request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": model, "object": "model"}]})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", completions, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/stats", stats, methods=["GET"]),
            Route("/reset", reset, methods=["POST"]),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="scripted OpenAI-compatible chat-completions server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8911)
    p.add_argument("--delay", type=float, default=0.0, help="seconds before each answer (default 0)")
    p.add_argument("--model", default="scripted-model", help="the model name echoed back")
    p.add_argument("--reply", default=DEFAULT_REPLY, help="the reply text when no script is given")
    p.add_argument("--script", type=Path, help="YAML/JSON file of steps and/or rules")
    args = p.parse_args(argv)
    script = Script.from_file(args.script) if args.script else Script(reply=args.reply)
    app = make_app(script, delay=args.delay, model=args.model)
    # A long keep-alive: clients reuse connections between bursts instead of racing a server-side close.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, timeout_keep_alive=75)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
