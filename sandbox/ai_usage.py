"""The people and their AI tool usage that every AI tool simulator reports, each in its own way.

One roster of 40 people (fixed: the identity-map seed in dbt/seeds/ai_tools can be checked in and
compared with `identity_map_rows()`), each with an email, a GitHub login, an OpenAI user id and a
set of tools they use, plus identities that belong to nobody (a CI key, a contractor's email, a
bot's GitHub login, a service account's OpenAI user id) so "unmatched identities are listed" is
testable. Usage per tool, day and identity is a pure function of (seed, tool, day):

- `final(tool, day)`: the settled truth, what tests compare a converged warehouse with;
- `reported(tool, day, today)`: what the API answers on `today`. A day younger than the tool's
  settle time (`SETTLE_DAYS`, or the world's `settle_days`: the simulators' option) is provisional:
  lower counts, one identity's row missing and one "ghost" row that vanishes on restatement
  (Copilot finalises in about 3 UTC days; Windsurf refreshes every 3 hours, counted as 1 day).
  Days after `newest_day(tool, today, hour)` are not reported at all.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

from sandbox.framework import LoaderContext, Option
from sandbox.http_api import HttpApi, HttpApiSpec

K = TypeVar("K", bound=Hashable)

TOOLS = ("litellm", "copilot", "cursor", "anthropic", "openai", "windsurf", "augment")
HISTORY_DAYS = 35  # days of usage before the simulated today
ROSTER_SEED = 19  # the roster never changes with the sandbox's seed
DOMAIN = "acme.example"

# Days after which a reported day no longer changes (0: final when first reported).
SETTLE_DAYS = {
    "litellm": 0,
    "copilot": 3,
    "cursor": 0,
    "anthropic": 0,
    "openai": 0,
    "windsurf": 1,
    "augment": 0,
}
# UTC hour from which yesterday is reported (Augment: about 02:00); before it, the day before.
READY_HOUR = {"augment": 2}

# Models each tool reports (`all` where a tool reports none is the staging's business).
MODELS: dict[str, tuple[str, ...]] = {
    "litellm": ("gpt-4o", "claude-sonnet-4-5", "gemini-2.5-pro"),
    "copilot": ("gpt-4.1", "claude-sonnet-4", "gemini-2.5-pro"),
    "cursor": ("claude-4-sonnet", "gpt-5", "cursor-small"),
    "anthropic": ("claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"),
    "openai": ("gpt-4o-2024-08-06", "gpt-4.1-mini", "o3"),
    "windsurf": ("claude-sonnet-4", "gpt-4.1", "swe-1"),
    "augment": ("claude-sonnet-4",),
}
# USD per million input / output tokens (what a world's cost_usd is computed with).
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.5, 10.0),
    "gpt-4o-2024-08-06": (2.5, 10.0),
    "gpt-4.1": (2.0, 8.0),
    "gpt-4.1-mini": (0.4, 1.6),
    "gpt-5": (1.25, 10.0),
    "o3": (2.0, 8.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-sonnet-4": (3.0, 15.0),
    "claude-4-sonnet": (3.0, 15.0),
    "claude-sonnet-4-5-20250929": (3.0, 15.0),
    "claude-opus-4-1-20250805": (15.0, 75.0),
    "claude-haiku-4-5-20251001": (1.0, 5.0),
    "gemini-2.5-pro": (1.25, 10.0),
    "cursor-small": (0.0, 0.0),
    "swe-1": (0.0, 0.0),
}
# The tool-specific counts every Usage carries (each simulator reports those its API has).
COUNTS = (
    "suggestions",
    "acceptances",
    "lines_suggested",
    "lines_accepted",
    "chat_requests",
    "agent_requests",
    "tool_calls",
    "credits_cents",
)
# Share of the roster using each tool.
ADOPTION = {
    "litellm": 0.6,
    "copilot": 0.7,
    "cursor": 0.4,
    "anthropic": 0.5,
    "openai": 0.5,
    "windsurf": 0.3,
    "augment": 0.3,
}
# How each tool names a person: the identity type of the usage-day contract.
IDENTITY_TYPE = {
    "litellm": "email",
    "copilot": "github_login",
    "cursor": "email",
    "anthropic": "email",
    "openai": "openai_user_id",
    "windsurf": "email",
    "augment": "email",
}

_FIRST = (
    "Ada Alan Bea Carl Dana Eli Fay Gus Hana Ivan Jade Kai Lena Milo Nia Omar Pia Quinn Rosa Sam "
    "Tara Umar Vera Wes Xia Yuri Zoe Abel Bo Cleo Dev Emil Flor Gia Hugo Iris Joel Kira Luca Mae"
).split()
_LAST = (
    "Berg Cruz Diaz Engel Falk Grant Hale Ito Jansen Kova Lund Moreau Nakamura Okafor Perez Quist "
    "Rossi Sato Tanaka Ueda Varga Weber Xu Young Zeller"
).split()


@dataclass(frozen=True)
class Person:
    key: str  # p01 ...
    name: str
    email: str
    github_login: str
    openai_user_id: str
    tools: frozenset[str]
    api_key_name: str  # the name of their personal Anthropic API key (Claude Code actor)

    def identity(self, tool: str) -> tuple[str, str]:
        kind = IDENTITY_TYPE[tool]
        value = {
            "email": self.email,
            "github_login": self.github_login,
            "openai_user_id": self.openai_user_id,
        }
        return kind, value[kind]


@dataclass(frozen=True)
class Stranger:
    """An identity that maps to no person (listed, never dropped, by the marts)."""

    identity_type: str
    identity: str
    tools: frozenset[str]


@dataclass(frozen=True)
class Usage:
    tool: str
    day: date
    identity_type: str
    identity: str
    person_key: str | None  # None: an identity that maps to nobody
    model: str
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    counts: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)


def hex_id(*parts: Any, length: int = 24) -> str:
    """A stable hex id made of `parts` (ids, keys the simulators invent)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:length]


