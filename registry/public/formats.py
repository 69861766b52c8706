"""CSV, Markdown and HTML renderings of the public list."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from typing import Any

from markupsafe import Markup

from registry.public.text import public_strings

CSV_COLUMNS = (
    "id", "status", "name", "legal_name", "country_code", "country", "purpose", "services",
    "data_categories", "locations", "parent_id", "since", "change", "effective_at",
    "objection_deadline", "objection_url", "website", "data_subjects",
)
# The heading (a key of the list's labels) of each column in a CSV for people (`lang`).
CSV_HEADINGS = {"parent_id": "parent"}
# A byte order mark: spreadsheets (Excel, LibreOffice's default import) read UTF-8 as a
# single-byte charset without it.
BOM = "\ufeff"
# OWASP CSV injection: a spreadsheet evaluates a cell that starts with one of these, also
# after leading whitespace, and also in a compatibility form (full-width "＝", say).
FORMULA_STARTS = ("=", "+", "-", "@")
# Leading whitespace a spreadsheet may skip, or that itself starts a formula cell.
CONTROL_STARTS = ("\t", "\r", "\n")
# Characters that start inline Markdown, HTML, MDX or GFM constructs, and the ones GFM
# autolinks hang on: every `@` (e-mail), `:` and `/` before a `/` (`https://`, `//host`)
# and `.` before a letter or digit (`www.`, `example.com`). All are ASCII punctuation,
# so CommonMark reads a backslash before them as the literal character.
MARKDOWN_ACTIVE = re.compile(r"[\\`*_{}\[\]<>#!|~&$@]|[:/](?=/)|\.(?=\w)")
# Inside a `<...>` link destination CommonMark reads backslash escapes and entity
# references (so `\&amp;` keeps a literal `&amp;`) and ends at `>` or a line end; a GFM
# table cell ends at `|` (written `\|`). What a destination cannot hold at all is
# percent-encoded.
DESTINATION_ESCAPED = re.compile(r"\||&(?=#?[A-Za-z0-9]+;)")
DESTINATION_ENCODED = re.compile(r"[<>\\\s\x00-\x1f\x7f-\x9f]")
LINKED_SCHEMES = ("http://", "https://")
CURRENT_HEADINGS = ("name", "legal_name", "country", "purpose", "locations", "since")
UPCOMING_HEADINGS = ("name", "change", "country", "purpose", "locations", "effective_at",
                     "objection_deadline")
FEED_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
FEED_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml",
              "json": "application/feed+json"}

Document = dict[str, Any]
Row = dict[str, Any]


def _iso(value: date | datetime | None) -> str:
    return "" if value is None else value.isoformat()


def day_or_moment(value: datetime | date | None) -> str:
    """A date for people: the day, with the time (UTC) only when it is not midnight."""
    if value is None:
        return ""
    if not isinstance(value, datetime) or value.time() == time.min:
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _country_name(row: Row) -> str:
    return row["country"]["name"] if row.get("country") else ""


def location_text(location: dict[str, Any]) -> str:
    """One location for people, in the list's language."""
    # The ground the transfer relies on, not the bare status of the country.
    return (f"{location['country']['name']}: {location['role_label']}, "
            f"{location['transfer_basis_label']}")


# -- CSV ---------------------------------------------------------------------------


def _is_formula(value: str) -> bool:
    if value.startswith(CONTROL_STARTS):
        return True
    first = value.lstrip()[:1]
    return bool(first) and unicodedata.normalize("NFKC", first).startswith(FORMULA_STARTS)


def _neutralised(value: str) -> str:
    return "'" + value if _is_formula(value) else value


def _csv_locations(row: Row) -> str:
    parts = []
    for loc in row["locations"]:
        parts.append(f"{loc['country']['code']} {loc['role']} ({loc['transfer_basis_label']})")
    return "; ".join(parts)


def _csv_record(row: Row, status: str, labels: dict[str, str] | None) -> dict[str, str]:
    """One row; with `labels` (a CSV for people) labels where the machine CSV has codes."""
    record = {
        "id": row["id"], "status": status, "name": row["name"],
        "legal_name": row["legal_name"] or "",
        "country_code": row["country"]["code"] if row.get("country") else "",
        "country": _country_name(row), "purpose": row["purpose"],
        "services": ", ".join(row["services"]),
        "data_categories": ", ".join(row["data_categories"]),
        "locations": _csv_locations(row), "parent_id": row["parent_id"] or "",
        "since": _iso(row.get("since")), "change": row.get("change", ""),
        "effective_at": _iso(row.get("effective_at")),
        "objection_deadline": _iso(row.get("objection_deadline")),
        "objection_url": row.get("objection_url") or "",
        "website": row.get("website") or "",
        "data_subjects": ", ".join(row.get("data_subjects") or []),
    }
    if labels is not None:
        record.update({
            "status": labels[f"status_{status}"], "change": row.get("change_label", ""),
            "locations": _locations_line(row),
            "since": day_or_moment(row.get("since")),
            "effective_at": day_or_moment(row.get("effective_at")),
            "objection_deadline": day_or_moment(row.get("objection_deadline")),
        })
    return record


