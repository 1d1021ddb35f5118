"""The simulated LiteLLM proxy: daily activity per model and API key (sandbox/litellm/server.py)."""
