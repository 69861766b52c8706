"""The `registry` command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from registry.auth.vocabularies import ROLES
from registry.config import Settings

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _app():
    from registry import create_app

    return create_app()


@contextmanager
def app_context() -> Iterator[None]:
    """An app context whose database connections are closed on the way out."""
    app = _app()
    try:
        with app.app_context():
            yield
    finally:
        app.extensions["registry.engine"].dispose()


@click.group()
def main() -> None:
    """Subprocessor Registry."""


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations."""
    from registry.db import upgrade_database

    upgrade_database(Settings.from_env().DATABASE_URL, revision)
    click.echo(f"database at {revision}")


@main.group("tokens")
def tokens_group() -> None:
    """Bearer tokens."""


@tokens_group.command("create")
@click.option("--name", required=True, help="Who or what uses the token (shown in the audit log).")
@click.option("--role", required=True, type=click.Choice([str(role) for role in ROLES]))
def tokens_create(name: str, role: str) -> None:
    """Create a token and print it (the last line of stdout)."""
    from registry import db
    from registry.audit.services import Actor
    from registry.auth.services import create_token
    from registry.errors import ProblemError

    with app_context():
        try:
            _, secret = create_token(db.session, name=name, role=role, actor=Actor("cli"))
        except ProblemError as error:
            raise click.ClickException(error.detail or "conflict") from error
        db.session.commit()
    click.echo(f"token {name!r} ({role}) created; store it now, it is not shown again:", err=True)
    click.echo(secret)


@main.command("demo")
@click.option("--if-empty", is_flag=True, help="Load only when the catalogue has no processors.")
def demo(if_empty: bool) -> None:
    """Load the example dataset (idempotent)."""
    from registry import db
    from registry.demo import load_demo

    with app_context():
        created = load_demo(db.session, settings=Settings.from_env(), only_if_empty=if_empty)
        db.session.commit()
    click.echo(f"demo data: {created} processors added")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table")
def import_(file: Path, dry_run: bool, output: str) -> None:
    """Import processors from a CSV, XLSX or JSON file; exit status 1 on any error."""
    import getpass
    import json

    from registry import db
    from registry.audit.services import Actor
    from registry.db import utcnow
    from registry.errors import ProblemError
    from registry.imports.services import import_file

    with app_context():
        try:
            report = import_file(db.session, file.name, file.read_bytes(), dry_run=dry_run,
                                 actor=Actor(f"cli:{getpass.getuser()}"),
                                 settings=Settings.from_env(), now=utcnow())
        except ProblemError as error:
            raise click.ClickException(error.detail or "the file cannot be imported") from None
        if report.ok and not dry_run:
            db.session.commit()
        else:
            db.session.rollback()
    if output == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(_import_table(report.as_dict()))
    raise SystemExit(0 if report.ok else 1)


def _import_table(report: dict) -> str:
    lines = [f"{'row':>5}  {'action':9}  name"]
    for row in report["rows"]:
        changed = ", ".join(row.get("changes", {}))
        lines.append(f"{row['row']:>5}  {row['action']:9}  {row['name'] or ''}"
                     + (f"  ({changed})" if changed else ""))
    for error in report["errors"]:
        lines.append(f"{error['row']:>5}  {'error':9}  {error['column']}: {error['message']}"
                     + (f" (value {error['value']!r})" if error["value"] is not None else ""))
    verb = "would be imported" if report["dry_run"] else "imported"
    lines.append(f"{len(report['errors'])} errors: nothing was imported" if report["errors"]
                 else f"ok: {len(report['rows'])} rows {verb}")
    return "\n".join(lines)


@main.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write: .xlsx, .csv or .json (by suffix).")
@click.option("--lang", default="en", show_default=True,
              type=click.Choice(["en", "nl", "sv", "de", "fr"]), help="Language of the headings.")
def export_(out: Path, lang: str) -> None:
    """The whole catalogue in the import's columns."""
    from registry import db
    from registry.imports.export import MIMETYPES, catalogue_rows, render

    fmt = out.suffix.lstrip(".").lower()
    if fmt not in MIMETYPES:
        raise click.BadParameter("the file must end in .xlsx, .csv or .json", param_hint="--out")
    with app_context():
        rows = catalogue_rows(db.session)
    out.write_bytes(render(rows, fmt, lang))
    click.echo(f"{len(rows)} processors written to {out}")


@main.command("check")
@click.option("--regime", type=click.Choice(["EU", "UK", "CH"]), default=None,
              help="Transfer regime (default DEFAULT_REGIME).")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text")