def csv_filename(document: Document) -> str:
    return f"subprocessors-{_iso(document['as_of'])}.csv"


def render_csv(document: Document, *, localised: bool = False, bom: bool = True
               ) -> tuple[bytes, str, dict[str, str]]:
    """RFC 4180: CRLF line ends, every cell quoted, a header row, formulas neutralised;
    body, media type and headers (a dated attachment file name).

    `localised` (a `lang` was asked for) makes it a CSV for people: headings in the
    list's language, and labels (status, change, roles, transfer bases) for codes, dates
    as days. `bom` starts it with a byte order mark, for spreadsheets.
    """
    document = public_strings(document)
    labels = document["labels"] if localised else None
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([_neutralised(labels[CSV_HEADINGS.get(c, c)]) if labels else c
                     for c in CSV_COLUMNS])
    records = [_csv_record(r, "current", labels) for r in document["subprocessors"]]
    records += [_csv_record(r, "upcoming", labels) for r in document["upcoming"]]
    for record in records:
        writer.writerow([_neutralised(record[column]) for column in CSV_COLUMNS])
    body = (BOM if bom else "") + out.getvalue()
    disposition = f'attachment; filename="{csv_filename(document)}"'
    return (body.encode("utf-8"), "text/csv; header=present",
            {"Content-Disposition": disposition})


# -- Markdown ----------------------------------------------------------------------


def markdown_text(value: object) -> str:
    """Text that stays text in a GFM table cell: one line, every active character escaped."""
    line = " ".join(str(value).splitlines())
    return MARKDOWN_ACTIVE.sub(r"\\\g<0>", line).strip()


def markdown_destination(url: str) -> str:
    """`url` as a CommonMark link destination (`<...>`) that renders to the same href."""
    encoded = DESTINATION_ENCODED.sub(
        lambda m: "".join(f"%{byte:02X}" for byte in m.group().encode("utf-8")), url)
    return "<" + DESTINATION_ESCAPED.sub(r"\\\g<0>", encoded) + ">"


def markdown_link(text: object, url: str | None) -> str:
    """`text` (kept text, as in `markdown_text`) linked to `url` when that is an http(s)
    URL we publish; else the text alone."""
    shown = markdown_text(text)
    if not url or not url.lower().startswith(LINKED_SCHEMES) or not shown:
        return shown
    return f"[{shown}]({markdown_destination(url)})"


