"""Files in and out: the import (a dry run, its report as a table, then the same file
committed), the export download, and the legal documents as downloads.

An import runs the same `import_file` as /v1/imports. After a clean dry run the page
carries the file it checked (base64, with its name) so that "Import this file" commits it
without choosing it again; its SHA-256 must be the one the dry run reported to this
browser, so what is committed is what was checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import string
from typing import Any

import marshmallow as ma
from flask import Response, request, session
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from registry import db
from registry.audit.models import AuditEntry
from registry.console.base import (
    back,
    bp,
    can,
    form_problems,
    message,
    needs,
    page,
    settings,
    signed_in,
    writer,
)
from registry.db import utcnow
from registry.documents import services as documents
from registry.documents.schemas import DocumentQuerySchema
from registry.documents.vocabularies import (
    FORMATS,
    KINDS,
    MIMETYPES,
    READ_ROLES,
    DocumentFormat,
    DocumentKind,
)
from registry.errors import ProblemError
from registry.i18n import LANGUAGES
from registry.i18n.console import console_text
from registry.imports import export as exports
from registry.imports.schemas import ExportQuerySchema, ImportReportSchema
from registry.imports.services import file_name, import_file

CHECKED = "import_checked"  # session: SHA-256 of the files a clean dry run checked
KEEP_CHECKED = 5
ACTIONS = ("create", "update", "unchanged")


def body_allowance(max_body_bytes: int) -> int:
    """The most an import POST may send: a file of MAX_BODY_BYTES carried back in base64
    (4/3 larger), with room for the rest of the form."""
    return math.ceil(max_body_bytes * 4 / 3) + 64 * 1024


@bp.url_value_preprocessor
def _import_body_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Runs before every before_request (the CSRF check reads the form), so the larger
    # limit holds while the body is parsed; the file itself is still held to MAX_BODY_BYTES.
    if endpoint == "console.imports" and request.method == "POST":
        allowance = body_allowance(settings().MAX_BODY_BYTES)
        request.max_content_length = allowance
        request.max_form_memory_size = allowance


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Response:
    return _too_large_page()


def _too_large_page() -> Response:
    return message(console_text("en", "import_too_large_title"),
                   console_text("en", "import_too_large_text",
                                size=_size(settings().MAX_BODY_BYTES)), 413)


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MiB"
    return f"{math.ceil(count / 1024)} KiB"


# -- import -----------------------------------------------------------------------------


def report_entries(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's rows and errors, by spreadsheet row: what each row does (or would do)
    and its problems, each naming its column."""
    entries: dict[int, dict[str, Any]] = {}
    for row in report["rows"]:
        entries[row["row"]] = {"row": row["row"], "name": row.get("name"),
                               "action": row["action"], "changes": row.get("changes") or {},
                               "errors": []}
    for error in report["errors"]:
        entries.setdefault(error["row"], {"row": error["row"], "name": None, "action": None,
                                          "changes": {}, "errors": []})["errors"].append(error)
    return [entries[number] for number in sorted(entries)]


def _counts(report: dict[str, Any]) -> dict[str, int]:
    return {action: sum(1 for row in report["rows"] if row["action"] == action)
            for action in ACTIONS}


def _import_page(status: int = 200, *, problems: dict | None = None,
                 report: dict[str, Any] | None = None, carried: dict[str, str] | None = None,
                 done: AuditEntry | None = None, export_values: dict | None = None,
                 export_problems: dict | None = None) -> Response:
    return page("files/import.html", status, problems=problems or {}, report=report,
                entries=report_entries(report) if report else [],
                counts=_counts(report) if report else {}, carried=carried, done=done,
                formats=list(exports.MIMETYPES), languages=LANGUAGES,
                export_values=export_values or {"format": "xlsx", "lang": "en"},
                export_problems=export_problems or {},
                limit=_size(settings().MAX_BODY_BYTES))


def _remember(digest: str) -> None:
    checked = [d for d in session.get(CHECKED, []) if d != digest]
    session[CHECKED] = [*checked, digest][-KEEP_CHECKED:]


def _forget(digest: str) -> None:
    session[CHECKED] = [d for d in session.get(CHECKED, []) if d != digest]


def _carried() -> tuple[str, bytes, str]:
    """The file a clean dry run checked, carried back in the form: its name, its bytes and
    its SHA-256. Anything else (changed, or never checked here) is refused."""
    name = file_name(request.form.get("file_name"))
    claimed = (request.form.get("sha256") or "").strip().lower()
    try:
        content = base64.b64decode(request.form.get("file_b64") or "", altchars=b"-_",
                                   validate=True)
    except (binascii.Error, ValueError):
        raise ProblemError(422, console_text("en", "import_carried_unreadable")) from None
    if len(content) > settings().MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    digest = hashlib.sha256(content).hexdigest()
    if digest != claimed or digest not in session.get(CHECKED, []):
        raise ProblemError(422, console_text("en", "import_not_checked"))
    return name, content, digest


