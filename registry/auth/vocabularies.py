"""Token roles, weakest first: each role may do what the ones before it may."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"


ROLES = tuple(Role)
