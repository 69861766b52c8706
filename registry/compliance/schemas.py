"""Schemas of the compliance endpoint."""

from __future__ import annotations

from marshmallow import fields

from registry.adequacy.schemas import regime_field
from registry.compliance.rules import RULES, SEVERITIES
from registry.schemas import QuerySchema, StrictSchema, one_of


class ComplianceQuerySchema(QuerySchema):
    regime = regime_field()
    processor_id = fields.String()
    severity = fields.String(validate=one_of(SEVERITIES))
    rule = fields.String(validate=one_of(sorted(RULES)))
    include_drafts = fields.Boolean(load_default=False,
                                    metadata={"description": "Check draft processors too"})


class FindingSchema(StrictSchema):
    rule = fields.String(metadata={"description": "Stable rule id"})
    severity = fields.String(metadata={"enum": list(SEVERITIES)})
    message = fields.String()
    fix = fields.String(metadata={"description": "How to fix it"})
    processor_id = fields.String()
    processor_name = fields.String()
    location_id = fields.String(allow_none=True)
    dpa_id = fields.String(allow_none=True)
    regime = fields.String()


class SummarySchema(StrictSchema):
    error = fields.Integer()
    warning = fields.Integer()
    info = fields.Integer()


class ComplianceReportSchema(StrictSchema):
    regime = fields.String()
    as_of = fields.Date()
    summary = fields.Nested(SummarySchema)
    findings = fields.List(fields.Nested(FindingSchema))


class RuleSchema(StrictSchema):
    id = fields.String()
    severity = fields.String(metadata={"enum": list(SEVERITIES)})
    title = fields.String()
