"""Request and response schemas of the catalogue API."""

from __future__ import annotations

import re

import marshmallow as ma
import pycountry
from marshmallow import fields, validate, validates, validates_schema

from registry.adequacy.schemas import LocationAdequacySchema, TransferSchema
from registry.catalogue import vocabularies
from registry.catalogue.vocabularies import ProcessorStatus
from registry.schemas import (
    SERVICE_TAG,
    CountryCode,
    HttpUrl,
    Moment,
    PagedQuerySchema,
    StrictSchema,
    one_of,
    one_script_per_word,
    patch_schema,
)

SHA256 = re.compile(r"[0-9a-f]{64}")
LANGUAGE_CODE = re.compile(r"[a-z]{2}")


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


class ContactSchema(StrictSchema):
    name = _text(200, allow_none=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=320))


class TiaSchema(StrictSchema):
    """Transfer impact assessment."""

    assessed_on = fields.Date(required=True)
    outcome = fields.String(required=True, validate=one_of(vocabularies.TIA_OUTCOMES))
    document_url = HttpUrl(allow_none=True)


class SafeguardSchema(StrictSchema):
    """A transfer safeguard; which fields apply depends on `type`."""

    type = fields.String(required=True, validate=one_of(vocabularies.SAFEGUARD_TYPES))
    # strict: a non-strict Integer would silently truncate 3.5 to module 3.
    module = fields.Integer(
        strict=True, validate=one_of(vocabularies.SCC_MODULES),
        metadata={"description": "SCC module 1-4 (scc)"},
    )
    version = fields.String(
        validate=one_of(vocabularies.SCC_VERSIONS),
        metadata={"description": (f"SCC set (scc); {vocabularies.CURRENT_SCC_VERSION} is "
                                  "the current one")},
    )
    certification_ref = _text(200, metadata={"description": "DPF list entry (dpf)"})
    certified_on = fields.Date(metadata={"description": "DPF certification date (dpf)"})
    frameworks = fields.List(
        fields.String(validate=one_of(vocabularies.DPF_FRAMEWORKS)),
        metadata={"description": "DPF parts certified (dpf); default eu_us"},
    )
    approval_ref = _text(200, metadata={"description": "BCR approval or SA authorisation"})
    reference = _text(500, metadata={"description": "Reference of the instrument"})
    article = fields.String(
        validate=one_of(vocabularies.DEROGATION_ARTICLES),
        metadata={"description": "Art. 49 derogation relied on (derogation)"},
    )
    signed_on = fields.Date()
    document_url = HttpUrl()

    @ma.post_dump
    def _omit_unset(self, data, **kwargs):
        return {key: value for key, value in data.items() if value is not None}

    @validates_schema
    def _fields_fit_type(self, data, **kwargs):
        kind = data.get("type")
        if kind not in vocabularies.SAFEGUARD_FIELDS:
            return
        allowed, required = vocabularies.SAFEGUARD_FIELDS[kind]
        problems: dict[str, list[str]] = {}
        for name in vocabularies.SAFEGUARD_DETAIL_FIELDS:
            if name in data and name not in allowed:
                problems[name] = [f"Does not apply to a {kind} safeguard."]
        for name in required:
            if data.get(name) is None:
                problems[name] = [f"Required for a {kind} safeguard."]
        if kind == "scc" and data.get("module") and data.get("version") not in (
            None,
            vocabularies.CURRENT_SCC_VERSION,
        ):
            problems["module"] = ["Modules exist only in the 2021/914 clauses."]
        if problems:
            raise ma.ValidationError(problems)


class LocationFieldsSchema(StrictSchema):
    """A location as part of a processor."""

    id = fields.String(dump_only=True)
    country = CountryCode(required=True)
    role = fields.String(required=True, validate=one_of(vocabularies.LOCATION_ROLES))
    region = _text(100, allow_none=True)
    safeguards = fields.List(fields.Nested(SafeguardSchema), load_default=list)
    tia = fields.Nested(TiaSchema, allow_none=True)
    supplementary_measures = fields.List(_text(300), load_default=list)
    scope_confirmed = fields.Boolean(load_default=False, metadata={"description": (
        "The recipient is within the scope of a conditional adequacy decision that has no "
        "safeguard of its own to record it (e.g. a PIPEDA-covered organisation in Canada, "
        "a private-sector business under the APPI in Japan)")})
    # Computed for a response (catalogue.services.with_computed), never stored.
    adequacy = fields.Nested(LocationAdequacySchema, dump_only=True)
    transfer = fields.Nested(TransferSchema, dump_only=True)


