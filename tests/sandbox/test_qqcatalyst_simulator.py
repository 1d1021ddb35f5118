"""The QQCatalyst simulator against the issue-17 contract (OAuth2, sync windows, envelope, planted values)."""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
import requests

from sandbox import registry
from sandbox.framework import LoaderContext, simulated_date
from sandbox.qqcatalyst.agencies import AGENCY_NAMES, sandbox_agencies
from sandbox.qqcatalyst.catalog import ENTITIES, STATUSES, US_STATES, WINDOWED
from sandbox.qqcatalyst.envelope import MAX_PAGE_SIZE
from sandbox.qqcatalyst.generator import HISTORY_START, QQCatalystGenerator
from sandbox.qqcatalyst.spec import SPEC
from sandbox.server import RunningSandbox, start_sandbox_server

# Never touches a warehouse: CI runs it once, in the DuckDB leg (pytest -m "not no_warehouse").
pytestmark = pytest.mark.no_warehouse

SEED = 42
SCALE = 0.2  # about 1,000 records an agency: fast, yet every entity, rule and lifecycle is there
TODAY = simulated_date(0).isoformat()
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
ENVELOPE_KEYS = {
    "Data",
    "PageNumber",
    "PagesTotal",
    "TotalItems",
    "IsSuccess",
    "ErrorCode",
    "ErrorMessage",
    "DisplayMessage",
    "Links",
    "Href",
}
BY_NAME = {entity.name: entity for entity in ENTITIES}


class QQClient:
    """Calls one agency of a running sandbox: tokens from its configured grant, then data calls."""

    def __init__(self, sandbox: RunningSandbox, agency: str) -> None:
        self.sandbox = sandbox
        self.agency = agency
        self.base_url = sandbox.mount_url("qqcatalyst")
        self.secrets = sandbox.qqcatalyst.credentials()[agency]
        self.session = requests.Session()
        self.token = self.grant().json()["access_token"]

    def grant(self, **form: str) -> requests.Response:
        """The token endpoint with this agency's configured grant (password or refresh token)."""
        grant = "refresh_token" if "refresh_token" in self.secrets else "password"
        data = {"grant_type": grant, **self.secrets, **form}
        return self.session.post(f"{self.base_url}/oauth/token", data=data, timeout=10)

    def raw(
        self, path: str, params: dict[str, Any] | None = None, token: str | None = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token if token is not None else self.token}"}
        return self.session.get(f"{self.base_url}/{path}", params=params, headers=headers, timeout=10)

    def window(self, entity: str, start: str, end: str, page: int = 1, size: int = 100) -> dict[str, Any]:
        params = {"startDate": start, "endDate": end, "pageNumber": page, "pageSize": size}
        response = self.raw(f"v1/{entity}/LastModifiedCreated", params)
        assert response.status_code == 200, response.text[:300]
        body = response.json()
        assert set(body) == ENVELOPE_KEYS and body["IsSuccess"] is True, body
        return body

    def every(self, entity: str, start: str, end: str, size: int = 100) -> tuple[list[dict[str, Any]], int]:
        """Every record of a window, paged until PageNumber >= PagesTotal; (records, TotalItems)."""
        records: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.window(entity, start, end, page, size)
            assert body["PageNumber"] == page and body["PagesTotal"] == math.ceil(body["TotalItems"] / size)
            records += body["Data"]
            if body["PageNumber"] >= body["PagesTotal"]:
                return records, body["TotalItems"]
            page += 1

    def reference(self, entity: str, size: int = 100) -> list[dict[str, Any]]:
        body = self.raw(f"v1/{entity}", {"pageSize": size}).json()
        assert body["IsSuccess"] and body["PagesTotal"] == 1, body
        return body["Data"]


def _start(**options: Any) -> RunningSandbox:
    scale = options.pop("scale", SCALE)
    return start_sandbox_server(seed=SEED, scale=scale, simulators=("qqcatalyst",), qqcatalyst=options)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    # No rate limit to speak of, and short stalls: the shared sandbox is about data and faults.
    server = _start(requests_per_minute=100_000, fault_timeout=0.3)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def harbor(sandbox: RunningSandbox) -> QQClient:
    return QQClient(sandbox, "harbor")


@pytest.fixture(scope="module")
def summit(sandbox: RunningSandbox) -> QQClient:
    return QQClient(sandbox, "summit")


@pytest.fixture(autouse=True)
def _clear_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").qqcatalyst.clear_faults()


def _sort_key(record: dict[str, Any], entity: str) -> tuple[str, int]:
    return record["DateLastModified"], record[BY_NAME[entity].id_field]


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------