def _upload() -> tuple[str, bytes] | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    return file_name(upload.filename), upload.read()


def _done(digest: str | None) -> AuditEntry | None:
    """The audit entry of an import just made (the page after committing shows it)."""
    if not digest or len(digest) > 32 or not set(digest) <= set(string.hexdigits):
        return None
    return db.session.scalar(select(AuditEntry).where(
        AuditEntry.entity_type == "import", AuditEntry.entity_id == digest
    ).order_by(AuditEntry.id.desc()).limit(1))


@bp.route("/import", methods=["GET", "POST"])
@needs("editor")
def imports():
    if request.method == "GET":
        return _import_page(done=_done(request.args.get("imported")))
    action = request.form.get("action")
    if action == "commit":
        name, content, _ = _carried()
        dry_run = False
    else:
        uploaded = _upload()
        if uploaded is None:
            return _import_page(422, problems={"file": [console_text("en", "import_no_file")]})
        name, content = uploaded
        if len(content) > settings().MAX_BODY_BYTES:
            return _too_large_page()
        dry_run = action != "import"
    try:
        result = import_file(db.session, name, content, dry_run=dry_run, **writer())
    except ProblemError as error:
        db.session.rollback()
        problems = {field: list(texts) if isinstance(texts, list) else [str(texts)]
                    for field, texts in (error.errors or {}).items()}
        return _import_page(error.status, problems=problems or {"file": [error.detail or ""]})
    report = ImportReportSchema().dump(result.as_dict())
    digest = report["file"]["sha256"]
    if result.dry_run or not result.ok:
        db.session.rollback()
    else:
        db.session.commit()
        _forget(digest)
        return back("console.imports", "imported", imported=digest[:32])
    carried = None
    if result.ok:
        _remember(digest)
        carried = {"name": name, "sha256": digest,
                   "content": base64.b64encode(content, altchars=b"-_").decode("ascii")}
    return _import_page(200 if result.dry_run else 422, report=report, carried=carried)


# -- export -----------------------------------------------------------------------------


@bp.route("/export", endpoint="export")
@needs("editor")  # as /v1/export: the catalogue with its internal notes
def export_file():
    try:
        args = ExportQuerySchema().load(request.args.to_dict())
    except ma.ValidationError as error:
        return _import_page(422, export_values=request.args.to_dict(),
                            export_problems=form_problems(error.messages))
    fmt = args["format"]
    body = exports.render(exports.catalogue_rows(db.session), fmt, args["lang"])
    response = Response(body, mimetype=exports.MIMETYPES[fmt])
    stamp = utcnow().date().isoformat()
    response.headers["Content-Disposition"] = f'attachment; filename="processors-{stamp}.{fmt}"'
    return response


# -- documents --------------------------------------------------------------------------


def _readable_kinds() -> list[DocumentKind]:
    return [kind for kind in KINDS if can(READ_ROLES[kind])]


def _documents_page(status: int = 200, *, values: dict[str, str],
                    problems: dict | None = None) -> Response:
    query = {key: values[key] for key in ("lang", "as_of") if values.get(key)}
    return page("files/documents.html", status, kinds=_readable_kinds(), formats=FORMATS,
                values=values, problems=problems or {}, query={} if problems else query,
                languages=LANGUAGES)


@bp.route("/documents", endpoint="documents")
@needs("reader")
def documents_list():
    given = {key: request.args[key] for key in ("lang", "as_of") if request.args.get(key)}
    try:
        DocumentQuerySchema().load(given)
    except ma.ValidationError as error:
        return _documents_page(422, values=given, problems=form_problems(error.messages))
    return _documents_page(values=given)



@bp.route(f"/documents/<kind>.<any({', '.join(FORMATS)}):fmt>", endpoint="document")
@needs("reader")
def document_file(kind: str, fmt: str):
    if kind not in KINDS:
        raise ProblemError(404, console_text("en", "document_unknown", kind=kind))
    role = READ_ROLES[DocumentKind(kind)]
    if not can(role):
        raise ProblemError(403, console_text("en", "forbidden", role=role,
                                             yours=signed_in().role))
    given = {key: value for key, value in request.args.items() if value}
    try:
        args = DocumentQuerySchema().load({**given, "format": fmt})
    except ma.ValidationError as error:
        return _documents_page(422, values=given, problems=form_problems(error.messages))
    query = documents.document_query(lang=args["lang"], regime=args.get("regime"),
                                     as_of=args.get("as_of"), settings=settings())
    document = documents.build_document(db.session, DocumentKind(kind), query,
                                        settings=settings(), now=utcnow())
    chosen = DocumentFormat(args["format"])
    response = Response(documents.render(document, chosen), content_type=MIMETYPES[chosen])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{documents.file_name(document, chosen)}"')
    return response


@bp.app_template_filter("lang_option")
def _lang_option(value: str) -> tuple[str, str]:
    return value, console_text("en", f"lang_{value}")
