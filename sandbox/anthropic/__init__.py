"""The Anthropic Admin API simulator: usage and cost analytics, legacy reports, Claude Code."""
