"""Simulated QQCatalyst API: two insurance agencies' books behind OAuth2, sync windows and envelopes."""
