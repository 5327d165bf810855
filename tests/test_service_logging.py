"""Structured logs: PII redacted, one JSON object a line, the request id on every line."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from coach.api.app import create_app
from coach.config import Settings
from coach.logging_setup import JsonFormatter, RequestIdFilter, TextFormatter, log_config, redact, request_id_var


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请打13812345678联系我", "请打[PHONE]联系我"),
        ("手机 138 1234 5678。", "手机 [PHONE]。"),
        ("+86 139-1234-5678", "[PHONE]"),
        ("座机010-82794120找我", "座机[PHONE]找我"),
        ("电话0755 12345678", "电话[PHONE]"),
        ("身份证号11010519491231002X", "身份证号[ID]"),
        ("身份证 110105194912310021 已登记", "身份证 [ID] 已登记"),
        ("卡号6222021234567890123", "卡号[CARD]"),
        ("card 4111 1111 1111 1111 thanks", "card [CARD] thanks"),
        ("邮箱 wang.li+vip@example.com.cn 谢谢", "邮箱 [EMAIL] 谢谢"),
        ("call (415) 555-0100 or +1 415 555 0100", "call [PHONE] or [PHONE]"),
        ("全角１３８１２３４５６７８", "全角[PHONE]"),
        ("订单已于2024年3月5日发出，补偿20元", "订单已于2024年3月5日发出，补偿20元"),
        ("price 30 yuan, order 12345", "price 30 yuan, order 12345"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",), blacklist_characters="@")))
def test_redact_leaves_text_without_digits_or_at_alone(text: str) -> None:
    folded = text.translate({0xFF0D: "-", 0xFF0B: "+", 0x3000: " "})
    assert redact(text) == folded


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True), st.sampled_from(["您好", "call me ", "，"]))
def test_any_mobile_number_is_redacted(number: str, prefix: str) -> None:
    assert number not in redact(prefix + number + "谢谢")


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("coach.test", logging.INFO, __file__, 1, msg, args, None)
    for k, v in extra.items():
        setattr(record, k, v)
    return record


def test_json_formatter_redacts_message_extras_and_carries_request_id() -> None:
    token = request_id_var.set("rid-1")
    try:
        record = _record("customer said %s", "我的电话13812345678", customer={"email": "a@b.cn"}, n=3)
        RequestIdFilter().filter(record)
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["request_id"] == "rid-1"
    assert entry["msg"] == "customer said 我的电话[PHONE]"
    assert entry["customer"] == {"email": "[EMAIL]"} and entry["n"] == 3
    assert entry["level"] == "info" and entry["logger"] == "coach.test" and entry["ts"].endswith("+00:00")
    assert "\n" not in line


def test_json_formatter_redacts_tracebacks() -> None:
    try:
        raise ValueError("bad card 6222021234567890123")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "[CARD]" in entry["exc"] and "6222021234567890123" not in entry["exc"]


def test_text_formatter_redacts() -> None:
    assert "[EMAIL]" in TextFormatter().format(_record("mail x@y.com"))


def test_log_config_is_accepted_by_dictconfig() -> None:
    for fmt in ("json", "text"):
        config = log_config("warning", fmt)
        logging.config.dictConfig(config)
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    logging.getLogger().handlers.clear()


def test_every_request_logs_one_access_line_with_its_id(tmp_path) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    access = logging.getLogger("coach.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        client = TestClient(create_app(Settings(_env_file=None, COACH_DATABASE=str(tmp_path / "f.db"))))  # type: ignore[call-arg]
        assert client.get("/healthz").status_code == 200  # probes log at debug level
        response = client.get("/v1/feedback/recent", params={"limit": 2}, headers={"X-Request-ID": "req-77"})
        assert response.headers["X-Request-ID"] == "req-77"
    finally:
        access.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    assert lines[0]["request_id"] == "req-77"
    assert (lines[0]["route"], lines[0]["status"], lines[0]["method"]) == ("/v1/feedback/recent", 200, "GET")
    assert lines[0]["duration_ms"] >= 0
