"""The pure parts of a batch run: request lines and keys, reading output lines, the request states."""

from __future__ import annotations

import json
from pathlib import Path

from coach.evaluation.batch.lines import read_line, request_key, request_line
from coach.evaluation.batch.store import RunStore

BODY = {"model": "m", "messages": [{"role": "user", "content": "你好"}], "max_tokens": 10}


def out_line(key: str, status: int | None = 200, error: dict | None = None) -> bytes:
    response = None if status is None else {"status_code": status, "body": (
        {"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]} if status == 200
        else {"error": {"message": "boom"}})}
    return json.dumps({"id": "r", "custom_id": key, "response": response, "error": error}).encode()


def test_a_request_line_is_the_batch_api_format_and_its_key_is_stable() -> None:
    key = request_key(BODY, 0)
    assert key == request_key(dict(reversed(list(BODY.items()))), 0)  # key order does not matter
    assert key != request_key(BODY, 1)  # repeats are distinct samples
    line = json.loads(request_line(key, BODY))
    assert line == {"custom_id": key, "method": "POST", "url": "/v1/chat/completions", "body": BODY}
    assert request_line(key, BODY).endswith(b"\n") and "你好".encode() in request_line(key, BODY)


def test_reading_output_and_error_lines() -> None:
    ok = read_line(out_line("k1"))
    assert ok.ok and ok.key == "k1" and json.loads(ok.body or "")["choices"][0]["message"]["content"] == "hi"
    server = read_line(out_line("k2", 500))
    assert not server.ok and server.retry and server.error == "HTTP 500: boom"
    limited = read_line(out_line("k3", 429))
    assert limited.retry
    bad = read_line(out_line("k4", 400))
    assert not bad.retry and bad.error == "HTTP 400: boom"
    expired = read_line(out_line("k5", None, {"code": "batch_expired", "message": "too late"}))
    assert expired.retry and expired.error == "batch_expired: too late" and expired.key == "k5"
    assert read_line(b"not json").key is None and read_line(b"[1]").key is None


def test_request_states_attempts_and_chunks(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "s.sqlite3")
    chunk = store.open_chunk("a.jsonl")
    store.put_out("k", chunk)
    assert store.request("k").state == "out"  # type: ignore[union-attr]
    assert store.fail("k", "HTTP 500", chunk, retry=True, max_attempts=2) is True
    row = store.request("k")
    assert row is not None and (row.state, row.attempts) == ("new", 1)
    assert store.fail("k", "again", chunk, retry=True, max_attempts=2) is False  # not out in that chunk: ignored
    second = store.open_chunk("b.jsonl")
    store.put_out("k", second)
    store.answer("k", '{"choices": []}', chunk)  # a stale line of the old chunk changes nothing
    assert store.request("k").state == "out"  # type: ignore[union-attr]
    assert store.fail("k", "HTTP 500", second, retry=True, max_attempts=2) is False  # attempts used up
    row = store.request("k")
    assert row is not None and (row.state, row.attempts, row.error) == ("failed", 2, "HTTP 500")
    store.put_out("j", store.open_chunk("c.jsonl"))
    assert store.discard_open_chunks() == ["a.jsonl", "b.jsonl", "c.jsonl"]
    assert store.request("j").state == "new"  # type: ignore[union-attr]
    assert store.request_counts() == {"total": 2, "failed": 1, "new": 1, "done_after_retry": 0}
    store.close()
