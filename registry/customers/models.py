"""A customer: a controller we process personal data for, under a DPA with us."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, JSONType, UTCDateTime, new_id, utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    # Addresses its notices go to, normalised; no separate subscription needed.
    contacts: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The services it uses; empty: every service.
    services: Mapped[list[str]] = mapped_column(JSONType, default=list)
    notice_days: Mapped[int] = mapped_column(Integer)
    authorisation: Mapped[str] = mapped_column(String(10))
    lang: Mapped[str] = mapped_column(String(5), default="en")
    notes: Mapped[str | None] = mapped_column(Text)
    # Contacts that unsubscribed from its notices (by the link in a notice).
    unsubscribed: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
