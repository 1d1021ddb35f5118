"""Error types the loaders raise; each carries a one-line message a user can act on."""

from __future__ import annotations


class LoaderError(Exception):
    """Base class: a message fit to print as the one line a user sees."""


class ConfigError(LoaderError):
    """Configuration is missing or wrong (unknown source, missing credential ...)."""


class TransientError(LoaderError):
    """Worth retrying: network errors, 5xx, 429, truncated bodies, transient API errors."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(LoaderError):
    """Retrying will not help (bad credentials, unknown endpoint): fail this office/workspace."""


class BudgetExhausted(PermanentError):
    """The configured daily read budget is spent; the next run resumes from the last watermark."""
