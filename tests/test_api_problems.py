"""Every 4xx for a bad request names the field, what was wrong and what is accepted, in plain
words: never pydantic's own ("Tuple", "dictionary", "after validation", "Input should ...")."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient

from coach.api.app import create_app
from coach.api.schemas_suggestions import parse_request
from coach.cli.validate_cmd import run as validate_lines
from coach.config import Settings
from coach.errors import InvalidInput

LIBRARY_WORDS = ("Tuple", "tuple", "dictionary", "after validation", "Input should", "Field required",
                 "Value error", "model_attributes", "pydantic", "JSON decode error", "Extra inputs")

TURN = {"role": "customer", "text": "你们到底能不能解决？"}
FEEDBACK = {"verdict": "accepted", "suggestion": "好的，我马上帮您处理。", "request_id": "r-1"}

# route, body, field, words of the problem, words of what is accepted
BAD_BODIES = [
    # POST /v1/suggestions
    ("/v1/suggestions", {"turns": [{"role": "customer", "text": "x" * 5000}]}, "turns[0].text",
     "too long (5,000 characters)", "text of 1 to 4,000 characters"),
    ("/v1/suggestions", {"turns": [{"role": "boss", "text": "hi"}]}, "turns[0].role", '"boss"', '"customer" or "agent"'),
    ("/v1/suggestions", {"turns": []}, "turns", "empty list", "a list of 1 to 200 turns"),
    ("/v1/suggestions", {}, "turns", "missing", "a list of 1 to 200 turns"),
    ("/v1/suggestions", {"turns": "你好"}, "turns", '"你好"', "a list of 1 to 200 turns"),
    ("/v1/suggestions", {"turns": [TURN] * 201}, "turns", "too many items (201)", "a list of 1 to 200 turns"),
    ("/v1/suggestions", {"turns": [{"text": "hi"}]}, "turns[0].role", "missing", '"customer" or "agent"'),
    ("/v1/suggestions", {"turns": [{**TURN, "round": 0}]}, "turns[0].round", "is 0", "a whole number of at least 1"),
    ("/v1/suggestions", {"turns": [{**TURN, "round": 1.5}]}, "turns[0].round", "is 1.5", "whole number"),
    ("/v1/suggestions", {"turns": [{**TURN, "speaker": "x"}]}, "turns[0].speaker", "not a field",
     "role, text and optionally round"),
    ("/v1/suggestions", {"turns": [TURN], "n": 7}, "n", "is 7", "a whole number from 1 to 3"),
    ("/v1/suggestions", {"turns": [TURN], "locale": "fr"}, "locale", '"fr"', '"zh-CN", "zh-TW", "en" or null'),
    ("/v1/suggestions", {"turns": [TURN], "policy": {"max_compensation": 80}}, "policy.max_compensation",
     "is 80", "an object with amount and optionally currency"),
    ("/v1/suggestions", {"turns": [TURN], "policy": {"max_compensation": {"amount": "lots"}}},
     "policy.max_compensation.amount", '"lots"', "a number of at least 0"),
    ("/v1/suggestions", {"turns": [TURN], "case": {"ticket": "maybe"}}, "case.ticket", '"maybe"',
     '"none", "open" or "closed"'),
    ("/v1/suggestions", {"turns": [TURN], "template": "x" * 101}, "template", "too long (101 characters)",
     "at most 100 characters"),
    ("/v1/suggestions", [TURN], "", "a list of 1 item", "a JSON object with turns"),
    ("/v1/suggestions", "你好", "", '"你好"', "a JSON object with turns"),
    # POST /v1/validate
    ("/v1/validate", {}, "draft", "missing", "text of 1 to 4,000 characters"),
    ("/v1/validate", {"draft": ""}, "draft", "is empty", "text of 1 to 4,000 characters"),
    ("/v1/validate", {"draft": "x" * 4001}, "draft", "too long (4,001 characters)", "1 to 4,000 characters"),
    ("/v1/validate", {"draft": 12}, "draft", "is 12", "text of 1 to 4,000 characters"),
    ("/v1/validate", {"draft": None}, "draft", "is null", "text of 1 to 4,000 characters"),
    ("/v1/validate", {"draft": "ok", "turns": [{"role": "bot", "text": "hi"}]}, "turns[0].role", '"bot"',
     '"customer" or "agent"'),
    ("/v1/validate", {"draft": "ok", "turns": [{"role": "agent", "text": "x" * 5000}]}, "turns[0].text",
     "too long (5,000 characters)", "1 to 4,000 characters"),
    ("/v1/validate", {"draft": "ok", "turns": {"role": "agent", "text": "hi"}}, "turns", "an object",
     "a list of at most 200 turns"),
    ("/v1/validate", {"draft": "ok", "turns": [TURN] * 201}, "turns", "too many items (201)", "at most 200 turns"),
    ("/v1/validate", {"draft": "ok", "policy": {"max_compensation": {"amount": -1}}},
     "policy.max_compensation.amount", "is -1", "a number of at least 0"),
    ("/v1/validate", {"draft": "ok", "id": [1]}, "id", "a list of 1 item", "text, a whole number or null"),
    ("/v1/validate", [], "", "an empty list", "a JSON object with draft"),
    # POST /v1/feedback
    ("/v1/feedback", {**FEEDBACK, "verdict": "liked"}, "verdict", '"liked"', '"accepted", "edited" or "rejected"'),
    ("/v1/feedback", {**FEEDBACK, "verdict": "edited"}, "final_text", 'the verdict is "edited"',
     'whenever the verdict is "edited"'),
    ("/v1/feedback", {**FEEDBACK, "verdict": "edited", "final_text": "  "}, "final_text", "blank",
     "the text the agent sent"),
    ("/v1/feedback", {**FEEDBACK, "suggestion": ""}, "suggestion", "is empty", "1 to 4,000 characters, not blank"),
    ("/v1/feedback", {**FEEDBACK, "suggestion": "   "}, "suggestion", "is blank", "1 to 4,000 characters, not blank"),
    ("/v1/feedback", {"verdict": "accepted", "suggestion": "好的"}, "request_id", "missing", "1 to 128 characters"),
    ("/v1/feedback", {**FEEDBACK, "suggestion_index": 3}, "suggestion_index", "is 3", "a whole number from 0 to 2"),
    ("/v1/feedback", {**FEEDBACK, "surprise": 1}, "surprise", "not a field", "verdict, suggestion, request_id"),
    ("/v1/feedback", {**FEEDBACK, "conversation": {"turns": []}}, "conversation.turns", "empty list",
     "a list of 1 to 200 turns"),
    ("/v1/feedback", {**FEEDBACK, "conversation": {"turns": [{"role": "boss", "text": "hi"}]}},
     "conversation.turns[0].role", '"boss"', '"customer" or "agent"'),
    ("/v1/feedback", {**FEEDBACK, "degraded": "maybe"}, "degraded", '"maybe"', "true, false or null"),
    ("/v1/feedback", {**FEEDBACK, "source": "human"}, "source", '"human"', '"llm", "offline" or null'),
]

# route, raw body, Content-Type, status, words of the problem, words of what is accepted
BAD_RAW = [
    (route, body, ctype, status, problem, (f"a JSON object with {fields}", *accepted))
    for route, fields in (("/v1/suggestions", "turns and optionally"), ("/v1/validate", "draft and optionally"),
                          ("/v1/feedback", "verdict, suggestion, request_id and optionally"))
    for body, ctype, status, problem, accepted in (
        (b"draft=x&turns=y", "application/x-www-form-urlencoded", 415,
         "was sent as application/x-www-form-urlencoded", ("sent with Content-Type: application/json",)),
        (b'{"draft": "x"}', "text/plain", 415, "was sent as text/plain", ("Content-Type: application/json",)),
        (b'{"draft": "x"}', None, 415, "without a Content-Type header", ("Content-Type: application/json",)),
        (b'{"draft": "x",}', "application/json", 400, "is not valid JSON (expecting property name enclosed in "
         "double quotes at character 14)", ("UTF-8 encoded JSON",)),
        (b"\xff\xfe{}", "application/json", 400, "is not valid JSON", ("UTF-8 encoded JSON",)),
        (b"", "application/json", 422, "is empty", ()),
    )
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    db = tmp_path_factory.mktemp("problems") / "fb.db"
    settings = Settings(_env_file=None, COACH_BACKEND="offline", COACH_DATABASE=str(db))  # type: ignore[call-arg]
    return TestClient(create_app(settings))


def assert_plain(body: dict) -> None:
    text = json.dumps(body, ensure_ascii=False)
    for word in LIBRARY_WORDS:
        assert word not in text, f"{word!r} in {text}"


@pytest.mark.parametrize("route,body,field,problem,accepted", BAD_BODIES)
def test_a_bad_field_is_named_with_what_is_wrong_and_what_is_accepted(
    client: TestClient, route: str, body: object, field: str, problem: str, accepted: str
) -> None:
    r = client.post(route, json=body)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_input"
    assert_plain(r.json())
    assert len(error["detail"]) == 1, error["detail"]  # one problem, no follow-on noise
    [item] = error["detail"]
    assert (item["field"] or "") == field and item["in"] == "body"
    assert problem in item["problem"], item
    assert accepted in item["accepted"], item
    assert error["message"] == item["message"]
    assert error["message"].startswith(field or "the body")
    assert f"; accepted: {item['accepted']}" in error["message"]


@pytest.mark.parametrize("route,body,content_type,status,problem,accepted", BAD_RAW)
def test_a_body_that_is_not_json_says_so(
    client: TestClient, route: str, body: bytes, content_type: str | None, status: int, problem: str,
    accepted: tuple[str, ...],
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    r = client.post(route, content=body, headers=headers)
    assert r.status_code == status
    assert_plain(r.json())
    error = r.json()["error"]
    assert error["code"] == {400: "invalid_json", 415: "unsupported_media_type", 422: "invalid_input"}[status]
    assert error["message"].startswith("the body ")
    assert problem in error["message"], error["message"]
    assert all(words in error["message"].split("; accepted: ", 1)[1] for words in accepted), error["message"]


def test_several_problems_are_all_listed(client: TestClient) -> None:
    body = {"turns": [{"role": "boss", "text": ""}, TURN, {"role": "agent", "text": "x" * 4001}], "n": 0}
    r = client.post("/v1/suggestions", json=body)
    assert r.status_code == 422
    assert_plain(r.json())
    error = r.json()["error"]
    assert [d["field"] for d in error["detail"]] == ["turns[0].role", "turns[0].text", "turns[2].text", "n"]
    assert error["message"].startswith("4 problems: turns[0].role is \"boss\"")


@pytest.mark.parametrize(
    "url,field,problem,accepted",
    [
        ("/v1/guidelines/search?q=%20%20", "q", "is blank", "not blank"),
        ("/v1/guidelines/search", "q", "is missing", "text of 1 to 4,000 characters"),
        ("/v1/guidelines/search?q=refund&k=99", "k", "is 99", "a whole number from 1 to 50"),
        ("/v1/guidelines/search?q=refund&k=many", "k", "is many", "a whole number from 1 to 50"),
        ("/v1/feedback/recent?limit=0", "limit", "is 0", "a whole number from 1 to 200"),
        ("/v1/feedback/recent?verdict=liked", "verdict", "is liked", '"accepted", "edited" or "rejected"'),
    ],
)
def test_query_parameters_are_named_too(client: TestClient, url: str, field: str, problem: str, accepted: str) -> None:
    r = client.get(url)
    assert r.status_code == 422
    assert_plain(r.json())
    [item] = r.json()["error"]["detail"]
    assert (item["field"], item["in"]) == (field, "query")
    assert problem in item["problem"] and accepted in item["accepted"], item
    assert r.json()["error"]["message"].startswith(f"query parameter {field} ")


@pytest.mark.parametrize(
    "method,url,status,words",
    [
        ("GET", "/v1/nosuch", 404, "nothing is served at /v1/nosuch; the routes are listed at /docs and in docs/api.md"),
        ("GET", "/v1/validate", 405, "/v1/validate does not accept GET; accepted: POST"),
        ("DELETE", "/v1/feedback", 405, "/v1/feedback does not accept DELETE; accepted: POST"),
    ],
)
def test_unknown_routes_and_methods_say_what_exists(client: TestClient, method: str, url: str, status: int, words: str) -> None:
    r = client.request(method, url)
    assert r.status_code == status
    assert r.json()["error"]["message"] == words


def test_good_bodies_still_pass(client: TestClient) -> None:
    assert client.post("/v1/validate", json={"draft": "好的"}).status_code == 200
    assert client.post("/v1/feedback", json={**FEEDBACK, "verdict": "edited", "final_text": "好的"}).status_code == 201
    with_charset = client.post("/v1/validate", content='{"draft": "好的"}'.encode(),
                               headers={"Content-Type": "application/json; charset=utf-8"})
    assert with_charset.status_code == 200


def test_the_openapi_description_shows_the_services_error_body(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for route in ("/v1/suggestions", "/v1/validate", "/v1/feedback"):
        responses = schema["paths"][route]["post"]["responses"]
        for status in ("400", "415", "422"):
            assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "HTTPValidationError" not in json.dumps(schema)


@pytest.mark.parametrize(
    "data,words",
    [
        ({"turns": [{"role": "customer", "text": "x" * 5000}]},
         "turns[0].text is too long (5,000 characters); accepted: text of 1 to 4,000 characters"),
        ({"turns": [{"role": "boss", "text": "hi"}]}, 'turns[0].role is "boss"; accepted: "customer" or "agent"'),
        ([], "the conversation is an empty list; accepted: a JSON object with turns"),
    ],
)
def test_the_cli_reads_conversations_with_the_same_words(data: object, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_request(data)
    assert words in caught.value.message
    assert "Tuple" not in caught.value.message and "after validation" not in caught.value.message


@pytest.mark.parametrize(
    "line,message,detail",
    [
        (b'{"draft": "ok", "turns": [{"role": "boss", "text": "hi"}]}',
         'turns[0].role is "boss"; accepted: "customer" or "agent"', 'turns[0].role is "boss"'),
        (b'{"draft": "ok", "turns": [{"role": "agent", "text": "' + b"x" * 5000 + b'"}]}',
         "turns[0].text is too long (5,000 characters); accepted: text of 1 to 4,000 characters", "too long"),
        (b'{"draft": ""}', "draft is empty; accepted: text of 1 to 4,000 characters", "draft is empty"),
        (b"{bad", "line is not valid JSON", "the line is not valid JSON"),
        (b"[1]", "request must be a JSON object", "the line is a list of 1 item; accepted: a JSON object with draft"),
    ],
)
def test_coach_validate_reports_bad_lines_in_the_same_words(line: bytes, message: str, detail: str) -> None:
    out = io.BytesIO()
    validate_lines(io.BytesIO(line + b"\n"), out)
    error = json.loads(out.getvalue())["error"]
    assert error["message"] == message
    assert detail in error["detail"][0]["msg"]
    assert_plain(error)
