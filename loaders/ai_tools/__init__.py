"""Usage of AI coding tools (LiteLLM, Copilot, Cursor, Anthropic, OpenAI, Windsurf, Augment): raw_ai_tools."""

from loaders.common.source import Source

SOURCE = Source(
    name="ai_tools",
    dataset="raw_ai_tools",
    scope_kind="tool",
    entities=(),
    description="usage and spend of AI coding tools per person, tool, model and day, one scope per tool",
    # `elt load ai_tools --since/--until` reads a past range of days again.
    date_windows=True,
)
