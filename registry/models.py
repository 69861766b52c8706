"""Imports every feature's models so that Base.metadata is complete (Alembic, checks)."""

from __future__ import annotations


def load_all() -> None:
    import registry.audit.models
    import registry.auth.models
    import registry.catalogue.models
    import registry.changes.models
