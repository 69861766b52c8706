"""Schemas of the countries endpoints (internal and public)."""

from __future__ import annotations

from marshmallow import fields

from registry.adequacy.dataset import REGIMES, STATUSES
from registry.adequacy.transfers import BASES
from registry.i18n import LANGUAGES
from registry.schemas import DAY_RANGE, QuerySchema, StrictSchema, one_of


def regime_field(**kwargs) -> fields.String:
    return fields.String(
        validate=one_of(REGIMES),
        metadata={"description": "Transfer regime: EU, UK or CH (default DEFAULT_REGIME)"},
        **kwargs,
    )


class CountryQuerySchema(QuerySchema):
    regime = regime_field()
    as_of = fields.Date(validate=DAY_RANGE,
                        metadata={"description": "Status on this date (default today, UTC)"})
    lang = fields.String(load_default="en", validate=one_of(LANGUAGES))


class CountriesQuerySchema(CountryQuerySchema):
    status = fields.String(validate=one_of(STATUSES))


class CountryStatusSchema(StrictSchema):
    code = fields.String(metadata={"description": "ISO 3166-1 alpha-2, or a documented non-ISO id"})
    name = fields.String(metadata={"description": "Name in the requested language"})
    status = fields.String(metadata={
        "enum": list(STATUSES),
        "description": "unknown: the date is before the regime's dataset starts (outside_horizon)"})
    decision = fields.String(allow_none=True, metadata={"description": "Instrument relied on"})
    condition = fields.String(allow_none=True, metadata={"description": "Scope condition id"})
    condition_text = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True, metadata={"description": "First day not covered"})
    source = fields.String(allow_none=True)
    verified = fields.Boolean()
    notes = fields.List(fields.String(), metadata={
        "description": "expiring_soon, under_litigation, unverified, outside_horizon"})
    note_texts = fields.List(fields.String())


class CountriesSchema(StrictSchema):
    regime = fields.String()
    as_of = fields.Date()
    lang = fields.String()
    countries = fields.List(fields.Nested(CountryStatusSchema))


class PeriodSchema(StrictSchema):
    status = fields.String(metadata={"enum": list(STATUSES)})
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    decision = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    condition = fields.String(allow_none=True)
    condition_text = fields.String(allow_none=True)
    adopted = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    litigation = fields.String(allow_none=True)
    invalidated_by = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    verified = fields.Boolean()


class CountryDetailSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    regime = fields.String()
    as_of = fields.Date()
    current = fields.Nested(CountryStatusSchema)
    periods = fields.List(fields.Nested(PeriodSchema))


class LocationAdequacySchema(StrictSchema):
    """Computed for the location's country under the requested regime, today."""

    regime = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    decision = fields.String(allow_none=True)
    condition = fields.String(allow_none=True)
    notes = fields.List(fields.String())


class TransferSchema(StrictSchema):
    """The ground the transfer relies on, computed per regime and day, never typed in."""

    regime = fields.String()
    basis = fields.String(metadata={"enum": list(BASES)})
    instrument = fields.String(metadata={"description": "The decision, clauses or article"})
    module = fields.Integer(metadata={"description": "SCC module, where it has one"})
    condition = fields.String(metadata={"description": "The conditional decision's scope met"})
    article = fields.String(metadata={"description": "The Art. 49 derogation (derogation)"})
    label = fields.String(metadata={"description": "In words, in the requested language"})
