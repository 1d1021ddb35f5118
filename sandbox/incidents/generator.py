"""Deterministic incident.io data: each workspace's incidents, planned whole and revealed day by day.

An incident's life is planned when it is declared: a list of events (status changes, severity
changes, timestamp values, summary edits) at their times, days into the future for incidents
that sit in "Documenting" before they are closed. The API shows each incident as its events
before the simulated clock (the end of the current day) leave it, so a tick reveals new
incidents, moves open ones through their statuses and their `updated_at`, and adds incident
updates. Each day's new incidents and later edits come from a `random.Random` seeded by
(seed, workspace, day), so N ticks give the same data as starting N days later.

Records are kept in wire form (the JSON the API sends), in id order; ids are ULIDs, which sort
by creation time, like incident.io's.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sandbox.framework import simulated_date
from sandbox.incidents.workspaces import TIMESTAMP_NAMES, WorkspaceSpec

Record = dict[str, Any]

HISTORY_DAYS = 365  # a year of incidents before day 0
INCIDENTS_PER_SCALE = 300  # per workspace over the history, at scale 1 (times the workspace's volume)
EDITS_PER_INCIDENT_YEAR = 0.6  # later edits (summary, post-mortem link) per incident per year

# key, name, category, rank, description
STATUSES: tuple[tuple[str, str, str, int, str], ...] = (
    ("triage", "Triage", "triage", 0, "We're not sure yet whether this is an incident."),
    ("declined", "Declined", "declined", 0, "This was not an incident."),
    ("merged", "Merged", "merged", 0, "This incident was merged into another one."),
    ("canceled", "Canceled", "canceled", 0, "This incident was opened by mistake."),
    ("investigating", "Investigating", "live", 1, "We've spotted that something is wrong."),
    ("fixing", "Fixing", "live", 2, "We've found the cause and are working on a fix."),
    ("monitoring", "Monitoring", "live", 3, "A fix is out; we're watching that it holds."),
    ("documenting", "Documenting", "learning", 4, "Impact is over; we're writing up what we learned."),
    ("closed", "Closed", "closed", 5, "Impact has been fully mitigated and the write-up is done."),
)
CATEGORIES = ("triage", "declined", "merged", "canceled", "live", "learning", "closed")
MODES = ("standard", "retrospective", "test", "tutorial")
DEFAULT_MODES = ("standard", "retrospective")  # what the API returns without a mode filter

# key, name, rank, description
SEVERITIES: tuple[tuple[str, str, int, str], ...] = (
    ("minor", "Minor", 1, "Issues with low impact; most customers are unlikely to notice."),
    ("major", "Major", 2, "Issues causing significant impact; immediate response is usually required."),
    ("critical", "Critical", 3, "Issues causing very high impact to customers; all hands on deck."),
)
# key, name, is_default, private_incidents_only, create_in_triage, description
INCIDENT_TYPES: tuple[tuple[str, str, bool, bool, str, str], ...] = (
    ("default", "Default", True, False, "optional", ""),
    ("customer", "Customer-facing", False, False, "optional", "Anything customers can see."),
    ("security", "Security", False, True, "always", "Security incidents are private by default."),
)
# name, from timestamp, to timestamp (default names); null when either end is missing
DURATION_METRICS: tuple[tuple[str, str, str], ...] = (
    ("Lasted", "Impact started at", "Resolved at"),
    ("Time to identify", "Impact started at", "Identified at"),
    ("Time to fix", "Identified at", "Fixed at"),
)

_FIRST_NAMES = (
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Grace",
    "Hugo",
    "Isla",
    "Jonas",
    "Kemi",
    "Luca",
    "Maya",
    "Nikhil",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tomas",
)
_LAST_NAMES = (
    "Adeyemi",
    "Brennan",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
)
_TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "platform": (
        (
            "Elevated 5xx from {svc}",
            "{svc} p99 latency above SLO",
            "Database failover on {db}",
            "Deploy of {svc} rolled back",
            "Kubernetes nodes NotReady in {region}",
            "Queue backlog on {svc}",
            "TLS certificate expired for {svc}",
            "Disk filling up on {db}",
        ),
        ("api-gateway", "search", "auth", "notifications", "scheduler", "billing-api", "web"),
    ),
    "payments": (
        (
            "Card authorisations failing via {svc}",
            "Payout batch delayed",
            "Refund API timing out",
            "Duplicate charges reported by customers",
            "Ledger reconciliation mismatch on {db}",
            "3-D Secure challenges not loading",
            "Webhook deliveries from {svc} delayed",
        ),
        ("stripe-adapter", "adyen-adapter", "payouts", "ledger", "refunds", "fraud-scoring"),
    ),
    "support": (
        (
            "Help centre unavailable",
            "Chat widget not loading on {svc}",
            "Ticket queue backlog",
            "Inbound email to tickets delayed",
            "Phone routing outage",
            "Macros failing in {svc}",
            "SLA timers wrong after {svc} deploy",
        ),
        ("helpdesk", "chat", "voice", "mail-ingest", "knowledge-base"),
    ),
}
_DATABASES = ("orders-db", "users-db", "ledger-db", "events-db")
_REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2")
_SUMMARIES = (
    "Customers are seeing errors; we are investigating.",
    "Alerts fired for elevated error rates; impact is being assessed.",
    "A subset of requests is failing after the latest change.",
    "Reported by customer support; several customers affected.",
)
_LATER_SUMMARIES = (
    "Root cause identified as a configuration change; a fix is rolling out.",
    "Impact confirmed for a subset of customers; mitigation in place.",
    "Caused by an expired credential; rotated and monitoring.",
    "A bad deploy was rolled back; follow-ups tracked in the post-mortem.",
)
_MESSAGES: dict[str, tuple[str, ...]] = {
    "triage": ("Reported, checking whether this is an incident.",),
    "declined": ("Not an incident: expected behaviour.", "Duplicate alert, declining."),
    "merged": ("Merged into an existing incident.",),
    "canceled": ("Opened by mistake.",),
    "investigating": ("We're looking into it.", "Investigating elevated errors.", "Accepted, investigating."),
    "fixing": ("Cause found, working on a fix.", "Identified the problem, fix in progress."),
    "monitoring": ("Fix deployed, monitoring.", "Mitigated, keeping an eye on it."),
    "documenting": ("Resolved. Writing up the post-mortem.", "Impact over, moving to learning."),
    "closed": ("Post-mortem done, closing.", "Closing."),
    "severity": ("Severity changed after a closer look.", "Impact is wider than we thought."),
}
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CATALOG_CREATED = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def day_start(day: int) -> datetime:
    return datetime.combine(simulated_date(day), time(0), tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    """RFC 3339 in UTC as the API writes it: Go's format, trailing zeros of the fraction dropped."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def ulid(moment: datetime, rng: random.Random) -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, so ids sort by creation time."""
    number = (int(moment.timestamp() * 1000) << 80) | rng.getrandbits(80)
    chars = []
    for _ in range(26):
        number, digit = divmod(number, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


def _exp_minutes(rng: random.Random, mean: float) -> timedelta:
    return timedelta(seconds=max(30.0, rng.expovariate(1 / (mean * 60))))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    pick = rng.random() * sum(weight for _, weight in choices)
    for value, weight in choices:
        pick -= weight
        if pick < 0:
            return value
    return choices[-1][0]


# --------------------------------------------------------------------------------------------
# A workspace's catalogue (statuses, severities, types, timestamps, people)
# --------------------------------------------------------------------------------------------


class Catalog:
    """The objects incidents refer to, with stable ids per (seed, workspace)."""

    def __init__(self, workspace: WorkspaceSpec, seed: int) -> None:
        rng = random.Random(f"{seed}:incidents:{workspace.name}:catalog")
        created = rfc3339(_CATALOG_CREATED)

        def stamp(extra: dict[str, Any]) -> Record:
            return {**extra, "created_at": created, "updated_at": created}

        self.statuses = {
            key: stamp(
                {
                    "id": ulid(_CATALOG_CREATED, rng),
                    "name": name,
                    "description": description,
                    "category": category,
                    "rank": rank,
                }
            )
            for key, name, category, rank, description in STATUSES
        }
        self.severities = {
            key: stamp(
                {"id": ulid(_CATALOG_CREATED, rng), "name": name, "description": description, "rank": rank}
            )
            for key, name, rank, description in SEVERITIES
        }
        self.types = {
            key: stamp(
                {
                    "id": ulid(_CATALOG_CREATED, rng),
                    "name": name,
                    "description": description,
                    "is_default": is_default,
                    "private_incidents_only": private_only,
                    "create_in_triage": create_in_triage,
                }
            )
            for key, name, is_default, private_only, create_in_triage, description in INCIDENT_TYPES
        }
        # (default name, the object this workspace shows)
        self.timestamps = [
            (
                default,
                {"id": ulid(_CATALOG_CREATED, rng), "name": workspace.timestamp_name(default), "rank": rank},
            )
            for rank, default in enumerate(TIMESTAMP_NAMES, start=1)
        ]
        self.metrics = [
            ({"id": ulid(_CATALOG_CREATED, rng), "name": name}, start, end)
            for name, start, end in DURATION_METRICS
        ]
        self.lead_role = stamp(
            {
                "id": ulid(_CATALOG_CREATED, rng),
                "name": "Incident Lead",
                "role_type": "lead",
                "shortform": "lead",
                "required": True,
                "description": "The person coordinating the incident.",
                "instructions": "Make sure it's clear who is doing what; keep stakeholders updated.",
            }
        )
        names = rng.sample([(f, last) for f in _FIRST_NAMES for last in _LAST_NAMES], 12)
        self.users = [
            {
                "id": ulid(_CATALOG_CREATED, rng),
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}@example.com",
                "role": "responder",
                "slack_user_id": "U0" + "".join(rng.choice(_CROCKFORD) for _ in range(9)),
            }
            for first, last in names
        ]


