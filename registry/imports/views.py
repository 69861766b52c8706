"""/v1/imports and /v1/export: the catalogue from and to a spreadsheet (editors)."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app, json
from flask.views import MethodView

from registry import db
from registry.auth.views import current_actor
from registry.db import utcnow
from registry.errors import PROBLEM_MIME, ProblemSchema, problem_response
from registry.extensions import Blueprint
from registry.imports import export
from registry.imports.schemas import (
    ExportQuerySchema,
    ImportQuerySchema,
    ImportReportSchema,
    UploadSchema,
)
from registry.imports.services import import_file

blp = Blueprint(
    "imports", __name__, url_prefix="/v1", read_role="editor", write_role="editor",
    description="Bulk import from CSV, XLSX or JSON (with a dry run), and export in the "
                "same columns.")


class ImportProblemSchema(ProblemSchema):
    report = ma.fields.Nested(ImportReportSchema)


@blp.route("/imports")
class Imports(MethodView):
    @blp.arguments(ImportQuerySchema, location="query", unknown=ma.RAISE)
    @blp.arguments(UploadSchema, location="files")
    @blp.response(200, ImportReportSchema, description="What was (or, in a dry run, would "
                                                         "be) created, updated or left alone")
    @blp.alt_response(422, schema=ImportProblemSchema, content_type=PROBLEM_MIME,
                      description="The file cannot be read, or rows have errors (each by row "
                                  "and column in `report.errors`); nothing was written")
    def post(self, args, files):
        """Import processors from a spreadsheet

        Multipart upload, field `file`. All or nothing: every created or
        changed processor goes through the same checks, notice periods,
        change events, notices and audit as `/v1/processors`. Importing the
        same file twice changes nothing the second time.
        """
        upload = files["file"]
        report = import_file(db.session, upload.filename or "upload", upload.read(),
                             dry_run=args["dry_run"], actor=current_actor(),
                             settings=current_app.config["SETTINGS"], now=utcnow())
        body = ImportReportSchema().dump(report.as_dict())
        if report.dry_run or not report.ok:
            db.session.rollback()
        else:
            db.session.commit()
        if report.ok or report.dry_run:
            return body
        return _refused(body)


def _refused(report: dict) -> Response:
    count = len(report["errors"])
    response = problem_response(
        422, f"{count} error{'s' if count != 1 else ''} in the file; nothing was imported.",
        errors={f"row {e['row']}, {e['column']}": [e["message"]] for e in report["errors"]})
    body = json.loads(response.get_data())
    body["report"] = report
    response.set_data(json.dumps(body))
    return response


@blp.route("/export")
class Export(MethodView):
    @blp.arguments(ExportQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, {"type": "string", "format": "binary"},
                  content_type=export.MIMETYPES["xlsx"],
                  description="The catalogue in the import's columns (XLSX, CSV or JSON)")
    @blp.doc(responses={200: {"content": {export.MIMETYPES["csv"]: {"schema": {"type": "string"}},
                                          "application/json": {"schema": {
                                              "type": "array", "items": {
                                                  "type": "object", "additionalProperties": {
                                                      "type": "string"}}}}}}})
    def get(self, args):
        """Export the catalogue

        Exactly the import's columns, so export, edit in a spreadsheet and
        import round-trips. XLSX has a frozen header row; CSV is UTF-8 with a
        BOM.
        """
        fmt = args["format"]
        body = export.render(export.catalogue_rows(db.session), fmt, args["lang"])
        response = Response(body, mimetype=export.MIMETYPES[fmt])
        stamp = utcnow().date().isoformat()
        response.headers["Content-Disposition"] = (
            f'attachment; filename="processors-{stamp}.{fmt}"')
        return response