@click.option("--include-drafts", is_flag=True, help="Check draft processors too.")
def check(regime: str | None, output: str, include_drafts: bool) -> None:
    """Compliance findings; exit status 1 when any finding is an error."""
    import json

    from registry import db
    from registry.compliance.rules import ERROR
    from registry.compliance.services import find_findings, format_text, report

    settings = Settings.from_env()
    regime = regime or settings.DEFAULT_REGIME
    with app_context():
        findings = find_findings(db.session, regime=regime, include_drafts=include_drafts,
                                 tia_max_age_days=settings.TIA_MAX_AGE_DAYS)
    if output == "json":
        click.echo(json.dumps(report(findings, regime=regime), default=str, indent=2))
    else:
        click.echo(format_text(findings, regime))
    raise SystemExit(1 if any(finding.severity == ERROR for finding in findings) else 0)


@main.command("publish")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the static site into.")
def publish(out: Path) -> None:
    """Static export of every public representation (all formats and languages)."""
    from registry.public.publish import publish as export

    app = _app()
    try:
        with app.app_context():
            written = export(app, out)
    finally:
        app.extensions["registry.engine"].dispose()
    click.echo(f"wrote {len(written)} files and an index to {out}")


@main.command("documents")
@click.argument("kind", type=click.Choice(["sub-processor-annex", "ropa", "transfer-register"]))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write: .docx, .html or .md (by suffix).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day the document reflects (default today).")
@click.option("--lang", default="en", show_default=True,
              type=click.Choice(["en", "nl", "sv", "de", "fr"]))
@click.option("--regime", type=click.Choice(["EU", "UK", "CH"]), default=None,
              help="Transfer regime (default DEFAULT_REGIME).")
def documents(kind: str, out: Path, as_of, lang: str, regime: str | None) -> None:
    """Write a legal document: the sub-processor annex, the Art. 30(2) record or the
    transfer register."""
    from registry import db
    from registry.db import utcnow
    from registry.documents import services
    from registry.documents.vocabularies import DocumentKind

    fmt = services.format_of(out)
    if fmt is None:
        raise click.BadParameter("the file must end in .docx, .html or .md", param_hint="--out")
    settings = Settings.from_env()
    query = services.document_query(lang=lang, regime=regime, settings=settings,
                                    as_of=as_of.date() if as_of else None)
    with app_context():
        document = services.build_document(db.session, DocumentKind(kind), query,
                                           settings=settings, now=utcnow())
    out.write_bytes(services.render(document, fmt))
    click.echo(f"wrote {out}")


@main.command("worker")
@click.option("--once", is_flag=True, help="Stop when nothing is due (for cron and tests).")
def worker(once: bool) -> None:
    """Run the delivery worker (webhooks and e-mail) until SIGTERM."""
    from registry.notify.worker import Worker

    app = _app()
    settings = app.config["SETTINGS"]
    if settings.WORKER_METRICS_PORT:
        from registry.health.scrape import serve_process_metrics

        serve_process_metrics(settings, settings.WORKER_METRICS_PORT)
    try:
        Worker(app).run(once=once)
    finally:
        app.extensions["registry.engine"].dispose()


@main.command("serve")
@click.option("--host", default=None, help="Interface to bind (HOST, default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (PORT, default 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the API with gunicorn, and the delivery worker beside it."""
    import shutil
    import tempfile

    settings = Settings.from_env()
    env = dict(os.environ, HOST=host or settings.HOST, PORT=str(port or settings.PORT))
    # One metrics directory for gunicorn's processes and the worker: /metrics adds them up.
    made_metrics_dir = not env.get("PROMETHEUS_MULTIPROC_DIR")
    if made_metrics_dir:
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="registry-metrics-")
    command = [sys.executable, "-m", "gunicorn", "-c", str(PROJECT_DIR / "gunicorn.conf.py"),
               "--chdir", str(PROJECT_DIR), "wsgi:app"]
    worker_process = subprocess.Popen([sys.executable, "-m", "registry.cli", "worker"], env=env)
    web = subprocess.Popen(command, env=env)
    stop = lambda *_: [p.send_signal(signal.SIGTERM) for p in (web, worker_process)]
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # Either one ending ends both: a registry that cannot notify must not look healthy.
    while web.poll() is None and worker_process.poll() is None:
        time.sleep(0.5)
    stop()
    web.wait()
    worker_process.wait()
    if made_metrics_dir:
        shutil.rmtree(env["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
    raise SystemExit(web.returncode or worker_process.returncode or 0)



def render_openapi(app) -> str:
    """The OpenAPI document as committed under openapi/ (sorted, stable)."""
    import json

    with app.test_request_context():
        spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@main.command("openapi")
@click.option("--out", type=click.Path(dir_okay=False), default=str(PROJECT_DIR / "openapi" / "openapi.json"),
              show_default=True)
def openapi(out: str) -> None:
    """Write the OpenAPI document generated from the code."""
    Path(out).write_text(render_openapi(_app()), encoding="utf-8")
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
