"""Simulated Augment Code Analytics API: daily usage, per-user activity (range sums), cursor pages."""
