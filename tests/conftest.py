"""Shared test settings: hypothesis is deterministic, so a failure reproduces."""

from hypothesis import settings

settings.register_profile("naltrack", derandomize=True, deadline=None, max_examples=200)
settings.load_profile("naltrack")
