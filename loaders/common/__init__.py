"""Helpers every loader shares: HTTP with retries, read budgets, lineage, errors, run reports."""
