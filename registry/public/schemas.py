"""Schemas of the public list (they document /public and serialise the JSON)."""

from __future__ import annotations

from marshmallow import fields

from registry.adequacy.dataset import REGIMES, STATUSES
from registry.adequacy.transfers import BASES
from registry.i18n import LANGUAGES
from registry.public.document import CHANGE_NAMES
from registry.schemas import DAY_RANGE, HttpUrl, QuerySchema, StrictSchema, WholeRegexp, one_of


class ListQuerySchema(QuerySchema):
    lang = fields.String(validate=one_of(LANGUAGES), metadata={
        "description": "Language of names, purposes and labels (default: Accept-Language, "
                       "else en)"})
    as_of = fields.Date(validate=DAY_RANGE, metadata={
        "description": "The list as it stood at the end of this day (UTC); default now"})
    regime = fields.String(validate=one_of(REGIMES), metadata={
        "description": "Regime for the adequacy shown on locations (default DEFAULT_REGIME)"})
    service = fields.String(validate=WholeRegexp(r"^[a-z0-9][a-z0-9_-]{0,63}$"),
                            metadata={"description": "Only processors used for this service"})


class CsvListQuerySchema(ListQuerySchema):
    bom = fields.Boolean(load_default=True, metadata={
        "description": "Start with a UTF-8 byte order mark, so that spreadsheets read the "
                       "text as UTF-8; `false` for machine consumers. Default true"})


class HtmlListQuerySchema(ListQuerySchema):
    subscribe = fields.Boolean(load_default=True, metadata={
        "description": "End the fragment with a way to follow changes (an e-mail sign-up "
                       "form and links to the feeds); default true"})


class CountryNameSchema(StrictSchema):
    code = fields.String()
    name = fields.String()


class PublicLocationSchema(StrictSchema):
    country = fields.Nested(CountryNameSchema)
    role = fields.String()
    role_label = fields.String()
    adequacy = fields.String(metadata={"enum": list(STATUSES),
                                       "description": "The country's status under the regime"})
    adequacy_label = fields.String()
    transfer_basis = fields.String(metadata={
        "enum": list(BASES), "description": "The ground this transfer relies on, on the day"})
    transfer_basis_label = fields.String(metadata={"description": "In the list's language"})
    safeguards = fields.List(fields.String())


class PublicProcessorSchema(StrictSchema):
    id = fields.String()
    name = fields.String()
    legal_name = fields.String(allow_none=True)
    country = fields.Nested(CountryNameSchema, allow_none=True)
    website = fields.String(allow_none=True)
    registered_address = fields.String(allow_none=True)
    company_number = fields.String(allow_none=True)
    purpose = fields.String(metadata={"description": "In the requested language, else English"})
    services = fields.List(fields.String())
    data_categories = fields.List(fields.String())
    data_subjects = fields.List(fields.String())
    parent_id = fields.String(allow_none=True)
    parent_name = fields.String(allow_none=True)
    locations = fields.List(fields.Nested(PublicLocationSchema))


class CurrentProcessorSchema(PublicProcessorSchema):
    since = fields.Date(metadata={"description": "On the list since"})


class UpcomingProcessorSchema(PublicProcessorSchema):
    seq = fields.Integer(metadata={"description": "The change's sequence number"})
    change = fields.String(metadata={"enum": sorted(set(CHANGE_NAMES.values()))})
    change_label = fields.String()
    summary = fields.String()
    announced_at = fields.DateTime()
    effective_at = fields.DateTime()
    objection_deadline = fields.DateTime()
    objection_url = HttpUrl(metadata={
        "description": "The localised form to object to this change with (until the deadline)"})
    replaces_id = fields.String(allow_none=True)


class OrganisationSchema(StrictSchema):
    name = fields.String()


class FeedLinksSchema(StrictSchema):
    atom = HttpUrl(metadata={"description": "Atom 1.0 feed of changes, in the list's language"})
    rss = HttpUrl(metadata={"description": "RSS 2.0 feed of changes, in the list's language"})
    json = HttpUrl(metadata={"description": "JSON Feed 1.1 of changes, in the list's language"})


class SubprocessorListSchema(StrictSchema):
    organisation = fields.Nested(OrganisationSchema)
    generated_at = fields.DateTime(metadata={"description": "When the list last changed"})
    as_of = fields.Date()
    regime = fields.String(metadata={"enum": list(REGIMES)})
    lang = fields.String(metadata={"enum": list(LANGUAGES)})
    service = fields.String(allow_none=True)
    labels = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "Headings in the requested language"})
    subscribe_url = HttpUrl(metadata={
        "description": "Where to POST an e-mail subscription (`email`, `lang`, `services`)"})
    feeds = fields.Nested(FeedLinksSchema)
    subprocessors = fields.List(fields.Nested(CurrentProcessorSchema))
    upcoming = fields.List(fields.Nested(UpcomingProcessorSchema))
