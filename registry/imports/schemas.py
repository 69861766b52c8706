"""Schemas of /v1/imports and /v1/export."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields

from registry.i18n import LANGUAGES
from registry.imports.export import MIMETYPES
from registry.schemas import QuerySchema, StrictSchema, one_of


class UploadSchema(StrictSchema):
    file = Upload(required=True, metadata={"description": "CSV, XLSX or JSON"})


class ImportQuerySchema(QuerySchema):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "Report what would happen; write nothing"})


class ExportQuerySchema(QuerySchema):
    format = fields.String(load_default="xlsx", validate=one_of(list(MIMETYPES)))
    lang = fields.String(load_default="en", validate=one_of(LANGUAGES), metadata={
        "description": "Language of the headings (an import reads every language's)"})


class ImportErrorSchema(StrictSchema):
    row = fields.Integer(metadata={"description": "As a spreadsheet numbers it (header: 1)"})
    column = fields.String(metadata={"description": "The heading as written in the file"})
    value = fields.String(allow_none=True)
    message = fields.String()


class ImportRowSchema(StrictSchema):
    row = fields.Integer()
    action = fields.String(metadata={"enum": ["create", "update", "unchanged"]})
    name = fields.String(allow_none=True)
    changes = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "column: {before, after}, for an update"})


class ImportFileSchema(StrictSchema):
    name = fields.String()
    sha256 = fields.String()


class ImportReportSchema(StrictSchema):
    dry_run = fields.Boolean()
    ok = fields.Boolean(metadata={"description": "No errors: everything was (or would be) "
                                                 "imported"})
    file = fields.Nested(ImportFileSchema)
    rows = fields.List(fields.Nested(ImportRowSchema))
    errors = fields.List(fields.Nested(ImportErrorSchema))
