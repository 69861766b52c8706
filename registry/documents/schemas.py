"""The query of /v1/documents/{kind}."""

from __future__ import annotations

from marshmallow import fields

from registry.adequacy.schemas import regime_field
from registry.documents.vocabularies import DEFAULT_FORMAT, FORMATS
from registry.i18n import DEFAULT_LANGUAGE, LANGUAGES
from registry.schemas import DAY_RANGE, QuerySchema, one_of


class DocumentQuerySchema(QuerySchema):
    format = fields.String(load_default=str(DEFAULT_FORMAT), validate=one_of(FORMATS), metadata={
        "description": "docx (default), html (self-contained, printable) or md (GitHub "
                       "Markdown)"})
    as_of = fields.Date(validate=DAY_RANGE, metadata={
        "description": "The day the document reflects (UTC); default today"})
    lang = fields.String(load_default=DEFAULT_LANGUAGE, validate=one_of(LANGUAGES), metadata={
        "description": "Language of headings, labels, country names and purposes (default en)"})
    regime = regime_field()