def test_password_and_refresh_token_grants(sandbox, harbor, summit) -> None:
    granted = harbor.grant()
    assert granted.status_code == 200 and granted.headers["Cache-Control"] == "no-store"
    answer = granted.json()
    assert set(answer) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert answer["token_type"] == "bearer" and answer["expires_in"] == 3600
    # The refresh token a password grant returns gets new tokens, and stays valid (no rotation).
    refresh = {
        "grant_type": "refresh_token",
        "client_id": harbor.secrets["client_id"],
        "client_secret": harbor.secrets["client_secret"],
        "refresh_token": answer["refresh_token"],
    }
    for _ in range(2):
        again = requests.post(f"{harbor.base_url}/oauth/token", data=refresh, timeout=10).json()
        assert (
            again["refresh_token"] == answer["refresh_token"]
            and again["access_token"] != answer["access_token"]
        )
    assert harbor.reference("Agency", 10)[0]["AgencyName"] == "Harbor Insurance Group"
    assert harbor.raw("v1/Agency", token=again["access_token"]).json()["Data"][0]["AgencyId"] == 31877
    # summit is configured with a standing refresh token only.
    assert set(summit.secrets) == {"client_id", "client_secret", "refresh_token"}
    assert summit.reference("Agency", 10)[0]["AgencyName"] == "Summit Risk Partners"
    # JSON bodies are accepted as well as form fields.
    as_json = requests.post(f"{harbor.base_url}/oauth/token", json=refresh, timeout=10)
    assert as_json.status_code == 200


def test_wrong_credentials_are_refused_with_400(sandbox, harbor, summit) -> None:
    cases = {
        "wrong password": harbor.grant(password="nope"),
        "wrong user": harbor.grant(username="someone@example.com"),
        "wrong secret": harbor.grant(client_secret="0" * 40),
        "unknown client": harbor.grant(client_id="00000000-0000-0000-0000-000000000000"),
        "bad refresh token": summit.grant(refresh_token="not-a-token"),
        # summit's refresh token with harbor's app: tokens belong to one agency.
        "other agency's refresh token": requests.post(
            f"{harbor.base_url}/oauth/token",
            data={
                "grant_type": "refresh_token",
                "client_id": harbor.secrets["client_id"],
                "client_secret": harbor.secrets["client_secret"],
                "refresh_token": summit.secrets["refresh_token"],
            },
            timeout=10,
        ),
    }
    secrets = [
        value for agency in AGENCY_NAMES for value in sandbox.qqcatalyst.credentials()[agency].values()
    ]
    for case, response in cases.items():
        assert response.status_code == 400, case
        assert response.json()["error"] == "invalid_grant" and response.json()["error_description"], case
        assert not any(secret in response.text for secret in secrets), case
    assert harbor.grant(grant_type="authorization_code").json()["error"] == "unsupported_grant_type"
    missing = requests.post(f"{harbor.base_url}/oauth/token", data={"grant_type": "password"}, timeout=10)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert requests.get(f"{harbor.base_url}/oauth/token", timeout=10).status_code == 405


def test_a_client_credentials_token_identifies_no_user(sandbox, harbor) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": harbor.secrets["client_id"],
        "client_secret": harbor.secrets["client_secret"],
    }
    granted = requests.post(f"{harbor.base_url}/oauth/token", data=form, timeout=10)
    assert granted.status_code == 200 and "refresh_token" not in granted.json()
    refused = harbor.raw("v1/Carriers", token=granted.json()["access_token"])
    assert refused.status_code == 401
    body = refused.json()
    assert body["IsSuccess"] is False and body["ErrorMessage"] == "User cannot be identified"
    assert body["Data"] is None and set(body) == ENVELOPE_KEYS


def test_tokens_expire_on_the_clock() -> None:
    now = [1_000.0]
    server = _start(scale=0.05, token_ttl_seconds=60, clock=lambda: now[0])
    try:
        client = QQClient(server, "harbor")
        assert client.grant().json()["expires_in"] == 60
        assert client.raw("v1/Locations").status_code == 200
        now[0] += 59.9
        assert client.raw("v1/Locations").status_code == 200
        now[0] += 0.2
        expired = client.raw("v1/Locations")
        assert expired.status_code == 401 and expired.headers["WWW-Authenticate"] == "Bearer"
        assert expired.json()["ErrorMessage"] == "Authorization has been denied for this request."
        assert expired.json()["IsSuccess"] is False
        client.token = client.grant().json()["access_token"]  # the loader refreshes once on a 401
        assert client.raw("v1/Locations").status_code == 200
        for token in ("", "unknown"):
            assert client.raw("v1/Locations", token=token).status_code == 401
        assert server.qqcatalyst.state()["agencies"][0]["unauthorized"] == 1  # unknown tokens name no agency
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------
# Windows, pages and the envelope
# --------------------------------------------------------------------------------------------


