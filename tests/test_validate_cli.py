"""`coach validate`: JSON Lines in, one answer per line out, errors in place, exit 0."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from coach.cli import main
from coach.cli.validate_cmd import run

TURNS = [
    {"role": "customer", "text": "I want $50 for this mess."},
    {"role": "agent", "text": "I'm sorry about this. I'll add a $10 credit to your account."},
    {"role": "customer", "text": "$10? That's insulting."},
]


def _run(lines: list[bytes]) -> list[dict]:
    out = io.BytesIO()
    run(io.BytesIO(b"\n".join(lines) + b"\n"), out)
    return [json.loads(x) for x in out.getvalue().decode("utf-8").splitlines()]


def test_one_answer_per_line_in_order_with_errors_in_place() -> None:
    lines = [
        json.dumps({"draft": "很抱歉，这件事我真的无能为力了。"}, ensure_ascii=False).encode(),
        b"this is not json",
        json.dumps({"turns": []}).encode(),
        b"",
        json.dumps({"draft": "Fine, I'll also send you a $20 voucher.", "turns": TURNS, "id": "c-7"}).encode(),
        b"[1, 2]",
        json.dumps({"draft": "Thanks for waiting, I'll call you back tomorrow."}).encode(),
    ]
    answers = _run(lines)
    assert len(answers) == len(lines)
    assert answers[0]["ok"] is False and answers[0]["violations"][0]["evidence"] == "无能为力"
    assert answers[1]["error"]["message"] == "line is not valid JSON"
    assert answers[2]["error"]["message"] == "request has no 'draft'"
    assert "error" in answers[3]
    assert answers[4]["id"] == "c-7" and [v["rule"] for v in answers[4]["violations"]] == ["double_concession"]
    assert answers[5]["error"]["message"] == "request must be a JSON object"
    assert answers[6] == {"ok": True, "violations": []}
    assert [a["error"]["line"] for a in answers if "error" in a] == [2, 3, 4, 6]


def test_last_line_without_newline_and_crlf() -> None:
    out = io.BytesIO()
    run(io.BytesIO(b'{"draft": "ok"}\r\n{"draft": "that\'s not my call"}'), out)
    answers = [json.loads(x) for x in out.getvalue().splitlines()]
    assert answers[0]["ok"] is True and answers[1]["ok"] is False


def test_input_split_across_reads() -> None:
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read1(self, n: int = -1) -> bytes:  # three bytes at a time, splitting UTF-8 and lines
            chunk, self.data = self.data[:3], self.data[3:]
            return chunk

    payload = "\n".join(json.dumps({"draft": d}, ensure_ascii=False) for d in ["这得经理拍板", "好的", "爱投诉就去投诉"]).encode()
    out = io.BytesIO()
    assert run(Trickle(payload), out) == 3
    answers = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [a["ok"] for a in answers] == [False, True, False]


def test_exit_status_is_zero_through_main(monkeypatch, capsysbinary) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"draft": "\xe6\x97\xa0\xe8\x83\xbd\xe4\xb8\xba\xe5\x8a\x9b"}\nnope\n')))
    assert main(["validate"]) == 0
    lines = capsysbinary.readouterr().out.splitlines()
    assert json.loads(lines[0])["ok"] is False and "error" in json.loads(lines[1])


def test_real_process_streams_answers_before_input_ends() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "validate"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write(b'{"draft": "that is not my call"}\n')
    proc.stdin.flush()
    first = json.loads(proc.stdout.readline())  # answered while stdin is still open
    assert first["ok"] is False
    proc.stdin.write(b'{"draft": "ok"}\n')
    proc.stdin.close()
    assert json.loads(proc.stdout.readline())["ok"] is True
    assert proc.wait(timeout=30) == 0
