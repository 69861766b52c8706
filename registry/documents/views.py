"""/v1/documents/{kind}: the legal documents, as a download."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView

from registry import db
from registry.config import Settings
from registry.db import utcnow
from registry.documents import services
from registry.documents.schemas import DocumentQuerySchema
from registry.documents.vocabularies import (
    KINDS,
    MIMETYPES,
    READ_ROLES,
    DocumentFormat,
    DocumentKind,
)
from registry.errors import ProblemError
from registry.extensions import Blueprint

blp = Blueprint(
    "documents", __name__, url_prefix="/v1/documents",
    description="Documents the legal team files and sends: the DPA's sub-processor annex, the "
                "Art. 30(2) record of processing and the transfer register.")

KIND_PARAMETER = {
    "in": "path", "name": "kind", "required": True,
    "schema": {"type": "string", "enum": [str(kind) for kind in KINDS]},
    "description": "`sub-processor-annex` and `transfer-register` need the reader role, "
                   "`ropa` (it names our customers) the editor role",
}
BINARY = {"type": "string", "format": "binary"}
TEXT = {"type": "string"}
DOWNLOAD = "The document as an attachment, in the requested `format`"
DOWNLOAD_HEADERS = {"Content-Disposition": {
    "description": 'attachment; filename="sub-processor-annex-2026-12-01.docx": the kind, the '
                   "day the document reflects and the format",
    "schema": {"type": "string"}}}


@blp.before_request
def _check_kind() -> None:
    """An unknown kind is 404; a known one needs its own role (the record of processing
    names our customers, which only editors read)."""
    if request.method == "OPTIONS":
        return
    kind = (request.view_args or {}).get("kind")
    if kind not in KINDS:
        raise ProblemError(404, f"No document {kind!r}; one of: {', '.join(KINDS)}.")
    role = READ_ROLES[DocumentKind(kind)]
    if role != blp.read_role:  # the blueprint's own role is checked already
        blp.role_check(role)


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


@blp.route("/<kind>", parameters=[KIND_PARAMETER])
class Document(MethodView):
    @blp.arguments(DocumentQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200)
    @blp.doc(responses={"200": {"description": DOWNLOAD, "headers": DOWNLOAD_HEADERS, "content": {
        MIMETYPES[DocumentFormat.DOCX].split(";")[0]: {"schema": BINARY},
        "text/html": {"schema": TEXT}, "text/markdown": {"schema": TEXT}}}})
    def get(self, args, kind):
        """Write a document

        `sub-processor-annex`: the sub-processors on the list on the day (SCC
        Annex III style: name, legal entity, address, privacy contact,
        processing, locations with their transfer basis, parent), with the
        organisation, the day and a version (the latest change's sequence
        number). `ropa`: the record of processing we keep as processor (GDPR
        Art. 30(2)): us, our customers as controllers, the categories of
        processing per service, transfers to third countries with their
        safeguards and the security measures (`SECURITY_MEASURES_URL`).
        `transfer-register`: every location of every active processor with its
        transfer basis, transfer impact assessment and open compliance findings.

        `format` is `docx` by default (headings, tables, page numbers), else
        `html` (self-contained and printable) or `md` (GitHub Markdown); each
        carries the same content, as an attachment named after the kind and
        the day (`sub-processor-annex-2026-12-01.docx`).
        """
        settings = _settings()
        query = services.document_query(lang=args["lang"], regime=args.get("regime"),
                                        as_of=args.get("as_of"), settings=settings)
        document = services.build_document(db.session, DocumentKind(kind), query,
                                           settings=settings, now=utcnow())
        fmt = DocumentFormat(args["format"])
        response = Response(services.render(document, fmt), content_type=MIMETYPES[fmt])
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{services.file_name(document, fmt)}"')
        # Written from the catalogue of the moment (the record names customers): never cached.
        response.headers["Cache-Control"] = "no-store"
        return response
