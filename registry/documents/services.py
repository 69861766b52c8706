"""Writing a document: build its content for a kind and a query, render it in a format."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from registry.config import Settings
from registry.documents.annex import sub_processor_annex
from registry.documents.content import Document, published
from registry.documents.formats import render_html, render_markdown
from registry.documents.register import transfer_register
from registry.documents.ropa import record_of_processing
from registry.documents.vocabularies import DocumentFormat, DocumentKind
from registry.documents.word import render_docx
from registry.i18n import DEFAULT_LANGUAGE
from registry.public.document import ListQuery

Builder = Callable[..., Document]
BUILDERS: dict[DocumentKind, Builder] = {
    DocumentKind.SUB_PROCESSOR_ANNEX: sub_processor_annex,
    DocumentKind.ROPA: record_of_processing,
    DocumentKind.TRANSFER_REGISTER: transfer_register,
}
RENDERERS: dict[DocumentFormat, Callable[[Document], bytes]] = {
    DocumentFormat.DOCX: render_docx,
    DocumentFormat.HTML: render_html,
    DocumentFormat.MD: render_markdown,
}


def document_query(*, lang: str | None, regime: str | None, as_of: date | None,
                   settings: Settings) -> ListQuery:
    """What a document is asked for with: the language, the regime (default DEFAULT_REGIME)
    and the day (default today)."""
    return ListQuery(lang=lang or DEFAULT_LANGUAGE, regime=regime or settings.DEFAULT_REGIME,
                     as_of=as_of)


def build_document(session: Session, kind: DocumentKind, query: ListQuery, *,
                   settings: Settings, now: datetime) -> Document:
    """The content of a document of `kind`, its texts made publishable."""
    return published(BUILDERS[kind](session, query, settings=settings, now=now))


def render(document: Document, fmt: DocumentFormat) -> bytes:
    return RENDERERS[fmt](document)


def file_name(document: Document, fmt: DocumentFormat) -> str:
    """"sub-processor-annex-2026-12-01.docx": the kind, the day it reflects, the format."""
    return f"{document.kind}-{document.on.isoformat()}.{fmt}"


def format_of(path: Path) -> DocumentFormat | None:
    """The format a file name asks for by its suffix (.docx, .html, .md); None for another."""
    suffix = path.suffix.lower().removeprefix(".")
    return next((fmt for fmt in DocumentFormat if fmt == suffix), None)