def test_paging_a_wide_window_returns_every_record_in_order(sandbox, harbor, summit) -> None:
    for client in (harbor, summit):
        for entity in WINDOWED:
            table = BY_NAME[entity].table
            records, total = client.every(entity, HISTORY_START.isoformat(), TODAY, size=97)
            truth = sandbox.qqcatalyst.records(client.agency, table)
            assert total == len(records) == len(truth) > 0, entity
            assert records == sorted(truth, key=lambda r: _sort_key(r, entity)), entity
            assert all(
                TIMESTAMP.match(r["CreatedOn"]) and r["CreatedOn"] <= r["DateLastModified"] for r in records
            )
            assert all(isinstance(r["IsDeleted"], bool) for r in records)
        for entity in ("Carriers", "Locations", "Departments", "Employees", "Agency"):
            table = BY_NAME[entity].table
            assert client.reference(entity) == sorted(
                sandbox.qqcatalyst.records(client.agency, table), key=lambda r: _sort_key(r, entity)
            )


def test_pages_links_and_an_empty_window(harbor) -> None:
    first = harbor.window("Contacts", HISTORY_START.isoformat(), TODAY, 1, 25)
    assert first["PagesTotal"] == math.ceil(first["TotalItems"] / 25) >= 3
    assert [link["Rel"] for link in first["Links"]] == ["next"]
    following = requests.get(
        first["Links"][0]["Href"], headers={"Authorization": f"Bearer {harbor.token}"}, timeout=10
    ).json()
    assert following["PageNumber"] == 2 and following["TotalItems"] == first["TotalItems"]
    assert [link["Rel"] for link in following["Links"]] == ["next", "previous"]
    assert "pageNumber=2" in following["Href"] and "startDate=2026-01-01" in following["Href"]
    last = harbor.window("Contacts", HISTORY_START.isoformat(), TODAY, first["PagesTotal"], 25)
    assert [link["Rel"] for link in last["Links"]] == ["previous"] and 0 < len(last["Data"]) <= 25
    beyond = harbor.window("Contacts", HISTORY_START.isoformat(), TODAY, first["PagesTotal"] + 1, 25)
    assert beyond["Data"] == [] and beyond["TotalItems"] == first["TotalItems"]

    empty = harbor.window("Claims", "2025-06-01", "2025-06-07")
    assert (empty["Data"], empty["PageNumber"], empty["PagesTotal"], empty["TotalItems"]) == ([], 1, 0, 0)
    assert harbor.window("Claims", "2025-06-01", "2025-06-07", size=MAX_PAGE_SIZE)["IsSuccess"]


def test_windows_are_inclusive_on_both_dates(sandbox, harbor) -> None:
    truth = sandbox.qqcatalyst.records("harbor", "policies")
    busiest = Counter(r["DateLastModified"][:10] for r in truth).most_common(1)[0][0]
    one_day = harbor.every("Policies", busiest, busiest)[0]
    assert {r["PolicyId"] for r in one_day} == {
        r["PolicyId"] for r in truth if r["DateLastModified"][:10] == busiest
    }
    # A first load from 2026-01-01 in 7-day windows: 44 windows, each record in exactly one.
    seen: list[int] = []
    start, windows = HISTORY_START, 0
    while start.isoformat() <= TODAY:
        end = start + timedelta(days=6)
        records, total = harbor.every("Policies", start.isoformat(), end.isoformat())
        assert total == len(records)
        assert all(start.isoformat() <= r["DateLastModified"][:10] <= end.isoformat() for r in records)
        seen += [r["PolicyId"] for r in records]
        start, windows = end + timedelta(days=1), windows + 1
    assert windows == 44
    assert sorted(seen) == sorted(r["PolicyId"] for r in truth)


def test_bad_requests_get_envelope_errors(harbor) -> None:
    path = "v1/Quotes/LastModifiedCreated"
    cases = [
        ({"endDate": TODAY}, "startDate"),
        ({"startDate": "2026-02-30", "endDate": TODAY}, "startDate"),
        ({"startDate": "01/02/2026", "endDate": TODAY}, "startDate"),
        ({"startDate": "2026-01-01", "endDate": TODAY, "pageSize": MAX_PAGE_SIZE + 1}, "pageSize"),
        ({"startDate": "2026-01-01", "endDate": TODAY, "pageSize": 0}, "pageSize"),
        ({"startDate": "2026-01-01", "endDate": TODAY, "pageNumber": 0}, "pageNumber"),
        ({"startDate": "2026-01-01", "endDate": TODAY, "pageNumber": "two"}, "pageNumber"),
    ]
    for params, named in cases:
        response = harbor.raw(path, params)
        assert response.status_code == 400, params
        body = response.json()
        assert (
            body["IsSuccess"] is False
            and body["ErrorCode"] == "InvalidRequest"
            and named in body["ErrorMessage"]
        )
        assert body["Data"] is None
    backwards = harbor.raw(path, {"startDate": "2026-03-01", "endDate": "2026-02-01"})
    assert backwards.status_code == 200  # a permanent error in the envelope, on HTTP 200
    assert backwards.json()["IsSuccess"] is False and backwards.json()["ErrorCode"] == "InvalidRequest"
    assert (
        harbor.raw("v1/Unknown/LastModifiedCreated", {"startDate": TODAY, "endDate": TODAY}).status_code
        == 404
    )
    assert harbor.raw("v1/Carriers/LastModifiedCreated").status_code == 404  # reference data has no windows
    assert harbor.raw("v1/Quotes").status_code == 404
    posted = harbor.session.post(
        f"{harbor.base_url}/{path}", headers={"Authorization": f"Bearer {harbor.token}"}, timeout=10
    )
    assert posted.status_code == 405 and posted.json()["IsSuccess"] is False
    # Routes and parameter names match case-insensitively, as ASP.NET's do.
    relaxed = harbor.raw("v1/quotes/lastmodifiedcreated", {"startdate": "2026-01-01", "ENDDATE": TODAY})
    assert relaxed.status_code == 200 and relaxed.json()["TotalItems"] > 0


