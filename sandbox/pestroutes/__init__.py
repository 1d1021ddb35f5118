"""Simulated PestRoutes (FieldRoutes) API v1: deterministic office data and its HTTP API."""
