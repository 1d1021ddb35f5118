"""One agency's book of business, lived day by day from 2026-01-01 to the simulated today.

The agency moved to QQCatalyst on 2026-01-01: in its first three weeks its existing customers
and their in-force policies are keyed in (effective dates in 2025, expiring through 2026). From
then on prospects arrive and are quoted by one to three carriers; a sold quote becomes an
application, an approved application a new policy. Every policy lives out its term: it turns
active on its effective date, is billed in instalments (agency-billed ones), earns a commission
statement, may have claims, endorsements, certificates (ACORD 25) and a mid-term cancellation or
rewrite, and 30-45 days before it expires gets a renewal offer that ends renewed (a new policy
whose PriorPolicyID is the old one), non-renewed or lapsed. Contacts are edited, prospects and
stray records soft-deleted, and from day 1 on (the ticks) a few records are hard-deleted.

Future steps are kept in an agenda (day -> actions); each day runs its agenda, then its arrivals
and random events, all drawn from a `random.Random` seeded by (seed, agency, day), so N ticks
give the same data as starting N days later. Counts at scale 1 (per agency, times its volume):
~420-460 contacts, ~550-650 policies and 4,500-5,500 records in all.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sandbox.qqcatalyst.agencies import AgencySpec
from sandbox.qqcatalyst.agenda import FIRST_DAY, HISTORY_START, add_months, cents, poisson, scaled, weighted
from sandbox.qqcatalyst.catalog import BUSINESS_KINDS, BUSINESS_WORDS, BY_TABLE, LINES, VENDOR_NAMES
from sandbox.qqcatalyst.policies import Policies
from sandbox.qqcatalyst.reference import address, commission_rules, email_for, new_employee, person, slug
from sandbox.qqcatalyst.store import Row, day_start, iso
from sandbox.qqcatalyst.values import money, new_uuid, phone_number

__all__ = ["FIRST_DAY", "HISTORY_START", "AgencyWorld"]

MIGRATION_DAYS = 21

# Rates at scale 1 for an agency of volume 1, per day unless named otherwise.
MIGRATED_CUSTOMERS = 170  # over the migration
NEW_CONTACTS = 0.95
CROSS_SELL_REQUESTS = 0.35
CONTACT_EDITS = 0.5
ENDORSEMENTS = 0.3
CERTIFICATES = 0.25
CORRESPONDENCE = 0.35
SOFT_DELETES = 0.6
HARD_DELETES = 0.5  # on each day from day 1, besides the one every such day has
REFERENCE_CHANGES = 0.02  # an employee leaves, joins or changes phone; a commission rate changes

_PERSONAL_MIX = (("Personal Auto", 50), ("Homeowners", 35), ("Umbrella", 15))
_COMMERCIAL_MIX = (
    ("Commercial Auto", 25),
    ("General Liability", 30),
    ("Workers Comp", 20),
    ("Commercial Property", 25),
)


class AgencyWorld(Policies):
    """One agency's records as of the end of simulated day `day`."""

    def __init__(self, spec: AgencySpec, *, seed: int = 42, scale: float = 1.0, day: int = 0) -> None:
        super().__init__(spec, seed=seed, scale=scale)
        for each in range(FIRST_DAY, day + 1):
            self._live(each)

    # ----- time -----------------------------------------------------------------------------------

    def advance(self, days: int = 1) -> dict[str, int]:
        """Live `days` more days. What the windowed endpoints show as new, updated (soft deletes
        among them) and soft-deleted records, what vanished, and how many reference records changed."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        before = self._versions()
        deleted = {key for key, row in self._live_rows().items() if row.deleted}
        hard_before = len(self.hard_deleted)
        for _ in range(days):
            self._live(self.day + 1)
        now = self._live_rows()
        windowed = {key for key in now if BY_TABLE[key[0]].windowed}
        return {
            "new": sum(1 for key in windowed if key not in before),
            "updated": sum(1 for key in windowed if key in before and before[key] != now[key].updated),
            "soft_deleted": sum(1 for key in windowed if now[key].deleted and key not in deleted),
            "hard_deleted": len(self.hard_deleted) - hard_before,
            "reference_changed": sum(
                1 for key, row in now.items() if key not in windowed and before.get(key) != row.updated
            ),
        }

    def _live_rows(self) -> dict[tuple[str, int], Row]:
        return {(table, key): row for table, rows in self.rows.items() for key, row in rows.items()}

    def _versions(self) -> dict[tuple[str, int], int]:
        return {key: row.updated for key, row in self._live_rows().items()}

    def _live(self, day: int) -> None:
        self.day = day
        rng = random.Random(f"{self.seed}:qqcatalyst:{self.agency}:day:{day}")
        if day == FIRST_DAY:
            self.rules = commission_rules(self, self.ref, day_start(day) + 13 * 3600, rng)
        self._due(day, rng)
        self._arrivals(rng)
        self._claims_and_cancellations(rng)
        self._edits(rng)
        self._soft_deletes(rng)
        if day >= 1:
            self._hard_deletes(rng)
        self.changed()

    # ----- contacts -------------------------------------------------------------------------------

    def _arrivals(self, rng: random.Random) -> None:
        if self.day < FIRST_DAY + MIGRATION_DAYS:
            for _ in range(poisson(rng, self.rate * MIGRATED_CUSTOMERS / MIGRATION_DAYS)):
                self._migrate_customer(rng)
            return
        for _ in range(poisson(rng, self.rate * NEW_CONTACTS)):
            kind = "vendor" if rng.random() < 0.08 else "prospect"
            contact = self._new_contact(rng, self._moment(rng), kind)
            if kind == "prospect" and rng.random() < 0.85:
                self._schedule(self.day + rng.randint(1, 6), self._request_quotes, contact)
        for _ in range(poisson(rng, self.rate * CROSS_SELL_REQUESTS)):
            customer = self._pick(
                "contacts", rng, lambda c: c.facts["kind"] == "customer" and c.status == "A"
            )
            if customer is not None:
                self._request_quotes(customer, rng)

    def _new_contact(self, rng: random.Random, moment: int, kind: str) -> Row:
        company = kind == "vendor" or rng.random() < self.spec.commercial_share
        number = self._created["contacts"] + 1
        place = rng.choices(self.ref.places, [6, 3, 2, 2, 2, 1, 1, 1, 1, 1])[0]
        location = rng.choices(self.ref.locations, [5, 3, 2])[0]
        agent = rng.choice(self.ref.agents())
        who = person(rng)
        if company:
            word = rng.choice(BUSINESS_WORDS)
            if kind == "vendor":
                name = f"{word} {rng.choice(VENDOR_NAMES)}"
            else:
                trade, suffix = rng.choice(BUSINESS_KINDS)
                name = f"{word} {trade} {suffix}"
            email = email_for(f"office{number}", rng, f"{slug(name)}.example.com")
            emails = [{"EmailAddress": email, "EmailType": "Business", "IsPrimary": True}]
        else:
            name = who.name
            email = email_for(f"{who.first}.{who.last}{number}", rng)
            emails = [{"EmailAddress": email, "EmailType": "Personal", "IsPrimary": True}]
            if rng.random() < 0.2:
                work = email_for(
                    f"{who.first}.{who.last}", rng, f"{rng.choice(BUSINESS_WORDS).lower()}.example.com"
                )
                emails.append({"EmailAddress": work, "EmailType": "Work", "IsPrimary": False})
        phone = phone_number(place[3], rng)
        phones = [
            {
                "PhoneNumber": phone,
                "PhoneType": "Business" if company else rng.choice(("Mobile", "Home")),
                "IsPrimary": True,
            }
        ]
        if rng.random() < 0.3:
            phones.append(
                {"PhoneNumber": phone_number(place[3], rng), "PhoneType": "Mobile", "IsPrimary": False}
            )
        addresses = [{**address(place, rng, "Mailing"), "IsPrimary": True}]
        if rng.random() < 0.15:
            second = "Billing" if company else "Garaging"
            addresses.append({**address(rng.choice(self.ref.places), rng, second), "IsPrimary": False})
        born = None if company else date(1945, 1, 1) + timedelta(days=rng.randrange(60 * 365))
        data = {
            "EntityID": self.new_id("contacts", rng),
            "DisplayName": name,
            "FirstName": None if company else who.first,
            "LastName": None if company else who.last,
            "CompanyName": name if company else None,
            "ContactSubType": "C" if company else "P",
            "ContactType": {"vendor": "Vendor", "prospect": "Prospect"}.get(kind, "Customer"),
            "Status": "A",
            "LocationID": location.id,
            "AgentId": agent.id,
            "AgentName": agent.facts["name"],
            "DateOfBirth": iso(born),
            "ContactGuid": new_uuid(rng),
            "Emails": emails,
            "Phones": phones,
            "Addresses": addresses,
        }
        checked = {"Status": "status", "ContactGuid": "uuid", "DateOfBirth": "date"}
        checked.update({f"Emails[{i}].EmailAddress": "email" for i in range(len(emails))})
        checked.update({f"Phones[{i}].PhoneNumber": "phone" for i in range(len(phones))})
        for i in range(len(addresses)):
            checked.update({f"Addresses[{i}].State": "state", f"Addresses[{i}].Zip": "zip"})
        contact = self.add(
            "contacts",
            data,
            moment,
            rng,
            status="A",
            checked=checked,
            kind=kind,
            company=company,
            place=place,
            email=email,
            phone=phone,
            agent=agent,
            location=location,
            policies=[],
        )
        if rng.random() < 0.15:
            self._document(contact, "Contact", "Correspondence", f"Welcome_{contact.id}.pdf", rng, moment)
        return contact

    def _line_for(self, contact: Row, rng: random.Random, taken: set[str] = frozenset()) -> str:
        mix = _COMMERCIAL_MIX if contact.facts["company"] else _PERSONAL_MIX
        left = tuple((line, weight) for line, weight in mix if line not in taken) or mix
        return weighted(rng, left)

    def _migrate_customer(self, rng: random.Random) -> None:
        moment = self._moment(rng)
        contact = self._new_contact(rng, moment, "customer")
        lines: set[str] = set()
        for _ in range(weighted(rng, ((1, 55), (2, 30), (3, 15)))):
            line = self._line_for(contact, rng, lines)
            lines.add(line)
            term = rng.choice(LINES[line].terms)
            expires = self.today + timedelta(days=rng.randint(5, term * 30))
            premium = cents(rng.uniform(*LINES[line].premium) * term / 12)
            carrier = rng.choice(self.ref.carriers_for(line))
            effective = add_months(expires, -term)
            later = self._later(moment, 60)
            self._issue(contact, line, carrier, effective, term, premium, rng, later, kind="migrated")

    # ----- quotes and applications ----------------------------------------------------------------

    def _request_quotes(self, contact: Row, rng: random.Random) -> None:
        if contact.deleted:
            return
        moment = self._moment(rng, contact)
        line = self._line_for(contact, rng, {p.facts["line"] for p in contact.facts["policies"]})
        carriers = self.ref.carriers_for(line)
        term = rng.choice(LINES[line].terms)
        base = rng.uniform(*LINES[line].premium) * term / 12
        group: list[Row] = []
        for carrier in rng.sample(carriers, min(len(carriers), weighted(rng, ((1, 40), (2, 40), (3, 20))))):
            premium = cents(base * rng.uniform(0.85, 1.15))
            data = {
                "QuoteId": self.new_id("quotes", rng),
                "CustomerId": contact.id,
                "LOB": line,
                "CarrierId": carrier.id,
                "QuotedPremium": money(premium),
                "QuoteDate": iso(self.today),
                "ExpirationDate": iso(self.today + timedelta(days=30)),
                "Status": "Open",
                "QuoteGuid": new_uuid(rng),
            }
            checked = {
                "QuotedPremium": "currency",
                "QuoteDate": "date",
                "ExpirationDate": "date",
                "Status": "status",
                "QuoteGuid": "uuid",
            }
            group.append(
                self.add(
                    "quotes",
                    data,
                    moment,
                    rng,
                    status="Open",
                    checked=checked,
                    parent=contact,
                    line=line,
                    carrier=carrier,
                    premium=premium,
                    term=term,
                    group=group,
                    expires=self.today + timedelta(days=30),
                )
            )
        self._schedule(self.day + rng.randint(2, 21), self._decide_quotes, group[0])

    def _decide_quotes(self, first: Row, rng: random.Random) -> None:
        group = [quote for quote in first.facts["group"] if not quote.deleted and quote.status == "Open"]
        if not group:
            return
        contact = first.parent
        moment = self._moment(rng, *group)
        roll = rng.random()
        if roll < 0.6 and not contact.deleted:
            cheapest = min(group, key=lambda q: q.facts["premium"])
            sold = cheapest if rng.random() < 0.7 else rng.choice(group)
            for quote in group:
                self.set_status(quote, "Sold" if quote is sold else "Lost", moment, rng)
            if contact.facts["kind"] == "prospect":
                contact.facts["kind"] = "customer"
                self.put(contact, "ContactType", "Customer")
                self.touch(contact, moment)
            self._submit_application(sold, rng, moment)
        elif roll < 0.85:
            for quote in group:
                self.set_status(quote, "Lost", moment, rng)
        else:
            for quote in group:
                self._schedule(quote.facts["expires"], self._expire_quote, quote)

    def _expire_quote(self, quote: Row, rng: random.Random) -> None:
        if not quote.deleted and quote.status == "Open":
            self.set_status(quote, "Expired", self._moment(rng, quote), rng)

    def _submit_application(self, quote: Row, rng: random.Random, moment: int) -> None:
        data = {
            "ApplicationId": self.new_id("applications", rng),
            "QuoteId": quote.id,
            "CustomerId": quote.parent.id,
            "CarrierId": quote.facts["carrier"].id,
            "SubmittedDate": iso(self.today),
            "Status": "Submitted",
        }
        application = self.add(
            "applications",
            data,
            moment,
            rng,
            status="Submitted",
            parent=quote,
            checked={"SubmittedDate": "date", "Status": "status"},
        )
        if rng.random() < 0.5:
            self._document(
                quote.parent, "Contact", "Application", f"Application_{application.id}.pdf", rng, moment
            )
        self._schedule(self.day + rng.randint(1, 10), self._decide_application, application)

    def _decide_application(self, application: Row, rng: random.Random) -> None:
        if application.deleted or application.status != "Submitted":
            return
        quote = application.parent
        contact = quote.parent
        moment = self._moment(rng, application)
        roll = rng.random()
        if roll < 0.85 and not contact.deleted:
            self.set_status(application, "Approved", moment, rng)
            facts = quote.facts
            premium = scaled(facts["premium"], rng, 0.97, 1.05)
            effective = self.today + timedelta(days=rng.randint(0, 14))
            self._issue(
                contact,
                facts["line"],
                facts["carrier"],
                effective,
                facts["term"],
                premium,
                rng,
                moment,
                kind="new",
            )
        else:
            self.set_status(application, "Declined" if roll < 0.95 else "Withdrawn", moment, rng)

    # ----- edits and deletes ----------------------------------------------------------------------

    def _edits(self, rng: random.Random) -> None:
        for _ in range(poisson(rng, self.rate * CONTACT_EDITS)):
            contact = self._pick("contacts", rng, lambda c: c.facts["kind"] != "vendor")
            if contact is not None:
                self._edit_contact(contact, rng)
        for _ in range(poisson(rng, self.rate * ENDORSEMENTS)):
            if self.active:
                self._endorse(rng.choice(list(self.active.values())), rng)
        for _ in range(poisson(rng, self.rate * CERTIFICATES)):
            policy = self._pick(
                "policies", rng, lambda p: p.status == "Active" and p.data["PolicyType"] == "Commercial"
            )
            if policy is not None:
                self._acord(policy, "25", "Draft", rng, self._moment(rng, policy))
        for _ in range(poisson(rng, self.rate * CORRESPONDENCE)):
            contact = self._pick("contacts", rng, lambda c: True)
            if contact is not None:
                name = f"Letter_{contact.id}_{self.today:%Y%m%d}.pdf"
                self._document(
                    contact,
                    "Contact",
                    rng.choice(("Correspondence", "Other")),
                    name,
                    rng,
                    self._moment(rng, contact),
                )
        if rng.random() < REFERENCE_CHANGES:
            self._change_reference(rng)

    def _edit_contact(self, contact: Row, rng: random.Random) -> None:
        moment = self._moment(rng, contact)
        roll = rng.random()
        if roll < 0.35:
            contact.facts["phone"] = phone_number(contact.facts["place"][3], rng)
            self.put(contact, "Phones[0].PhoneNumber", contact.facts["phone"], rng)
        elif roll < 0.55 and not contact.facts["company"]:
            first, last = contact.data["FirstName"], contact.data["LastName"]
            contact.facts["email"] = email_for(f"{first}.{last}{contact.id % 1000}", rng)
            self.put(contact, "Emails[0].EmailAddress", contact.facts["email"], rng)
        elif roll < 0.75:
            moved = address(rng.choice(self.ref.places), rng)
            for key, value in moved.items():
                self.put(contact, f"Addresses[0].{key}", value, rng)
        elif roll < 0.9:
            agent = rng.choice(self.ref.agents())
            contact.facts["agent"] = agent
            self.put(contact, "AgentId", agent.id)
            self.put(contact, "AgentName", agent.facts["name"])
        elif contact.facts["kind"] == "customer" and contact.status == "A":
            if any(p.status in ("Active", "Pending") for p in contact.facts["policies"]):
                return
            self.set_status(contact, "I", moment, rng)  # no policy in force any more
        else:
            return
        self.touch(contact, moment)

    def _change_reference(self, rng: random.Random) -> None:
        roll = rng.random()
        if roll < 0.4:
            employee = rng.choice(self.ref.employees)
            moment = self._moment(rng, employee)
            if employee.status == "A" and len(self.ref.agents()) > 6:
                self.set_status(employee, "I", moment, rng)
            else:
                self.put(
                    employee, "Phone", phone_number(employee.facts["location"].facts["place"][3], rng), rng
                )
                self.touch(employee, moment)
        elif roll < 0.7:
            role = rng.choice(("Agent", "Producer", "CSR"))
            self.ref.employees.append(
                new_employee(
                    self,
                    self.ref.departments,
                    rng,
                    role,
                    self._moment(rng),
                    f"{self.agency}-agency.example.com",
                )
            )
        elif self.rules:
            rule = rng.choice(list(self.rules.values()))
            rule.facts["new_business"] += Decimal(rng.choice((-1, 1))) / 100
            self.put(rule, "NewBusinessRate", float(rule.facts["new_business"]))
            self.touch(rule, self._moment(rng, rule))

    def _soft_deletes(self, rng: random.Random) -> None:
        eligible: dict[str, Callable[[Row], bool]] = {
            "contacts": lambda c: c.facts["kind"] == "prospect" and not c.facts["policies"],
            "documents": lambda d: True,
            "fees": lambda f: f.data["FeeType"] != "Installment",
            "quotes": lambda q: q.status in ("Lost", "Expired"),
            "claims": lambda c: c.status == "Open",  # entered in error
        }
        for _ in range(poisson(rng, self.rate * SOFT_DELETES)):
            table = weighted(
                rng, (("contacts", 25), ("documents", 30), ("fees", 15), ("quotes", 20), ("claims", 10))
            )
            row = self._pick(table, rng, eligible[table])
            if row is not None:
                self.soft_delete(row, self._moment(rng, row))

    def _hard_deletes(self, rng: random.Random) -> None:
        # Only leaves nothing else points to; soft-deleted ones are as likely to be purged.
        eligible: dict[str, Callable[[Row], bool]] = {
            "documents": lambda d: True,
            "fees": lambda f: True,
            "acord_forms": lambda a: True,
            "quotes": lambda q: q.status in ("Lost", "Expired"),
        }
        for _ in range(1 + poisson(rng, self.rate * HARD_DELETES)):
            table = weighted(rng, (("documents", 40), ("fees", 25), ("acord_forms", 15), ("quotes", 20)))
            rows = list(self.rows[table].values())
            candidates = [rng.choice(rows) for _ in range(min(20, len(rows)))]
            row = next((r for r in candidates if eligible[table](r)), None)
            if row is not None:
                self.hard_delete(row)