# --------------------------------------------------------------------------------------------
# Faults, rate limits and the request log
# --------------------------------------------------------------------------------------------


def _fault(sandbox: RunningSandbox, **fault: Any) -> requests.Response:
    return requests.post(f"{sandbox.url}/_sandbox/qqcatalyst/faults", json=fault, timeout=10)


def test_faults_per_agency_and_endpoint(sandbox, harbor, summit) -> None:
    window = {"startDate": "2026-03-01", "endDate": "2026-03-07"}
    policies = "v1/Policies/LastModifiedCreated"
    assert _fault(sandbox, kind="503", agency="harbor", endpoint="Policies", count=2).ok
    assert summit.raw(policies, window).status_code == 200
    assert harbor.raw("v1/Claims/LastModifiedCreated", window).status_code == 200
    answers = [harbor.raw(policies, window) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].headers["Content-Type"].startswith("text/html")

    _fault(sandbox, kind="429", endpoint="Policies")
    limited = summit.raw(policies, window)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"

    _fault(sandbox, kind="envelope_error", agency="harbor")
    busy = harbor.raw(policies, window)
    assert busy.status_code == 200
    assert busy.json()["IsSuccess"] is False and busy.json()["ErrorCode"] == "ServerBusy"
    assert busy.json()["Data"] is None and busy.json()["ErrorMessage"]
    assert harbor.raw(policies, window).json()["IsSuccess"] is True  # transient

    _fault(sandbox, kind="expire_token", agency="summit")
    assert summit.raw(policies, window).status_code == 401
    assert summit.raw(policies, window).status_code == 401  # an expired token stays expired
    summit.token = summit.grant().json()["access_token"]
    assert summit.raw(policies, window).status_code == 200

    _fault(sandbox, kind="timeout", agency="harbor", endpoint="Fees")
    started = time.monotonic()
    assert harbor.raw("v1/Fees/LastModifiedCreated", window).status_code == 200  # after the stall
    assert time.monotonic() - started >= 0.3

    _fault(sandbox, kind="503", endpoint="token")
    assert harbor.grant().status_code == 503
    assert harbor.grant().status_code == 200
    assert requests.get(f"{sandbox.url}/_sandbox/qqcatalyst/faults", timeout=10).json() == []
    for bad, message in (
        ({"kind": "meteor"}, "unknown fault kind"),
        ({"kind": "503", "agency": "x"}, "unknown agency"),
        ({"kind": "503", "endpoint": "Orders"}, "unknown endpoint"),
        ({"kind": "envelope_error", "endpoint": "token"}, "token endpoint"),
    ):
        refused = _fault(sandbox, **bad)
        assert refused.status_code == 400 and message in refused.json()["error"], bad


def test_the_rate_limit_is_per_agency_credential() -> None:
    now = [500.0]
    server = _start(scale=0.05, requests_per_minute=3, clock=lambda: now[0])
    try:
        harbor, summit = QQClient(server, "harbor"), QQClient(server, "summit")
        for _ in range(4):  # token calls go to the login server: not counted
            harbor.grant()
        statuses = []
        for _ in range(4):
            statuses.append(harbor.raw("v1/Carriers").status_code)
            now[0] += 10
        assert statuses == [200, 200, 200, 429]
        limited = harbor.raw("v1/Carriers")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "20"
        assert limited.json()["IsSuccess"] is False and limited.json()["ErrorCode"] == "TooManyRequests"
        assert summit.raw("v1/Carriers").status_code == 200  # its own budget
        now[0] += 20
        assert harbor.raw("v1/Carriers").status_code == 200
        state = server.qqcatalyst.state()["agencies"]
        assert [(a["name"], a["requests_per_minute"], a["rate_limited"]) for a in state] == [
            ("harbor", 3, 2),
            ("summit", 3, 0),
        ]
        raised = requests.post(
            f"{server.url}/_sandbox/qqcatalyst/rate_limit",
            json={"requests_per_minute": 100, "agency": "harbor"},
            timeout=10,
        )
        assert raised.ok and [a["requests_per_minute"] for a in raised.json()["agencies"]] == [100, 3]
        assert all(harbor.raw("v1/Carriers").status_code == 200 for _ in range(10))
    finally:
        server.stop()


