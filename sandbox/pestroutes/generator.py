"""Deterministic PestRoutes office data: a day-by-day simulation of each office's business.

An office "goes live" about 18 months before simulated day 0 (2026-11-01) and the simulation
steps one day at a time: customers are sold (some at a door), subscriptions schedule
appointments at their frequency, technicians complete, miss, reschedule or cancel them, completed
visits are invoiced (tickets and ticket items), customers pay promptly, late or never (payments,
applied payments, daily gateway disbursements, the odd chargeback), some customers churn, and the
office writes notes, tasks and appointment reminders along the way. Day 0 is the state after the
history; `OfficeWorld.advance` runs the same simulation forward, so data after N ticks is identical
whether the days were ticked one by one or replayed at start-up.

Records are kept in wire form (the exact JSON the API sends: every value a string, the API's
null conventions, office-local wall time) so the server can filter and serve them as they are.
Every random choice comes from a `random.Random` seeded by (seed, office, stream), and every
iteration is over lists or insertion-ordered dicts, so results never depend on hash or thread order.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sandbox.framework import simulated_date
from sandbox.offices import OfficeSpec
from sandbox.pestroutes.fields import FIELDS

Record = dict[str, Any]

HISTORY_DAYS = 548  # about 18 months of history before day 0
GO_LIVE_DAY = -HISTORY_DAYS - 30  # dimensions and staff exist a month before the first sale
FIRST_DAY = -HISTORY_DAYS + 1

NULL_DATETIME = "0000-00-00 00:00:00"
NULL_DATE = "0000-00-00"
# The API is inconsistent about null datetimes: most fields send the zero date, these send "".
EMPTY_NULL_DATETIME_FIELDS = frozenset({"checkIn", "checkOut", "lastAttemptDate", "dateResponded"})
TASK_EMPTY_NULL_FIELDS = frozenset({"dateCompleted"})

CUSTOMERS_PER_SCALE = 200
EMPLOYEES_PER_SCALE = 15
DAILY_GROWTH = 0.01  # new customers per simulated day after day 0, as a share of the base

# First ID of each entity's per-office sequence: offsets differ per entity, like a real database.
ID_START: dict[str, int] = {
    "customer": 1001,
    "subscription": 20001,
    "appointment": 100001,
    "ticket": 300001,
    "ticketItem": 500001,
    "payment": 700001,
    "appliedPayment": 800001,
    "employee": 101,
    "note": 1000001,
    "task": 5001,
    "door": 30001,
    "knock": 40001,
    "disbursement": 9001,
    "paymentProfile": 60001,
    "appointmentReminder": 2000001,
    "chargeback": 701,
    "additionalContact": 3001,
    "genericFlagAssignment": 4001,
    "region": 1,
    "serviceType": 1,
    "genericFlag": 11,
    "product": 51,
    "cancellationReason": 1,
    "reserviceReason": 1,
    "customerSource": 1,
}
# Dimension IDs are small and dense; transactional IDs skip now and then (deleted rows, other
# writers), which keeps primary-key windowing honest.
_DENSE_IDS = frozenset(
    {
        "region",
        "serviceType",
        "genericFlag",
        "product",
        "cancellationReason",
        "reserviceReason",
        "customerSource",
    }
)

APPOINTMENT_STATUS = {"0": "Pending", "1": "Completed", "2": "No Show", "3": "Rescheduled", "-1": "Cancelled"}

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geo:
    state: str
    area_code: str
    cities: tuple[tuple[str, str], ...]  # (city, zip prefix)
    center: tuple[float, float]
    tax_rate: str
    services_taxable: bool  # Texas taxes pest control services; the other states do not


_GEO_BY_TIMEZONE: dict[str, _Geo] = {
    "America/Los_Angeles": _Geo(
        "CA",
        "916",
        (("Sacramento", "958"), ("Elk Grove", "957"), ("Roseville", "956"), ("Folsom", "956")),
        (38.58, -121.49),
        "0.0725",
        False,
    ),
    "America/Denver": _Geo(
        "CO",
        "303",
        (("Denver", "802"), ("Aurora", "800"), ("Lakewood", "802"), ("Littleton", "801")),
        (39.74, -104.99),
        "0.0290",
        False,
    ),
    "America/Chicago": _Geo(
        "TX",
        "214",
        (("Dallas", "752"), ("Plano", "750"), ("Garland", "750"), ("Irving", "750")),
        (32.78, -96.80),
        "0.0625",
        True,
    ),
    "America/New_York": _Geo(
        "GA",
        "404",
        (("Atlanta", "303"), ("Marietta", "300"), ("Decatur", "300"), ("Roswell", "300")),
        (33.75, -84.39),
        "0.0400",
        False,
    ),
}

_FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
    "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Steven", "Emily",
    "Andrew", "Maria", "Joshua", "Michelle", "Kevin", "Amanda", "Brian", "Melissa", "Jose", "Deborah",
    "Luis", "Stephanie", "Ryan", "Rebecca", "Jacob", "Laura", "Nicholas", "Sharon", "Eric", "Cynthia",
)  # fmt: skip
_LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
)  # fmt: skip
_STREETS = (
    "Oak", "Maple", "Cedar", "Pine", "Elm", "Willow", "Birch", "Walnut", "Hickory", "Aspen",
    "Sunset", "Meadow", "Ridge", "Lake", "Hillcrest", "Park", "River", "Spring", "Valley", "Highland",
)  # fmt: skip
_STREET_SUFFIXES = ("St", "Ave", "Dr", "Ln", "Ct", "Way", "Blvd", "Pl")
_COMPANY_WORDS = ("Storage", "Dental", "Properties", "Cafe", "Apartments", "Motors", "Market", "Church")

# (description, frequency in days, recurring charge, initial charge, minutes, category, kind)
_SERVICE_TYPES = (
    ("Initial Pest Service", 0, 0, 19900, 60, "Pest", "initial"),
    ("Quarterly Pest Control", 90, 12900, 19900, 45, "Pest", "regular"),
    ("Bi-Monthly Pest Control", 60, 9900, 17900, 40, "Pest", "regular"),
    ("Monthly Pest Control", 30, 6900, 14900, 30, "Pest", "regular"),
    ("Mosquito Service", 30, 7900, 9900, 30, "Mosquito", "regular"),
    ("Rodent Control", 30, 8900, 24900, 60, "Rodent", "regular"),
    ("Termite Inspection", 365, 15000, 15000, 90, "Termite", "regular"),
    ("Reservice", 0, 0, 0, 30, "Pest", "reservice"),
)
# Weights of the regular service types (IDs 2..7) when a subscription is sold.
_SUBSCRIPTION_MIX = ((2, 45), (3, 22), (4, 15), (5, 8), (6, 7), (7, 3))
_PRODUCTS = (
    ("Bait Station", "BAIT", "Rodent", 2500), ("Glue Boards (12)", "GLUE12", "Pest", 1800),
    ("Termite Bait Cartridge", "TBAIT", "Termite", 4500), ("Snap Trap", "SNAP", "Rodent", 1200),
    ("Mosquito Dunk", "DUNK", "Mosquito", 900), ("Wasp Nest Removal", "WASP", "Pest", 7500),
    ("Crawlspace Treatment", "CRAWL", "Pest", 12500), ("Attic Inspection", "ATTIC", "Pest", 9500),
    ("Gopher Trap", "GOPHER", "Rodent", 3500), ("Flea Treatment", "FLEA", "Pest", 8500),
)  # fmt: skip
_CANCELLATION_REASONS = (
    "Moved", "Too expensive", "Service not effective", "Switched provider", "No longer needed", "Other",
)  # fmt: skip
_RESERVICE_REASONS = ("Pests returned", "Customer request", "Missed area", "Weather")
_CUSTOMER_SOURCES = (
    ("Door to Door", True, 30), ("Google", False, 20), ("Referral", False, 18),
    ("Facebook", False, 10), ("Yard Sign", False, 7), ("Website", False, 15),
)  # fmt: skip
_GENERIC_FLAGS = (
    ("VIP", "VIP customer - priority scheduling"), ("DOG", "Dog on property"),
    ("GATE", "Locked gate - call for code"), ("CALLFIRST", "Call before arrival"),
    ("NOSMS", "No text messages"),
)  # fmt: skip
_REGIONS = ("North Valley", "Downtown", "East Side", "West Hills", "South County")
_CARD_TYPES = ("Visa", "MasterCard", "Amex", "Discover")
_WIND = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
_MONTHLY_TEMPERATURE = (47, 52, 59, 66, 74, 83, 89, 88, 81, 69, 56, 47)
_NOTE_TEXTS = (
    "Customer called about ants in the kitchen.", "Left voicemail about upcoming service.",
    "Customer asked to move service to the afternoon.", "Discussed billing question; resolved.",
    "Tech noted heavy spider activity in garage.", "Customer happy with last service.",
    "Requested a copy of last invoice.", "Customer asked about mosquito add-on.",
)  # fmt: skip
_TASKS = (
    ("Follow up", "Follow up on service satisfaction"), ("Billing", "Collect past-due balance"),
    ("Callback", "Call back about rescheduling"), ("Estimate", "Send termite estimate"),
    ("Scheduling", "Confirm next appointment window"),
)  # fmt: skip
_CONTACT_TYPES = ((1, "Spouse"), (2, "Tenant"), (3, "Property Manager"), (4, "Billing Contact"))
_NOTE_CONTACT_TYPES = ((0, "General"), (1, "Phone"), (2, "Email"), (3, "Text Message"))
_CHARGEBACK_REASONS = (
    ("10.4", "Other Fraud - Card Absent Environment"), ("13.1", "Merchandise/Services Not Received"),
    ("13.3", "Not as Described"), ("12.6", "Duplicate Processing"),
)  # fmt: skip

_OPEN_HOURS = (7 * 3600, 19 * 3600)  # business hours keep every wall time clear of DST jumps


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


_DATE_CACHE: dict[int, str] = {}


def _date_str(day: int) -> str:
    text = _DATE_CACHE.get(day)
    if text is None:
        text = _DATE_CACHE[day] = simulated_date(day).isoformat()
    return text


def _timestamp(day: int, seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{_date_str(day)} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _ids(values: list[int]) -> str:
    return ",".join(map(str, values))


def _bool(value: bool) -> str:
    return "1" if value else "0"


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw; Knuth's method for small means, a rounded normal for large ones."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Any:
    total = sum(weight for _, weight in choices)
    pick = rng.random() * total
    for value, weight in choices:
        pick -= weight
        if pick < 0:
            return value
    return choices[-1][0]


def _business_time(rng: random.Random) -> int:
    return rng.randint(*_OPEN_HOURS)


# --------------------------------------------------------------------------------------------
# Simulation state that is not part of any record
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Customer:
    cid: int
    region: int
    tech: int
    rep: int
    source: int
    payer: str  # "auto" (autopay), "prompt", "late" or "non" (never pays)
    profile: int  # payment profile ID, 0 without one
    subs: list[int] = field(default_factory=list)
    appts: list[int] = field(default_factory=list)
    tickets: list[int] = field(default_factory=list)
    payments: list[int] = field(default_factory=list)
    open_tickets: dict[int, tuple[int, int]] = field(default_factory=dict)  # ticket -> (cents, day)
    flags: list[int] = field(default_factory=list)
    active: bool = True


@dataclass(slots=True)
class _Subscription:
    sid: int
    cid: int
    service: int
    frequency: int
    charge: int
    initial_total: int
    appts: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    active: bool = True


@dataclass(slots=True)
class _Employee:
    eid: int
    kind: int  # 0 office staff, 1 technician, 2 sales rep
    region: int


@dataclass
class ChangeCounts:
    """IDs created and IDs updated (not created) per entity while changes are tracked."""

    new: dict[str, set[int]] = field(default_factory=dict)
    updated: dict[str, set[int]] = field(default_factory=dict)

    def summary(self) -> dict[str, dict[str, int]]:
        entities = sorted(set(self.new) | set(self.updated))
        return {
            entity: {"new": len(self.new.get(entity, ())), "updated": len(self.updated.get(entity, ()))}
            for entity in entities
        }


# --------------------------------------------------------------------------------------------
# The office simulation
# --------------------------------------------------------------------------------------------


class OfficeWorld:
    """All PestRoutes records of one simulated office, and the simulation that changes them."""

    def __init__(self, office: OfficeSpec, *, seed: int, scale: float, day: int = 0) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be positive, got {scale}")
        if day < 0:
            raise ValueError(f"day must be 0 or later, got {day}")
        self.office = office
        self.seed = seed
        self.scale = scale
        self.tables: dict[str, dict[int, Record]] = {entity: {} for entity in FIELDS}
        self.day = FIRST_DAY - 1  # the last simulated day
        self._office_id = str(office.office_id)
        self._geo = _GEO_BY_TIMEZONE.get(office.timezone, _GEO_BY_TIMEZONE["America/Los_Angeles"])
        self._rngs: dict[str, random.Random] = {}
        self._next_id = dict(ID_START)
        self._agenda: dict[int, list[tuple[str, int]]] = {}
        self._customers: dict[int, _Customer] = {}
        self._subscriptions: dict[int, _Subscription] = {}
        self._employees: list[_Employee] = []
        self._active: list[int] = []  # active customer IDs, for sampling
        self._active_pos: dict[int, int] = {}
        self._service_types: dict[int, tuple[Any, ...]] = {}
        self._ticket_money: dict[int, tuple[int, int]] = {}  # ticket -> (total cents, tax cents)
        self._batch_cents = 0  # today's card and ACH payments, settled in one disbursement
        self._batch_count = 0
        self._disputed = False  # whether any payment has drawn a chargeback yet
        self._changes: ChangeCounts | None = None
        self._base_customers = max(1, round(CUSTOMERS_PER_SCALE * scale))
        self._handlers: dict[str, Callable[[int, int], None]] = {
            "appt": self._resolve_appointment,
            "pay": self._late_payment,
            "churn": self._churn,
            "upsell": self._upsell,
            "sub_cancel": self._cancel_subscription_event,
            "task_done": self._complete_task,
            "note_edit": self._edit_note,
            "reknock": self._reknock,
            "chargeback": self._open_chargeback,
            "chargeback_resolve": self._resolve_chargeback,
            "deposit": self._deposit,
        }
        self._setup()
        acquisitions = self._rng("plan")
        planned: dict[int, int] = {}
        for _ in range(self._base_customers):
            sale_day = acquisitions.randint(FIRST_DAY, 0)
            planned[sale_day] = planned.get(sale_day, 0) + 1
        self._planned_sales = planned
        for history_day in range(FIRST_DAY, 1):
            self._simulate_day(history_day)
        if day:
            self.advance(day)

    # ----- public API -------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return simulated_date(self.day)

    def advance(self, days: int = 1) -> dict[str, dict[str, int]]:
        """Simulate `days` more days; returns per-entity counts of new and updated records."""
        if days < 0:
            raise ValueError(f"cannot go back in time ({days} days)")
        self._changes = ChangeCounts()
        try:
            for _ in range(days):
                self._simulate_day(self.day + 1)
            return self._changes.summary()
        finally:
            self._changes = None

    def counts(self) -> dict[str, int]:
        return {entity: len(records) for entity, records in self.tables.items()}

    def touch(self, fraction: float) -> dict[str, int]:
        """Change `fraction` of the records of every entity that has a `dateUpdated` ("1 % of the
        data changed", for benchmarks of incremental runs): each chosen record's dateUpdated
        becomes the last second of the current simulated day, so its content hash changes and an
        incremental load finds exactly these records. Deterministic per seed, office and day;
        a second touch on the same day can choose records already touched (tick in between).
        Returns the number of records changed per entity (entities with none are left out)."""
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}")
        rng = random.Random(f"{self.seed}:{self.office.name}:touch:{self.day}")
        timestamp = _timestamp(self.day, 86_399)
        touched: dict[str, int] = {}
        for entity, table in self.tables.items():
            if not table or "dateUpdated" not in next(iter(table.values())):
                continue  # doors are never updated (their cursor is timeCreated)
            count = round(len(table) * fraction)
            if count:
                for record_id in rng.sample(sorted(table), count):
                    self._touch(entity, record_id, timestamp)
                touched[entity] = count
        return touched

    # ----- plumbing ---------------------------------------------------------------------------

    def _rng(self, stream: str) -> random.Random:
        rng = self._rngs.get(stream)
        if rng is None:
            # A string seed is hashed with SHA-512, so it is stable across processes and runs.
            rng = self._rngs[stream] = random.Random(f"{self.seed}:{self.office.name}:{stream}")
        return rng

    def _new_id(self, entity: str) -> int:
        value = self._next_id[entity]
        step = 1
        if entity not in _DENSE_IDS:
            ids = self._rng("ids")
            if ids.random() < 0.08:
                step += ids.randint(1, 5)
        self._next_id[entity] = value + step
        return value

    def _add(self, entity: str, record_id: int, record: Record) -> Record:
        self.tables[entity][record_id] = record
        if self._changes is not None:
            self._changes.new.setdefault(entity, set()).add(record_id)
        return record

    def _touch(self, entity: str, record_id: int, timestamp: str | None) -> Record:
        """Mark a record changed; its dateUpdated becomes the change time (never goes back)."""
        record = self.tables[entity][record_id]
        if timestamp is not None and record["dateUpdated"] < timestamp:
            record["dateUpdated"] = timestamp
        if self._changes is not None and record_id not in self._changes.new.get(entity, ()):
            self._changes.updated.setdefault(entity, set()).add(record_id)
        return record

    def _schedule(self, day: int, kind: str, subject: int) -> None:
        if day <= self.day:
            raise AssertionError(f"event {kind} scheduled in the past (day {day} <= {self.day})")
        self._agenda.setdefault(day, []).append((kind, subject))

    def _pick_staff(self, rng: random.Random, kind: int) -> int:
        return rng.choice(self._staff_ids[kind])

    # ----- office set-up (dimensions and staff) ---------------------------------------------------

    def _setup(self) -> None:
        rng = self._rng("dimension")
        oid = self._office_id
        live = GO_LIVE_DAY
        for name in _REGIONS:
            rid = self._new_id("region")
            self._add("region", rid, {
                "regionID": str(rid), "officeID": oid, "region": name,
                "created": _timestamp(live, _business_time(rng)), "deleted": "0",
            })  # fmt: skip
        for index, (desc, freq, charge, initial, minutes, category, kind) in enumerate(_SERVICE_TYPES):
            tid = self._new_id("serviceType")
            # Each office prices a little differently.
            factor = 1 + rng.choice((-0.1, -0.05, 0.0, 0.0, 0.05, 0.1))
            charge, initial = round(charge * factor / 100) * 100, round(initial * factor / 100) * 100
            self._service_types[tid] = (desc, freq, charge, initial, minutes, kind)
            self._add("serviceType", tid, {
                "typeID": str(tid), "officeID": oid, "description": desc, "frequency": str(freq),
                "defaultCharge": _money(charge), "category": category,
                "reservice": _bool(kind == "reservice"), "defaultLength": str(minutes),
                "defaultInitialCharge": _money(initial), "minimumRecurringCharge": _money(charge * 8 // 10),
                "regularService": _bool(kind == "regular"),
                "initial": _bool(kind == "initial"), "glCode": f"4{index:03d}", "visible": "1",
            })  # fmt: skip
        for desc, code, category, cents in _PRODUCTS:
            pid = self._new_id("product")
            self._add("product", pid, {
                "productID": str(pid), "officeID": oid, "description": desc, "code": code,
                "category": category, "amount": _money(cents), "taxable": "1", "glNumber": f"52{pid:02d}",
                "visible": _bool(rng.random() > 0.1),
            })  # fmt: skip
        for index, reason in enumerate(_CANCELLATION_REASONS):
            rid = self._new_id("cancellationReason")
            self._add("cancellationReason", rid, {
                "reasonID": str(rid), "officeID": oid, "reason": reason, "active": "1",
                "visible": _bool(index != len(_CANCELLATION_REASONS) - 1 or rng.random() < 0.5),
            })  # fmt: skip
        for reason in _RESERVICE_REASONS:
            rid = self._new_id("reserviceReason")
            self._add("reserviceReason", rid, {
                "reserviceReasonID": str(rid), "officeID": oid, "reason": reason, "visible": "1",
            })  # fmt: skip
        for source, door, _weight in _CUSTOMER_SOURCES:
            sid = self._new_id("customerSource")
            self._add("customerSource", sid, {
                "sourceID": str(sid), "officeID": oid, "source": source, "visible": "1",
                "dealsSource": _bool(door),
            })  # fmt: skip
        for code, desc in _GENERIC_FLAGS:
            fid = self._new_id("genericFlag")
            created = _timestamp(live, _business_time(rng))
            self._add("genericFlag", fid, {
                "genericFlagID": str(fid), "officeID": oid, "code": code, "description": desc,
                "status": "1", "type": "customer", "dateCreated": created, "dateUpdated": created,
            })  # fmt: skip
        self._source_weights = tuple(
            (sid, weight)
            for sid, (_, _, weight) in zip(self.tables["customerSource"], _CUSTOMER_SOURCES, strict=True)
        )
        self._setup_employees()

    def _setup_employees(self) -> None:
        rng = self._rng("employee")
        count = max(6, round(EMPLOYEES_PER_SCALE * self.scale))
        # The first two are office staff (the first supervises everyone), then a tech and a rep,
        # so every role exists at any scale; the rest are mostly technicians.
        kinds = [0, 0, 1, 2] + [_weighted(rng, ((1, 50), (2, 30), (0, 20))) for _ in range(count - 4)]
        regions = list(self.tables["region"])
        manager = 0
        for kind in kinds:
            eid = self._new_id("employee")
            manager = manager or eid
            fname, lname = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            region = rng.choice(regions)
            hired = GO_LIVE_DAY + rng.randint(0, 20)
            updated = _timestamp(hired, _business_time(rng))
            self._employees.append(_Employee(eid, kind, region))
            self._add("employee", eid, {
                "employeeID": str(eid), "officeID": self._office_id, "active": "1", "fname": fname,
                "lname": lname, "initials": fname[0] + lname[0],
                "nickname": None if rng.random() < 0.7 else fname[:3],
                "type": str(kind), "phone": self._phone(rng),
                "email": f"{fname}.{lname}{eid}@sandbox-pest.example".lower(),
                "username": f"{fname[0]}{lname}{eid}".lower(),
                "experience": str(rng.randint(0, 15)),
                "skillIDs": _ids(sorted(rng.sample(range(1, 7), rng.randint(1, 3)))) if kind == 1 else "",
                "skillDescriptions": "General Pest, Rodent" if kind == 1 else "",
                "linkedEmployeeIDs": "",
                "licenseNumber": f"PCO-{rng.randint(100000, 999999)}" if kind == 1 else "",
                "supervisorID": "0" if eid == manager else str(manager),
                "roamingRep": _bool(kind == 2 and rng.random() < 0.3), "regionID": str(region),
                "lastLogin": updated, "dateUpdated": updated,
            })  # fmt: skip
        self._staff_ids = {kind: [e.eid for e in self._employees if e.kind == kind] for kind in (0, 1, 2)}

    def _phone(self, rng: random.Random) -> str:
        return f"{self._geo.area_code}555{rng.randint(0, 9999):04d}"

    # ----- one simulated day --------------------------------------------------------------------

    def _simulate_day(self, day: int) -> None:
        self.day = day
        for kind, subject in self._agenda.pop(day, ()):
            self._handlers[kind](day, subject)
        if day <= 0:
            sales = self._planned_sales.get(day, 0)
        else:  # after day 0 the office grows by a share of its base every day
            sales = _poisson(self._rng("growth"), DAILY_GROWTH * self._base_customers)
        for _ in range(sales):
            self._new_customer(day)
        self._office_activity(day)
        self._send_reminders(day)
        self._close_batch(day)

    def _office_activity(self, day: int) -> None:
        """Background work not tied to a scheduled event: notes, tasks, canvassing, flags, edits."""
        rng = self._rng("activity")
        active = len(self._active)
        for _ in range(_poisson(rng, active * 0.006)):
            self._new_note(day, rng.choice(self._active))
        for _ in range(_poisson(rng, active * 0.002)):
            self._new_task(day, rng.choice(self._active))
        for _ in range(_poisson(rng, active * 0.0004)):
            self._assign_flag(day, rng.choice(self._active), None)
        month = simulated_date(day).month
        canvassing = 0.8 if 4 <= month <= 9 else 0.25  # door-to-door is a summer business
        for _ in range(_poisson(rng, canvassing * self.scale)):
            self._new_door(day, None, _business_time(rng))
        if rng.random() < 0.05:
            self._update_employee(day, rng)
        if rng.random() < 0.01:
            # Dimensions change rarely: a price goes up (products carry no dateUpdated).
            pid = rng.choice(list(self.tables["product"]))
            product = self._touch("product", pid, None)
            cents = round(float(product["amount"]) * 100 * rng.uniform(1.03, 1.10))
            product["amount"] = _money(cents)
        if rng.random() < 0.004:
            fid = rng.choice(list(self.tables["genericFlag"]))
            flag = self._touch("genericFlag", fid, _timestamp(day, _business_time(rng)))
            flag["description"] = flag["description"].split(" (")[0] + f" (rev {day - GO_LIVE_DAY})"

    def _update_employee(self, day: int, rng: random.Random) -> None:
        eid = rng.choice(self._employees).eid
        employee = self._touch("employee", eid, _timestamp(day, _business_time(rng)))
        employee["lastLogin"] = employee["dateUpdated"]
        if rng.random() < 0.3:
            employee["phone"] = self._phone(rng)
        else:
            employee["experience"] = str(int(employee["experience"]) + 1)

    # ----- customers ----------------------------------------------------------------------------

    def _new_customer(self, day: int) -> None:
        rng = self._rng("customer")
        cid = self._new_id("customer")
        seconds = _business_time(rng)
        ts = _timestamp(day, seconds)
        geo = self._geo
        fname, lname = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        commercial = rng.random() < 0.08
        company = f"{lname} {rng.choice(_COMPANY_WORDS)}" if commercial else ""
        city, zip_prefix = rng.choice(geo.cities)
        address = f"{rng.randint(100, 9999)} {rng.choice(_STREETS)} {rng.choice(_STREET_SUFFIXES)}"
        zip_code = f"{zip_prefix}{rng.randint(0, 99):02d}"
        lat = f"{geo.center[0] + rng.uniform(-0.25, 0.25):.6f}"
        lng = f"{geo.center[1] + rng.uniform(-0.25, 0.25):.6f}"
        email = f"{fname}.{lname}{cid}@example.com".lower() if rng.random() < 0.9 else ""
        phone = self._phone(rng)
        source = _weighted(rng, self._source_weights)
        source_name = self.tables["customerSource"][source]["source"]
        a_pay = _weighted(rng, (("CC", 45), ("ACH", 10), ("No", 45)))
        payer = "auto" if a_pay != "No" else _weighted(rng, (("prompt", 60), ("late", 30), ("non", 10)))
        rep = self._pick_staff(rng, 2)
        tech = self._pick_staff(rng, 1) if rng.random() < 0.7 else 0
        region = rng.choice(list(self.tables["region"]))
        state = _Customer(cid, region, tech, rep, source, payer, 0)
        self._customers[cid] = state
        self._active_pos[cid] = len(self._active)
        self._active.append(cid)
        record = self._add("customer", cid, {
            "customerID": str(cid), "billToAccountID": str(cid), "officeID": self._office_id,
            "fname": fname, "lname": lname, "companyName": company,
            "spouse": rng.choice(_FIRST_NAMES) if rng.random() < 0.3 else None,
            "commercialAccount": _bool(commercial), "status": "1", "statusText": "Active",
            "email": email, "phone1": phone, "phone2": self._phone(rng) if rng.random() < 0.2 else None,
            "address": address, "city": city, "state": geo.state, "zip": zip_code,
            "billingCompanyName": company, "billingFName": fname, "billingLName": lname,
            "billingAddress": address, "billingCity": city, "billingState": geo.state, "billingZip": zip_code,
            "billingPhone": phone, "billingEmail": email, "lat": lat, "lng": lng,
            "squareFeet": str(rng.randint(8, 45) * 100), "addedByID": str(rep), "dateAdded": ts,
            "dateCancelled": NULL_DATETIME, "dateUpdated": ts, "sourceID": str(source), "source": source_name,
            "aPay": a_pay, "preferredTechID": str(tech), "paidInFull": _bool(rng.random() < 0.04),
            "subscriptionIDs": "", "balance": "0.00", "balanceAge": "0", "responsibleBalance": "0.00",
            "responsibleBalanceAge": "0", "masterAccount": "0",
            "preferredBillingDate": str(rng.choice((0, 0, 0, 1, 15))), "paymentHoldDate": NULL_DATE,
            "mostRecentCreditCardLastFour": "", "mostRecentCreditCardExpirationDate": "",
            "regionID": str(region), "appointmentIDs": "", "ticketIDs": "", "paymentIDs": "",
            "unitIDs": [rng.randint(100, 999) for _ in range(rng.randint(1, 3))] if commercial else [],
        })  # fmt: skip
        if self.tables["customerSource"][source]["dealsSource"] == "1":
            # A door-to-door sale: the rep knocked on this door minutes before the sale.
            self._new_door(day, cid, max(_OPEN_HOURS[0], seconds - rng.randint(10, 60) * 60))
        if a_pay != "No" or rng.random() < 0.2:
            self._new_payment_profile(day, seconds, state, record, "ACH" if a_pay == "ACH" else "CC")
        # Small offices still get a row in every table, so no table is missing from a load.
        if rng.random() < 0.2 or not self.tables["additionalContact"]:
            self._new_additional_contact(cid, rng)
        if rng.random() < 0.15 or not self.tables["genericFlagAssignment"]:
            self._assign_flag(day, cid, ts)
        self._new_note(day, cid, text=f"New customer sold via {source_name}.", seconds=seconds, employee=rep)
        if rng.random() < 0.06:
            # A one-time service without a subscription (its appointment's subscriptionID is -1).
            service = rng.choice([tid for tid, st in self._service_types.items() if st[5] == "regular"])
            self._new_appointment(day + rng.randint(1, 10), state, None, service, seconds, initial=True)
        else:
            self._new_subscription(day, seconds, state)
            if rng.random() < 0.35:
                self._schedule(day + rng.randint(20, 200), "upsell", cid)
        self._schedule_churn(day, state, commercial, a_pay)

    def _schedule_churn(self, day: int, state: _Customer, commercial: bool, a_pay: str) -> None:
        """Draw when this customer will cancel; the hazard depends on who they are, so churn is learnable."""
        rng = self._rng("churn")
        if rng.random() < 0.04:  # buyer's remorse
            delay = rng.randint(15, 60)
        else:
            hazard = 0.00125
            hazard *= {"auto": 0.6, "prompt": 1.0, "late": 1.6, "non": 3.5}[state.payer]
            hazard *= 0.5 if commercial else 1.0
            source = self.tables["customerSource"][state.source]["source"]
            hazard *= {"Referral": 0.7, "Facebook": 1.3, "Google": 1.2}.get(source, 1.0)
            delay = max(1, round(rng.expovariate(hazard)))
        if delay < 3650:
            self._schedule(day + delay, "churn", state.cid)

    def _sync_customer(self, day: int, state: _Customer, ts: str) -> None:
        """Re-derive the customer's related-ID lists and balance after a change."""
        record = self._touch("customer", state.cid, ts)
        record["subscriptionIDs"] = _ids(state.subs)
        record["appointmentIDs"] = _ids(state.appts)
        record["ticketIDs"] = _ids(state.tickets)
        record["paymentIDs"] = _ids(state.payments)
        balance = sum(cents for cents, _ in state.open_tickets.values())
        # The age is as of the last change: a stored column, like the real API's.
        age = day - min(d for _, d in state.open_tickets.values()) if state.open_tickets else 0
        record["balance"] = record["responsibleBalance"] = _money(balance)
        record["balanceAge"] = record["responsibleBalanceAge"] = str(age)

    def _churn(self, day: int, cid: int) -> None:
        state = self._customers[cid]
        if not state.active:
            return
        rng = self._rng("churn")
        ts = _timestamp(day, _business_time(rng))
        reason = rng.choice(list(self.tables["cancellationReason"]))
        state.active = False
        last = self._active.pop()
        if last != cid:
            position = self._active_pos[cid]
            self._active[position] = last
            self._active_pos[last] = position
        del self._active_pos[cid]
        record = self._touch("customer", cid, ts)
        record["status"], record["statusText"], record["dateCancelled"] = "0", "Inactive", ts
        employee = self._pick_staff(rng, 0)
        for sid in state.subs:
            self._cancel_subscription(day, sid, ts, reason, employee)
        for aid in state.appts:  # one-time services have no subscription but may be pending
            self._cancel_appointment(aid, ts, employee)
        reason_text = self.tables["cancellationReason"][reason]["reason"]
        self._new_note(
            day, cid, text=f"Customer cancelled: {reason_text}.", employee=employee, reason=reason, ts=ts
        )
        self._sync_customer(day, state, ts)

    def _upsell(self, day: int, cid: int) -> None:
        state = self._customers[cid]
        if not state.active:
            return
        seconds = _business_time(self._rng("subscription"))
        sid = self._new_subscription(day, seconds, state)
        if self._rng("subscription").random() < 0.3:
            self._schedule(day + self._rng("subscription").randint(60, 400), "sub_cancel", sid)

    def _new_payment_profile(
        self, day: int, seconds: int, state: _Customer, customer: Record, kind: str
    ) -> None:
        rng = self._rng("profile")
        ppid = self._new_id("paymentProfile")
        ts = _timestamp(day, seconds)
        last_four = f"{rng.randint(0, 9999):04d}"
        exp_month, exp_year = rng.randint(1, 12), simulated_date(day).year + rng.randint(1, 5)
        card_type = rng.choice(_CARD_TYPES) if kind == "CC" else ""
        state.profile = ppid
        self._add("paymentProfile", ppid, {
            "paymentProfileID": str(ppid), "customerID": str(state.cid), "officeID": self._office_id,
            "createdBy": str(state.rep), "description": f"{card_type or 'Checking'} ending {last_four}",
            "dateCreated": ts, "dateUpdated": ts, "status": "1", "statusNotes": "",
            "billingName": f"{customer['fname']} {customer['lname']}", "lastFour": last_four,
            "expMonth": str(exp_month) if kind == "CC" else "0",
            "expYear": str(exp_year) if kind == "CC" else "0",
            "paymentMethod": "3" if kind == "CC" else "4", "cardType": card_type, "lastAttemptDate": "",
            "autoPay": _bool(customer["aPay"] != "No"),
        })  # fmt: skip
        if kind == "CC":
            customer["mostRecentCreditCardLastFour"] = last_four
            customer["mostRecentCreditCardExpirationDate"] = f"{exp_month:02d}/{exp_year % 100:02d}"

    def _new_additional_contact(self, cid: int, rng: random.Random) -> None:
        acid = self._new_id("additionalContact")
        type_id, description = rng.choice(_CONTACT_TYPES)
        fname, lname = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        self._add("additionalContact", acid, {
            "additionalContactID": str(acid), "customerID": str(cid), "officeID": self._office_id,
            "fname": fname, "lname": lname, "phone": self._phone(rng),
            "email": f"{fname}.{lname}.{acid}@example.org".lower() if rng.random() < 0.6 else "",
            "typeID": str(type_id), "typeDescription": description,
        })  # fmt: skip

    def _assign_flag(self, day: int, cid: int, ts: str | None) -> None:
        rng = self._rng("flag")
        flag = rng.choice(list(self.tables["genericFlag"]))
        state = self._customers[cid]
        if flag in state.flags:
            return
        state.flags.append(flag)
        ts = ts or _timestamp(day, _business_time(rng))
        gid = self._new_id("genericFlagAssignment")
        self._add("genericFlagAssignment", gid, {
            "genericFlagAssignmentID": str(gid), "genericFlagID": str(flag), "entityID": str(cid),
            "type": "customer", "officeID": self._office_id, "dateCreated": ts, "dateUpdated": ts,
        })  # fmt: skip

    # ----- subscriptions and appointments -------------------------------------------------------

    def _new_subscription(self, day: int, seconds: int, state: _Customer) -> int:
        rng = self._rng("subscription")
        sid = self._new_id("subscription")
        ts = _timestamp(day, seconds)
        taken = {self._subscriptions[s].service for s in state.subs}
        service = _weighted(rng, tuple(choice for choice in _SUBSCRIPTION_MIX if choice[0] not in taken))
        desc, frequency, charge, initial, _minutes, _kind = self._service_types[service]
        charge = max(2900, charge + rng.choice((-1000, 0, 0, 0, 1000)))
        discount = rng.choice((0, 0, 0, 2000, 5000))
        initial_total = max(0, initial - discount)
        length = rng.choice((0, 12, 12, 24))
        visits_per_year = 365 // frequency
        start = day + rng.randint(1, 10)
        sub = _Subscription(sid, state.cid, service, frequency, charge, initial_total)
        self._subscriptions[sid] = sub
        state.subs.append(sid)
        self._add("subscription", sid, {
            "subscriptionID": str(sid), "customerID": str(state.cid), "billToAccountID": str(state.cid),
            "officeID": self._office_id, "dateAdded": ts, "contractAdded": _date_str(day), "active": "1",
            "activeText": "Active", "startDate": _date_str(start), "initialQuote": _money(initial),
            "initialDiscount": _money(discount), "initialServiceTotal": _money(initial_total),
            "recurringCharge": _money(charge),
            "contractValue": _money(initial_total + charge * visits_per_year * max(length, 12) // 12),
            "annualRecurringValue": _money(charge * visits_per_year),
            "billingFrequency": rng.choice(("-1", "-1", "-1", "30")), "frequency": str(frequency),
            "followupService": "0", "agreementLength": str(length), "nextService": _date_str(start),
            "lastCompleted": NULL_DATE, "serviceID": str(service), "serviceType": desc,
            "soldBy": str(state.rep), "soldBy2": "0", "preferredTech": str(state.tech),
            "addedBy": str(state.rep),
            "dateCancelled": NULL_DATETIME, "cancellationNotes": "", "cancellationReasonID": "0",
            "sourceID": str(state.source), "regionID": str(state.region), "appointmentIDs": "",
            "completedAppointmentIDs": "", "dateUpdated": ts,
        })  # fmt: skip
        self._new_appointment(start, state, sub, service, seconds, initial=True)
        return sid

    def _sync_subscription(self, sub: _Subscription, ts: str, next_day: int | None = None) -> None:
        record = self._touch("subscription", sub.sid, ts)
        record["appointmentIDs"] = _ids(sub.appts)
        record["completedAppointmentIDs"] = _ids(sub.completed)
        if next_day is not None:
            record["nextService"] = _date_str(next_day)

    def _cancel_subscription_event(self, day: int, sid: int) -> None:
        sub = self._subscriptions[sid]
        if not sub.active:
            return
        rng = self._rng("subscription")
        ts = _timestamp(day, _business_time(rng))
        reason = rng.choice(list(self.tables["cancellationReason"]))
        self._cancel_subscription(day, sid, ts, reason, self._pick_staff(rng, 0))

    def _cancel_subscription(self, day: int, sid: int, ts: str, reason: int, employee: int) -> None:
        sub = self._subscriptions[sid]
        if not sub.active:
            return
        sub.active = False
        for aid in sub.appts:
            self._cancel_appointment(aid, ts, employee)
        record = self._touch("subscription", sid, ts)
        record["active"], record["activeText"], record["dateCancelled"] = "0", "Inactive", ts
        record["cancellationReasonID"] = str(reason)
        record["cancellationNotes"] = self.tables["cancellationReason"][reason]["reason"]
        record["nextService"] = NULL_DATE

    def _cancel_appointment(self, aid: int, ts: str, employee: int) -> None:
        record = self.tables["appointment"][aid]
        if record["status"] != "0":
            return
        record = self._touch("appointment", aid, ts)
        record["status"], record["statusText"] = "-1", "Cancelled"
        record["dateCancelled"], record["cancelledBy"] = ts, str(employee)

    def _new_appointment(
        self,
        day: int,
        state: _Customer,
        sub: _Subscription | None,
        service: int,
        seconds: int,
        *,
        initial: bool = False,
    ) -> int:
        """Book a pending visit on `day`; it is resolved when the simulation reaches that day."""
        rng = self._rng("appointment")
        aid = self._new_id("appointment")
        added = _timestamp(self.day, seconds)
        minutes = self._service_types[service][4]
        start = rng.randint(16, 32) * 1800  # 08:00 to 16:00 in half hours
        tech = state.tech or self._pick_staff(rng, 1)
        route = 100000 + (day - GO_LIVE_DAY) * 100 + self._staff_ids[1].index(tech)
        self._add("appointment", aid, {
            "appointmentID": str(aid), "officeID": self._office_id, "customerID": str(state.cid),
            "subscriptionID": str(sub.sid) if sub else "-1", "routeID": str(route),
            "spotID": str(route * 100 + start // 1800), "date": _date_str(day), "start": _clock(start),
            "end": _clock(start + minutes * 60), "duration": str(minutes), "type": str(service),
            "dateAdded": added, "employeeID": str(tech), "status": "0", "statusText": "Pending",
            "callAhead": rng.choice(("0", "0", "30")), "isInitial": _bool(initial), "completedBy": "0",
            "servicedBy": "0", "dateCompleted": NULL_DATETIME, "notes": "",
            "officeNotes": None if rng.random() < 0.8 else "Gate code on file",
            "timeIn": NULL_DATETIME, "timeOut": NULL_DATETIME, "checkIn": "", "checkOut": "",
            "windSpeed": "0", "windDirection": "", "temperature": "0", "amountCollected": "0.00",
            "paymentMethod": "0", "servicedInterior": "0", "ticketID": "0", "dateCancelled": NULL_DATETIME,
            "additionalTechs": "", "appointmentNotes": "", "doInterior": _bool(rng.random() < 0.3),
            "dateUpdated": added, "cancelledBy": "0", "assignedTech": str(tech), "rescheduleReasonID": "0",
            "unitIDs": [],
        })  # fmt: skip
        state.appts.append(aid)
        self._schedule(day, "appt", aid)
        if sub is not None:
            sub.appts.append(aid)
            self._sync_subscription(sub, added, next_day=day)
        self._sync_customer(self.day, state, added)
        return aid

    def _resolve_appointment(self, day: int, aid: int) -> None:
        """The visit's day has come: the tech completes it, or it is missed, moved or cancelled."""
        record = self.tables["appointment"][aid]
        if record["status"] != "0":
            return  # cancelled with its customer or subscription
        rng = self._rng("appointment")
        state = self._customers[int(record["customerID"])]
        sid = int(record["subscriptionID"])
        sub = self._subscriptions.get(sid)
        service = int(record["type"])
        start = int(record["start"][:2]) * 3600 + int(record["start"][3:5]) * 60
        outcome = _weighted(rng, (("1", 880), ("2", 30), ("3", 50), ("-1", 40)))
        if outcome == "1":
            self._complete_appointment(day, record, state, sub, service, start, rng)
            return
        ts = _timestamp(day, start + rng.randint(-90, 30) * 60)
        record = self._touch("appointment", aid, ts)
        record["status"], record["statusText"] = outcome, APPOINTMENT_STATUS[outcome]
        initial = record["isInitial"] == "1"
        if outcome == "-1":
            # The visit is skipped; a regular one comes round again at the usual interval.
            record["dateCancelled"], record["cancelledBy"] = ts, str(self._pick_staff(rng, 0))
            if sub is not None and sub.active and self._service_types[service][5] != "reservice":
                self._new_appointment(day + sub.frequency, state, sub, service, start, initial=initial)
        else:
            # A no-show or a reschedule books the same visit again within a week.
            if outcome == "3":
                record["rescheduleReasonID"] = str(rng.choice(list(self.tables["reserviceReason"])))
            self._new_appointment(day + rng.randint(1, 7), state, sub, service, start, initial=initial)

    def _complete_appointment(
        self,
        day: int,
        record: Record,
        state: _Customer,
        sub: _Subscription | None,
        service: int,
        start: int,
        rng: random.Random,
    ) -> None:
        aid = int(record["appointmentID"])
        minutes = int(record["duration"])
        time_in = start + rng.randint(-20, 45) * 60
        time_out = time_in + (minutes + rng.randint(-10, 15)) * 60
        done = _timestamp(day, time_out)
        ts = _timestamp(day, time_out + rng.randint(1, 10) * 60)
        tech = int(record["employeeID"])
        kind = self._service_types[service][5]
        if kind == "reservice":
            charge = 0
        elif record["isInitial"] == "1":
            charge = sub.initial_total if sub else self._service_types[service][3]
        else:
            charge = sub.charge if sub else self._service_types[service][2]
        month = simulated_date(day).month
        record = self._touch("appointment", aid, ts)
        record.update({
            "status": "1", "statusText": "Completed", "completedBy": str(tech), "servicedBy": str(tech),
            "dateCompleted": done, "timeIn": _timestamp(day, time_in), "timeOut": done,
            "checkIn": _timestamp(day, time_in - 120), "checkOut": _timestamp(day, time_out + 60),
            "windSpeed": str(rng.randint(0, 18)), "windDirection": rng.choice(_WIND),
            "temperature": str(_MONTHLY_TEMPERATURE[month - 1] + rng.randint(-8, 8)),
            "servicedInterior": _bool(record["doInterior"] == "1" and rng.random() < 0.8),
            "notes": "Treated perimeter and entry points." if rng.random() < 0.7 else "",
            "additionalTechs": str(self._pick_staff(rng, 1)) if rng.random() < 0.05 else "",
        })  # fmt: skip
        tid = self._new_ticket(day, time_out, state, record, sub, service, charge)
        record["ticketID"] = str(tid)
        total, _tax = self._ticket_money[tid]
        if total and state.payer == "auto":
            if rng.random() < 0.97:
                self._pay(day, min(time_out + rng.randint(30, 120) * 60, 19 * 3600 + 3540), state, "autopay")
            else:  # card declined; the office collects it later
                self._schedule(day + rng.randint(3, 10), "pay", state.cid)
        elif total and state.payer == "prompt":
            if rng.random() < 0.2:
                record["amountCollected"] = _money(total)
                record["paymentMethod"] = rng.choice(("1", "2"))
                self._pay(day, time_out, state, "tech", method=int(record["paymentMethod"]), employee=tech)
            else:
                self._schedule(day + rng.randint(2, 15), "pay", state.cid)
        elif total and state.payer == "late":
            self._schedule(day + rng.randint(20, 60), "pay", state.cid)
        next_day = None
        if sub is not None:
            sub.completed.append(aid)
            sub_record = self.tables["subscription"][sub.sid]
            sub_record["lastCompleted"] = _date_str(day)
            sub_record["nextService"] = NULL_DATE
            if sub.active and kind != "reservice":
                next_day = day + max(1, sub.frequency + rng.randint(-3, 3))
            self._sync_subscription(sub, ts)
        if sub is not None and kind != "reservice" and rng.random() < 0.03:
            # Pests came back: a free follow-up visit within the week.
            reservice = next(t for t, st in self._service_types.items() if st[5] == "reservice")
            self._new_appointment(day + rng.randint(2, 7), state, sub, reservice, time_out)
        if next_day is not None:
            self._new_appointment(next_day, state, sub, service, time_out)
        self._sync_customer(day, state, ts)

    # ----- billing ------------------------------------------------------------------------------

    def _new_ticket(
        self,
        day: int,
        seconds: int,
        state: _Customer,
        appointment: Record,
        sub: _Subscription | None,
        service: int,
        charge: int,
    ) -> int:
        rng = self._rng("ticket")
        tid = self._new_id("ticket")
        ts = _timestamp(day, seconds)
        tax_rate = self._geo.tax_rate
        rate = float(tax_rate)
        items: list[tuple[str, int, int, int, bool, str]] = [
            (self._service_types[service][0], charge, service, 0, self._geo.services_taxable, "1.00")
        ]
        if charge and rng.random() < 0.25:
            pid = rng.choice(list(self.tables["product"]))
            product = self.tables["product"][pid]
            quantity = rng.choice((1, 1, 2))
            cents = round(float(product["amount"]) * 100) * quantity
            items.append((product["description"], cents, 0, pid, True, f"{quantity}.00"))
        subtotal = sum(item[1] for item in items)
        tax = sum(round(item[1] * rate) for item in items if item[4])
        total = subtotal + tax
        self._ticket_money[tid] = (total, tax)
        for description, cents, service_id, product_id, taxable, quantity in items:
            iid = self._new_id("ticketItem")
            self._add("ticketItem", iid, {
                "itemID": str(iid), "ticketID": str(tid), "officeID": self._office_id,
                "description": description, "quantity": quantity, "amount": _money(cents),
                "taxable": _bool(taxable), "serviceID": str(service_id), "productID": str(product_id),
                "creditTo": "0", "dateCreated": ts, "dateUpdated": ts,
            })  # fmt: skip
        self._add("ticket", tid, {
            "ticketID": str(tid), "customerID": str(state.cid), "billToAccountID": str(state.cid),
            "officeID": self._office_id, "dateCreated": ts, "invoiceDate": _date_str(day), "dateUpdated": ts,
            "active": "1", "subTotal": _money(subtotal), "taxAmount": _money(tax), "total": _money(total),
            "serviceCharge": _money(charge), "serviceTaxable": _bool(self._geo.services_taxable),
            "productionValue": _money(subtotal), "taxRate": tax_rate,
            "appointmentID": appointment["appointmentID"], "balance": _money(total),
            "subscriptionID": str(sub.sid) if sub else "-1", "serviceID": str(service),
            "autoGenerated": "0", "autoGeneratedType": "", "renewalID": "0",
        })  # fmt: skip
        state.tickets.append(tid)
        if total:
            state.open_tickets[tid] = (total, day)
        return tid

    def _late_payment(self, day: int, cid: int) -> None:
        state = self._customers[cid]
        if not state.open_tickets:
            return  # an earlier payment already settled everything
        rng = self._rng("payment")
        if state.profile and rng.random() < 0.6:
            method = int(self.tables["paymentProfile"][state.profile]["paymentMethod"])
        else:
            method = _weighted(rng, ((2, 45), (3, 40), (1, 5), (4, 10)))
        origin = rng.choice(("office", "portal"))
        employee = self._pick_staff(rng, 0) if origin == "office" else 0
        self._pay(day, _business_time(rng), state, origin, method=method, employee=employee)

    def _pay(
        self,
        day: int,
        seconds: int,
        state: _Customer,
        origin: str,
        *,
        method: int | None = None,
        employee: int = 0,
    ) -> None:
        """Pay every open ticket of the customer in one payment, applied ticket by ticket."""
        rng = self._rng("payment")
        ts = _timestamp(day, seconds)
        profile = self.tables["paymentProfile"].get(state.profile)
        if method is None:  # autopay charges the stored card or bank account
            method = int(profile["paymentMethod"]) if profile else 3
        last_four, card_type, profile_id = "", "", "0"
        if method == 3:
            if profile and profile["paymentMethod"] == "3":
                last_four, card_type, profile_id = (
                    profile["lastFour"],
                    profile["cardType"],
                    str(state.profile),
                )
            else:
                last_four, card_type = f"{rng.randint(0, 9999):04d}", rng.choice(_CARD_TYPES)
        elif method == 4 and profile and profile["paymentMethod"] == "4":
            last_four, profile_id = profile["lastFour"], str(state.profile)
        if profile_id != "0":
            profile = self._touch("paymentProfile", state.profile, ts)
            profile["lastAttemptDate"] = ts
        tickets = sorted(state.open_tickets)
        amount = sum(state.open_tickets[tid][0] for tid in tickets)
        pid = self._new_id("payment")
        electronic = method in (3, 4)
        self._add("payment", pid, {
            "paymentID": str(pid), "officeID": self._office_id, "customerID": str(state.cid), "date": ts,
            "dateApplied": ts, "paymentMethod": str(method), "amount": _money(amount),
            "appliedAmount": _money(amount), "notes": None if rng.random() < 0.85 else "Paid over the phone",
            "employeeID": str(employee), "status": "1", "invoiceIDs": _ids(tickets),
            "paymentOrigin": {"office": "0", "tech": "1", "autopay": "2", "portal": "3"}[origin],
            "originalPaymentID": "0", "lastFour": last_four, "cardType": card_type,
            "paymentProfileID": profile_id,
            "batchOpened": _timestamp(day, _OPEN_HOURS[0]) if electronic else NULL_DATETIME,
            "batchClosed": _timestamp(day, 19 * 3600 + 3540) if electronic else NULL_DATETIME,
            "dateUpdated": ts,
        })  # fmt: skip
        for tid in tickets:
            cents, _invoice_day = state.open_tickets.pop(tid)
            total, tax = self._ticket_money[tid]
            apid = self._new_id("appliedPayment")
            self._add("appliedPayment", apid, {
                "appliedPaymentID": str(apid), "officeID": self._office_id, "paymentID": str(pid),
                "ticketID": str(tid), "customerID": str(state.cid), "appliedBy": str(employee),
                "dateApplied": ts, "appliedAmount": _money(cents),
                "taxCollected": _money(tax * cents // total if total else 0), "dateUpdated": ts,
            })  # fmt: skip
            ticket = self._touch("ticket", tid, ts)
            ticket["balance"] = "0.00"
        state.payments.append(pid)
        if electronic:
            self._batch_cents += amount
            self._batch_count += 1
            # The first card payment is always disputed so even a tiny office has a chargeback.
            if method == 3 and (rng.random() < 0.015 or not self._disputed):
                self._disputed = True
                self._schedule(day + rng.randint(7, 45), "chargeback", pid)
        self._sync_customer(day, state, ts)

    def _close_batch(self, day: int) -> None:
        """The gateway settles the day's electronic payments in one disbursement, deposited later."""
        if not self._batch_count:
            return
        rng = self._rng("disbursement")
        did = self._new_id("disbursement")
        ts = _timestamp(day, 19 * 3600 + 3590)
        compact = _date_str(day).replace("-", "")
        self._add("disbursement", did, {
            "gatewayDisbursementID": str(did), "officeID": self._office_id,
            "gatewayID": f"dsb_{self._office_id}_{compact}_{rng.randint(1000, 9999)}",
            "batchNumber": f"{compact}{self._office_id:0>2}", "amount": _money(self._batch_cents),
            "itemCount": str(self._batch_count), "status": "Pending", "depositDate": NULL_DATE,
            "dateCreated": ts, "dateUpdated": ts,
        })  # fmt: skip
        self._batch_cents = self._batch_count = 0
        self._schedule(day + rng.randint(1, 3), "deposit", did)

    def _deposit(self, day: int, did: int) -> None:
        record = self._touch("disbursement", did, _timestamp(day, _OPEN_HOURS[0] + 1800))
        record["status"], record["depositDate"] = "Deposited", _date_str(day)

    def _open_chargeback(self, day: int, pid: int) -> None:
        rng = self._rng("chargeback")
        payment = self.tables["payment"][pid]
        cbid = self._new_id("chargeback")
        ts = _timestamp(day, _business_time(rng))
        code, reason = rng.choice(_CHARGEBACK_REASONS)
        self._add("chargeback", cbid, {
            "gatewayChargebackID": str(cbid), "officeID": self._office_id, "paymentID": str(pid),
            "customerID": payment["customerID"], "amount": payment["amount"], "status": "Open",
            "reasonCode": code, "reason": reason, "dueDate": _date_str(day + 10), "dateCreated": ts,
            "dateUpdated": ts,
        })  # fmt: skip
        self._schedule(day + rng.randint(10, 30), "chargeback_resolve", cbid)

    def _resolve_chargeback(self, day: int, cbid: int) -> None:
        rng = self._rng("chargeback")
        record = self._touch("chargeback", cbid, _timestamp(day, _business_time(rng)))
        record["status"] = "Won" if rng.random() < 0.6 else "Lost"

    # ----- notes, tasks, reminders, canvassing --------------------------------------------------

    def _new_note(
        self,
        day: int,
        cid: int,
        *,
        text: str | None = None,
        seconds: int | None = None,
        employee: int | None = None,
        reason: int = 0,
        ts: str | None = None,
    ) -> None:
        rng = self._rng("note")
        nid = self._new_id("note")
        ts = ts or _timestamp(day, seconds if seconds is not None else _business_time(rng))
        contact_type, description = rng.choice(_NOTE_CONTACT_TYPES)
        state = self._customers[cid]
        appointment = state.appts[-1] if state.appts and rng.random() < 0.3 else 0
        self._add("note", nid, {
            "noteID": str(nid), "officeID": self._office_id, "customerID": str(cid),
            "employeeID": str(employee if employee is not None else self._pick_staff(rng, 0)), "date": ts,
            "dateAdded": ts, "dateUpdated": ts, "contactType": str(contact_type),
            "typeDescription": description,
            "notes": text or rng.choice(_NOTE_TEXTS), "showCustomer": _bool(rng.random() < 0.2),
            "showTech": _bool(rng.random() < 0.5), "appointmentID": str(appointment),
            "cancellationReasonID": str(reason),
        })  # fmt: skip
        if rng.random() < 0.05:
            self._schedule(day + rng.randint(1, 5), "note_edit", nid)

    def _edit_note(self, day: int, nid: int) -> None:
        record = self._touch("note", nid, _timestamp(day, _business_time(self._rng("note"))))
        record["notes"] += " (updated)"

    def _new_task(self, day: int, cid: int) -> None:
        rng = self._rng("task")
        task_id = self._new_id("task")
        ts = _timestamp(day, _business_time(rng))
        category, text = rng.choice(_TASKS)
        due = day + rng.randint(1, 14)
        self._add("task", task_id, {
            "taskID": str(task_id), "officeID": self._office_id, "customerID": str(cid),
            "addedBy": str(self._pick_staff(rng, 0)), "assignedTo": str(self._pick_staff(rng, 0)),
            "dateAdded": ts, "dateUpdated": ts, "dueDate": _date_str(due), "dateCompleted": "", "task": text,
            "category": category, "completed": "0", "completedBy": "0", "completionNotes": "",
            "phone": self.tables["customer"][cid]["phone1"], "referenceType": "Customer",
        })  # fmt: skip
        if rng.random() < 0.8:
            self._schedule(day + rng.randint(1, 20), "task_done", task_id)

    def _complete_task(self, day: int, task_id: int) -> None:
        rng = self._rng("task")
        ts = _timestamp(day, _business_time(rng))
        record = self._touch("task", task_id, ts)
        record["completed"], record["dateCompleted"], record["completedBy"] = "1", ts, record["assignedTo"]
        record["completionNotes"] = rng.choice(("Done.", "Spoke with customer.", "Left voicemail; closed."))

    def _send_reminders(self, day: int) -> None:
        """Tomorrow's visits get a reminder this afternoon (sent by email, text or robocall)."""
        rng = self._rng("reminder")
        appointments = self.tables["appointment"]
        for kind, aid in self._agenda.get(day + 1, ()):
            if kind != "appt" or appointments[aid]["status"] != "0" or rng.random() >= 0.85:
                continue
            rid = self._new_id("appointmentReminder")
            sent = rng.randint(15 * 3600, 17 * 3600)
            status = _weighted(rng, ((1, 60), (2, 30), (3, 10)))
            responded = _timestamp(day, sent + rng.randint(5, 120) * 60) if status == 2 else ""
            self._add("appointmentReminder", rid, {
                "reminderID": str(rid), "appointmentID": str(aid),
                "customerID": appointments[aid]["customerID"],
                "officeID": self._office_id, "dateSent": _timestamp(day, sent),
                "dateUpdated": responded or _timestamp(day, sent), "emailSent": _bool(rng.random() < 0.7),
                "textSent": _bool(rng.random() < 0.8), "voiceSent": _bool(rng.random() < 0.1),
                "status": str(status), "statusText": {1: "Sent", 2: "Confirmed", 3: "Failed"}[status],
                "dateResponded": responded, "response": "Confirmed" if status == 2 else "",
            })  # fmt: skip

    def _new_door(self, day: int, cid: int | None, seconds: int) -> None:
        """A door knocked while canvassing; doors never change after they are created."""
        rng = self._rng("canvass")
        did = self._new_id("door")
        geo = self._geo
        if cid is not None:
            customer = self.tables["customer"][cid]
            lat, lng, address = customer["lat"], customer["lng"], customer["address"]
            city, zip_code, rep, status = customer["city"], customer["zip"], int(customer["addedByID"]), 3
        else:
            lat = f"{geo.center[0] + rng.uniform(-0.25, 0.25):.6f}"
            lng = f"{geo.center[1] + rng.uniform(-0.25, 0.25):.6f}"
            address = f"{rng.randint(100, 9999)} {rng.choice(_STREETS)} {rng.choice(_STREET_SUFFIXES)}"
            city, zip_prefix = rng.choice(geo.cities)
            zip_code = f"{zip_prefix}{rng.randint(0, 99):02d}"
            rep = self._pick_staff(rng, 2)
            status = _weighted(rng, ((0, 50), (1, 35), (2, 15)))
        ts = _timestamp(day, seconds)
        self._add("door", did, {
            "doorID": str(did), "officeID": self._office_id, "employeeID": str(rep),
            "customerID": str(cid or 0), "latitude": lat, "longitude": lng, "address": address, "city": city,
            "zip": zip_code, "status": str(status), "statusText": _KNOCK_STATUS[status], "timeCreated": ts,
            "dateCreated": _date_str(day),
        })  # fmt: skip
        self._new_knock(day, did, seconds, status, rep)
        if status == 2:
            self._schedule(day + rng.randint(1, 10), "reknock", did)

    def _reknock(self, day: int, did: int) -> None:
        rng = self._rng("canvass")
        door = self.tables["door"][did]
        status = _weighted(rng, ((0, 50), (1, 40), (2, 10)))
        self._new_knock(day, did, _business_time(rng), status, int(door["employeeID"]))

    def _new_knock(self, day: int, did: int, seconds: int, status: int, rep: int) -> None:
        rng = self._rng("canvass")
        kid = self._new_id("knock")
        door = self.tables["door"][did]
        ts = _timestamp(day, seconds)
        self._add("knock", kid, {
            "knockID": str(kid), "officeID": self._office_id, "doorID": str(did), "employeeID": str(rep),
            "status": str(status), "statusText": _KNOCK_STATUS[status],
            "notes": None if rng.random() < 0.7 else "Spoke with homeowner.",
            "latitude": door["latitude"], "longitude": door["longitude"], "dateAdded": ts, "dateUpdated": ts,
        })  # fmt: skip


_KNOCK_STATUS = {0: "Not Home", 1: "Not Interested", 2: "Come Back", 3: "Sale"}