class LocationSchema(LocationFieldsSchema):
    """A location on its own route; a write may say when it takes effect publicly."""

    effective_at = Moment(load_only=True, metadata={"description": (
        "When this change takes effect on the public list (default now, or now plus "
        "NOTICE_PERIOD_DAYS for a location in a new country); never in the past")})
    notice_override_reason = _text(
        1000, load_only=True, allow_none=True,
        metadata={"description": "Why a shorter notice than NOTICE_PERIOD_DAYS is justified"})
    minor = fields.Boolean(load_only=True, metadata={
        "description": "An editorial fix: listed in the change log, not notified"})


class Art28Schema(StrictSchema):
    """Which Art. 28(3) GDPR elements the DPA covers."""

    a = fields.Boolean(load_default=False, metadata={"description": "documented instructions"})
    b = fields.Boolean(load_default=False, metadata={"description": "confidentiality"})
    c = fields.Boolean(load_default=False, metadata={"description": "Art. 32 security"})
    d = fields.Boolean(load_default=False, metadata={"description": "sub-processor conditions"})
    e = fields.Boolean(load_default=False, metadata={"description": "data-subject rights"})
    f = fields.Boolean(load_default=False, metadata={"description": "Arts. 32-36 assistance"})
    g = fields.Boolean(load_default=False, metadata={"description": "deletion or return"})
    h = fields.Boolean(load_default=False, metadata={"description": "information and audits"})


class Art28Field(fields.Field):
    """``art28``: an Art28Schema object on the wire, documented as a map from the letter
    of Art. 28(3) to a boolean (``propertyNames`` a-h, unknown letters refused).

    Documented as named properties, SDK generators break on the letter ``d``
    (openapi-python-client's ``from_dict`` keeps its working dict in ``d``); the map
    form types the same objects without a property named ``d``, and the wire is
    unchanged."""

    def __init__(self, **kwargs) -> None:
        letters = Art28Schema._declared_fields
        described = "; ".join(f"{k}: {f.metadata['description']}" for k, f in letters.items())
        super().__init__(metadata={
            "description": "Which Art. 28(3) GDPR elements the DPA covers, by letter "
                           f"(a missing letter is false) — {described}",
            "openapi": {
                "type": "object",
                "title": "Art28",
                "propertyNames": {"enum": list(letters)},
                "additionalProperties": {"type": "boolean"},
                "example": dict.fromkeys(letters, True),
            },
        }, **kwargs)
        self._nested = fields.Nested(Art28Schema)

    def _serialize(self, value, attr, obj, **kwargs):
        return self._nested._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return self._nested.deserialize(value, attr, data, **kwargs)


class DpaSchema(StrictSchema):
    id = fields.String(dump_only=True)
    version = _text(100, required=True)
    signed_on = fields.Date(required=True)
    review_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    document_url = HttpUrl(allow_none=True)
    document_sha256 = fields.String(
        allow_none=True, metadata={"description": "lower-case hex SHA-256 of the document"}
    )
    art28 = Art28Field(load_default=dict)

    @validates("document_sha256")
    def _sha256(self, value, **kwargs):
        if value is not None and not SHA256.fullmatch(value):
            raise ma.ValidationError("Must be 64 lower-case hexadecimal characters.")

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        signed = data.get("signed_on")
        problems = {
            name: ["Must not be before signed_on."]
            for name in ("review_on", "expires_on")
            if signed and data.get(name) and data[name] < signed
        }
        if problems:
            raise ma.ValidationError(problems)


def _purpose_languages(value: dict[str, str]) -> None:
    # pycountry matches case-insensitively, but readers look texts up by the lower-case code.
    bad = [
        k for k in value
        if not LANGUAGE_CODE.fullmatch(k) or pycountry.languages.get(alpha_2=k) is None
    ]
    if bad:
        raise ma.ValidationError(f"Not ISO 639-1 language codes: {', '.join(sorted(bad))}.")
    if not value.get("en"):
        raise ma.ValidationError("An English ('en') purpose is required.")


class ChainLocationSchema(StrictSchema):
    id = fields.String()
    country = fields.String()
    role = fields.String()
    transfer = fields.Nested(TransferSchema)


class ChainLinkSchema(StrictSchema):
    """A sub-processor below this one (EDPB Opinion 22/2024: the whole chain)."""

    id = fields.String()
    name = fields.String()
    parent_id = fields.String(metadata={"description": "The link above it in the chain"})
    depth = fields.Integer(metadata={"description": "1: a direct sub-processor"})
    status = fields.String(metadata={"enum": list(vocabularies.STATUSES)})
    country = fields.String()
    locations = fields.List(fields.Nested(ChainLocationSchema))


