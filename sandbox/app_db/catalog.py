"""Clutter Haven's vocabulary and volumes: names, places, phone formats, the services vendors sell,
message and review texts, each vendor's temperament, and how many of everything a scale makes.

Pure functions of (seed, id): the history build and the daily ticks derive the same vendor
profile or user from the same key, so nothing of it needs to be stored.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sandbox.framework import simulated_date

HISTORY_DAYS = 180  # bookings from this many days before day 0 (day 0 included)
BOOKINGS_PER_HISTORY = 6000  # over the 180 days at scale 1
USERS_BEFORE = 600  # customers who signed up before the history window, at scale 1
SIGNUPS_PER_DAY = 5.0
VENDORS = 60
PROMOTIONS = 25
CURRENCY = "USD"

# Monday .. Sunday: when bookings are made, and when the work is scheduled (moves on Saturdays).
CREATED_BY_WEEKDAY = (1.12, 1.05, 1.0, 1.02, 0.95, 0.88, 0.98)
SCHEDULED_BY_WEEKDAY = (0.7, 0.65, 0.65, 0.7, 0.85, 1.0, 0.55)
# Hour of day (UTC) a booking is made: quiet nights, an evening peak.
HOURLY = (2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 7, 7, 7, 7, 7, 8, 9, 10, 10, 8, 6, 4)

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "James",
    "Mia", "William", "Amelia", "Benjamin", "Harper", "Lucas", "Evelyn", "Henry", "Abigail", "Mateo",
    "Emily", "Jack", "Ella", "Daniel", "Sofia", "Michael", "Camila", "Sebastian", "Aria", "Aiden",
    "Priya", "Wei", "Fatima", "Diego", "Keiko", "Andre", "Nadia", "Tomasz", "Aaliyah", "Connor",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Nguyen", "Clark", "Patel",
    "O'Brien", "Kim", "Chen", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Okafor",
)  # fmt: skip
STREETS = ("Maple", "Oak", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Sunset", "Park",
           "Main", "Ridge", "Willow", "Highland", "Meadow", "River", "Franklin", "Lincoln")  # fmt: skip
STREET_SUFFIXES = ("St", "Ave", "Blvd", "Rd", "Ln", "Dr", "Ct", "Way")
# city, state, the first three digits of its ZIP codes, area codes
CITIES = (
    ("Austin", "TX", "787", (512, 737)), ("Denver", "CO", "802", (303, 720)),
    ("Seattle", "WA", "981", (206,)), ("Portland", "OR", "972", (503, 971)),
    ("Phoenix", "AZ", "850", (602, 480)), ("Atlanta", "GA", "303", (404, 678)),
    ("Chicago", "IL", "606", (312, 773)), ("Nashville", "TN", "372", (615,)),
    ("Charlotte", "NC", "282", (704, 980)), ("San Diego", "CA", "921", (619, 858)),
    ("Columbus", "OH", "432", (614,)), ("Minneapolis", "MN", "554", (612,)),
)  # fmt: skip
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "proton.me")


class Weighted:
    """A weighted choice, its cumulative weights computed once: `CHANNELS.pick(r)`."""

    def __init__(self, pairs: Sequence[tuple[object, float]]) -> None:
        self.options = [option for option, _ in pairs]
        self.cumulative = [float(sum(w for _, w in pairs[: i + 1])) for i in range(len(pairs))]

    def pick(self, r: random.Random) -> Any:
        return self.options[bisect.bisect(self.cumulative, r.random() * self.cumulative[-1])]


SIGNUP_CHANNELS = Weighted((("web", 45), ("ios", 25), ("android", 20), ("referral", 10)))
PAYMENT_METHODS = Weighted((("card", 78), ("ach", 12), ("wallet", 10)))
CATEGORY = Weighted((("storage", 30), ("moving", 45), ("decluttering", 25)))
SERVICE_COUNT = Weighted(((1, 20), (2, 35), (3, 30), (4, 15)))
ADDRESS_COUNT = Weighted(((1, 75), (2, 20), (3, 5)))
EXTRA_ITEMS = Weighted(((0, 45), (1, 30), (2, 17), (3, 8)))
LEAD_DAYS = Weighted((((0, 2), 22), ((2, 14), 50), ((14, 45), 28)))
MONTHS = Weighted(((1, 35), (2, 25), (3, 20), (4, 10), (6, 10)))

# service_type, unit, name, price range in dollars per unit
SERVICES = {
    "storage": (
        ("storage_unit", "month", "5x5 storage unit", (45, 75)),
        ("storage_unit", "month", "10x10 storage unit", (110, 180)),
        ("storage_unit", "month", "Climate-controlled 10x15 unit", (190, 290)),
        ("packing", "hour", "Packing help", (45, 80)),
    ),
    "moving": (
        ("full_move", "job", "Full-service local move", (450, 2200)),
        ("labor_only", "hour", "Loading and unloading crew", (70, 140)),
        ("packing", "hour", "Packing service", (50, 90)),
        ("haul_away", "item", "Furniture haul-away", (35, 90)),
    ),
    "decluttering": (
        ("declutter_session", "hour", "Declutter coaching session", (55, 120)),
        ("haul_away", "job", "Junk haul-away load", (180, 480)),
        ("packing", "hour", "Sort and pack", (45, 85)),
        ("haul_away", "item", "Single-item removal", (30, 75)),
    ),
}
VENDOR_WORDS = ("Tidy", "Haven", "Swift", "Bright", "Summit", "Cornerstone", "Evergreen", "Blue Door",
                "Northside", "Keystone", "Happy Box", "Clearview", "Fresh Start", "Lighthouse")  # fmt: skip
VENDOR_NOUNS = {"storage": ("Storage", "Self Storage", "Vaults", "Lockers"),
                "moving": ("Movers", "Moving Co.", "Relocation", "Hauling"),
                "decluttering": ("Organizers", "Declutter", "Home Edit", "Clear Outs")}  # fmt: skip

PROMO_WORDS = ("SPRING", "SUMMER", "FALL", "MOVE", "WELCOME", "TIDY", "BOXES", "FRESH", "HAVEN")
CUSTOMER_MESSAGES = (
    "Hi! Just booked, is the time still OK for you?",
    "Do we need to have everything boxed up before you arrive?",
    "Is there parking for the truck in front of the building?",
    "Could you bring extra blankets for the furniture?",
    "Running a few minutes late, sorry!",
    "Thanks, see you then.",
    "Can we push the start by an hour?",
    "The elevator is reserved for us from 9 to 12.",
)
VENDOR_MESSAGES = (
    "Thanks for booking with us! We are confirmed for your time.",
    "Our crew will call 30 minutes before arrival.",
    "Yes, we bring boxes and tape; fragile items we wrap on site.",
    "Please make sure the path to the door is clear.",
    "The crew is on the way.",
    "All done, thank you! Let us know if anything is missing.",
    "Unfortunately we have a scheduling issue, can you do a later slot?",
)
CUSTOMER_QUOTES = ("You can also text me at {phone} if anything changes.",
                   "Please send the receipt to {email}, thanks.")  # fmt: skip
VENDOR_QUOTES = ("If you can't reach the app, call our dispatcher at {phone}.",)
REVIEW_COMMENTS = {
    5: ("Fantastic crew, fast and careful.", "Would book again in a heartbeat.", "Spotless work."),
    4: ("Good job overall, arrived a bit late.", "Friendly team, fair price."),
    3: ("It was fine, nothing special.", "Some boxes were labeled wrong."),
    2: ("Slow and disorganized.", "Had to call twice to get an update."),
    1: ("Did not show up on time and damaged a table.", "Would not recommend."),
}
CANCEL_REASONS = {
    "customer": ("plans changed", "found another provider", "booked by mistake", "price too high"),
    "vendor": ("crew unavailable", "truck broke down", "double booked"),
}


@dataclass(frozen=True)
class VendorProfile:
    """How one vendor behaves: popularity, response time, how often it cancels, how good it is."""

    category: str
    weight: float
    response_hours: float  # median delay before the vendor answers a request or a message
    decline_rate: float
    cancel_rate: float  # cancels after confirming
    quality: float  # mean rating
    services: tuple[int, ...]  # indexes into SERVICES[category]


def rng_for(seed: int, kind: str, key: int) -> random.Random:
    """The generator of one thing (a vendor, a user, a booking) or one day, stable across runs."""
    return random.Random(f"{seed}:{kind}:{key}")


def vendor_profile(seed: int, vendor_id: int) -> VendorProfile:
    r = rng_for(seed, "vendor", vendor_id)
    category = CATEGORY.pick(r)
    slow, flaky = r.random() < 0.15, r.random() < 0.12
    offered = SERVICES[category]
    count = SERVICE_COUNT.pick(r)
    services = tuple(sorted(r.sample(range(len(offered)), count)))
    return VendorProfile(
        category=category,
        weight=r.lognormvariate(0, 0.8),
        response_hours=r.uniform(18, 40) if slow else r.uniform(0.4, 5),
        decline_rate=r.uniform(0.02, 0.07) + (0.1 if flaky else 0),
        cancel_rate=r.uniform(0.12, 0.25) if flaky else r.uniform(0.005, 0.04),
        quality=min(4.9, max(2.6, r.gauss(4.3, 0.35) - (0.7 if flaky else 0) - (0.3 if slow else 0))),
        services=services,
    )


def day_start(day: int) -> datetime:
    """Midnight (naive UTC) opening simulated day `day`; the day ends at day_start(day + 1)."""
    return datetime.combine(simulated_date(day), time())


def poisson(r: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(r.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, r.random()
    while product > limit:
        k += 1
        product *= r.random()
    return k


def _shape(day: int) -> float:
    """Relative booking volume of a day: weekday, growth over the year, a summer moving season."""
    when = simulated_date(day)
    growth = 1 + 0.25 * (day + HISTORY_DAYS) / HISTORY_DAYS
    season = 1 + 0.15 * math.cos(2 * math.pi * (when.timetuple().tm_yday - 200) / 365)
    return CREATED_BY_WEEKDAY[when.weekday()] * growth * season


_BASE = BOOKINGS_PER_HISTORY / sum(_shape(d) for d in range(-HISTORY_DAYS + 1, 1))


def bookings_expected(day: int, scale: float) -> float:
    return _BASE * scale * _shape(day)


def signups_expected(day: int, scale: float) -> float:
    return SIGNUPS_PER_DAY * scale * _shape(day) / _shape(0) * 0.9


def times_in_day(r: random.Random, day: int, count: int) -> list[datetime]:
    """`count` sorted whole-second moments of simulated day `day`, following HOURLY."""
    start = day_start(day)
    hours = r.choices(range(24), HOURLY, k=count)
    return sorted(start + timedelta(hours=h, seconds=r.randrange(3600)) for h in hours)


def phone_number(r: random.Random, area_codes: tuple[int, ...]) -> str:
    """A US number in one of the formats people type."""
    area, exchange, line = r.choice(area_codes), r.randint(201, 989), r.randint(0, 9999)
    digits = f"{area}{exchange}{line:04d}"
    return r.choice(
        (
            f"({area}) {exchange}-{line:04d}",
            f"{area}-{exchange}-{line:04d}",
            f"{area}.{exchange}.{line:04d}",
            f"+1 {area} {exchange} {line:04d}",
            digits,
            f"+1{digits}",
        )
    )


def person(r: random.Random) -> tuple[str, str]:
    return r.choice(FIRST_NAMES), r.choice(LAST_NAMES)


def email_for(r: random.Random, first: str, last: str, key: int) -> str:
    """Lowercase, unique through `key`."""
    clean = last.lower().replace("'", "")
    local = r.choice((f"{first}.{clean}{key}", f"{first[0]}{clean}{key}", f"{first}{key}"))
    return f"{local.lower()}@{r.choice(EMAIL_DOMAINS)}"


def street(r: random.Random) -> tuple[str, str | None]:
    line1 = f"{r.randint(100, 9899)} {r.choice(STREETS)} {r.choice(STREET_SUFFIXES)}"
    line2 = r.choice((f"Apt {r.randint(1, 40)}{r.choice('ABCD')}", f"Unit {r.randint(100, 950)}"))
    return line1, line2 if r.random() < 0.3 else None


def commission(r: random.Random) -> Decimal:
    return r.choice((Decimal("0.1000"), Decimal("0.1200"), Decimal("0.1500"), Decimal("0.1800"),
                     Decimal("0.2000")))  # fmt: skip


def reprice(r: random.Random, cents: int) -> int:
    """A new price near `cents`, in whole dollars (or a dollar minus a cent, as it was)."""
    dollars = max(5, round(cents / 100 * r.uniform(0.9, 1.15)))
    return dollars * 100 - (1 if cents % 100 else 0)


def quantity_for(r: random.Random, unit: str) -> int:
    if unit == "month":
        return MONTHS.pick(r)
    if unit == "hour":
        return r.randint(2, 8)
    if unit == "item":
        return r.randint(1, 8)
    return 1


def duration_for(r: random.Random, unit: str, quantity: int) -> timedelta:
    """How long the booked work lasts, from its start."""
    if unit == "month":
        return timedelta(days=30 * quantity)
    if unit == "hour":
        return timedelta(hours=quantity)
    if unit == "item":
        return timedelta(minutes=30 + 20 * quantity)
    return timedelta(hours=r.choice((4, 5, 6, 8)))
