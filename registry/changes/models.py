"""Change events (append-only) and the public timeline derived from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, JSONType, UTCDateTime


class ChangeEvent(Base):
    """One announced change of public facts. Rows are never updated, except that
    `withdrawn_by` points at the change.withdrawn event that withdrew it."""

    __tablename__ = "change_events"
    __table_args__ = (
        Index("ix_change_events_processor_effective", "processor_id", "effective_at"),
        # Only changes announced ahead can be pending; they are few, so index just those.
        Index("ix_change_events_scheduled", "effective_at",
              sqlite_where=text("effective_at > announced_at"),
              postgresql_where=text("effective_at > announced_at")),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(30))
    processor_id: Mapped[str] = mapped_column(String(36))
    processor_name: Mapped[str] = mapped_column(String(200))
    replaces_id: Mapped[str | None] = mapped_column(String(36), index=True)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    minor: Mapped[bool] = mapped_column(Boolean, default=False)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    summary: Mapped[dict[str, str]] = mapped_column(JSONType)
    notice_override_reason: Mapped[str | None] = mapped_column(Text)
    withdraws_seq: Mapped[int | None] = mapped_column(Integer)
    withdrawn_by: Mapped[int | None] = mapped_column(Integer)
    # The processor's public facts the notice describes: after the write (before it, for a
    # removal). None for events recorded before notices carried them.
    processor_facts: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class PublicVersion(Base):
    """A period of a processor's public facts (on the list or not).

    Rebuilt from the processor's events whenever they change, so that "what did the
    list say at T" is one index seek per processor rather than a replay of events.
    """

    __tablename__ = "public_versions"
    __table_args__ = (
        Index("ix_public_versions_processor_from", "processor_id", "valid_from"),
        # Each processor's one open-ended version: where "every processor" starts.
        Index("ix_public_versions_current", "processor_id",
              sqlite_where=text("valid_to IS NULL"), postgresql_where=text("valid_to IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    processor_id: Mapped[str] = mapped_column(String(36))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the current uninterrupted listing began; None while not listed.
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType)
    last_seq: Mapped[int] = mapped_column(Integer, ForeignKey("change_events.seq"))
