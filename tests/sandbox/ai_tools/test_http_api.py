"""The generic HTTP API simulator (sandbox/http_api.py) on a toy API: routes, auth, paging helpers,
the per-credential rate limit and its refusal count, faults, retired endpoints, the request log."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.framework import AdminError
from sandbox.http_api import ApiError, HttpApi, Request, Route, decode_cursor, encode_cursor, page_slice

pytestmark = pytest.mark.no_warehouse


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ToyApi(HttpApi):
    name = "toy"
    ROUTES = (
        Route("GET", "/v1/items", "items", "_items"),
        Route("GET", "/v1/items/{item_id}", "item", "_item"),
        Route("POST", "/v1/search", "search", "_search"),
    )

    def authenticate(self, request: Request) -> str | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        return {"secret-a": "key-a", "secret-b": "key-b"}.get(token)

    def error_body(self, status: int, message: str, request: Request | None = None) -> Any:
        return {"detail": message, "code": status}

    def _items(self, request: Request) -> Any:
        chunk, total, more = page_slice(list(range(23)), int(request.param("page", "1")), 10)
        groups = request.params.get("g", [])
        return {"data": chunk, "total_pages": total, "has_more": more, "group_by": groups}

    def _item(self, request: Request) -> Any:
        if request.path_params["item_id"] == "missing":
            raise ApiError(404, "no such item")
        return {"id": request.path_params["item_id"]}

    def _search(self, request: Request) -> Any:
        return {"echo": request.json()}


def call(api: ToyApi, method: str, path: str, query: str = "", token: str = "secret-a", body: Any = None):
    headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1:9"} if token else {}
    data = json.dumps(body).encode() if body is not None else b""
    response = api.handle(method, path, query, headers, data)
    return response.status, (json.loads(response.body) if response.body else None), response.headers


def test_routes_path_parameters_repeated_parameters_and_error_bodies() -> None:
    api = ToyApi()
    status, body, _ = call(api, "GET", "/v1/items", "page=3&g=user_id&g=model")
    assert status == 200 and body == {"data": [20, 21, 22], "total_pages": 3, "has_more": False,
                                      "group_by": ["user_id", "model"]}  # fmt: skip
    assert call(api, "GET", "/v1/items/abc")[1] == {"id": "abc"}
    assert call(api, "GET", "/v1/items/missing")[:2] == (404, {"detail": "no such item", "code": 404})
    assert call(api, "POST", "/v1/search", body={"q": 1})[1] == {"echo": {"q": 1}}
    assert call(api, "GET", "/v2/nothing")[0] == 404
    assert call(api, "GET", "/v1/items", token="wrong")[0] == 401
    assert call(api, "GET", "/v1/items", token="")[0] == 401


def test_cursors_are_opaque_and_checked() -> None:
    cursor = encode_cursor(40, "items")
    assert decode_cursor(cursor, "items") == 40
    for bad in ("garbage", encode_cursor(40, "other")):
        with pytest.raises(ApiError) as error:
            decode_cursor(bad, "items")
        assert error.value.status == 400


def test_rate_limit_per_credential_with_burst_counts_every_refusal() -> None:
    clock = Clock()
    api = ToyApi(per_minute=10, burst=20, clock=clock)
    statuses = [call(api, "GET", "/v1/items")[0] for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    status, _, headers = call(api, "GET", "/v1/items")
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert call(api, "GET", "/v1/items", token="secret-b")[0] == 200  # another credential's bucket
    assert api.state()["refused"] == 2
    clock.now += 6  # 10 a minute: one request every 6 seconds
    assert call(api, "GET", "/v1/items")[0] == 200
    assert call(api, "GET", "/v1/items")[0] == 429


def test_a_client_keeping_to_the_sliding_window_is_never_refused() -> None:
    clock = Clock()
    api = ToyApi(per_minute=10, clock=clock)
    sent: list[float] = []
    for _ in range(60):  # at most 10 calls in any 60 s, as loaders/common/budget.py keeps them
        while len([t for t in sent if clock.now - t < 60]) >= 10:
            clock.now += 0.5
        sent.append(clock.now)
        assert call(api, "GET", "/v1/items")[0] == 200
    assert api.state()["refused"] == 0


def test_faults_retired_endpoints_and_the_request_log() -> None:
    api = ToyApi(retired="item")
    assert call(api, "GET", "/v1/items/abc")[:2] == (404, {"detail": "Not Found", "code": 404})
    api.admin("POST", "restore", {}, {"endpoint": "item"})
    assert call(api, "GET", "/v1/items/abc")[0] == 200
    api.admin("POST", "retire", {}, {"endpoint": "items", "status": 410})
    assert call(api, "GET", "/v1/items")[0] == 410
    assert api.state()["retired"] == {"items": 410}
    with pytest.raises(ValueError):
        api.admin("POST", "retire", {}, {"endpoint": "nope"})
    with pytest.raises(AdminError):
        api.admin("POST", "retire", {}, {})
    api.admin("POST", "restore", {}, {})

    api.admin("POST", "faults", {}, {"kind": "http503", "endpoint": "items", "count": 2})
    assert [call(api, "GET", "/v1/items")[0] for _ in range(3)] == [503, 503, 200]
    assert call(api, "GET", "/v1/items", "token=secret-a&page=2")[0] == 200
    log = api.request_log("items")
    assert [e["http_status"] for e in log] == [410, 503, 503, 200, 200]
    assert log[-1]["params"] == {"page": "2"}, "a credential-like parameter never reaches the log"
    assert "secret-a" not in json.dumps(api.admin("GET", "requests", {}, {}))
    assert api.state()["refused"] == 0, "faults are not rate-limit refusals"


def test_tick_moves_the_day() -> None:
    api = ToyApi(day=2)
    assert api.tick(3)["day"] == 5 and api.state()["date"] == "2026-11-06"
