"""An agency's reference data and the pieces its contacts are made of.

The agency record, its three locations, six departments, ~25 employees and a dozen carriers were
set up in QQCatalyst in December 2025, before the history the windowed endpoints serve; the
reference endpoints return them whole. Commission rules (one per carrier and line it writes)
are windowed records created on the first day of the history. `Person`, `address()` and the
e-mail and phone helpers build the contact details every entity shares.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sandbox.qqcatalyst.agencies import AgencySpec
from sandbox.qqcatalyst.catalog import (
    CARRIER_DOMICILES,
    CARRIERS,
    DEPARTMENTS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    LINES,
    PLACES,
    STREETS,
)
from sandbox.qqcatalyst.store import DAY_SECONDS, Row, Store, day_start, iso
from sandbox.qqcatalyst.values import new_uuid, phone_number

SETUP_DAY = -335  # 2025-12-01: the agency's account was set up in the month before the history
CARRIERS_PER_AGENCY = 12
EMPLOYEES_PER_AGENCY = 25
_LOCATION_PLACES = {"harbor": (0, 2, 6), "summit": (0, 1, 2)}  # indexes into PLACES
_DEPARTMENT_LOCATIONS = (0, 0, 1, 0, 2, 1)  # location index of each department in DEPARTMENTS
_ROLES = ("Manager",) * 3 + ("Agent",) * 8 + ("Producer",) * 6 + ("CSR",) * 8

Place = tuple[str, str, tuple[str, ...], str]  # city, state, ZIP codes, area code


@dataclass(frozen=True)
class Person:
    first: str
    last: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def person(rng: random.Random) -> Person:
    return Person(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))


def email_for(local: str, rng: random.Random, domain: str | None = None) -> str:
    return f"{local}@{domain or rng.choice(EMAIL_DOMAINS)}".lower()


def slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def address(place: Place, rng: random.Random, kind: str | None = None) -> dict[str, Any]:
    """A street address in `place` (a clean 5-digit ZIP and state code)."""
    city, state, zips, _ = place
    line2 = rng.choice(("Apt 2", "Unit 4B", "Suite 200", "Floor 3")) if rng.random() < 0.12 else None
    fields = {
        "Line1": f"{rng.randrange(1, 400)} {rng.choice(STREETS)}",
        "Line2": line2,
        "City": city,
        "State": state,
        "Zip": rng.choice(zips),
    }
    return {"AddressType": kind, **fields} if kind else fields


@dataclass
class Reference:
    """The agency's reference rows, and who can be an agent on a contact or policy."""

    agency: Row
    locations: list[Row]
    departments: list[Row]
    employees: list[Row]
    carriers: list[Row]
    places: tuple[Place, ...]

    def agents(self) -> list[Row]:
        return [e for e in self.employees if e.facts["role"] in ("Agent", "Producer") and e.status == "A"]

    def carriers_for(self, line: str) -> list[Row]:
        return [c for c in self.carriers if line in c.facts["lines"]]


def _setup_moment(rng: random.Random) -> int:
    return day_start(SETUP_DAY + rng.randrange(20)) + rng.randrange(13 * 3600, DAY_SECONDS)


