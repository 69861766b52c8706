"""A document as DOCX (python-docx): real headings and tables, landscape A4, the title, the
date and "Page N of M" in the footer."""

from __future__ import annotations

import io
import re

from docx import Document as new_docx
from docx.document import Document as Docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from registry.documents.content import Cell, Document, Table
from registry.i18n.documents import LANGUAGE_TAGS

TABLE_STYLE = "Table Grid"
# A font every word processor has (LibreOffice shows its metric twin, Liberation Sans).
FONT = "Arial"
THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
HEADER_FILL = "D9D9D9"
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Cm(29.7), Cm(21.0), Cm(1.8)
FIELD_NAMES = {"page": "PAGE", "pages": "NUMPAGES"}
PLACEHOLDER = re.compile(r"\{(page|pages)\}")


def _field_run(paragraph: Paragraph, instruction: str) -> None:
    """A complex field (begin, instruction, separate, cached result, end): python-docx has
    no API for fields, so the runs are built from WordprocessingML elements."""
    def run_with(element) -> None:
        run = paragraph.add_run()
        run._r.append(element)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run_with(text)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run("1")  # shown until the word processor updates the field
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _footer(docx: Docx, document: Document) -> None:
    paragraph = docx.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(f"{document.title} — {document.on.isoformat()} — ")
    # "Page {page} of {pages}", in the document's language, with fields for the numbers.
    for index, part in enumerate(PLACEHOLDER.split(document.page_label)):
        if index % 2:
            _field_run(paragraph, FIELD_NAMES[part])
        elif part:
            paragraph.add_run(part)
    for run in paragraph.runs:
        run.font.size = Pt(8)


def _set_font(style) -> None:
    """FONT for a style; a theme font the template names would win over it, so it goes."""
    style.font.name = FONT
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in THEME_FONTS:
        fonts.attrib.pop(qn(attribute), None)


def _layout(docx: Docx, document: Document) -> None:
    section = docx.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        _set_font(docx.styles[name])
    normal = docx.styles["Normal"]
    normal.font.size = Pt(10)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGE_TAGS.get(document.lang, "en-GB"))
    normal.element.get_or_add_rPr().append(language)
    properties = docx.core_properties
    properties.title = document.title
    properties.author = document.organisation
    properties.language = LANGUAGE_TAGS.get(document.lang, "en-GB")
    properties.created = properties.modified = document.generated_at.replace(tzinfo=None)
    properties.revision = 1


def _fill(target, lines: Cell, *, bold: bool = False) -> None:
    """Lines into a table cell: its first paragraph, then one paragraph a line."""
    for index, line in enumerate(lines or ("",)):
        paragraph = target.paragraphs[0] if index == 0 else target.add_paragraph()
        run = paragraph.add_run(line)
        run.bold = bold
        run.font.size = Pt(9)


def _shade(target) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), HEADER_FILL)
    target._tc.get_or_add_tcPr().append(shading)


def _row_property(row, name: str) -> None:
    element = OxmlElement(name)
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def _keep_whole(row) -> None:
    """A row is not split over two pages."""
    _row_property(row, "w:cantSplit")


def _repeat_as_header(row) -> None:
    """The heading row repeats at the top of every page the table runs over."""
    _row_property(row, "w:cantSplit")
    _row_property(row, "w:tblHeader")


def _set_widths(out: DocxTable, weights: tuple[int, ...]) -> None:
    """Column widths in proportion to `weights`, filling the width between the margins."""
    if not weights:
        return
    out.autofit = False
    usable = PAGE_WIDTH - 2 * MARGIN
    widths = [int(usable * weight / sum(weights)) for weight in weights]
    for column, width in zip(out.columns, widths, strict=True):
        column.width = width
        for target in column.cells:
            target.width = width


def _table(docx: Docx, table: Table) -> DocxTable:
    columns = len(table.headings)
    out = docx.add_table(rows=1, cols=columns)
    out.style = TABLE_STYLE
    for target, heading in zip(out.rows[0].cells, table.headings, strict=True):
        _fill(target, (heading,), bold=True)
        _shade(target)
    _repeat_as_header(out.rows[0])
    for row in table.rows:
        added = out.add_row()
        _keep_whole(added)
        for target, lines in zip(added.cells, row, strict=True):
            _fill(target, lines)
    _set_widths(out, table.weights)
    if not table.rows:
        cells = out.add_row().cells
        merged = cells[0].merge(cells[-1]) if columns > 1 else cells[0]
        _fill(merged, (table.empty,))
    return out


def render_docx(document: Document) -> bytes:
    docx = new_docx()
    _layout(docx, document)
    docx.add_heading(document.title, level=0)
    for name, value in document.facts:
        paragraph = docx.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.add_run(f"{name}: ").bold = True
        paragraph.add_run(value)
    docx.add_paragraph(document.intro).paragraph_format.space_before = Pt(8)
    for section in document.sections:
        docx.add_heading(section.heading, level=1)
        for text in section.paragraphs:
            docx.add_paragraph(text)
        if section.table is not None:
            _table(docx, section.table)
    if document.notes:
        docx.add_heading(document.notes_heading, level=2)
        for note in document.notes:
            docx.add_paragraph(note)
    _footer(docx, document)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()
