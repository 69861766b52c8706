"""Imports every feature's models so that Base.metadata is complete (Alembic, checks)."""

from __future__ import annotations


def load_all() -> None:
    import registry.audit.models  # noqa: F401
    import registry.auth.models  # noqa: F401
    import registry.catalogue.models  # noqa: F401
    import registry.changes.models  # noqa: F401
    import registry.notify.models  # noqa: F401
