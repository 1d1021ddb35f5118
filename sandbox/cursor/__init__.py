"""Simulated Cursor Admin API: team daily usage (epoch-ms bodies, 30-day chunks) and usage events."""
