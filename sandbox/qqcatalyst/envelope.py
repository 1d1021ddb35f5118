"""The QQCatalyst API's envelope and errors, and how the simulator reads a request's parameters.

Every data answer is `{"Data", "PageNumber", "PagesTotal", "TotalItems", "IsSuccess", "ErrorCode",
"ErrorMessage", "DisplayMessage", "Links", "Href"}`; an error has `IsSuccess: false`, `Data: null`
and its code and message. Parameter names are matched case-insensitively, as ASP.NET binds them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

from sandbox.framework import SimResponse
from sandbox.qqcatalyst.store import Record

DEFAULT_PAGE_SIZE = 100  # what every public integration sends
MAX_PAGE_SIZE = 500  # unverified: an assumption, answered with HTTP 400 above it


class ApiError(Exception):
    """An error answered with the envelope (`IsSuccess: false`)."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.headers = status, code, dict(headers or {})


def envelope(
    data: list[Record] | None,
    *,
    href: str,
    page: int = 0,
    pages: int = 0,
    total: int = 0,
    links: list[dict[str, str]] | None = None,
    error: ApiError | None = None,
) -> dict[str, Any]:
    return {
        "Data": data,
        "PageNumber": page,
        "PagesTotal": pages,
        "TotalItems": total,
        "IsSuccess": error is None,
        "ErrorCode": error.code if error else None,
        "ErrorMessage": str(error) if error else None,
        "DisplayMessage": str(error) if error else None,
        "Links": links or [],
        "Href": href,
    }


def header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def form_fields(headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    if "json" in (header(headers, "Content-Type") or "").lower():
        try:
            parsed = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return {}
        return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}
    return dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))


def positive_int(params: Mapping[str, str], name: str, default: int, maximum: int | None = None) -> int:
    raw = params.get(name.lower())
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "InvalidRequest", f"The value '{raw}' is not valid for {name}.") from None
    if value < 1 or (maximum is not None and value > maximum):
        bounds = f"between 1 and {maximum}" if maximum else "at least 1"
        raise ApiError(400, "InvalidRequest", f"{name} must be {bounds}, got {value}.")
    return value


def window_date(params: Mapping[str, str], name: str) -> str:
    raw = params.get(name.lower(), "")
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise ApiError(
            400, "InvalidRequest", f"{name} is required as a date (YYYY-MM-DD), got {raw!r}."
        ) from None


def html_error(status: int, reason: str) -> SimResponse:
    # What the load balancer in front of the API sends: HTML, not the API's envelope.
    body = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
    )
    return SimResponse(status, body.encode(), {"Content-Type": "text/html; charset=utf-8"})
