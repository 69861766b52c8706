"""The kinds of document, the formats they are written in, and who may read each."""

from __future__ import annotations

from enum import StrEnum


class DocumentKind(StrEnum):
    SUB_PROCESSOR_ANNEX = "sub-processor-annex"  # the DPA's list of sub-processors (Annex III)
    ROPA = "ropa"  # the record of processing activities we keep as processor (Art. 30(2))
    TRANSFER_REGISTER = "transfer-register"  # every location's basis, TIA and open findings


class DocumentFormat(StrEnum):
    DOCX = "docx"
    HTML = "html"
    MD = "md"


KINDS = tuple(DocumentKind)
FORMATS = tuple(DocumentFormat)
DEFAULT_FORMAT = DocumentFormat.DOCX

# The record of processing names our customers, whom only editors may read.
READ_ROLES = {
    DocumentKind.SUB_PROCESSOR_ANNEX: "reader",
    DocumentKind.ROPA: "editor",
    DocumentKind.TRANSFER_REGISTER: "reader",
}

MIMETYPES = {
    DocumentFormat.DOCX:
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    DocumentFormat.HTML: "text/html; charset=utf-8",
    DocumentFormat.MD: "text/markdown; charset=utf-8; variant=GFM",
}
