"""Error types the loaders raise; each carries a one-line message a user can act on."""

from __future__ import annotations


class EltError(Exception):
    """Base of every error a user can act on: its message is the one line they see.

    The CLI prints it as `error: <message>` with exit code 2; loaders and the release step each
    subclass it, so neither depends on the other.
    """


class LoaderError(EltError):
    """A loader could not do its work (configuration, a source, the warehouse)."""


class ConfigError(LoaderError):
    """Configuration is missing or wrong (unknown source, missing credential ...)."""


class TransientError(LoaderError):
    """Worth retrying: network errors, 5xx, 429, truncated bodies, transient API errors."""

    def __init__(self, message: str, retry_after: float | None = None, *, refused: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.refused = refused  # nothing listens at the address


class PermanentError(LoaderError):
    """Retrying will not help (bad credentials, unknown endpoint): fail this office/workspace."""


class BudgetExhausted(PermanentError):
    """The configured daily read budget is spent; the next run resumes from the last watermark."""