class ProcessorSchema(StrictSchema):
    id = fields.String(dump_only=True)
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200),
                                                  one_script_per_word])
    legal_name = fields.String(allow_none=True, validate=[validate.Length(min=1, max=300),
                                                          one_script_per_word])
    registered_address = _text(1000, allow_none=True)
    company_number = _text(100, allow_none=True)
    website = HttpUrl(allow_none=True)
    contact = fields.Nested(ContactSchema, allow_none=True)
    country = CountryCode(required=True, metadata={"description": "Country of establishment"})
    parent_id = fields.String(allow_none=True, validate=validate.Length(max=36))
    affiliate = fields.Boolean(load_default=False)
    purpose = fields.Dict(
        keys=fields.String(),
        values=_text(2000),
        required=True,
        validate=_purpose_languages,
        metadata={"description": "Purpose per ISO 639-1 language; 'en' is required"},
    )
    services = fields.List(fields.String(validate=SERVICE_TAG), load_default=list)
    data_categories = fields.List(
        fields.String(validate=one_of(vocabularies.DATA_CATEGORIES)), load_default=list
    )
    data_subjects = fields.List(fields.String(validate=one_of(vocabularies.DATA_SUBJECTS)),
                                load_default=list)
    status = fields.String(load_default=ProcessorStatus.ACTIVE,
                           validate=one_of(vocabularies.STATUSES))
    notes = fields.String(allow_none=True, validate=validate.Length(max=10000),
                          metadata={"description": "Internal notes, never public"})
    locations = fields.List(fields.Nested(LocationFieldsSchema), load_default=list)
    dpas = fields.List(fields.Nested(DpaSchema), load_default=list)
    effective_at = Moment(allow_none=True, metadata={"description": (
        "When the latest addition or removal takes (took) effect on the public list; on "
        "write, when this change takes effect (default now, or now plus NOTICE_PERIOD_DAYS "
        "for an addition); never in the past")})
    notice_override_reason = _text(1000, allow_none=True, metadata={
        "description": "Why a shorter notice than NOTICE_PERIOD_DAYS is justified"})
    minor = fields.Boolean(load_only=True, metadata={
        "description": "An editorial fix: listed in the change log, not notified"})
    replaces_id = fields.String(load_only=True, validate=validate.Length(max=36), metadata={
        "description": "Announce this processor as replacing an active one"})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    chain = fields.List(fields.Nested(ChainLinkSchema), dump_only=True, metadata={
        "description": "Every sub-processor below this one, with each location's transfer "
                       "basis (on a single processor's responses)"})


class ProcessorUpdateSchema(ProcessorSchema):
    """Replaces a processor's own fields; locations and DPAs have their own routes."""

    @ma.pre_load
    def _no_nested(self, data, **kwargs):
        if isinstance(data, dict):
            nested = {
                name: [f"Manage {name} through /v1/processors/{{id}}/{name}."]
                for name in ("locations", "dpas")
                if name in data
            }
            if nested:
                raise ma.ValidationError(nested)
        return data

    class Meta(StrictSchema.Meta):
        exclude = ("locations", "dpas")


ProcessorPatchSchema = patch_schema(ProcessorUpdateSchema, "ProcessorPatchSchema")
LocationPatchSchema = patch_schema(LocationSchema, "LocationPatchSchema")
DpaPatchSchema = patch_schema(DpaSchema, "DpaPatchSchema")


class ProcessorQuerySchema(PagedQuerySchema):
    PASSTHROUGH_ARGS = (*PagedQuerySchema.PASSTHROUGH_ARGS, "regime")

    status = fields.String(validate=one_of(vocabularies.STATUSES))
    country = CountryCode(metadata={"description": "Establishment or location country"})
    safeguard = fields.String(validate=one_of(vocabularies.SAFEGUARD_TYPES))
    service = fields.String(validate=SERVICE_TAG)
    q = fields.String(validate=validate.Length(min=1, max=200),
                      metadata={"description": "Free text in name, legal name, company number"})


# The stored state of each entity, without computed fields: what the audit log keeps
# and ETags hash, so neither changes with ?regime= or with the date.
PROCESSOR_RECORD = ProcessorSchema(exclude=("locations.adequacy", "locations.transfer", "chain"))
LOCATION_RECORD = LocationFieldsSchema(exclude=("adequacy", "transfer"))
DPA_RECORD = DpaSchema()
