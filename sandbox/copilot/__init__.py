"""The simulated GitHub Copilot usage metrics reports API (sandbox/copilot/server.py)."""