def _markdown_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _markdown_table(headings: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    """A GFM table of cells already written as Markdown (`markdown_text`, `markdown_link`)."""
    headings = [markdown_text(h) for h in headings]
    lines = [_markdown_row(headings), "|" + " --- |" * len(headings)]
    lines += [_markdown_row(row) for row in rows]
    return lines


def _locations_line(row: Row) -> str:
    return "; ".join(location_text(loc) for loc in row["locations"])


def _current_cells(row: Row) -> list[str]:
    # The name links to the processor's website: the one link the list means to publish.
    return [markdown_link(row["name"], row.get("website")),
            *map(markdown_text, [row["legal_name"] or "", _country_name(row), row["purpose"],
                                 _locations_line(row), day_or_moment(row["since"])])]


def _upcoming_cells(row: Row) -> list[str]:
    # Text only, as the announced rows have always been: the processor is not on the
    # list yet (its website is linked once it is).
    return [markdown_text(cell) for cell in (
        row["name"], row["change_label"], _country_name(row), row["purpose"],
        _locations_line(row), day_or_moment(row["effective_at"]),
        day_or_moment(row["objection_deadline"]))]


def render_markdown(document: Document) -> tuple[bytes, str]:
    document = public_strings(document)
    labels = document["labels"]
    lines = [f"# {markdown_text(labels['title'])}", "",
             markdown_text(f"{labels['as_of']} {day_or_moment(document['as_of'])}"), ""]
    if document["subprocessors"]:
        lines += _markdown_table([labels[h] for h in CURRENT_HEADINGS],
                                 map(_current_cells, document["subprocessors"]))
    else:
        lines.append(markdown_text(labels["none"]))
    if document["upcoming"]:
        lines += ["", f"## {markdown_text(labels['upcoming'])}", ""]
        lines += _markdown_table([labels[h] for h in UPCOMING_HEADINGS],
                                 map(_upcoming_cells, document["upcoming"]))
    return ("\n".join(lines) + "\n").encode("utf-8"), "text/markdown; variant=GFM"


# -- HTML --------------------------------------------------------------------------


def _time(value: date | datetime) -> Markup:
    return Markup('<time datetime="{}">{}</time>').format(_iso(value), day_or_moment(value))


def _locations_html(row: Row) -> Markup:
    if not row["locations"]:
        return Markup()
    items = Markup().join(Markup("<li>{}</li>").format(location_text(loc))
                          for loc in row["locations"])
    return Markup('<ul class="locations">{}</ul>').format(items)


def _current_html(row: Row) -> list[Markup | str]:
    return [row["legal_name"] or "", _country_name(row), row["purpose"], _locations_html(row),
            _time(row["since"])]


def _objection_html(row: Row, labels: dict[str, str]) -> Markup:
    """The deadline, and the form to object with before it."""
    deadline = _time(row["objection_deadline"])
    if not row.get("objection_url"):
        return deadline
    return Markup('{} <a class="object" href="{}">{}</a>').format(
        deadline, row["objection_url"], labels["object"])


def _upcoming_html(row: Row, labels: dict[str, str]) -> list[Markup | str]:
    return [row["change_label"], _country_name(row), row["purpose"], _locations_html(row),
            _time(row["effective_at"]), _objection_html(row, labels)]


def _follow_html(document: Document) -> Markup:
    """How to follow changes without JavaScript: an e-mail sign-up form and the feeds."""
    labels = document["labels"]
    hidden = [("lang", document["lang"])]
    if document.get("service"):
        hidden.append(("services", document["service"]))
    fields = Markup().join(Markup('<input type="hidden" name="{}" value="{}">').format(*pair)
                           for pair in hidden)
    form = Markup(
        '<form class="subscribe" method="post" action="{}">\n'
        '<label>{} <input type="email" name="email" required autocomplete="email" '
        'maxlength="320"></label>\n{}<button type="submit">{}</button>\n</form>\n'
    ).format(document["subscribe_url"], labels["email"], fields, labels["subscribe"])
    feeds = Markup().join(
        Markup('<li><a href="{}" type="{}">{}</a></li>').format(url, FEED_TYPES[fmt],
                                                                 FEED_NAMES[fmt])
        for fmt, url in document["feeds"].items() if fmt in FEED_NAMES)
    return Markup(
        '<div class="follow">\n<p class="follow-title">{}</p>\n{}'
        '<p class="feeds-title">{}</p>\n<ul class="feeds">{}</ul>\n</div>\n'
    ).format(labels["follow"], form, labels["feeds"], feeds)


def _html_table(css_class: str, caption: str, headings: list[str], rows: list[Row],
                cells: Callable[[Row], list[Markup | str]], none: str) -> Markup:
    head = Markup().join(Markup('<th scope="col">{}</th>').format(h) for h in headings)
    body = [
        Markup('<tr><th scope="row">{}</th>{}</tr>').format(
            row["name"], Markup().join(Markup("<td>{}</td>").format(c) for c in cells(row)))
        for row in rows
    ] or [Markup('<tr><td colspan="{}">{}</td></tr>').format(len(headings), none)]
    return Markup(
        '<table class="{}">\n<caption>{}</caption>\n<thead><tr>{}</tr></thead>\n'
        "<tbody>\n{}\n</tbody>\n</table>\n"
    ).format(css_class, caption, head, Markup("\n").join(body))


def render_html(document: Document, *, subscribe: bool = True) -> tuple[bytes, str]:
    """A fragment to embed: no script, no style attributes, every value escaped.

    With `subscribe` (and a document that says where to), it ends with a way to follow
    changes that works without JavaScript.
    """
    document = public_strings(document)
    labels = document["labels"]
    parts = [
        Markup('<p class="as-of">{} {}</p>\n').format(labels["as_of"], _time(document["as_of"])),
        _html_table("subprocessors", labels["title"], [labels[h] for h in CURRENT_HEADINGS],
                    document["subprocessors"], _current_html, labels["none"]),
    ]
    if document["upcoming"]:
        parts.append(_html_table("subprocessor-changes", labels["upcoming"],
                                 [labels[h] for h in UPCOMING_HEADINGS], document["upcoming"],
                                 lambda row: _upcoming_html(row, labels), labels["none"]))
    if subscribe and document.get("subscribe_url") and document.get("feeds"):
        parts.append(_follow_html(document))
    section = Markup('<section lang="{}" class="subprocessor-list">\n{}</section>\n').format(
        document["lang"], Markup().join(parts))
    return str(section).encode("utf-8"), "text/html"