def test_request_log_names_agency_and_endpoint_and_no_secret(sandbox, harbor) -> None:
    requests.post(f"{sandbox.url}/_sandbox/qqcatalyst/requests/clear", timeout=10)
    harbor.grant()
    harbor.window("Renewals", "2026-05-01", "2026-05-31", size=5)
    harbor.raw("v1/Renewals/LastModifiedCreated", {"startDate": "bad", "endDate": TODAY})
    entries = requests.get(
        f"{sandbox.url}/_sandbox/qqcatalyst/requests", params={"agency": "harbor"}, timeout=10
    ).json()
    assert [(e["endpoint"], e["http_status"], e["status"]) for e in entries] == [
        ("token", 200, "ok"),
        ("Renewals", 200, "ok"),
        ("Renewals", 400, "error"),
    ]
    assert entries[0]["grant_type"] == "password"
    assert entries[1]["returned"] <= 5 and entries[1]["total_items"] >= entries[1]["returned"]
    assert entries[1]["query"]["startdate"] == "2026-05-01"
    logged = json.dumps(entries)
    assert not any(secret in logged for secret in [*harbor.secrets.values(), harbor.token])


# --------------------------------------------------------------------------------------------
# Ticks and determinism
# --------------------------------------------------------------------------------------------


def test_tick_brings_updates_soft_and_hard_deletes() -> None:
    server = _start(scale=1.0, requests_per_minute=100_000)  # a few soft and hard deletes a day
    try:
        client = QQClient(server, "harbor")
        simulator = server.qqcatalyst

        def everything() -> dict[tuple[str, int], dict[str, Any]]:
            found = {}
            for entity in WINDOWED:
                records, _ = client.every(entity, HISTORY_START.isoformat(), "2026-12-31", size=MAX_PAGE_SIZE)
                found.update({(entity, r[BY_NAME[entity].id_field]): r for r in records})
            return found

        before = everything()
        result = requests.post(f"{server.url}/_sandbox/tick", json={"days": 4}, timeout=60).json()
        assert result["day"] == 4 and result["date"] == "2026-11-05"
        detail = result["simulators"]["qqcatalyst"]["detail"]["harbor"]
        after = everything()
        new = set(after) - set(before)
        changed = {key for key in before if key in after and after[key] != before[key]}
        gone = set(before) - set(after)
        assert new and changed and gone
        assert (len(new), len(changed)) == (detail["new"], detail["updated"])
        tick_days = {"2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"}
        assert all(after[key]["DateLastModified"][:10] in tick_days for key in new | changed)
        # Late modifications never go back in time.
        assert all(
            after[key]["DateLastModified"] >= before[key]["DateLastModified"]
            for key in set(before) & set(after)
        )
        soft = [key for key in changed if after[key]["IsDeleted"] and not before[key]["IsDeleted"]]
        assert len(soft) == detail["soft_deleted"] > 0
        assert all(after[key]["Status"] == "D" for key in soft if key[0] == "Contacts")
        # Gone from every endpoint, and in the ground truth (which also has any record made and
        # purged within the tick, never seen here).
        hard = {(BY_NAME[entity].table, str(record_id)) for entity, record_id in gone}
        assert hard <= set(simulator.hard_deleted("harbor"))
        assert len(simulator.hard_deleted("harbor")) == detail["hard_deleted"] >= len(hard)
        # An incremental run over the tick's days finds exactly what was created or changed.
        incremental = set()
        for entity in WINDOWED:
            records, _ = client.every(entity, "2026-11-02", "2026-11-05", size=MAX_PAGE_SIZE)
            incremental |= {(entity, r[BY_NAME[entity].id_field]) for r in records}
        assert incremental == new | changed
        admin = requests.get(
            f"{server.url}/_sandbox/qqcatalyst/hard_deleted", params={"agency": "harbor"}, timeout=10
        ).json()
        assert sorted(map(tuple, admin)) == sorted(simulator.hard_deleted("harbor"))
    finally:
        server.stop()


def _snapshot(generator: QQCatalystGenerator) -> dict[str, Any]:
    return {
        agency: {
            "records": {entity.table: generator.records(agency, entity.table) for entity in ENTITIES},
            "planted": generator.planted(agency),
            "hard_deleted": generator.hard_deleted(agency),
        }
        for agency in AGENCY_NAMES
    }