def day_range(first: date, end: date) -> list[date]:
    """The days from `first` up to `end`, `end` excluded."""
    return [first + timedelta(days=i) for i in range((end - first).days)]


def grouped(
    usages: Iterable[Usage], key: Callable[[Usage], K], order: Callable[[K], Any] | None = None
) -> list[tuple[K, list[Usage]]]:
    """`usages` grouped by `key` (an API's group-by), the groups sorted by key (or by `order(key)`)."""
    groups: dict[K, list[Usage]] = {}
    for usage in usages:
        groups.setdefault(key(usage), []).append(usage)
    return sorted(groups.items(), key=lambda item: order(item[0]) if order else item[0])


def settle_option(tool: str) -> Option:
    """The simulators' `settle_days` option: days a reported day is restated before it is final."""
    return Option(SETTLE_DAYS[tool], "days a reported day stays provisional and is restated", minimum=0)


@lru_cache(maxsize=1)
def roster() -> tuple[Person, ...]:
    rng = random.Random(ROSTER_SEED)
    people = []
    lasts = list(_LAST)
    for index, first in enumerate(_FIRST, start=1):
        last = rng.choice(lasts)
        tools = frozenset(t for t in TOOLS if rng.random() < ADOPTION[t])
        login_style = rng.randrange(3)
        login = (f"{first}{last}", f"{first[0]}{last}-acme", f"{last}{first}")[login_style].lower()
        people.append(
            Person(
                key=f"p{index:02d}",
                name=f"{first} {last}",
                email=f"{first}.{last}@{DOMAIN}".lower(),
                github_login=login,
                openai_user_id="user-" + hex_id("openai", index),
                tools=tools or frozenset({"copilot"}),
                api_key_name=f"claude-code-{first.lower()}",
            )
        )
    return tuple(people)


STRANGERS: tuple[Stranger, ...] = (
    Stranger("api_key", "ci-pipeline", frozenset({"litellm", "anthropic"})),
    Stranger("email", "contractor@vendor.example", frozenset({"cursor", "windsurf", "augment", "litellm"})),
    Stranger("github_login", "deploy-bot", frozenset({"copilot"})),
    Stranger("openai_user_id", "user-" + hex_id("openai", "service"), frozenset({"openai"})),
)


