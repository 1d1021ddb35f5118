"""A booking's life, planned when it is made and lived on the simulated clock.

`timeline()` derives every event of a booking (vendor answer, payment, start, completion or
cancellation, refunds, the review and its edits, the messages) from (seed, booking id), the
booking's schedule and its vendor's profile, so the history build and any later tick agree on
it without storing it: the build applies the events before the end of day 0, each tick those of
its day. `apply()` turns one event into row changes through a `Store`, checking the booking is
still in the state the event expects (a review removed by moderation is not edited, say).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sandbox.app_db import catalog
from sandbox.app_db.catalog import VendorProfile, rng_for

Row = dict[str, Any]
Event = tuple[datetime, int, str, Any]  # when, order within the booking, kind, detail
OPEN = ("requested", "confirmed", "in_progress")
# Every event of a booking falls within this long after it reached its final status.
SETTLED_AFTER = timedelta(days=40)

_MINUTE, _HOUR, _DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


class Store(Protocol):
    """Where applied events go: the history build's row buffers or a tick's day of changes."""

    def next_id(self, table: str) -> int:
        """The id the next row inserted into `table` gets."""
        ...

    def insert(self, table: str, row: Row, after: datetime | None = None) -> Row:
        """Add `row` (its `id` assigned here); `after`: a timestamp it may not precede."""
        ...

    def update(
        self, table: str, row: Row, when: datetime, changes: Row, after: datetime | None = None
    ) -> None:
        """Apply `changes` to `row` at `when` (its updated_at, when it has one)."""
        ...

    def contact(self, role: str, booking: Row) -> dict[str, str]:
        """The customer's (or vendor's) current email and phone, for messages that quote them."""
        ...


@dataclass
class Bundle:
    """A booking and the rows its events change."""

    booking: Row
    payment: Row | None = None
    refund: Row | None = None
    review: Row | None = None


def _hours(r: Any, median: float, sigma: float) -> timedelta:
    return timedelta(seconds=int(3600 * r.lognormvariate(math.log(median), sigma)))


def _minutes(r: Any, low: float, high: float) -> timedelta:
    return timedelta(seconds=int(60 * r.uniform(low, high)))


def _days(r: Any, low: float, high: float) -> timedelta:
    return timedelta(seconds=int(86400 * r.uniform(low, high)))


def _part(span: timedelta, fraction: float) -> timedelta:
    return timedelta(seconds=int(span.total_seconds() * fraction))


def timeline(seed: int, booking: Row, profile: VendorProfile) -> list[Event]:
    """Every event of `booking` (id, created_at, scheduled_start, scheduled_end), sorted."""
    r = rng_for(seed, "booking", booking["id"])
    created, start, end = booking["created_at"], booking["scheduled_start"], booking["scheduled_end"]
    events: list[Event] = []

    def add(when: datetime, kind: str, detail: Any = None) -> datetime:  # whole seconds throughout
        events.append((when, len(events), kind, detail))
        return when

    short_notice = start - created < timedelta(hours=48)
    customer_cancels = r.random() < 0.04 + (0.1 if short_notice else 0.0)
    respond = created + _hours(r, profile.response_hours, 0.8)
    deadline = max(min(created + 72 * _HOUR, start - 2 * _HOUR), created + 30 * _MINUTE)
    customer_reason = r.choice(catalog.CANCEL_REASONS["customer"])
    vendor_reason = r.choice(catalog.CANCEL_REASONS["vendor"])
    method = catalog.PAYMENT_METHODS.pick(r)
    processor_ref = f"pi_{r.getrandbits(96):024x}"
    if respond > deadline:
        if customer_cancels:
            final = add(
                created + _part(deadline - created, r.random()), "cancel", ("customer", customer_reason)
            )
        else:
            final = add(deadline, "cancel", ("system", "vendor did not respond"))
    elif r.random() < profile.decline_rate:
        final = add(respond, "decline", ("vendor", vendor_reason))
    elif customer_cancels and r.random() < 0.35:
        final = add(created + _part(respond - created, r.random()), "cancel", ("customer", customer_reason))
    else:
        add(respond, "confirm", (method, processor_ref))
        paid = r.random() >= 0.02
        settled = add(respond + _minutes(r, 1, 30), "settle", paid)
        window = start - _HOUR - settled
        if not paid:
            final = add(settled + _minutes(r, 30, 120), "cancel", ("system", "payment failed"))
        elif customer_cancels and window > _MINUTE:
            final = add(settled + _part(window, 1 - r.random() ** 2), "cancel", ("customer", customer_reason))
            _refund(r, add, final, "customer_cancel", 1.0)
        elif r.random() < profile.cancel_rate and window > _MINUTE:
            final = add(settled + _part(window, r.random()), "cancel", ("vendor", vendor_reason))
            _refund(r, add, final, "vendor_cancel", 1.0)
        elif r.random() < 0.03:
            final = add(start + _minutes(r, 30, 120), "no_show")
        else:
            add(start, "start")
            final = add(end + _minutes(r, 0, 90), "complete")
            _after_completion(r, add, final, profile)
    _messages(r, add, created, final + 2 * _DAY, profile)
    events.sort()
    return events


def _refund(r: Any, add: Any, after: datetime, reason: str, fraction: float) -> None:
    refunded = add(after + _minutes(r, 5, 120), "refund", (reason, fraction))
    add(refunded + _days(r, 1, 3), "refund_settle")


def _after_completion(r: Any, add: Any, completed: datetime, profile: VendorProfile) -> None:
    if r.random() < 0.4:
        rating = min(5, max(1, round(r.gauss(profile.quality, 0.8))))
        reviewed = add(completed + min(14 * _DAY, _hours(r, 20, 1.0)), "review", _review(r, rating))
        if r.random() < 0.1:
            new_rating = min(5, max(1, rating + r.choice((-1, 1))))
            add(reviewed + _minutes(r, 60, 120 * 60), "review_edit", _review(r, new_rating))
        if r.random() < 0.03:
            add(reviewed + _days(r, 1, 20), "review_delete")
    if r.random() < 0.04:
        reason = r.choice(("damage", "goodwill"))
        _refund(r, add, completed + _days(r, 1, 5), reason, r.uniform(0.1, 0.5))


def _review(r: Any, rating: int) -> tuple[int, str | None]:
    comments = catalog.REVIEW_COMMENTS[rating]
    return rating, r.choice(comments) if r.random() < 0.7 else None


def _messages(r: Any, add: Any, created: datetime, until: datetime, profile: VendorProfile) -> None:
    """2-8 messages, customer first; the vendor answers at its own pace."""
    count, role = r.randint(2, 8), "customer"
    when = created + _minutes(r, 1, 20)
    for number in range(count):
        texts = catalog.CUSTOMER_MESSAGES if role == "customer" else catalog.VENDOR_MESSAGES
        quote = r.random() < (0.06 if role == "customer" else 0.04)
        add(when, "msg", (role, r.randrange(len(texts)), quote))
        role = ("vendor" if role == "customer" else "customer") if r.random() < 0.8 else role
        when += _hours(r, profile.response_hours if role == "vendor" else 1.5, 0.9)
        if number >= 1 and when > until:
            break


def message_body(role: str, index: int, quote: bool, contact: dict[str, str]) -> str:
    texts = catalog.CUSTOMER_MESSAGES if role == "customer" else catalog.VENDOR_MESSAGES
    body = texts[index]
    if quote:
        quotes = catalog.CUSTOMER_QUOTES if role == "customer" else catalog.VENDOR_QUOTES
        body += " " + quotes[index % len(quotes)].format(**contact)
    return body


def apply(event: Event, bundle: Bundle, store: Store) -> None:
    """Apply one event to the booking's rows, if the booking is still where the event expects."""
    when, _, kind, detail = event
    booking, payment, refund, review = bundle.booking, bundle.payment, bundle.refund, bundle.review
    status = booking["status"]
    if kind == "msg":
        role, index, quote = detail
        body = message_body(role, index, quote, store.contact(role, booking) if quote else {})
        row = {"booking_id": booking["id"], "sender_role": role, "body": body, "created_at": when}
        store.insert("messages", row, after=booking["created_at"])
    elif kind == "confirm" and status == "requested":
        store.update("bookings", booking, when, {"status": "confirmed", "vendor_responded_at": when})
        method, reference = detail
        bundle.payment = store.insert(
            "payments",
            {"booking_id": booking["id"], "amount_cents": booking["total_cents"],
             "currency": catalog.CURRENCY, "method": method, "status": "pending", "processor_ref": reference,
             "paid_at": None, "created_at": when, "updated_at": when},
            after=booking["created_at"],
        )  # fmt: skip
    elif kind == "settle" and payment is not None and payment["status"] == "pending":
        changes = {"status": "succeeded", "paid_at": when} if detail else {"status": "failed"}
        store.update("payments", payment, when, changes)
    elif kind in ("cancel", "decline") and status in ("requested", "confirmed"):
        by, reason = detail
        changes = {
            "status": "cancelled",
            "cancelled_at": when,
            "cancelled_by": by,
            "cancellation_reason": reason,
        }
        if kind == "decline":
            changes["vendor_responded_at"] = when
        store.update("bookings", booking, when, changes)
    elif kind == "refund" and payment is not None and payment["status"] == "succeeded" and refund is None:
        reason, fraction = detail
        whole = fraction >= 1
        amount = payment["amount_cents"] if whole else max(1, round(payment["amount_cents"] * fraction))
        bundle.refund = store.insert(
            "refunds",
            {"payment_id": payment["id"], "amount_cents": amount, "reason": reason, "status": "pending",
             "created_at": when, "updated_at": when},
            after=payment["updated_at"],
        )  # fmt: skip
        store.update("payments", payment, when, {"status": "refunded" if whole else "partially_refunded"})
    elif kind == "refund_settle" and refund is not None and refund["status"] == "pending":
        store.update("refunds", refund, when, {"status": "succeeded"})
    elif kind == "start" and status == "confirmed":
        store.update("bookings", booking, when, {"status": "in_progress"}, after=booking["scheduled_start"])
    elif kind == "no_show" and status == "confirmed":
        store.update("bookings", booking, when, {"status": "no_show"}, after=booking["scheduled_start"])
    elif kind == "complete" and status == "in_progress":
        changes = {"status": "completed", "completed_at": when}
        store.update("bookings", booking, when, changes, after=booking["scheduled_end"])
    elif kind == "review" and status == "completed" and review is None:
        rating, comment = detail
        bundle.review = store.insert(
            "reviews",
            {"booking_id": booking["id"], "user_id": booking["user_id"], "vendor_id": booking["vendor_id"],
             "rating": rating, "comment": comment, "created_at": when, "updated_at": when,
             "deleted_at": None},
            after=booking["completed_at"],
        )  # fmt: skip
    elif kind == "review_edit" and review is not None and review["deleted_at"] is None:
        rating, comment = detail
        store.update("reviews", review, when, {"rating": rating, "comment": comment})
    elif kind == "review_delete" and review is not None and review["deleted_at"] is None:
        store.update("reviews", review, when, {"deleted_at": when})


def settled_since(booking: Row) -> datetime | None:
    """When a finished booking reached its final status (None while it is open)."""
    if booking["status"] in OPEN:
        return None
    return booking["completed_at"] or booking["cancelled_at"] or booking["updated_at"]