def test_same_seed_same_data_and_ticks_replay_identically() -> None:
    agencies = sandbox_agencies(SEED)
    built = QQCatalystGenerator(agencies, seed=SEED, scale=0.1, day=0)
    assert _snapshot(built) == _snapshot(QQCatalystGenerator(agencies, seed=SEED, scale=0.1, day=0))
    other = QQCatalystGenerator(sandbox_agencies(SEED + 1), seed=SEED + 1, scale=0.1, day=0)
    assert (
        _snapshot(other)["harbor"]["records"]["policies"] != _snapshot(built)["harbor"]["records"]["policies"]
    )
    built.advance(1)
    built.advance(1)
    at_two = QQCatalystGenerator(agencies, seed=SEED, scale=0.1, day=2)
    assert built.day == at_two.day == 2
    assert _snapshot(built) == _snapshot(at_two)
    assert _snapshot(built)["harbor"]["hard_deleted"]  # every tick day hard-deletes something


def test_volumes_at_scale_1() -> None:
    started = time.perf_counter()
    generator = QQCatalystGenerator(sandbox_agencies(SEED), seed=SEED, scale=1.0, day=0)
    assert time.perf_counter() - started < 5  # every sandbox start builds it
    for agency in AGENCY_NAMES:
        counts = generator.world(agency).counts()
        assert 4_000 <= sum(counts.values()) <= 6_000, counts
        assert 300 <= counts["contacts"] <= 550 and 450 <= counts["policies"] <= 800, counts
        assert 10 <= counts["carriers"] <= 14 and counts["locations"] == 3 and counts["departments"] == 6
        assert 22 <= counts["employees"] <= 32 and counts["agencies"] == 1
        assert all(counts[e.table] > 20 for e in ENTITIES if e.windowed), counts
        invalid = sum(1 for p in generator.planted(agency) if p.rule is not None)
        assert 0.03 <= invalid / sum(counts.values()) <= 0.06
    # Scale multiplies the volume.
    small = QQCatalystGenerator(sandbox_agencies(SEED), seed=SEED, scale=0.25, day=0)
    ratio = len(small.records("harbor", "policies")) / len(generator.records("harbor", "policies"))
    assert 0.15 < ratio < 0.4


# --------------------------------------------------------------------------------------------
# The ground truth: planted values and relationships
# --------------------------------------------------------------------------------------------

# The contract's rule table, written out independently of the generator.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_RULE_OF_FIELD = {
    **dict.fromkeys(("EmailAddress", "Email", "ClaimantEmail"), "email"),
    **dict.fromkeys(("PhoneNumber", "Phone", "ClaimantPhone"), "phone"),
    "Zip": "zip",
    **dict.fromkeys(("State", "LicenseState"), "state"),
    **dict.fromkeys(
        (
            "TotalPremium",
            "QuotedPremium",
            "PaidAmount",
            "ReserveAmount",
            "RenewalPremium",
            "ReturnPremium",
            "Amount",
            "Premium",
            "Limit",
            "Deductible",
            "Value",
        ),
        "currency",
    ),
    **dict.fromkeys(
        (
            "EffectiveDate",
            "ExpirationDate",
            "DateOfBirth",
            "LossDate",
            "ReportedDate",
            "ClosedDate",
            "RenewalDate",
            "TerminationDate",
            "BillingDate",
            "DueDate",
            "QuoteDate",
            "SubmittedDate",
            "StatementDate",
            "PaidDate",
            "FeeDate",
            "FormDate",
            "HireDate",
        ),
        "date",
    ),
    **dict.fromkeys(("Status", "TerminationType", "CommissionType", "FeeType"), "status"),
    **dict.fromkeys(("AgencyGuid", "ContactGuid", "PolicyGuid", "QuoteGuid", "DocumentGuid"), "uuid"),
}


def _standardise(rule: str, raw: Any, table: str, field: str) -> tuple[bool, str | None]:
    """(valid, standardised text) of a non-null value under `rule`, as the dbt validation decides."""
    if rule == "currency":
        if isinstance(raw, int | float):
            return True, f"{Decimal(str(raw)):.2f}"
        text = raw.strip()
        negative = text.startswith("(") and text.endswith(")")
        text = text.strip("()").replace("$", "").replace(",", "")
        try:
            if not re.fullmatch(r"-?\d+(\.\d+)?", text):
                raise InvalidOperation
            amount = Decimal(text)
        except InvalidOperation:
            return False, None
        return True, f"{-amount if negative else amount:.2f}"
    text = raw.strip()
    if rule == "email":
        return (True, text.lower()) if _EMAIL.match(text.lower()) else (False, None)
    if rule == "phone":
        text = re.sub(r"\s*x\d+$", "", text)
        digits = re.sub(r"\D", "", text)
        if len(digits) == 11 and digits[0] == "1":
            digits = digits[1:]
        if re.search(r"[A-Za-z]", text) or len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
            return False, None
        return True, f"+1{digits}"
    if rule == "zip":
        if re.fullmatch(r"\d{5}(-\d{4})?", text):
            return True, text
        if re.fullmatch(r"\d{9}", text):
            return True, f"{text[:5]}-{text[5:]}"
        return (False, f"0{text}") if re.fullmatch(r"\d{4}", text) else (False, None)
    if rule == "state":
        return (True, text.upper()) if text.upper() in US_STATES else (False, None)
    if rule == "date":
        try:
            return (True, text) if len(text) == 10 and date.fromisoformat(text) else (False, None)
        except ValueError:
            return False, None
    if rule == "status":
        allowed = STATUSES[table][field]
        found = [value for value in allowed if value.lower() == text.lower()]
        return (True, found[0]) if found else (False, None)
    return (True, text.lower()) if _UUID.match(text.lower()) else (False, None)