def identity_map_rows() -> list[dict[str, str]]:
    """The identity map a team maintains (dbt seed ai_tool_identities.csv): person_key,
    person_name, identity_type, identity, tool (blank: any tool). Strangers are not in it."""
    rows = []
    for person in roster():
        rows.append(_map_row(person, "email", person.email, ""))
        rows.append(_map_row(person, "github_login", person.github_login, "copilot"))
        rows.append(_map_row(person, "openai_user_id", person.openai_user_id, "openai"))
        if "anthropic" in person.tools:
            rows.append(_map_row(person, "api_key", person.api_key_name, "anthropic"))
    return rows


def _map_row(person: Person, kind: str, identity: str, tool: str) -> dict[str, str]:
    return {
        "person_key": person.key,
        "person_name": person.name,
        "identity_type": kind,
        "identity": identity,
        "tool": tool,
    }


class UsageWorld:
    """Usage of every tool by every identity, deterministic from `seed` (see the module docstring)."""

    def __init__(
        self, seed: int = 42, scale: float = 1.0, settle_days: Mapping[str, int] | None = None
    ) -> None:
        self.seed = seed
        self.scale = scale
        self.settle_days = {**SETTLE_DAYS, **(settle_days or {})}  # a tool's own: restated longer
        self.people = roster()
        self.strangers = STRANGERS

    # ----- days ---------------------------------------------------------------------------------

    @staticmethod
    def first_day(today: date) -> date:
        return today - timedelta(days=HISTORY_DAYS)

    @staticmethod
    def newest_day(tool: str, today: date, hour: int = 12) -> date:
        """The newest day the tool reports on `today` at `hour` UTC (yesterday, or the day before
        for a tool whose yesterday is ready only later in the morning)."""
        return today - timedelta(days=1 if hour >= READY_HOUR.get(tool, 0) else 2)

    def days(self, tool: str, today: date, hour: int = 12) -> list[date]:
        first, last = self.first_day(today), self.newest_day(tool, today, hour)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def is_final(self, tool: str, day: date, today: date) -> bool:
        return (today - day).days > self.settle_days[tool]

    # ----- usage --------------------------------------------------------------------------------

    def final(self, tool: str, day: date) -> list[Usage]:
        """The settled usage of `tool` on `day`, one Usage per identity and model."""
        return list(self._final(tool, day))

    @lru_cache(maxsize=4096)  # noqa: B019 - a world lives as long as its simulator
    def _final(self, tool: str, day: date) -> tuple[Usage, ...]:
        found: list[Usage] = []
        for person in self.people:
            if tool in person.tools:
                kind, identity = person.identity(tool)
                if tool == "anthropic" and int(person.key[1:]) % 3 == 0:
                    kind, identity = "api_key", person.api_key_name  # Claude Code with an API key
                found += self._usage(tool, day, kind, identity, person.key, activity=0.75)
        for stranger in self.strangers:
            if tool in stranger.tools:
                found += self._usage(tool, day, stranger.identity_type, stranger.identity, None, activity=0.9)
        return tuple(found)

    def reported(self, tool: str, day: date, today: date, hour: int = 12) -> list[Usage]:
        """What the API answers about `day` on `today`: nothing for a day not yet reported, the
        final values once settled, provisional values before."""
        if day > self.newest_day(tool, today, hour) or day < self.first_day(today) - timedelta(days=366):
            return []
        final = self.final(tool, day)
        age = (today - day).days
        settle = self.settle_days[tool]
        if age > settle:
            return final
        share = 0.5 + 0.4 * (age - 1) / max(settle, 1)  # 50 % the first day, rising to final
        rng = random.Random(f"{self.seed}|late|{tool}|{day}")
        late = rng.randrange(len(final)) if final else -1  # telemetry not in yet
        provisional = [_scaled(u, share) for i, u in enumerate(final) if i != late]
        ghost = self._ghost(tool, day, final)
        return provisional + ([ghost] if ghost else [])

    def _ghost(self, tool: str, day: date, final: list[Usage]) -> Usage | None:
        """A provisional row that restatement removes (a duplicate telemetry session)."""
        present = {(u.identity_type, u.identity) for u in final}
        for person in self.people:
            if tool in person.tools and person.identity(tool) not in present:
                kind, identity = person.identity(tool)
                counts = dict.fromkeys(COUNTS, 0) | {"suggestions": 2, "chat_requests": 1}
                model = MODELS[tool][0]
                return Usage(tool, day, kind, identity, person.key, model, 1, 900, 150, 0.0042, counts)
        return None

    def _usage(
        self, tool: str, day: date, kind: str, identity: str, person_key: str | None, *, activity: float
    ) -> list[Usage]:
        rng = random.Random(f"{self.seed}|{tool}|{day.isoformat()}|{identity}")
        weekend = day.weekday() >= 5
        if rng.random() > (activity * (0.25 if weekend else 1.0)):
            return []
        models = MODELS[tool]
        used = [m for m in models if rng.random() < 0.6] or [models[0]]
        rows = []
        for model in used:
            requests = max(1, int(rng.randint(3, 60) * self.scale))
            input_tokens = requests * rng.randint(800, 4000)
            output_tokens = requests * rng.randint(100, 900)
            price_in, price_out = PRICES.get(model, (1.0, 5.0))
            cost = round((input_tokens * price_in + output_tokens * price_out) / 1_000_000, 6)
            suggestions = requests * rng.randint(2, 6)
            counts = {
                "suggestions": suggestions,
                "acceptances": suggestions * rng.randint(20, 45) // 100,
                "lines_suggested": suggestions * rng.randint(2, 5),
                "lines_accepted": suggestions * rng.randint(1, 2) // 2,
                "chat_requests": requests * rng.randint(40, 70) // 100,
                "agent_requests": requests * rng.randint(10, 30) // 100,
                "tool_calls": requests * rng.randint(0, 3),
                "credits_cents": requests * rng.randint(2, 8),
            }
            rows.append(
                Usage(
                    tool,
                    day,
                    kind,
                    identity,
                    person_key,
                    model,
                    requests,
                    input_tokens,
                    output_tokens,
                    cost,
                    counts,
                )
            )
        return rows


