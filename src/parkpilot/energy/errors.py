"""Limits of the energy API, stated once."""

MAX_READINGS_PER_REQUEST = 10_000
