"""Simulated incident.io API v2: three workspaces' incidents, their status updates and the API's rules."""
