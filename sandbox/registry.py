"""Every simulator the sandbox runs: adding one means a package under sandbox/ and a line here.

The server mounts the `MountedSpec`s in this order (the first also answers the unprefixed admin
routes such as `/_sandbox/faults`, as the only simulator did before there were several); the
manager starts, ticks and stops the `ExternalSpec`s. Nothing else in the sandbox names a source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sandbox.anthropic.spec import SPEC as ANTHROPIC
from sandbox.app_db.spec import SPEC as APP_DB
from sandbox.augment.spec import SPEC as AUGMENT
from sandbox.copilot.spec import SPEC as COPILOT
from sandbox.cursor.spec import SPEC as CURSOR
from sandbox.ecommerce.spec import SPEC as ECOMMERCE
from sandbox.framework import ExternalSpec, MountedSpec, SandboxError, SimulatorSpec
from sandbox.incidents.spec import SPEC as INCIDENTS
from sandbox.litellm.spec import SPEC as LITELLM
from sandbox.openai.spec import SPEC as OPENAI
from sandbox.pestroutes.spec import SPEC as PESTROUTES
from sandbox.qqcatalyst.spec import SPEC as QQCATALYST
from sandbox.service_csv.spec import SPEC as SERVICE_CSV
from sandbox.windsurf.spec import SPEC as WINDSURF

SIMULATORS: tuple[SimulatorSpec, ...] = (
    PESTROUTES,
    INCIDENTS,
    ECOMMERCE,
    QQCATALYST,
    SERVICE_CSV,
    APP_DB,
    # The AI tool simulators (issue 19), all on sandbox/http_api.py and sandbox/ai_usage.py.
    LITELLM,
    COPILOT,
    CURSOR,
    ANTHROPIC,
    OPENAI,
    WINDSURF,
    AUGMENT,
)

# Options from before the registry (`elt sandbox up --offices`, `manager.up(s3_port=...)`); a None
# value for one of them means "do not start that simulator", as `s3_port=None` did.
LEGACY_OPTIONS: dict[str, str] = {"offices": "pestroutes.offices", "s3_port": "service_csv.port"}

# Admin routes of the server itself; a simulator may not be named like one.
RESERVED_NAMES = frozenset({"health", "tick", "state"})


def names() -> list[str]:
    return [spec.name for spec in SIMULATORS]


def get(name: str) -> SimulatorSpec:
    for spec in SIMULATORS:
        if spec.name == name:
            return spec
    raise SandboxError(f"unknown simulator {name!r}; registered: {', '.join(names())}")


def mounted(only: Iterable[str] | None = None) -> list[MountedSpec]:
    wanted = set(only) if only is not None else None
    return [s for s in SIMULATORS if isinstance(s, MountedSpec) and (wanted is None or s.name in wanted)]


def external(only: Iterable[str] | None = None) -> list[ExternalSpec]:
    wanted = set(only) if only is not None else None
    return [s for s in SIMULATORS if isinstance(s, ExternalSpec) and (wanted is None or s.name in wanted)]


def resolve_settings(given: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Every simulator's options, defaults filled in, from `{"<source>.<option>": value}`.

    Values may be strings (from `--set`) or typed; a mistake raises SandboxError saying what to use.
    """
    settings = {
        spec.name: {key: option.default for key, option in spec.options.items()} for spec in SIMULATORS
    }
    for dotted, value in (given or {}).items():
        source, _, key = dotted.partition(".")
        spec = get(source)
        option = spec.options.get(key)
        if option is None:
            known = ", ".join(f"{source}.{name}" for name in spec.options) or "none"
            raise SandboxError(f"unknown sandbox setting {dotted!r}; {source} takes: {known}")
        try:
            settings[source][key] = option.parse(value)
        except ValueError as error:
            raise SandboxError(f"sandbox setting {dotted}: {error}") from None
    return settings


def parse_assignments(assignments: Iterable[str]) -> dict[str, str]:
    """`["pestroutes.offices=5", ...]` (the `--set` values) as `{"pestroutes.offices": "5"}`."""
    parsed = {}
    for assignment in assignments:
        dotted, sep, value = assignment.partition("=")
        if not sep or "." not in dotted:
            raise SandboxError(
                f"--set takes <source>.<option>=<value> (e.g. pestroutes.offices=5), got {assignment!r}"
            )
        parsed[dotted.strip()] = value.strip()
    return parsed


def _check() -> None:
    seen = set()
    for spec in SIMULATORS:
        if spec.name in seen or spec.name in RESERVED_NAMES or not spec.name.isidentifier():
            raise RuntimeError(f"simulator name {spec.name!r} is taken, reserved or not an identifier")
        seen.add(spec.name)


_check()
