"""The values the generator plants for dbt's validation rules, and the record it keeps of them.

Every field a rule checks is generated clean (the standardised form itself: a lowercase e-mail,
an E.164 US phone, a 5-digit ZIP, an upper-case state code, a number, `YYYY-MM-DD`, a listed
status, a lowercase canonical UUID), then possibly rendered *messy but valid* (phones in many
formats, ZIP+4, currency strings, lowercase states ...), or, for about 4 % of records, replaced by
one *invalid* value that breaks exactly its field's rule. Both kinds are recorded as `Planted`
entries: the ground truth the dbt validation is compared with. Rule names, valid forms and
standardised values follow the table in the issue-17 contract (/work/qq/CONTRACT.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

RULES = ("email", "phone", "zip", "state", "currency", "date", "status", "uuid")

# How often a clean value is sent in a messy but valid form instead, per occurrence of a field.
MESSY_RATE = {
    "email": 0.08,
    "phone": 0.6,
    "zip": 0.15,
    "state": 0.06,
    "currency": 0.10,
    "date": 0.0,  # the API has no messy-valid dates: anything but YYYY-MM-DD is invalid
    "status": 0.03,
    "uuid": 0.04,
}
INVALID_RATE = 0.005  # records with one invalid value besides the forced ones (see Store.plant)

# Invalid values per rule, used in turn; "4digit" and the e-mail forms are built from the clean value.
INVALID: dict[str, tuple[str, ...]] = {
    "email": ("no-domain", "double-at", "spelled-at", "dotless-domain"),
    "phone": ("12345", "555-CALL-NOW", "+44 20 7946 0958", "000-000-0000"),
    "zip": ("4digit", "ABCDE", "123"),
    "state": ("XX", "Calif", "ZZ"),
    "currency": ("12.3.4", "N/A", "$--5"),
    "date": ("2026-02-30", "0000-00-00", "13/45/2020", "2026-13-01"),
    "status": ("Actve", "PENDING REVIEW", "?"),
    "uuid": ("not-a-uuid", "1234-5678", "35-chars"),
}


@dataclass(frozen=True)
class Planted:
    """One planted value, as the contract's ground-truth API gives it.

    `entity` is the RAW table name, `source_id` the record's id as text, `field` the JSON path
    (`Phones[0].PhoneNumber`, `Address.Zip`, `TotalPremium`), `raw_value` what the API sends, `rule`
    the rule it breaks (None: messy but valid) and `standardised` what dbt should make of it (text;
    currency with two decimals; None when unrecoverable)."""

    entity: str
    source_id: str
    field: str
    raw_value: str
    rule: str | None
    standardised: str | None


@dataclass(frozen=True)
class Value:
    """A planted value as a record keeps it (the record knows its entity and id)."""

    raw: str
    rule: str | None
    standardised: str | None


# --------------------------------------------------------------------------------------------
# Clean values
# --------------------------------------------------------------------------------------------


def phone_number(area_code: str, rng: random.Random) -> str:
    """A clean US phone in E.164, on the 555-01xx lines reserved for fiction (a valid NANP number)."""
    return f"+1{area_code}5550{rng.randrange(100, 200)}"


def money(value: float | Decimal) -> float:
    """An amount as the API's JSON number: a float with at most two decimals."""
    return float(Decimal(str(value)).quantize(Decimal("0.01")))


def new_uuid(rng: random.Random) -> str:
    """A random (version 4) UUID in its canonical lowercase form."""
    hexits = f"{rng.getrandbits(128):032x}"
    hexits = hexits[:12] + "4" + hexits[13:16] + "89ab"[int(hexits[16], 16) % 4] + hexits[17:]
    return f"{hexits[:8]}-{hexits[8:12]}-{hexits[12:16]}-{hexits[16:20]}-{hexits[20:]}"


# --------------------------------------------------------------------------------------------
# Messy but valid
# --------------------------------------------------------------------------------------------


def messy(rule: str, clean: Any, rng: random.Random) -> Value | None:
    """`clean` in a messy but valid form with its standardised value; None if the rule has none."""
    if rule == "email":
        local, _, domain = clean.partition("@")
        shapes = (
            f"{local.title()}@{domain.title()} ",
            f"{local.title()}@{domain.upper()}",
            f" {clean.upper()}",
            f"{clean} ",
        )
        return Value(rng.choice(shapes), None, clean)
    if rule == "phone":
        digits = clean[2:]
        area, exchange, line = digits[:3], digits[3:6], digits[6:]
        shapes = (
            f"({area}) {exchange}-{line}",
            f"{area}.{exchange}.{line}",
            f"{area}-{exchange}-{line}",
            digits,
            f"1-{area}-{exchange}-{line}",
            f"+1 {area} {exchange} {line}",
            f"({area}) {exchange}-{line} x{rng.randrange(10, 1000)}",
        )
        return Value(rng.choice(shapes), None, clean)
    if rule == "zip":
        plus4 = f"{rng.randrange(1, 10000):04d}"
        if rng.random() < 0.7:
            return Value(f"{clean}-{plus4}", None, f"{clean}-{plus4}")
        return Value(f"{clean}{plus4}", None, f"{clean}-{plus4}")
    if rule == "state":
        return Value(rng.choice((clean.lower(), f" {clean.title()} ", clean.title())), None, clean)
    if rule == "currency":
        amount = Decimal(str(clean)).quantize(Decimal("0.01"))
        if amount < 0:
            return Value(f"({-amount:.2f})", None, f"{amount:.2f}")
        plain = (
            format(amount.normalize(), "f") if amount == amount.to_integral() else f"{amount:.2f}".rstrip("0")
        )
        shapes = (f"${amount:,.2f}", plain, f"{amount:.2f}")
        return Value(rng.choice(shapes), None, f"{amount:.2f}")
    if rule == "status":
        shapes = [shape for shape in (clean.upper(), clean.lower()) if shape != clean]
        return Value(rng.choice(shapes), None, clean)
    if rule == "uuid":
        return Value(clean.upper(), None, clean)
    return None


# --------------------------------------------------------------------------------------------
# Invalid
# --------------------------------------------------------------------------------------------


def invalid(rule: str, clean: Any, example: str) -> Value | None:
    """The invalid value `example` (one of INVALID[rule]) for a field holding `clean`; None when
    that example cannot be made from this value (a 4-digit ZIP needs a ZIP with a leading zero)."""
    if rule == "email":
        local, _, domain = clean.partition("@")
        first = local.split(".")[0]
        raw = {
            "no-domain": f"{local}@",
            "double-at": f"{first}@@{domain}",
            "spelled-at": f"{first} at {domain}",
            "dotless-domain": f"{first}@{domain.split('.')[0]}",
        }[example]
        return Value(raw, rule, None)
    if rule == "zip" and example == "4digit":
        # A spreadsheet read the ZIP as a number: the leading zero is gone, and can be put back.
        return Value(clean[1:], rule, clean) if clean.startswith("0") else None
    if rule == "uuid" and example == "35-chars":
        return Value(clean[:-1], rule, None)
    return Value(example, rule, None)
