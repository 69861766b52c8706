"""How a customer authorised sub-processing (SCC Clause 9(a))."""

from __future__ import annotations

from enum import StrEnum


class Authorisation(StrEnum):
    GENERAL = "general"  # Option 2: told in advance, may object
    SPECIFIC = "specific"  # Option 1: a new sub-processor needs its prior approval