# --------------------------------------------------------------------------------------------
# Incidents as planned events
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Event:
    """Something that happens to an incident at `at`; `update_id` when it posts an incident update."""

    at: datetime
    status: str | None = None
    severity: str | None = None  # set (or changed) at this event
    timestamps: dict[str, datetime] = field(default_factory=dict)  # default name -> value
    summary: str | None = None
    postmortem: bool = False
    update_id: str | None = None
    message: str | None = None
    actor: int = 0


@dataclass(slots=True)
class Incident:
    id: str
    number: int
    created: datetime
    name: str
    summary: str
    mode: str
    visibility: str
    type_key: str
    creator: int
    lead: int
    channel_id: str
    call_url: str | None
    events: list[Event]

    def add(self, event: Event) -> None:
        bisect.insort(self.events, event, key=lambda e: e.at)


@dataclass
class _View:
    """An incident as the API shows it at some moment."""

    record: Record
    updates: list[Record]


class IncidentWorld:
    """One workspace's incidents, revealed up to the end of simulated day `day`."""

    def __init__(self, workspace: WorkspaceSpec, *, seed: int = 42, scale: float = 1.0, day: int = 0) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be positive, got {scale}")
        self.workspace = workspace
        self.seed = seed
        self.scale = scale
        self.catalog = Catalog(workspace, seed)
        self.incidents: list[Incident] = []
        self.day = -HISTORY_DAYS
        self.records: list[Record] = []  # what the API shows, in id order
        self.updates: list[Record] = []  # every visible incident update, in id order
        self.updates_by_incident: dict[str, list[Record]] = {}
        self._daily_mean = scale * workspace.volume * INCIDENTS_PER_SCALE / HISTORY_DAYS
        for each_day in range(-HISTORY_DAYS + 1, day + 1):
            self._plan_day(each_day)
        self.day = day
        self._reveal()

    # ----- time ---------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The simulated clock: the end of the current day; later events are not shown yet."""
        return day_start(self.day + 1)

    def advance(self, days: int = 1) -> dict[str, int]:
        """Move `days` days on; how many incidents were created or changed and updates posted."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        before = {record["id"]: record["updated_at"] for record in self.records}
        updates_before = len(self.updates)
        for _ in range(days):
            self.day += 1
            self._plan_day(self.day)
        self._reveal()
        new = sum(1 for record in self.records if record["id"] not in before)
        changed = sum(1 for r in self.records if r["id"] in before and before[r["id"]] != r["updated_at"])
        return {"new": new, "updated": changed, "incident_updates": len(self.updates) - updates_before}

    def counts(self) -> dict[str, int]:
        return {
            "incidents": len(self.records),
            "private": sum(1 for r in self.records if r["visibility"] == "private"),
            "incident_updates": len(self.updates),
        }

    # ----- planning -------------------------------------------------------------------------------

    def _plan_day(self, day: int) -> None:
        rng = random.Random(f"{self.seed}:incidents:{self.workspace.name}:day:{day}")
        existing = len(self.incidents)
        start = day_start(day)
        offsets = sorted(rng.randrange(86_400_000) for _ in range(_poisson(rng, self._daily_mean)))
        for offset in offsets:
            self.incidents.append(self._plan_incident(start + timedelta(milliseconds=offset), rng))
        edits = _poisson(rng, existing * EDITS_PER_INCIDENT_YEAR / 365)
        for _ in range(edits if existing else 0):
            incident = self.incidents[rng.randrange(existing)]
            self._plan_edit(incident, start + timedelta(milliseconds=rng.randrange(86_400_000)), rng)

    def _plan_edit(self, incident: Incident, at: datetime, rng: random.Random) -> None:
        status = _status_at(incident, at)
        actor = rng.randrange(len(self.catalog.users))
        if status in ("documenting", "closed") and rng.random() < 0.6:
            incident.add(Event(at, postmortem=True, actor=actor))
        else:
            incident.add(Event(at, summary=rng.choice(_LATER_SUMMARIES), actor=actor))

    def _plan_incident(self, created: datetime, rng: random.Random) -> Incident:
        number = len(self.incidents) + 1
        mode = _weighted(rng, (("standard", 86), ("retrospective", 7), ("test", 5), ("tutorial", 2)))
        visibility = "private" if rng.random() < 0.015 else "public"
        # A few of each kind in every workspace, whatever the scale: tests and marts rely on them.
        forced = {
            3: ("standard", "private"),
            6: ("test", None),
            9: ("retrospective", None),
            12: ("tutorial", None),
            17: ("standard", "private"),
        }
        if number in forced:
            mode, visibility = forced[number][0], forced[number][1] or "public"
        if mode in ("test", "tutorial"):
            visibility = "public"
        topics, services = _TOPICS[self.workspace.name]
        name = rng.choice(topics).format(
            svc=rng.choice(services), db=rng.choice(_DATABASES), region=rng.choice(_REGIONS)
        )
        if mode == "test":
            name = f"[TEST] {name}"
        elif mode == "tutorial":
            name = "Tutorial: learn how incidents work"
        users = len(self.catalog.users)
        incident = Incident(
            id=ulid(created, rng),
            number=number,
            created=created,
            name=name,
            summary=rng.choice(_SUMMARIES),
            mode=mode,
            visibility=visibility,
            type_key="security"
            if visibility == "private"
            else rng.choice(("default", "default", "customer")),
            creator=rng.randrange(users),
            lead=rng.randrange(users),
            channel_id="C0" + "".join(rng.choice(_CROCKFORD) for _ in range(9)),
            call_url=f"https://meet.example.com/inc-{number}" if rng.random() < 0.5 else None,
            events=[],
        )
        plan = {
            "retrospective": self._plan_retrospective,
            "test": self._plan_test,
            "tutorial": self._plan_tutorial,
        }.get(mode, self._plan_standard)
        events = plan(incident, rng)
        # Strictly increasing times, and every update gets an id that sorts by when it was posted.
        previous = None
        for event in events:
            if previous is not None and event.at <= previous:
                event.at = previous + timedelta(seconds=1)
            previous = event.at
            event.actor = rng.randrange(users)
            if event.status is not None or event.severity is not None:
                event.update_id = ulid(event.at, rng)
                key = event.status or "severity"
                event.message = rng.choice(_MESSAGES[key]) if rng.random() < 0.85 else None
        incident.events = events
        return incident

    def _plan_standard(self, incident: Incident, rng: random.Random) -> list[Event]:
        created = incident.created
        severity = _weighted(rng, (("minor", 55), ("major", 33), ("critical", 12)))
        # Some closed incidents keep empty timestamps: nobody set them, or the status was skipped.
        gaps = (
            set(
                rng.sample(
                    ("Accepted at", "Impact started at", "Identified at", "Fixed at", "Resolved at"),
                    rng.randint(1, 3),
                )
            )
            if rng.random() < 0.15
            else set()
        )
        first = {"Reported at": created}
        if rng.random() < 0.9:
            first["Impact started at"] = created - _exp_minutes(rng, 30)
        events: list[Event] = []
        if rng.random() < 0.45:  # declared in triage
            events.append(
                Event(
                    created,
                    status="triage",
                    severity=severity if rng.random() < 0.5 else None,
                    timestamps=_without(first, gaps),
                )
            )
            decided = created + _exp_minutes(rng, 20)
            outcome = rng.random()
            if outcome < 0.12:
                return [*events, Event(decided, status="declined")]
            if outcome < 0.18:
                return [*events, Event(decided, status="merged")]
            if outcome < 0.21:
                return [*events, Event(decided, status="canceled")]
            accepted = decided
            events.append(
                Event(
                    accepted,
                    status="investigating",
                    severity=severity,
                    timestamps=_without({"Accepted at": accepted}, gaps),
                )
            )
        else:
            accepted = created
            events.append(
                Event(
                    created,
                    status="investigating",
                    severity=severity,
                    timestamps=_without({**first, "Accepted at": created}, gaps),
                )
            )
        moment = accepted
        if rng.random() < 0.5:
            events.append(Event(accepted + _exp_minutes(rng, 25), summary=rng.choice(_LATER_SUMMARIES)))
        if rng.random() < 0.2:
            changed = rng.choice([s for s in ("minor", "major", "critical") if s != severity])
            events.append(Event(accepted + _exp_minutes(rng, 45), severity=changed))
        if rng.random() < 0.03:
            return [*events, Event(accepted + _exp_minutes(rng, 60), status="canceled")]
        if rng.random() < 0.85:
            moment = moment + _exp_minutes(rng, 40)
            events.append(
                Event(moment, status="fixing", timestamps=_without({"Identified at": moment}, gaps))
            )
        moment = moment + _exp_minutes(rng, 120)
        events.append(Event(moment, status="monitoring", timestamps=_without({"Fixed at": moment}, gaps)))
        moment = moment + _exp_minutes(rng, 240)
        if rng.random() < 0.75:
            events.append(
                Event(moment, status="documenting", timestamps=_without({"Resolved at": moment}, gaps))
            )
            closed = moment + timedelta(days=rng.uniform(1, 10))
            return [
                *events,
                Event(
                    closed, status="closed", postmortem=rng.random() < 0.8, timestamps={"Closed at": closed}
                ),
            ]
        resolved = _without({"Resolved at": moment}, gaps)
        return [*events, Event(moment, status="closed", timestamps={**resolved, "Closed at": moment})]

    def _plan_retrospective(self, incident: Incident, rng: random.Random) -> list[Event]:
        # Declared after the fact: every timestamp is in the past when the incident appears.
        impact = incident.created - timedelta(days=rng.uniform(1, 20))
        reported = impact + _exp_minutes(rng, 30)
        identified = reported + _exp_minutes(rng, 60)
        fixed = identified + _exp_minutes(rng, 120)
        resolved = fixed + _exp_minutes(rng, 180)
        values = {
            "Reported at": reported,
            "Accepted at": reported,
            "Impact started at": impact,
            "Identified at": identified,
            "Fixed at": fixed,
            "Resolved at": resolved,
        }
        severity = _weighted(rng, (("minor", 50), ("major", 40), ("critical", 10)))
        closed = incident.created + timedelta(days=rng.uniform(1, 7))
        return [
            Event(incident.created, status="documenting", severity=severity, timestamps=values),
            Event(closed, status="closed", postmortem=True, timestamps={"Closed at": closed}),
        ]

    def _plan_test(self, incident: Incident, rng: random.Random) -> list[Event]:
        created = incident.created
        closed = created + _exp_minutes(rng, 20)
        return [
            Event(
                created,
                status="investigating",
                severity="minor",
                timestamps={"Reported at": created, "Accepted at": created},
            ),
            Event(closed, status="closed", timestamps={"Resolved at": closed, "Closed at": closed}),
        ]

    def _plan_tutorial(self, incident: Incident, rng: random.Random) -> list[Event]:
        created = incident.created
        events = [Event(created, status="triage", timestamps={"Reported at": created})]
        if rng.random() < 0.5:
            events.append(Event(created + _exp_minutes(rng, 10), status="declined"))
        return events

    # ----- what the API shows -----------------------------------------------------------------

    def _reveal(self) -> None:
        now = self.now
        records, updates = [], []
        by_incident: dict[str, list[Record]] = {}
        for incident in self.incidents:
            if incident.created >= now:
                continue
            view = self._view(incident, now)
            records.append(view.record)
            updates += view.updates
            by_incident[incident.id] = view.updates
        records.sort(key=lambda r: r["id"])
        updates.sort(key=lambda u: u["id"])
        self.records, self.updates, self.updates_by_incident = records, updates, by_incident

    def _view(self, incident: Incident, now: datetime) -> _View:
        catalog = self.catalog
        status, severity, summary = "triage", None, incident.summary
        values: dict[str, datetime] = {}
        postmortem = False
        updated = incident.created
        updates: list[Record] = []
        for event in incident.events:
            if event.at >= now:
                break
            updated = event.at
            status = event.status or status
            severity = event.severity or severity
            summary = event.summary or summary
            values.update(event.timestamps)
            postmortem = postmortem or event.postmortem
            if event.update_id:
                updates.append(
                    {
                        "id": event.update_id,
                        "incident_id": incident.id,
                        "created_at": rfc3339(event.at),
                        "message": event.message,
                        "new_incident_status": catalog.statuses[status],
                        "new_severity": catalog.severities[severity] if severity else None,
                        "updater": {"user": catalog.users[event.actor]},
                    }
                )
        workspace = self.workspace
        record = {
            "id": incident.id,
            "reference": f"INC-{incident.number}",
            "name": incident.name,
            "summary": summary,
            "created_at": rfc3339(incident.created),
            "updated_at": rfc3339(updated),
            "incident_status": catalog.statuses[status],
            "severity": catalog.severities[severity] if severity else None,
            "incident_type": catalog.types[incident.type_key],
            "mode": incident.mode,
            "visibility": incident.visibility,
            "slack_team_id": workspace.slack_team_id,
            "slack_channel_id": incident.channel_id,
            "slack_channel_name": f"inc-{incident.number}-{_slug(incident.name)}",
            "permalink": f"https://app.incident.io/{workspace.org_slug}/incidents/{incident.number}",
            "call_url": incident.call_url,
            "postmortem_document_url": (
                f"https://docs.example.com/postmortems/{workspace.name}-inc-{incident.number}"
                if postmortem
                else None
            ),
            "creator": {"user": catalog.users[incident.creator]},
            "incident_role_assignments": [
                {"role": catalog.lead_role, "assignee": catalog.users[incident.lead]}
            ],
            "incident_timestamp_values": [
                {
                    "incident_timestamp": shown,
                    "value": {"value": rfc3339(values[default])} if default in values else {},
                }
                for default, shown in catalog.timestamps
            ],
            "duration_metrics": [
                {
                    "duration_metric": metric,
                    "value_seconds": round((values[end] - values[start]).total_seconds())
                    if start in values and end in values
                    else None,
                }
                for metric, start, end in catalog.metrics
            ],
            "custom_field_entries": [],
            "external_issue_reference": None,
            "has_debrief": False,
        }
        return _View(record, updates)


def _without(values: dict[str, datetime], gaps: set[str]) -> dict[str, datetime]:
    return {name: value for name, value in values.items() if name not in gaps}


def _status_at(incident: Incident, at: datetime) -> str:
    status = "triage"
    for event in incident.events:
        if event.at > at:
            break
        status = event.status or status
    return status


def _slug(name: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in name.lower()).split()
    return "-".join(words[:4])