def _checked_fields(value: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, field name, value) of every field a rule checks, nested lists and objects included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _checked_fields(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _checked_fields(item, f"{path}[{index}]")
    else:
        name = re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])
        if name in _RULE_OF_FIELD and value is not None and value != "":
            yield path, name, value


def test_every_planted_value_is_served_and_breaks_exactly_its_rule(sandbox) -> None:
    simulator = sandbox.qqcatalyst
    for agency in AGENCY_NAMES:
        planted = {(p.entity, p.source_id, p.field): p for p in simulator.planted(agency)}
        assert len(planted) == len(simulator.planted(agency))  # one entry per field
        found: set[tuple[str, str, str]] = set()
        for entity in ENTITIES:
            for record in simulator.records(agency, entity.table):
                source_id = str(record[entity.id_field])
                for path, name, raw in _checked_fields(record):
                    rule = _RULE_OF_FIELD[name]
                    valid, standardised = _standardise(rule, raw, entity.table, name)
                    entry = planted.get((entity.table, source_id, path))
                    where = f"{agency} {entity.table} {source_id} {path} = {raw!r}"
                    if entry is None:  # clean: valid and already in its standardised form
                        assert valid and (standardised == raw or rule == "currency"), where
                        assert rule != "currency" or isinstance(raw, int | float), where
                        continue
                    found.add((entity.table, source_id, path))
                    assert entry.raw_value == raw, where
                    assert valid == (entry.rule is None) and standardised == entry.standardised, where
                    assert entry.rule in (None, rule), where
        assert found == set(planted), f"{agency}: planted values not in the served records"
        rules = Counter(p.rule for p in planted.values())
        assert set(rules) == {None, "email", "phone", "zip", "state", "currency", "date", "status", "uuid"}, (
            rules
        )
        messy = Counter(
            _RULE_OF_FIELD[re.sub(r"\[\d+\]$", "", p.field.rsplit(".", 1)[-1])]
            for p in planted.values()
            if p.rule is None
        )
        assert {"email", "phone", "zip", "state", "currency", "status", "uuid"} <= set(messy), messy
        assert messy["phone"] > rules["phone"]  # messy phones are frequent, invalid ones rare
        # One invalid value at most per record.
        spoiled = Counter((p.entity, p.source_id) for p in planted.values() if p.rule is not None)
        assert set(spoiled.values()) == {1}
    assert any(p.rule == "zip" and p.standardised for p in simulator.planted("harbor"))  # a 4-digit ZIP


def test_relationships_hold(sandbox) -> None:
    simulator = sandbox.qqcatalyst
    for agency in AGENCY_NAMES:
        tables = {e.table: {r[e.id_field]: r for r in simulator.records(agency, e.table)} for e in ENTITIES}
        contacts, policies, carriers = tables["contacts"], tables["policies"], tables["carriers"]
        employees, locations, departments = tables["employees"], tables["locations"], tables["departments"]
        for table in (
            "claims",
            "commissions",
            "fees",
            "terminations",
            "billing_records",
            "acord_forms",
            "renewals",
        ):
            assert all(r["PolicyId"] in policies for r in tables[table].values()), table
        for policy in policies.values():
            assert policy["CustomerId"] in contacts and policy["CarrierId"] in carriers
            assert policy["AgentId"] in employees and policy["LocationID"] in locations
            assert policy["CustomerName"] == contacts[policy["CustomerId"]]["DisplayName"]
            assert (
                bool(policy["Drivers"])
                == bool(policy["Vehicles"])
                == (policy["LOB"] in ("Personal Auto", "Commercial Auto"))
            )
            assert bool(policy["Equipment"]) == (
                policy["LOB"] in ("General Liability", "Commercial Property")
            )
            assert policy["Coverages"]
        assert len({p["PolicyNumber"] for p in policies.values()}) == len(policies)
        # A renewal replaces its policy: the new one points back at the old one, and only renewals do.
        renewed = {r["NewPolicyId"]: r["PolicyId"] for r in tables["renewals"].values() if r["NewPolicyId"]}
        assert renewed
        for renewal in tables["renewals"].values():
            valid, status = _standardise("status", renewal["Status"], "renewals", "Status")
            assert not valid or (status == "Renewed") == bool(renewal["NewPolicyId"])
        assert {k: p["PriorPolicyID"] for k, p in policies.items() if p["PriorPolicyID"]} == renewed
        for application in tables["applications"].values():
            quote = tables["quotes"][application["QuoteId"]]
            assert (
                application["CustomerId"] == quote["CustomerId"]
                and application["CarrierId"] == quote["CarrierId"]
            )
        for bill in tables["billing_records"].values():
            assert bill["ContactId"] == policies[bill["PolicyId"]]["CustomerId"]
        for commission in tables["commissions"].values():
            rule = tables["commission_rules"][commission["CommissionRuleId"]]
            assert (
                rule["CarrierId"] == commission["CarrierId"] == policies[commission["PolicyId"]]["CarrierId"]
            )
        assert all(r["CarrierId"] in carriers for r in tables["commission_rules"].values())
        for quote in tables["quotes"].values():
            assert quote["CustomerId"] in contacts and quote["CarrierId"] in carriers
        owners = {"Contact": contacts, "Policy": policies, "Claim": tables["claims"]}
        assert all(d["EntityId"] in owners[d["EntityType"]] for d in tables["documents"].values())
        for employee in employees.values():
            department = departments[employee["DepartmentId"]]
            assert employee["LocationId"] == department["LocationId"] in locations
        assert all(c["LocationID"] in locations and c["AgentId"] in employees for c in contacts.values())
        deleted = [c for c in contacts.values() if c["IsDeleted"]]
        assert deleted and all(c["Status"] == "D" for c in deleted)
        assert any(
            r["IsDeleted"] for table in ("documents", "quotes", "fees") for r in tables[table].values()
        )


