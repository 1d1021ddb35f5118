"""Fixtures for the sandbox tests: in-process sandbox servers and a small PestRoutes client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from sandbox.offices import OfficeSpec
from sandbox.server import RunningSandbox, start_sandbox_server

SEED = 42
SCALE = 0.2  # about 40 customers and 230 appointments per office: fast, yet every flow happens


class PestRoutesClient:
    """Posts form-encoded requests to one office of a running sandbox, credentials included."""

    def __init__(self, sandbox: RunningSandbox, office: OfficeSpec) -> None:
        self.sandbox = sandbox
        self.office = office
        self.base_url = sandbox.office_url(office.name)
        self.session = requests.Session()

    @property
    def auth(self) -> dict[str, str]:
        return {"authenticationKey": self.office.key, "authenticationToken": self.office.token}

    def raw(self, endpoint: str, action: str, data: Any = None, *, auth: bool = True, **kwargs: Any):
        if isinstance(data, list):  # pairs, for repeated PHP array keys
            body = ([*self.auth.items()] if auth else []) + data
        else:
            body = {**(self.auth if auth else {}), **(data or {})}
        return self.session.post(f"{self.base_url}/{endpoint}/{action}", data=body, timeout=10, **kwargs)

    def call(self, endpoint: str, action: str, data: Any = None, **kwargs: Any) -> dict[str, Any]:
        response = self.raw(endpoint, action, data, **kwargs)
        assert response.status_code == 200, response.text[:300]
        return response.json()

    def search(self, endpoint: str, data: Any = None) -> list[int]:
        payload = self.call(endpoint, "search", data)
        assert payload["success"] is True, payload.get("errorMessage")
        return payload[payload["propertyName"]]

    def get(self, endpoint: str, ids_param: str, ids: list[int]) -> list[dict[str, Any]]:
        payload = self.call(endpoint, "get", [(f"{ids_param}[]", str(i)) for i in ids])
        assert payload["success"] is True, payload.get("errorMessage")
        return payload[payload["propertyName"]]

    def admin(self, method: str, route: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.sandbox.url}/_sandbox/{route}", timeout=30, **kwargs)
        assert response.status_code == 200, response.text[:300]
        return response.json()


def _start(**kwargs: Any) -> Iterator[RunningSandbox]:
    sandbox = start_sandbox_server(seed=SEED, scale=SCALE, **kwargs)
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    """A shared sandbox for read-only tests (tests that tick or change budgets start their own)."""
    yield from _start()


@pytest.fixture
def client_for() -> Callable[..., PestRoutesClient]:
    """Make a client for an office of a sandbox: `client_for(sandbox, "south")`."""

    def make(sandbox: RunningSandbox, office: str = "north") -> PestRoutesClient:
        return PestRoutesClient(sandbox, sandbox.simulator.offices[office])

    return make


@pytest.fixture
def north(sandbox: RunningSandbox) -> Iterator[PestRoutesClient]:
    """A client for the shared sandbox's north office; faults it queued are cleared afterwards."""
    yield PestRoutesClient(sandbox, sandbox.simulator.offices["north"])
    sandbox.simulator.clear_faults()


@pytest.fixture
def start_sandbox():
    """Start extra sandboxes with custom options; all are stopped after the test."""
    started: list[RunningSandbox] = []

    def start(**kwargs: Any) -> RunningSandbox:
        sandbox = start_sandbox_server(seed=SEED, scale=kwargs.pop("scale", SCALE), **kwargs)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()
