"""The PestRoutes simulator over real HTTP: contract, quirks, limits, faults, data and determinism."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import requests

from sandbox import manager
from sandbox.ai_usage import TOOLS as AI_TOOLS
from sandbox.framework import LoaderContext
from sandbox.offices import office_credentials, sandbox_offices
from sandbox.pestroutes.fields import FIELDS
from sandbox.pestroutes.generator import OfficeWorld
from sandbox.pestroutes.server import ENDPOINTS, PestRoutesSimulator, parse_php_params
from sandbox.pestroutes.spec import SPEC as PESTROUTES

# Never touches a warehouse: CI runs it once, in the DuckDB leg (pytest -m "not no_warehouse").
pytestmark = pytest.mark.no_warehouse

SEED = 42  # the seed and scale the conftest sandboxes use
SCALE = 0.2
FIELDS_BY_ENTITY = {entity: dict(fields) for entity, fields in FIELDS.items()}
PRIMARY_KEYS = {
    entity: next(name for name, kind in fields if kind == "id") for entity, fields in FIELDS.items()
}


def _table(client, entity: str) -> dict[int, dict]:
    return client.sandbox.simulator.worlds[client.office.name].tables[entity]


# --------------------------------------------------------------------------------------------
# Offices, credentials and the contract table
# --------------------------------------------------------------------------------------------


def test_offices_and_credentials_are_deterministic() -> None:
    offices = sandbox_offices(SEED, 6)
    assert [(o.name, o.office_id, o.timezone) for o in offices] == [
        ("north", 1, "America/Los_Angeles"),
        ("south", 2, "America/Denver"),
        ("east", 3, "America/Chicago"),
        ("office04", 4, "America/New_York"),
        ("office05", 5, "America/Los_Angeles"),
        ("office06", 6, "America/Denver"),
    ]
    north = offices[0]
    assert re.fullmatch(r"sbx_[0-9a-f]{24}", north.key) and re.fullmatch(r"sbx_[0-9a-f]{32}", north.token)
    assert (north.key, north.token) == office_credentials(SEED, "north")
    assert office_credentials(SEED + 1, "north") != (north.key, north.token)
    assert (north.reads_per_minute, north.reads_per_day) == (600, 20_000)


def test_endpoint_table_matches_loader_settings() -> None:
    settings = pytest.importorskip("loaders.pestroutes.settings")
    assert {e.endpoint for e in settings.ENTITIES} == set(ENDPOINTS) == set(FIELDS)
    for entity in settings.ENTITIES:
        assert ENDPOINTS[entity.endpoint] == (entity.id_param, entity.search_key), entity.endpoint
        assert PRIMARY_KEYS[entity.endpoint] == entity.primary_key
        if entity.cursor:
            assert entity.cursor in dict(FIELDS[entity.endpoint]), entity.endpoint


def test_php_params_are_parsed_like_php() -> None:
    pairs = [
        ("customerIDs[]", "12"),
        ("customerIDs[]", "14"),
        ("dateUpdated[operator]", "BETWEEN"),
        ("dateUpdated[value][]", "2026-01-01"),
        ("dateUpdated[value][]", "2026-02-01"),
        ("status", "1"),
        ("x[0]", "a"),
        ("x[1]", "b"),
    ]
    assert parse_php_params(pairs) == {
        "customerIDs": ["12", "14"],
        "dateUpdated": {"operator": "BETWEEN", "value": ["2026-01-01", "2026-02-01"]},
        "status": "1",
        "x": ["a", "b"],
    }


# --------------------------------------------------------------------------------------------
# Search and get
# --------------------------------------------------------------------------------------------


def test_search_and_get_round_trip(north) -> None:
    customers = _table(north, "customer")
    ids = north.search("customer")
    assert ids == sorted(customers) and all(isinstance(i, int) for i in ids)
    records = north.get("customer", "customerIDs", ids[:5])
    assert records == [customers[i] for i in ids[:5]]


@pytest.mark.parametrize("operator", [">", ">=", "<", "<=", "=", "!="])
def test_operator_filters_in_both_encodings(north, operator: str) -> None:
    appointments = _table(north, "appointment")
    pivot = sorted(r["dateUpdated"] for r in appointments.values())[len(appointments) // 2]
    compare = {
        ">": lambda v: v > pivot,
        ">=": lambda v: v >= pivot,
        "<": lambda v: v < pivot,
        "<=": lambda v: v <= pivot,
        "=": lambda v: v == pivot,
        "!=": lambda v: v != pivot,
    }[operator]
    expected = [i for i, r in appointments.items() if compare(r["dateUpdated"])]
    php = north.search("appointment", {"dateUpdated[operator]": operator, "dateUpdated[value]": pivot})
    as_json = north.search("appointment", {"dateUpdated": json.dumps({"operator": operator, "value": pivot})})
    assert php == as_json == expected
    assert expected, "the pivot should select something"


def test_numeric_fields_compare_as_numbers(north) -> None:
    tickets = _table(north, "ticket")
    # As strings "99.00" > "100.00"; as numbers it is not.
    expected = [i for i, r in tickets.items() if float(r["total"]) >= 100]
    assert north.search("ticket", {"total": json.dumps({"operator": ">=", "value": "100"})}) == expected
    ids = sorted(tickets)
    middle = ids[len(ids) // 2]
    assert north.search("ticket", {"ticketIDs": json.dumps({"operator": ">", "value": middle})}) == [
        i for i in ids if i > middle
    ]


def test_between_and_in_in_both_encodings(north) -> None:
    customers = _table(north, "customer")
    low, high = "2026-01-01 00:00:00", "2026-06-30 23:59:59"
    expected = [i for i, r in customers.items() if low <= r["dateAdded"] <= high]
    php = north.search(
        "customer",
        [("dateAdded[operator]", "BETWEEN"), ("dateAdded[value][]", low), ("dateAdded[value][]", high)],
    )
    as_json = north.search(
        "customer", {"dateAdded": json.dumps({"operator": "BETWEEN", "value": [low, high]})}
    )
    assert php == as_json == expected and expected

    wanted = sorted(customers)[3:9:2]
    plain_array = north.search("customer", [("customerIDs[]", str(i)) for i in wanted])
    json_list = north.search("customer", {"customerIDs": json.dumps(wanted)})
    operator_in = north.search("customer", {"customerIDs": json.dumps({"operator": "IN", "value": wanted})})
    assert plain_array == json_list == operator_in == wanted

    # A plural foreign-key parameter filters the singular field, as on the real API.
    appointments = _table(north, "appointment")
    by_customer = north.search("appointment", [("customerIDs[]", str(i)) for i in wanted])
    assert by_customer == [i for i, r in appointments.items() if int(r["customerID"]) in wanted]


def test_text_operators(north) -> None:
    customers = _table(north, "customer")
    name = next(iter(customers.values()))["lname"]
    cases = {
        "LIKE": (name[:2] + "%", lambda v: v.lower().startswith(name[:2].lower())),
        "STARTSWITH": (name[:3].upper(), lambda v: v.lower().startswith(name[:3].lower())),
        "ENDSWITH": (name[-2:], lambda v: v.lower().endswith(name[-2:].lower())),
        "CONTAINS": (name[1:3], lambda v: name[1:3].lower() in v.lower()),
    }
    for operator, (value, check) in cases.items():
        expected = [i for i, r in customers.items() if check(r["lname"])]
        found = north.search("customer", {"lname": json.dumps({"operator": operator, "value": value})})
        assert found == expected and expected, operator
    assert north.search("customer", {"lname": name.upper()}) == [
        i for i, r in customers.items() if r["lname"] == name
    ]


def test_null_dates_never_match_ranges(north) -> None:
    customers = _table(north, "customer")
    cancelled = [i for i, r in customers.items() if r["dateCancelled"] != "0000-00-00 00:00:00"]
    assert cancelled and len(cancelled) < len(customers)
    after = north.search("customer", {"dateCancelled": json.dumps({"operator": ">", "value": "2000-01-01"})})
    assert after == cancelled
    assert north.search("customer", {"dateCancelled": "0000-00-00 00:00:00"}) == [
        i for i in customers if i not in cancelled
    ]


def test_date_fields_compare_with_datetime_values(north) -> None:
    doors = _table(north, "door")
    day = sorted(r["dateCreated"] for r in doors.values())[len(doors) // 2]
    # Like MySQL, a date is midnight of its day when compared with a datetime.
    found = north.search("door", {"dateCreated": json.dumps({"operator": ">=", "value": f"{day} 00:00:00"})})
    assert found == [i for i, r in doors.items() if r["dateCreated"] >= day]


def test_get_accepts_every_id_encoding_and_skips_unknown_ids(north) -> None:
    ids = sorted(_table(north, "ticket"))[:4]
    expected = [_table(north, "ticket")[i] for i in ids]
    php = north.call("ticket", "get", [("ticketIDs[]", str(i)) for i in [*reversed(ids), 999_999_999]])
    as_json = north.call("ticket", "get", {"ticketIDs": json.dumps(ids)})
    comma = north.call("ticket", "get", {"ticketIDs": ",".join(map(str, ids))})
    for payload in (php, as_json, comma):
        assert payload["success"] is True and payload["propertyName"] == "tickets"
        assert payload["tickets"] == expected


def test_get_answers_under_the_endpoint_plural(north) -> None:
    for entity, (id_param, _) in ENDPOINTS.items():
        some = sorted(_table(north, entity))[:2]
        payload = north.call(entity, "get", [(f"{id_param}[]", str(i)) for i in some])
        assert payload["propertyName"] == entity + "s", entity
        assert [r[PRIMARY_KEYS[entity]] for r in payload[entity + "s"]] == [str(i) for i in some]


def test_service_type_search_answers_under_the_quirky_key(north) -> None:
    payload = north.call("serviceType", "search")
    assert payload["propertyName"] == "serviceTypes" and payload["idName"] == "serviceTypeIDs"
    assert payload["serviceTypes"] == sorted(_table(north, "serviceType"))
    assert "serviceTypeIDs" not in payload
    other = north.call("ticketItem", "search")
    assert other["propertyName"] == other["idName"] == "ticketItemIDs"


def test_include_data(start_sandbox, client_for) -> None:
    sandbox = start_sandbox(offices=1)
    client = client_for(sandbox)
    payload = client.call("appointment", "search", {"includeData": "1"})
    ids = payload["appointmentIDs"]
    assert len(ids) > 0
    assert payload["appointments"] == [_table(client, "appointment")[i] for i in ids[:1000]]
    assert payload["appointmentIDsNoDataExported"] == ids[1000:]


def test_search_cap_and_primary_key_window(start_sandbox, client_for) -> None:
    sandbox = start_sandbox(search_cap=50, get_cap=20, offices=1)
    client = client_for(sandbox)
    everything = sorted(_table(client, "appointment"))
    assert len(everything) > 120

    collected: list[int] = []
    last = 0
    while True:
        payload = client.call(
            "appointment", "search", {"appointmentIDs": json.dumps({"operator": ">", "value": last})}
        )
        page = payload["appointmentIDs"]
        assert payload["count"] == len(page) <= 50
        collected += page
        if len(page) < 50:
            break
        last = page[-1]
    assert collected == everything
    first = client.call("appointment", "search")
    assert first["count"] == 50 and first["appointmentIDs"] == everything[:50]


def test_get_cap_drops_extra_ids_silently(start_sandbox, client_for) -> None:
    sandbox = start_sandbox(get_cap=20, offices=1)
    client = client_for(sandbox)
    ids = sorted(_table(client, "appointment"))[:30]
    payload = client.call("appointment", "get", {"appointmentIDs": json.dumps(ids)})
    assert payload["success"] is True and "errorMessage" not in payload
    assert [int(r["appointmentID"]) for r in payload["appointments"]] == ids[:20]
    logged = sandbox.simulator.request_log(action="get")[-1]
    assert logged["ids_requested"] == 30 and logged["returned"] == 20


# --------------------------------------------------------------------------------------------
# Auth, envelope and errors
# --------------------------------------------------------------------------------------------


def test_bad_credentials_fail_on_http_200(north) -> None:
    wrong = north.raw(
        "customer", "search", {"authenticationKey": north.office.key, "authenticationToken": "nope"}
    )
    missing = north.raw("customer", "search", auth=False)
    other_office = north.raw(
        "customer", "search", {"authenticationKey": "x", "authenticationToken": "y"}, auth=False
    )
    for response in (wrong, missing, other_office):
        payload = response.json()
        assert response.status_code == 200
        assert payload["success"] is False
        assert payload["errorMessage"] == "Invalid authentication key or token"
        assert "customerIDs" not in payload


def test_credentials_may_come_as_headers(north) -> None:
    response = north.session.post(f"{north.base_url}/region/search", headers=north.auth, timeout=10)
    payload = response.json()
    assert payload["success"] is True and payload["regionIDs"]
    assert payload["params"]["authenticationToken"] == north.office.token  # echoed too


def test_envelope_echoes_params_with_credentials(north) -> None:
    payload = north.call("customer", "search", {"status": "1", "bogus": "x"})
    assert payload["params"] == {**north.auth, "status": "1", "bogus": "x"}
    assert payload["ignoredParams"] == {"bogus": "x"}
    assert payload["requestAction"] == "search" and payload["endpoint"] == "customer"
    assert payload["requestAPIKeyType"] == "office"
    assert re.fullmatch(r"\d+ milliseconds", payload["processingTime"])
    usage = payload["tokenUsage"]
    assert set(usage) == {
        "requestsReadToday",
        "requestsWriteToday",
        "requestsReadInLastMinute",
        "requestsWriteInLastMinute",
    }
    assert all(isinstance(v, str) and v.isdigit() for v in usage.values())
    assert payload["tokenLimits"]["limitReadRequestsPerDay"] == 20_000
    failed = north.call("customer", "bogus")
    assert failed["success"] is False and failed["errorMessage"] == "Unknown endpoint"
    assert failed["params"]["authenticationKey"] == north.office.key
    assert north.call("widget", "search")["errorMessage"] == "Unknown endpoint"


def test_unknown_office_is_not_found(sandbox) -> None:
    response = requests.post(f"{sandbox.url}/pestroutes/nowhere/api/customer/search", timeout=10)
    assert response.status_code == 404


def test_malformed_filters_fail_on_http_200(north) -> None:
    bad_operator = north.call(
        "customer", "search", {"dateUpdated": json.dumps({"operator": "~", "value": "1"})}
    )
    one_bound = north.call(
        "customer", "search", {"dateUpdated": json.dumps({"operator": "BETWEEN", "value": ["x"]})}
    )
    for payload in (bad_operator, one_bound):
        assert payload["success"] is False and payload["errorMessage"].startswith("Invalid")


# --------------------------------------------------------------------------------------------
# Read budget
# --------------------------------------------------------------------------------------------


def test_read_budget_per_minute_and_per_day(start_sandbox, client_for) -> None:
    now = [1000.0]
    sandbox = start_sandbox(offices=2, reads_per_minute=3, reads_per_day=5, clock=lambda: now[0])
    north, south = client_for(sandbox, "north"), client_for(sandbox, "south")

    for expected in ("1", "2", "3"):
        assert north.call("region", "search")["tokenUsage"]["requestsReadToday"] == expected
    refused = north.call("region", "search")
    assert refused["success"] is False and refused["errorMessage"] == "Read request limit per minute exceeded"
    assert refused["tokenUsage"]["requestsReadToday"] == "3"  # a refused read counts nothing
    assert south.call("region", "search")["success"] is True  # budgets are per office

    now[0] += 61
    assert north.call("region", "get", {"regionIDs": "1"})["success"] is True  # gets count as reads
    assert north.call("region", "search")["success"] is True
    refused = north.call("region", "search")
    assert refused["errorMessage"] == "Daily read request limit exceeded"
    now[0] += 61
    assert north.call("region", "search")["errorMessage"] == "Daily read request limit exceeded"

    north.admin("POST", "tick", json={"days": 1})  # a new simulated day resets the daily count
    payload = north.call("region", "search")
    assert payload["success"] is True and payload["tokenUsage"]["requestsReadToday"] == "1"
    assert [e["error"] for e in sandbox.simulator.request_log("north") if e["status"] == "error"] == [
        "Read request limit per minute exceeded",
        "Daily read request limit exceeded",
        "Daily read request limit exceeded",
    ]


# --------------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,status", [("http500", 500), ("http502", 502), ("http503", 503), ("http429", 429)]
)
def test_http_error_faults(north, kind: str, status: int) -> None:
    north.admin("POST", "faults", json={"office": "north", "kind": kind, "count": 2})
    for _ in range(2):
        response = north.raw("customer", "search")
        assert response.status_code == status
        if kind == "http429":
            assert response.headers["Retry-After"] == "1"
    assert north.raw("customer", "search").json()["success"] is True
    assert north.admin("GET", "faults") == []


def test_success_false_fault(north) -> None:
    north.admin("POST", "faults", json={"office": None, "kind": "success_false", "count": 1})
    response = north.raw("customer", "search")
    payload = response.json()
    assert response.status_code == 200 and payload["success"] is False
    assert payload["errorMessage"] == "Temporary error, please try again"
    assert payload["params"]["authenticationKey"] == north.office.key
    assert north.call("customer", "search")["success"] is True


def test_faults_only_hit_matching_requests(sandbox, client_for) -> None:
    north, south = client_for(sandbox, "north"), client_for(sandbox, "south")
    north.admin(
        "POST", "faults", json={"office": "south", "kind": "http500", "endpoint": "ticket", "count": 1}
    )
    assert north.raw("ticket", "search").status_code == 200
    assert south.raw("customer", "search").status_code == 200
    assert south.raw("ticket", "search").status_code == 500
    assert south.raw("ticket", "search").status_code == 200


def test_drop_fault_closes_the_connection(north) -> None:
    north.admin("POST", "faults", json={"office": "north", "kind": "drop", "count": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(f"{north.base_url}/customer/search", data=north.auth, timeout=10)
    assert north.call("customer", "search")["success"] is True


def test_truncated_fault_cuts_the_json(north) -> None:
    whole = north.raw("customer", "search").content
    north.admin("POST", "faults", json={"office": "north", "kind": "truncated", "count": 1})
    response = north.raw("customer", "search")
    assert response.status_code == 200
    assert len(response.content) == len(whole) // 2
    with pytest.raises(ValueError):
        response.json()
    assert north.sandbox.simulator.request_log("north")[-1]["error"] == "fault: truncated"


def test_timeout_fault_stalls_the_answer(start_sandbox, client_for) -> None:
    sandbox = start_sandbox(offices=1, fault_timeout=1.5)
    client = client_for(sandbox)
    client.admin("POST", "faults", json={"office": "north", "kind": "timeout", "count": 1})
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(f"{client.base_url}/region/search", data=client.auth, timeout=0.3)
    assert time.monotonic() - started < 1.4
    assert sandbox.simulator.request_log()[-1]["error"] == "fault: timeout"  # logged at once
    assert client.call("region", "search")["success"] is True


def test_bad_fault_requests_are_rejected(north) -> None:
    response = north.session.post(f"{north.sandbox.url}/_sandbox/faults", json={"kind": "meteor"}, timeout=10)
    assert response.status_code == 400 and "unknown fault kind" in response.json()["error"]


def test_request_log(north) -> None:
    north.admin("POST", "requests/clear")
    north.call("customer", "search")
    north.call("customer", "get", {"customerIDs": "1001,1002"})
    north.admin("POST", "faults", json={"office": "north", "kind": "http503", "count": 1})
    north.raw("customer", "search")
    log = north.admin("GET", "requests", params={"office": "north"})
    assert [(e["endpoint"], e["action"], e["status"]) for e in log] == [
        ("customer", "search", "ok"),
        ("customer", "get", "ok"),
        ("customer", "search", "error"),
    ]
    assert log[1]["ids_requested"] == 2 and log[0]["ids_requested"] is None
    assert log[2]["error"] == "fault: http503"
    assert all(isinstance(e["ts"], float) for e in log)
    assert north.admin("GET", "requests", params={"office": "south"}) == []


# --------------------------------------------------------------------------------------------
# Data conventions and consistency
# --------------------------------------------------------------------------------------------

_MONEY = re.compile(r"-?\d+\.\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_every_record_follows_the_field_catalogue_and_wire_conventions(sandbox) -> None:
    seen_empty_datetime = seen_zero_datetime = seen_null = False
    for world in sandbox.simulator.worlds.values():
        for entity, records in world.tables.items():
            names = [name for name, _ in FIELDS[entity]]
            kinds = dict(FIELDS[entity])
            assert records, f"{entity} has no records"
            for record in records.values():
                assert list(record) == names, entity
                for name, value in record.items():
                    kind = kinds[name]
                    if kind == "intarray":
                        assert isinstance(value, list) and all(isinstance(v, int) for v in value)
                        continue
                    if value is None:
                        seen_null = True
                        assert kind == "text", (entity, name)
                        continue
                    assert isinstance(value, str), (entity, name, value)
                    if kind in ("id", "fk", "int"):
                        assert re.fullmatch(r"-?\d+", value), (entity, name, value)
                    elif kind == "money":
                        assert _MONEY.fullmatch(value), (entity, name, value)
                    elif kind == "bool":
                        assert value in ("0", "1"), (entity, name, value)
                    elif kind == "datetime":
                        seen_empty_datetime |= value == ""
                        seen_zero_datetime |= value == "0000-00-00 00:00:00"
                        assert value == "" or _DATETIME.fullmatch(value), (entity, name, value)
                    elif kind == "date":
                        assert _DATE.fullmatch(value), (entity, name, value)
                    elif kind == "idlist":
                        assert value == "" or re.fullmatch(r"\d+(,\d+)*", value), (entity, name, value)
                    elif kind == "float":
                        float(value)
    assert seen_empty_datetime and seen_zero_datetime and seen_null


def test_foreign_key_conventions(sandbox) -> None:
    world = sandbox.simulator.worlds["north"]
    appointment_subs = {r["subscriptionID"] for r in world.tables["appointment"].values()}
    ticket_subs = {r["subscriptionID"] for r in world.tables["ticket"].values()}
    assert "-1" in appointment_subs and "-1" in ticket_subs and "0" not in appointment_subs
    assert "0" in {r["preferredTechID"] for r in world.tables["customer"].values()}
    assert {r["status"] for r in world.tables["appointment"].values()} == {"0", "1", "2", "3", "-1"}
    assert {r["status"] for r in world.tables["customer"].values()} == {"0", "1"}


def test_ids_ascend_and_dates_are_consistent(sandbox) -> None:
    for world in sandbox.simulator.worlds.values():
        for entity, records in world.tables.items():
            ids = list(records)
            assert ids == sorted(ids), entity  # search relies on insertion order being ID order
            for record in records.values():
                updated = record.get("dateUpdated")
                created = record.get("dateAdded") or record.get("dateCreated")
                if updated and created and len(created) == 19:
                    assert updated >= created, (entity, record)
                if "dateUpdated" in record:
                    assert updated <= f"{world.today.isoformat()} 23:59:59", (entity, record)


def test_referential_consistency(sandbox) -> None:
    for world in sandbox.simulator.worlds.values():
        _check_references(world.tables)


def _check_references(t: dict[str, dict[int, dict]]) -> None:
    def ref(entity: str, value: str, *, none: tuple[str, ...] = ()) -> bool:
        return value in none or int(value) in t[entity]

    employees = t["employee"]
    for a in t["appointment"].values():
        assert ref("customer", a["customerID"])
        assert ref("subscription", a["subscriptionID"], none=("-1",))
        assert ref("serviceType", a["type"]) and int(a["employeeID"]) in employees
        if a["status"] == "1":
            assert (
                ref("ticket", a["ticketID"])
                and t["ticket"][int(a["ticketID"])]["appointmentID"] == a["appointmentID"]
            )
        if a["subscriptionID"] != "-1":
            sub = t["subscription"][int(a["subscriptionID"])]
            assert sub["customerID"] == a["customerID"]
            assert a["appointmentID"] in sub["appointmentIDs"].split(",")
    for ticket in t["ticket"].values():
        assert ref("appointment", ticket["appointmentID"]) and ref("customer", ticket["customerID"])
        assert ref("subscription", ticket["subscriptionID"], none=("-1",))
    for item in t["ticketItem"].values():
        assert ref("ticket", item["ticketID"])
        assert ref("product", item["productID"], none=("0",)) and ref(
            "serviceType", item["serviceID"], none=("0",)
        )
        assert (item["productID"] == "0") != (item["serviceID"] == "0")
    for payment in t["payment"].values():
        assert ref("customer", payment["customerID"])
        assert all(ref("ticket", i) for i in payment["invoiceIDs"].split(","))
        assert ref("paymentProfile", payment["paymentProfileID"], none=("0",))
    applied_per_payment: dict[str, float] = {}
    for applied in t["appliedPayment"].values():
        assert ref("payment", applied["paymentID"]) and ref("ticket", applied["ticketID"])
        payment = t["payment"][int(applied["paymentID"])]
        assert applied["ticketID"] in payment["invoiceIDs"].split(",")
        applied_per_payment[applied["paymentID"]] = applied_per_payment.get(applied["paymentID"], 0) + float(
            applied["appliedAmount"]
        )
    for pid, amount in applied_per_payment.items():
        assert amount == pytest.approx(float(t["payment"][int(pid)]["amount"]))
    for chargeback in t["chargeback"].values():
        assert ref("payment", chargeback["paymentID"])
    for reminder in t["appointmentReminder"].values():
        appointment = t["appointment"][int(reminder["appointmentID"])]
        assert appointment["customerID"] == reminder["customerID"]
    for entity in ("note", "task", "paymentProfile", "additionalContact", "subscription"):
        for record in t[entity].values():
            assert ref("customer", record["customerID"]), entity
    for note in t["note"].values():
        assert ref("appointment", note["appointmentID"], none=("0",))
        assert ref("cancellationReason", note["cancellationReasonID"], none=("0",))
    for knock in t["knock"].values():
        assert ref("door", knock["doorID"])
    for door in t["door"].values():
        assert ref("customer", door["customerID"], none=("0",))
    for flag in t["genericFlagAssignment"].values():
        assert ref("genericFlag", flag["genericFlagID"]) and ref("customer", flag["entityID"])
    for sub in t["subscription"].values():
        assert ref("serviceType", sub["serviceID"])
        assert ref("cancellationReason", sub["cancellationReasonID"], none=("0",))
        assert (sub["active"] == "0") == (sub["dateCancelled"] != "0000-00-00 00:00:00")
    for customer in t["customer"].values():
        cid = customer["customerID"]
        for field, entity in (
            ("subscriptionIDs", "subscription"),
            ("appointmentIDs", "appointment"),
            ("ticketIDs", "ticket"),
            ("paymentIDs", "payment"),
        ):
            listed = [int(i) for i in customer[field].split(",") if i]
            actual = sorted(i for i, r in t[entity].items() if r["customerID"] == cid)
            assert sorted(listed) == actual, (cid, field)
        open_balance = sum(
            float(t["ticket"][i]["balance"]) for i in map(int, filter(None, customer["ticketIDs"].split(",")))
        )
        assert float(customer["balance"]) == pytest.approx(open_balance)
        assert (customer["status"] == "0") == (customer["dateCancelled"] != "0000-00-00 00:00:00")
        assert ref("customerSource", customer["sourceID"]) and ref("region", customer["regionID"])


def test_history_has_churn_balances_and_every_appointment_outcome(sandbox) -> None:
    customers = [r for w in sandbox.simulator.worlds.values() for r in w.tables["customer"].values()]
    churned = sum(r["status"] == "0" for r in customers) / len(customers)
    assert 0.1 < churned < 0.45
    assert any(r["balance"] != "0.00" for r in customers)
    dates = sorted(r["dateAdded"] for r in customers)
    assert dates[0] < "2025-07-01" and dates[-1] > "2026-09-01"  # about 18 months of history


# --------------------------------------------------------------------------------------------
# Determinism and ticks
# --------------------------------------------------------------------------------------------


def test_same_seed_same_data_and_other_seed_other_data() -> None:
    office = sandbox_offices(SEED, 1)[0]
    first = OfficeWorld(office, seed=SEED, scale=SCALE)
    second = OfficeWorld(office, seed=SEED, scale=SCALE)
    assert first.tables == second.tables
    other = OfficeWorld(sandbox_offices(SEED + 1, 1)[0], seed=SEED + 1, scale=SCALE)
    assert other.tables["customer"] != first.tables["customer"]


def test_ticks_replay_identically() -> None:
    offices = sandbox_offices(SEED, 2)
    one_by_one = PestRoutesSimulator(offices, seed=SEED, scale=SCALE)
    for _ in range(4):
        one_by_one.tick(1)
    in_one_go = PestRoutesSimulator(offices, seed=SEED, scale=SCALE)
    in_one_go.tick(4)
    started_late = PestRoutesSimulator(offices, seed=SEED, scale=SCALE, day=4)
    for name in one_by_one.worlds:
        assert (
            one_by_one.worlds[name].tables
            == in_one_go.worlds[name].tables
            == started_late.worlds[name].tables
        )
    assert started_late.state()["date"] == "2026-11-05"


def test_tick_adds_updates_and_cancels(start_sandbox, client_for) -> None:
    sandbox = start_sandbox(scale=1.0, offices=1)
    client = client_for(sandbox)
    before_customers = set(_table(client, "customer"))
    assert client.admin("GET", "state")["date"] == "2026-11-01"

    new_dates = []
    totals: dict[str, dict[str, int]] = {}
    for _ in range(10):
        result = client.admin("POST", "tick", json={"days": 1})
        new_dates.append(result["date"])
        for entity, counts in result["totals"].items():
            totals.setdefault(entity, {"new": 0, "updated": 0})
            totals[entity]["new"] += counts["new"]
            totals[entity]["updated"] += counts["updated"]
        assert result["changes"]["north"] == {
            entity: c["new"] + c["updated"] for entity, c in result["detail"]["north"].items()
        }
    assert new_dates[0] == "2026-11-02" and new_dates[-1] == "2026-11-11"
    for entity in ("customer", "appointment", "subscription", "ticket", "payment", "appliedPayment"):
        assert totals[entity]["new"] > 0, entity
    for entity in ("customer", "appointment", "subscription"):
        assert totals[entity]["updated"] > 0, entity

    # Everything that changed carries a dateUpdated in the ticked days, so `dateUpdated >` finds it.
    changed = client.search(
        "appointment", {"dateUpdated": json.dumps({"operator": ">", "value": "2026-11-01 23:59:59"})}
    )
    appointments = _table(client, "appointment")
    assert len(changed) >= totals["appointment"]["new"]
    assert all(appointments[i]["dateUpdated"][:10] in new_dates for i in changed)
    statuses = {appointments[i]["status"] for i in changed}
    assert {"0", "1"} <= statuses

    customers = _table(client, "customer")
    assert set(customers) - before_customers
    cancelled = [r for r in customers.values() if r["status"] == "0" and r["dateCancelled"][:10] in new_dates]
    assert cancelled and all(r["dateUpdated"] >= r["dateCancelled"] for r in cancelled)
    cancelled_appointments = [
        r for r in appointments.values() if r["status"] == "-1" and r["dateCancelled"][:10] in new_dates
    ]
    assert cancelled_appointments


def test_tick_counts_are_exactly_what_an_incremental_load_finds(start_sandbox, client_for) -> None:
    sandbox = start_sandbox(scale=1.0, offices=2)
    result = client_for(sandbox).admin("POST", "tick", json={"days": 1})
    settings = pytest.importorskip("loaders.pestroutes.settings")
    for office, world in sandbox.simulator.worlds.items():
        for entity in settings.ENTITIES:
            if entity.cursor is None:
                continue
            on_new_day = sum(
                r[entity.cursor].startswith(result["date"]) for r in world.tables[entity.endpoint].values()
            )
            assert on_new_day == result["changes"][office].get(entity.endpoint, 0), (office, entity.endpoint)


def test_touch_changes_the_asked_fraction_and_an_incremental_search_finds_exactly_it(
    start_sandbox, client_for
) -> None:
    sandbox = start_sandbox(scale=1.0, offices=2)
    north = client_for(sandbox)
    before = {
        office: {entity: {i: dict(r) for i, r in table.items()} for entity, table in world.tables.items()}
        for office, world in sandbox.simulator.worlds.items()
    }
    result = north.admin("POST", "touch", json={"fraction": 0.01})
    assert result["fraction"] == 0.01 and result["day"] == 0
    for office, world in sandbox.simulator.worlds.items():
        for entity, table in world.tables.items():
            changed = sorted(i for i, r in table.items() if r != before[office][entity][i])
            if "dateUpdated" in FIELDS_BY_ENTITY[entity]:
                assert len(changed) == result["touched"][office].get(entity, 0) == round(len(table) * 0.01)
            else:
                assert changed == [], entity  # doors are never updated
            if office == "north" and changed:
                # The loader's incremental filter (dateUpdated > watermark) finds exactly them.
                since = json.dumps({"operator": ">", "value": "2026-11-01 23:59:58"})
                assert north.search(entity, {"dateUpdated": since}) == changed, entity
    assert result["total"] >= 0.009 * sum(
        len(table) for world in sandbox.simulator.worlds.values() for table in world.tables.values()
    )
    response = requests.post(f"{sandbox.url}/_sandbox/touch", json={"fraction": 2}, timeout=10)
    assert response.status_code == 400 and "fraction" in response.json()["error"]


# --------------------------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------------------------


def test_generation_is_fast() -> None:
    started = time.perf_counter()
    PestRoutesSimulator(sandbox_offices(SEED), seed=SEED, scale=1.0)
    assert time.perf_counter() - started < 5  # typically under 1 s; generous for slow CI machines


# --------------------------------------------------------------------------------------------
# Manager
# --------------------------------------------------------------------------------------------


def test_secrets_are_written_only_to_generated_files(tmp_path: Path) -> None:
    secrets = tmp_path / ".dlt" / "secrets.toml"
    offices = sandbox_offices(SEED)
    context = LoaderContext("http://127.0.0.1:8701", "http://127.0.0.1:8701/pestroutes", SEED, 1.0, {}, {})
    owned = PESTROUTES.owned_sections()
    assert manager.write_secrets(secrets, PESTROUTES.loader_sections(context), owned) is None
    text = secrets.read_text()
    assert text.splitlines()[0] == manager.SECRETS_MARKER
    north = "[sources.pestroutes.offices.north]"
    assert f'{north}\nbase_url = "http://127.0.0.1:8701/pestroutes/north/api"' in text
    assert f'authentication_key = "{offices[0].key}"' in text

    # Other sections of a generated file survive a rewrite; stale offices go.
    secrets.write_text(text + '\n[destination.postgres.credentials]\npassword = "pw"\n')
    one_office = LoaderContext(context.server_url, context.mount_url, SEED, 1.0, {"offices": 1}, {})
    assert manager.write_secrets(secrets, PESTROUTES.loader_sections(one_office), owned) is None
    rewritten = secrets.read_text()
    assert "[sources.pestroutes.offices.north]" in rewritten and "offices.south" not in rewritten
    assert 'password = "pw"' in rewritten

    hand_written = '[sources.pestroutes.offices.north]\nauthentication_key = "real"\n'
    secrets.write_text(hand_written)
    warning = manager.write_secrets(secrets, PESTROUTES.loader_sections(context), owned)
    assert warning and "left unchanged" in warning
    assert secrets.read_text() == hand_written


@pytest.mark.slow
def test_manager_lifecycle(tmp_path: Path) -> None:
    state_dir = tmp_path / ".sandbox"
    secrets = tmp_path / ".dlt" / "secrets.toml"
    with pytest.raises(manager.SandboxError, match="elt sandbox up"):
        manager.tick(state_dir)
    assert manager.status(state_dir) is None

    port = _free_port()
    options = {"settings": {"pestroutes.offices": 1}, "without": ["service_csv", "app_db"]}
    started = manager.up(state_dir, port=port, scale=0.1, secrets_path=secrets, **options)
    try:
        assert started["already_running"] is False and started["warnings"] == []
        assert started["url"] == f"http://127.0.0.1:{port}" and started["day"] == 0
        assert started["simulators"] == ["pestroutes", "incidents", "ecommerce", "qqcatalyst", *AI_TOOLS]
        assert f'base_url = "http://127.0.0.1:{port}/pestroutes/north/api"' in secrets.read_text()
        assert "authentication_token" in secrets.read_text()
        again = manager.up(state_dir, port=port, scale=0.1, secrets_path=secrets, **options)
        assert again["already_running"] is True and again["pid"] == started["pid"]
        assert "already running" in again["warnings"][0]

        office = sandbox_offices(SEED, 1)[0]
        response = requests.post(
            f"{started['url']}/pestroutes/north/api/region/search",
            data={"authenticationKey": office.key, "authenticationToken": office.token},
            timeout=10,
        )
        assert response.json()["success"] is True
        ticked = manager.tick(state_dir, days=2)
        assert ticked["day"] == 2 and set(ticked["simulators"]) == {
            "pestroutes",
            "incidents",
            "ecommerce",
            "qqcatalyst",
            *AI_TOOLS,
        }
        assert manager.status(state_dir)["day"] == 2
    finally:
        stopped = manager.down(state_dir)
    assert stopped["stopped"] is True and manager.status(state_dir) is None
    with pytest.raises(manager.SandboxError):
        manager.down(state_dir)

    # The legacy keyword still works and names the same world, so the day resumes.
    resumed = manager.up(
        state_dir, port=port, scale=0.1, offices=1, without=["service_csv", "app_db"], secrets_path=None
    )
    try:
        assert resumed["day"] == 2 and resumed["resumed_from_day"] == 2
    finally:
        manager.down(state_dir)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
