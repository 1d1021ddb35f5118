"""One QQCatalyst agency's API on the shared REST layer: its OAuth2 token, its read budget, the
envelope every answer comes in, and paged reads that count what they read.

Every data answer is an envelope: `{"Data": [...], "PageNumber": 1, "PagesTotal": 7,
"TotalItems": 3120, "IsSuccess": true, "ErrorCode": null, "ErrorMessage": null, ...}`. An
`IsSuccess: false` envelope is an error even on HTTP 200: `ServerBusy` is retried like a 503,
any other code fails the agency. `TotalItems` is the source's own count of what the query
matches; a read keeps it beside the distinct records it returned, so a window whose pages did not
add up (the source changed under the read) is never taken as complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import requests
from dlt.sources.helpers.rest_client.paginators import BasePaginator

from loaders.common.budget import ReadBudget
from loaders.common.errors import PermanentError, TransientError
from loaders.common.http import CallStats, RetryPolicy
from loaders.common.rest import ApiClient, OAuth2PasswordGrant
from loaders.common.runner import one_line
from loaders.qqcatalyst.settings import Agency, Entity, Settings

# Envelope error codes worth retrying; every other `IsSuccess: false` is permanent.
TRANSIENT_ERROR_CODES = frozenset({"ServerBusy"})


def check_envelope(body: Any) -> None:
    """Raise for an error envelope (`IsSuccess: false`, whatever the HTTP status said). Bodies
    that are not envelopes (the token endpoint's answer) pass: the paginator checks the shape
    of data answers."""
    if not isinstance(body, dict) or body.get("IsSuccess") is not False:
        return
    code = str(body.get("ErrorCode") or "no ErrorCode")
    # The whole message on one line (one_line keeps only a text's first line).
    message = one_line(
        " ".join(str(body.get("ErrorMessage") or body.get("DisplayMessage") or "").split()), 160
    )
    text = f"IsSuccess false ({code}{': ' + message if message else ''})"
    if code in TRANSIENT_ERROR_CODES:
        raise TransientError(text)
    raise PermanentError(text)


class EnvelopePaginator(BasePaginator):
    """Pages by `pageNumber` until the envelope's `PageNumber >= PagesTotal`, keeping each page's
    `TotalItems`.

    dlt's `PageNumberPaginator` follows a total too, but keeps neither the envelope's counts (the
    batch ledger needs `TotalItems`) nor a check that the server answered the page asked for: a
    server ignoring `pageNumber` would otherwise be paged forever.
    """

    def __init__(self, page_size: int) -> None:
        super().__init__()
        self.page_size = page_size
        self.next_page = 1
        self.total_items: int | None = None  # the last page's TotalItems

    def init_request(self, request: requests.Request) -> None:
        request.params = {**(request.params or {}), "pageNumber": 1, "pageSize": self.page_size}

    def update_state(self, response: requests.Response, data: list[Any] | None = None) -> None:
        body = response.json()
        try:
            number, pages, items = (int(body[key]) for key in ("PageNumber", "PagesTotal", "TotalItems"))
        except (KeyError, TypeError, ValueError):
            raise PermanentError(
                f"GET {requests.utils.urlparse(response.url).path}: the answer is not a QQCatalyst "
                "envelope (PageNumber, PagesTotal, TotalItems): check sources.qqcatalyst.paths"
            ) from None
        if number != self.next_page:
            raise PermanentError(
                f"GET {requests.utils.urlparse(response.url).path}: asked for page {self.next_page}, "
                f"the API answered page {number}"
            )
        self.total_items = items
        self.next_page = number + 1
        self._has_next_page = number < pages

    def update_request(self, request: requests.Request) -> None:
        request.params["pageNumber"] = self.next_page


@dataclass
class Tally:
    """What one paged read saw: the API's own count (`TotalItems`, on every page), the distinct
    records it returned (a record that changed during the read can come twice) and the newest
    `DateLastModified` among them (the source's clock, as far as this read shows it)."""

    primary_key: str
    totals: list[int] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    pages: int = 0
    newest: str | None = None  # DateLastModified as sent: ISO text, so text order is time order

    def add(self, records: list[dict[str, Any]], total_items: int | None) -> list[str]:
        """Count one page; returns the ids of its records not seen before in this read."""
        self.pages += 1
        if total_items is not None:
            self.totals.append(total_items)
        new = []
        for record in records:
            record_id = str(record.get(self.primary_key))
            if record_id not in self.ids:
                self.ids.add(record_id)
                new.append(record_id)
            modified = record.get("DateLastModified")
            if isinstance(modified, str) and (self.newest is None or modified > self.newest):
                self.newest = modified
        return new

    @property
    def total_items(self) -> int | None:
        return self.totals[-1] if self.totals else None

    @property
    def records_read(self) -> int:
        return len(self.ids)

    @property
    def whole(self) -> bool:
        """Every page agreed on TotalItems and the read returned exactly that many records."""
        return bool(self.totals) and len(set(self.totals)) == 1 and self.records_read == self.totals[0]

    def discrepancy(self) -> str:
        """One line saying why the read is not whole (empty when it is)."""
        if self.whole:
            return ""
        if len(set(self.totals)) > 1:
            return (
                f"TotalItems changed from {self.totals[0]} to {self.totals[-1]} during the read "
                f"({self.records_read} distinct records read): the source changed under the read"
            )
        return (
            f"{self.records_read} distinct records read but TotalItems is {self.total_items}: "
            "the source changed under the read"
        )


class AgencyClient:
    """One agency: its OAuth2 grant, its read budget, and paged reads of any entity."""

    def __init__(self, agency: Agency, settings: Settings) -> None:
        self.agency = agency
        self.settings = settings
        self.budget = ReadBudget(agency.requests_per_minute, None, name=f"agency {agency.name}")
        # The password grant (or the refresh-token grant, for an agency configured with a
        # refresh token): a token per agency, renewed shortly before it expires and once on a
        # 401, never per request (loaders/common/rest.py; dlt ships client credentials only).
        self.auth = OAuth2PasswordGrant(
            access_token_url=settings.token_url,
            client_id=agency.client_id,
            client_secret=agency.client_secret,
            username=agency.username,
            password=agency.password,
            refresh_token=agency.refresh_token,
        )
        self.api = ApiClient.create(
            name=f"agency {agency.name}",
            base_url=settings.base_url,
            auth=self.auth,
            budget=self.budget,
            policy=RetryPolicy(
                max_attempts=settings.max_attempts,
                backoff_seconds=settings.backoff_seconds,
                timeout_seconds=settings.timeout_seconds,
            ),
            check_body=check_envelope,
        )

    @property
    def stats(self) -> CallStats:
        return self.api.session.stats

    def close(self) -> None:
        self.api.close()

    def read(self, entity: Entity, tally: Tally, window: tuple[date, date] | None = None) -> Iterator[Page]:
        """Every page of `entity` (of DateLastModified dates `window`, both inclusive, when it
        is windowed), counted into `tally`; raises LoaderError when a page cannot be read."""
        path = self.settings.paths[entity.table]
        params: dict[str, Any] = {}
        if window is not None:
            params = {"startDate": window[0].isoformat(), "endDate": window[1].isoformat()}
        paginator = EnvelopePaginator(self.settings.page_size)
        for page in self.api.pages(path, params=params, paginator=paginator, data_selector="Data"):
            records = list(page)
            if not all(isinstance(record, dict) for record in records):
                raise PermanentError(
                    f"agency {self.agency.name} GET /{path}: Data holds items that are not records"
                )
            yield Page(records, tally.add(records, paginator.total_items))


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    new_ids: list[str]  # ids of its records that no earlier page of the same read returned