def build_reference(store: Store, spec: AgencySpec, seed: int) -> Reference:
    """The agency, its locations, departments, employees and carriers (deterministic per seed)."""
    rng = random.Random(f"{seed}:qqcatalyst:{spec.name}:reference")
    places = PLACES[spec.name]
    domain = f"{spec.name}-agency.example.com"
    home = places[_LOCATION_PLACES[spec.name][0]]
    agency = store.add(
        "agencies",
        {
            "AgencyId": spec.agency_id,
            "AgencyName": spec.title,
            "AgencyGuid": new_uuid(rng),
            "Phone": phone_number(home[3], rng),
            "Email": f"info@{domain}",
            "Address": address(home, rng),
        },
        day_start(SETUP_DAY) + 15 * 3600,
        rng,
        checked={
            "AgencyGuid": "uuid",
            "Phone": "phone",
            "Email": "email",
            "Address.Zip": "zip",
            "Address.State": "state",
        },
        plant=False,  # the agency's own record is clean: messy values come from people typing
    )
    locations = []
    for index in _LOCATION_PLACES[spec.name]:
        place = places[index]
        locations.append(
            store.add(
                "locations",
                {
                    "LocationId": store.new_id("locations", rng),
                    "LocationName": f"{place[0]} Office",
                    "Phone": phone_number(place[3], rng),
                    "Email": f"{slug(place[0])}@{domain}",
                    "Address": address(place, rng),
                    "IsActive": True,
                },
                _setup_moment(rng),
                rng,
                checked={"Phone": "phone", "Email": "email", "Address.Zip": "zip", "Address.State": "state"},
                place=place,
            )
        )
    departments = [
        store.add(
            "departments",
            {
                "DepartmentId": store.new_id("departments", rng),
                "DepartmentName": name,
                "LocationId": locations[_DEPARTMENT_LOCATIONS[n]].id,
            },
            _setup_moment(rng),
            rng,
            location=locations[_DEPARTMENT_LOCATIONS[n]],
        )
        for n, name in enumerate(DEPARTMENTS)
    ]
    employees = [
        new_employee(store, departments, rng, role, _setup_moment(rng), domain)
        for role in rng.sample(_ROLES, len(_ROLES))
    ]
    for employee in rng.sample(employees, 2):  # people who have left keep their record
        employee.status = "I"
        store.put(employee, "Status", "I")
    carriers = []
    pool = list(range(len(CARRIERS)))
    while True:  # a dozen carriers that between them write every line at least twice
        chosen = sorted(rng.sample(pool, CARRIERS_PER_AGENCY))
        if all(sum(line in CARRIERS[i][2] for i in chosen) >= 2 for line in LINES):
            break
    for index in chosen:
        name, company, lines = CARRIERS[index]
        carriers.append(
            store.add(
                "carriers",
                {
                    "CarrierId": store.new_id("carriers", rng),
                    "CarrierName": name,
                    "NAICCode": f"{rng.randrange(10_000, 45_000)}",
                    "State": CARRIER_DOMICILES[index],
                    "Phone": phone_number(rng.choice(("800", "888", "877")), rng),
                    "Email": f"agency.services@{slug(name)}.example.com",
                    "IsActive": True,
                },
                _setup_moment(rng),
                rng,
                checked={"State": "state", "Phone": "phone", "Email": "email"},
                company=company,
                lines=lines,
                prefix="".join(word[0] for word in name.replace("&", "").split())[:3].upper(),
            )
        )
    return Reference(agency, locations, departments, employees, carriers, places)


def new_employee(
    store: Store, departments: list[Row], rng: random.Random, role: str, moment: int, domain: str
) -> Row:
    who = person(rng)
    department = rng.choice(departments)
    location = department.facts["location"]
    taken = {e.data["Email"] for e in store.rows["employees"].values()}
    email = f"{who.first}.{who.last}@{domain}".lower()
    if email in taken:
        email = f"{who.first}.{who.last}{len(taken)}@{domain}".lower()
    hired = date(2012, 1, 1).toordinal() + rng.randrange(14 * 365)
    return store.add(
        "employees",
        {
            "EmployeeId": store.new_id("employees", rng),
            "FirstName": who.first,
            "LastName": who.last,
            "Email": email,
            "Phone": phone_number(location.facts["place"][3], rng),
            "DepartmentId": department.id,
            "LocationId": location.id,
            "Role": role,
            "Status": "A",
            "HireDate": iso(min(date.fromordinal(hired), datetime.fromtimestamp(moment, UTC).date())),
        },
        moment,
        rng,
        status="A",
        checked={"Email": "email", "Phone": "phone", "Status": "status", "HireDate": "date"},
        role=role,
        name=who.name,
        location=location,
    )


def commission_rules(store: Store, reference: Reference, moment: int, rng: random.Random) -> dict:
    """One rule per carrier and line it writes, for 2026: {(carrier id, line): rule row}."""
    rules = {}
    for carrier in reference.carriers:
        for line in carrier.facts["lines"]:
            low, high = (6, 11) if line == "Workers Comp" else (10, 19)
            new_business = Decimal(rng.randrange(low, high)) / 100
            renewal = new_business - Decimal(rng.randrange(1, 4)) / 100
            rules[(carrier.id, line)] = store.add(
                "commission_rules",
                {
                    "CommissionRuleId": store.new_id("commission_rules", rng),
                    "CarrierId": carrier.id,
                    "LOB": line,
                    "NewBusinessRate": float(new_business),
                    "RenewalRate": float(renewal),
                    "EffectiveDate": "2026-01-01",
                    "ExpirationDate": "2026-12-31",
                },
                moment + rng.randrange(0, 3 * 3600),
                rng,
                checked={"EffectiveDate": "date", "ExpirationDate": "date"},
                carrier=carrier,
                line=line,
                new_business=new_business,
                renewal=renewal,
            )
    return rules