def _scaled(usage: Usage, share: float) -> Usage:
    def part(value: int) -> int:
        return max(1, int(value * share)) if value else 0

    return Usage(
        usage.tool,
        usage.day,
        usage.identity_type,
        usage.identity,
        usage.person_key,
        usage.model,
        part(usage.requests),
        part(usage.input_tokens),
        part(usage.output_tokens),
        round(usage.cost_usd * share, 6),
        {k: part(v) if isinstance(v, int) else v for k, v in usage.counts.items()},
    )


class UsageApi(HttpApi):
    """An `HttpApi` reporting one `tool` of the world: `world` (restated for `settle_days`, the
    simulator's option, else the tool's SETTLE_DAYS) and `reported(day)` as of the sandbox's today."""

    tool: ClassVar[str]

    def __init__(self, *, settle_days: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        settle = None if settle_days is None else {self.tool: settle_days}
        self.world = UsageWorld(self.seed, self.scale, settle)

    def reported(self, day: date) -> list[Usage]:
        return self.world.reported(self.tool, day, self.today)


class AiToolSpec(HttpApiSpec):
    """An AI tool's simulator spec. Its loader section, `sources.ai_tools.<name>`, holds the mount
    as `base_url`, the sandbox's clock (`clock_url`: the simulated day, which moves with ticks)
    and the tool's own keys (`loader_keys`: credentials, limits)."""

    def loader_keys(self, ctx: LoaderContext) -> dict[str, Any]:
        raise NotImplementedError

    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        section = {"base_url": ctx.mount_url, "clock_url": f"{ctx.server_url}/_sandbox/health"}
        return {f"sources.ai_tools.{self.name}": {**section, **self.loader_keys(ctx)}}

    def owned_sections(self) -> tuple[str, ...]:
        return (f"sources.ai_tools.{self.name}",)
