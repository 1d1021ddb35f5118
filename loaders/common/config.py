"""One way to read a source's settings and secrets: dlt's config providers.

dlt looks a key up in the environment (`SOURCES__PESTROUTES__OVERLAP_MINUTES`), then
`.dlt/secrets.toml`, then `.dlt/config.toml`, and takes the first provider that holds it. That is
right for a single value and wrong for a table of named scopes: offices in config.toml and their
keys in secrets.toml or environment variables are one list, not whichever file dlt reads
first. `SourceConfig.names()` therefore takes the union of every provider's names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from loaders.common.errors import ConfigError


def env_var(key: str) -> str:
    """The environment variable dlt reads for a dotted config key."""
    return key.upper().replace(".", "__")


def _providers() -> list[Any]:
    from dlt.common.configuration.accessors import config

    return list(config.config_providers)


def _lookup(key: str) -> Any:
    """dlt's value for `key` (None when no provider holds it); a config file dlt cannot parse is a
    ConfigError naming the file and the position, not a traceback."""
    import dlt
    from dlt.common.configuration.providers.toml import TomlProviderReadException

    try:
        return dlt.config.get(key)
    except TomlProviderReadException as exc:
        raise ConfigError(toml_error_line(exc)) from None


def toml_error_line(exc: BaseException) -> str:
    """`.dlt/config.toml is not valid TOML: Unexpected character '\\n' at line 1 col 19`."""
    text = str(exc)
    name = re.search(r"loading (\S+\.toml)", text)
    reason = [line.strip() for line in text.splitlines()[1:] if line.strip()]
    where = f".dlt/{name.group(1)}" if name else "a .dlt/*.toml file"
    return f"{where} is not valid TOML: {reason[0] if reason else text.splitlines()[0]}: fix it and retry"


def check_readable() -> None:
    """Fail with one line now if a config file cannot be parsed (before any work starts)."""
    _lookup("runtime.log_level")


class SourceConfig:
    """Settings and secrets under one section, e.g. `sources.pestroutes` or one of its offices."""

    def __init__(self, section: str) -> None:
        self.section = section

    def key(self, name: str) -> str:
        return f"{self.section}.{name}"

    def sub(self, *names: str) -> SourceConfig:
        return SourceConfig(".".join([self.section, *names]))

    def get(self, name: str, default: Any = None) -> Any:
        value = _lookup(self.key(name))
        return default if value is None or value == "" else value

    def raw(self, name: str) -> Any:
        """The value as configured, an empty string included (get() reads "" as unset)."""
        return _lookup(self.key(name))

    def get_int(self, name: str, default: int) -> int:
        return self._typed(name, default, int)

    def get_float(self, name: str, default: float) -> float:
        return self._typed(name, default, float)

    def get_bool(self, name: str, default: bool) -> bool:
        value = self.get(name, default)
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)

    def _typed(self, name: str, default: Any, kind: type) -> Any:
        value = self.get(name, default)
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"{self.key(name)} must be a {kind.__name__}, got {value!r} "
                f"(.dlt/config.toml or {env_var(self.key(name))})"
            ) from None

    def secret(self, name: str) -> str:
        """A required credential; missing, it is one line naming the key and its variable."""
        value = self.optional_secret(name)
        if value is None:
            key = self.key(name)
            raise ConfigError(
                f"missing credential `{key}`: set it in .dlt/secrets.toml or the environment "
                f"variable {env_var(key)}"
            )
        return value

    def optional_secret(self, name: str) -> str | None:
        value = _lookup(self.key(name))
        return str(value) if value not in (None, "") else None

    def names(self, group: str) -> list[str]:
        """The names of the tables under `<section>.<group>` in ANY provider (the union).

        `[sources.pestroutes.offices.acc]` in config.toml, `[...offices.north]` in secrets.toml and
        `SOURCES__PESTROUTES__OFFICES__WEST__AUTHENTICATION_KEY` in the environment: acc, north
        and west.
        """
        found: set[str] = set()
        path = f"{self.section}.{group}".split(".")
        for provider in _providers():
            if provider.name == "Environment Variables":
                found.update(self._env_names(group))
                continue
            try:
                value, _ = provider.get_value(path[-1], Any, None, *path[:-1])
            except Exception as exc:  # noqa: BLE001 - a file dlt cannot parse: one line
                from dlt.common.configuration.providers.toml import TomlProviderReadException

                if isinstance(exc, TomlProviderReadException):
                    raise ConfigError(toml_error_line(exc)) from None
                raise
            if isinstance(value, dict):
                found.update(str(name) for name, table in value.items() if isinstance(table, dict))
        return sorted(found)

    def _env_names(self, group: str) -> Iterator[str]:
        prefix = env_var(f"{self.section}.{group}") + "__"
        for variable in os.environ:
            if variable.upper().startswith(prefix):
                rest = variable[len(prefix) :]
                if "__" in rest:  # NAME__KEY: a value inside the table NAME
                    yield rest.split("__", 1)[0].lower()