def test_ground_truth_admin_routes(sandbox) -> None:
    admin = f"{sandbox.url}/_sandbox/qqcatalyst"
    planted = requests.get(f"{admin}/planted", params={"agency": "summit"}, timeout=30).json()
    assert planted == [asdict(p) for p in sandbox.qqcatalyst.planted("summit")]
    records = requests.get(
        f"{admin}/records", params={"agency": "summit", "entity": "BillingRecords"}, timeout=30
    )
    assert records.json() == sandbox.qqcatalyst.records("summit", "billing_records")
    assert (
        requests.get(
            f"{admin}/records", params={"agency": "summit", "entity": "orders"}, timeout=10
        ).status_code
        == 400
    )
    assert requests.get(f"{admin}/planted", params={"agency": "nowhere"}, timeout=10).status_code == 400
    assert requests.get(f"{admin}/credentials", timeout=10).json() == sandbox.qqcatalyst.credentials()


# --------------------------------------------------------------------------------------------
# Where the loader finds the sandbox
# --------------------------------------------------------------------------------------------


def test_loader_sections_spec_and_registry(sandbox) -> None:
    ctx = LoaderContext(
        server_url="http://127.0.0.1:8701",
        mount_url="http://127.0.0.1:8701/qqcatalyst",
        seed=SEED,
        scale=1.0,
        options={},
        state={},
    )
    sections = SPEC.loader_sections(ctx)
    assert sections["sources.qqcatalyst"] == {
        "base_url": "http://127.0.0.1:8701/qqcatalyst",
        "token_url": "http://127.0.0.1:8701/qqcatalyst/oauth/token",
    }
    harbor, summit = (
        sections["sources.qqcatalyst.agencies.harbor"],
        sections["sources.qqcatalyst.agencies.summit"],
    )
    assert set(harbor) == {"client_id", "client_secret", "username", "password"}
    assert set(summit) == {"client_id", "client_secret", "refresh_token"}
    assert sandbox.qqcatalyst.credentials() == {"harbor": harbor, "summit": summit}
    assert SPEC.loader_sections(ctx) == sections
    other = LoaderContext(**{**ctx.__dict__, "seed": SEED + 1})
    assert SPEC.loader_sections(other)["sources.qqcatalyst.agencies.summit"] != summit
    assert SPEC.owned_sections() == ("sources.qqcatalyst", "sources.qqcatalyst.agencies.*")
    assert "harbor (password grant)" in SPEC.describe(ctx) and "summit (refresh token)" in SPEC.describe(ctx)
    assert sandbox.scope_url("qqcatalyst", "summit") == f"{sandbox.url}/qqcatalyst"

    mounted = [spec.name for spec in registry.mounted()]
    assert mounted.index("qqcatalyst") == mounted.index("ecommerce") + 1
    settings = registry.resolve_settings(
        {"qqcatalyst.requests_per_minute": "600", "qqcatalyst.token_ttl_seconds": 5}
    )
    assert settings["qqcatalyst"] == {
        "token_ttl_seconds": 5,
        "requests_per_minute": 600,
        "fault_timeout": 30.0,
    }
    state = sandbox.qqcatalyst.state()
    assert [a["auth"] for a in state["agencies"]] == ["password", "refresh_token"]
    assert state["counts"]["harbor"]["records"]["policies"] == len(
        sandbox.qqcatalyst.records("harbor", "Policies")
    )
