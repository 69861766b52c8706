"""Catalogue models: Processor owns its Locations (with Safeguards) and DPAs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from registry.db import Base, JSONType, UTCDateTime, new_id, utcnow


class Processor(Base):
    __tablename__ = "processors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), index=True)
    legal_name: Mapped[str | None] = mapped_column(String(300))
    registered_address: Mapped[str | None] = mapped_column(Text)
    company_number: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    country: Mapped[str] = mapped_column(String(2), index=True)
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("processors.id", ondelete="RESTRICT"), index=True
    )
    affiliate: Mapped[bool] = mapped_column(Boolean, default=False)
    purpose: Mapped[dict[str, str]] = mapped_column(JSONType)
    services: Mapped[list[str]] = mapped_column(JSONType, default=list)
    data_categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    data_subjects: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(10), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    # When the latest addition or removal takes (or took) effect on the public list.
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic lock: an UPDATE whose version no longer matches fails (412), so two
    # editors who passed the ETag check at the same moment cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    locations: Mapped[list[Location]] = relationship(
        back_populates="processor",
        cascade="all, delete-orphan",
        order_by="Location.position",
        lazy="selectin",
    )
    dpas: Mapped[list[Dpa]] = relationship(
        back_populates="processor",
        cascade="all, delete-orphan",
        order_by="Dpa.signed_on",
        lazy="selectin",
    )

    # Whether any processor names this one as its parent: loaded only where asked for
    # (`services.get_processor`), else None (not known). Writing this row changes nothing
    # of it, so a flush keeps it.
    has_sub_processors: Mapped[bool | None] = query_expression(expire_on_flush=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def contact(self) -> dict[str, str | None] | None:
        if self.contact_name is None and self.contact_email is None:
            return None
        return {"name": self.contact_name, "email": self.contact_email}


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    processor_id: Mapped[str] = mapped_column(
        ForeignKey("processors.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    country: Mapped[str] = mapped_column(String(2), index=True)
    role: Mapped[str] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(100))
    tia_assessed_on: Mapped[date | None] = mapped_column(Date)
    tia_outcome: Mapped[str | None] = mapped_column(String(30))
    tia_document_url: Mapped[str | None] = mapped_column(String(500))
    supplementary_measures: Mapped[list[str]] = mapped_column(JSONType, default=list)
    scope_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)

    processor: Mapped[Processor] = relationship(back_populates="locations")
    safeguards: Mapped[list[Safeguard]] = relationship(
        back_populates="location",
        cascade="all, delete-orphan",
        order_by="Safeguard.position",
        lazy="selectin",
    )

    @property
    def tia(self) -> dict[str, Any] | None:
        if self.tia_assessed_on is None:
            return None
        return {
            "assessed_on": self.tia_assessed_on,
            "outcome": self.tia_outcome,
            "document_url": self.tia_document_url,
        }


class Safeguard(Base):
    __tablename__ = "safeguards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    location_id: Mapped[str] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(30), index=True)
    module: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[str | None] = mapped_column(String(30))
    certification_ref: Mapped[str | None] = mapped_column(String(200))
    certified_on: Mapped[date | None] = mapped_column(Date)
    frameworks: Mapped[list[str] | None] = mapped_column(JSONType)
    approval_ref: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(500))
    article: Mapped[str | None] = mapped_column(String(20))
    signed_on: Mapped[date | None] = mapped_column(Date)
    document_url: Mapped[str | None] = mapped_column(String(500))

    location: Mapped[Location] = relationship(back_populates="safeguards")


class Dpa(Base):
    __tablename__ = "dpas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    processor_id: Mapped[str] = mapped_column(
        ForeignKey("processors.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(String(100))
    signed_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    document_url: Mapped[str | None] = mapped_column(String(500))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    art28: Mapped[dict[str, bool]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    processor: Mapped[Processor] = relationship(back_populates="dpas")
