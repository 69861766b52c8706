"""Fixtures of the console tests: the system's headless Chromium (as the embed's tests)."""

from tests.public.conftest import browser  # noqa: F401
