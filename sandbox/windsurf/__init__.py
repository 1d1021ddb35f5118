"""Simulated Windsurf (Codeium) Analytics API: Cascade runs per day and model, range-wide user stats."""
