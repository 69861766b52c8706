"""A document as self-contained, printable HTML (a Jinja2 template, every value escaped) and
as GitHub-flavoured Markdown (every cell escaped)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from registry.documents.content import Document, Table
from registry.public.formats import markdown_text

# Autoescape everything: every value in a document comes from the catalogue or settings.
TEMPLATES = Environment(loader=PackageLoader("registry.documents", "templates"),
                        autoescape=True, trim_blocks=True, lstrip_blocks=True,
                        undefined=StrictUndefined)


def render_html(document: Document) -> bytes:
    return TEMPLATES.get_template("documents/document.html").render(
        document=document).encode("utf-8")


def _markdown_table(table: Table) -> list[str]:
    lines = ["| " + " | ".join(markdown_text(h) for h in table.headings) + " |",
             "|" + " --- |" * len(table.headings)]
    rows = [["; ".join(markdown_text(line) for line in cell) for cell in row]
            for row in table.rows]
    if not rows:
        rows = [[markdown_text(table.empty)] + [""] * (len(table.headings) - 1)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def render_markdown(document: Document) -> bytes:
    lines = [f"# {markdown_text(document.title)}", ""]
    lines += [f"- **{markdown_text(name)}:** {markdown_text(value)}"
              for name, value in document.facts]
    lines += ["", markdown_text(document.intro)]
    for section in document.sections:
        lines += ["", f"## {markdown_text(section.heading)}"]
        for text in section.paragraphs:
            lines += ["", markdown_text(text)]
        if section.table is not None:
            lines += [""] + _markdown_table(section.table)
    if document.notes:
        lines += ["", f"## {markdown_text(document.notes_heading)}", ""]
        lines += [f"{number}. {markdown_text(note)}"
                  for number, note in enumerate(document.notes, start=1)]
    return ("\n".join(lines) + "\n").encode("utf-8")
