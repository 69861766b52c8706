"""HTML form fields to the dicts the API's schemas load, and back.

A form is read into the same shape as a JSON body and loaded with the API's own schema,
so every rule (and every message) is the API's. Field names in the form are flat
(`loc_sg0_module`); the problems are keyed by the schema's path (`locations.0.safeguards.0
.module`), which the templates look up beside each field.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from registry.i18n import LANGUAGES

SAFEGUARD_SLOTS = 2
SAFEGUARD_TEXT = ("version", "certification_ref", "approval_ref", "reference", "article",
                  "document_url")
SAFEGUARD_DATES = ("certified_on", "signed_on")
ART28 = "abcdefgh"
SPLIT = re.compile(r"[\s,]+")


def text(form: MultiDict, name: str) -> str:
    return (form.get(name) or "").strip()


def optional(form: MultiDict, name: str, out: dict[str, Any], key: str | None = None,
             *, clear: bool) -> None:
    """A text field: its value, or None to clear it (edits), or left out (new entities)."""
    value = text(form, name)
    if value:
        out[key or name] = value
    elif clear:
        out[key or name] = None


def moment(form: MultiDict, name: str, out: dict[str, Any], key: str | None = None) -> None:
    """A `datetime-local` field, read as UTC (the console shows every time in UTC)."""
    value = text(form, name)
    if value:
        out[key or name] = value + ("" if value.endswith("Z") or "+" in value else
                                    (":00Z" if value.count(":") == 1 else "Z"))


def announcement(form: MultiDict, out: dict[str, Any]) -> None:
    moment(form, "effective_at", out)
    optional(form, "notice_override_reason", out, clear=False)
    if form.get("minor"):
        out["minor"] = True


def processor(form: MultiDict, *, clear: bool) -> dict[str, Any]:
    """A processor's own fields (not its locations or DPAs)."""
    data: dict[str, Any] = {}
    for name in ("name", "country"):
        value = text(form, name)
        if value or clear:
            data[name] = value.upper() if name == "country" else value
    for name in ("legal_name", "registered_address", "company_number", "website", "notes"):
        optional(form, name, data, clear=clear)
    optional(form, "parent_id", data, clear=clear)
    contact: dict[str, Any] = {}
    optional(form, "contact_name", contact, "name", clear=False)
    optional(form, "contact_email", contact, "email", clear=False)
    if contact or clear:
        data["contact"] = contact or None
    data["affiliate"] = bool(form.get("affiliate"))
    purpose = {lang: text(form, f"purpose_{lang}") for lang in LANGUAGES
               if text(form, f"purpose_{lang}")}
    if purpose or clear:
        data["purpose"] = purpose
    data["services"] = [tag for tag in SPLIT.split(text(form, "services")) if tag]
    data["data_categories"] = form.getlist("data_categories")
    data["data_subjects"] = form.getlist("data_subjects")
    if text(form, "status"):
        data["status"] = text(form, "status")
    announcement(form, data)
    return data


def safeguard(form: MultiDict, prefix: str) -> dict[str, Any] | None:
    kind = text(form, f"{prefix}type")
    if not kind:
        return None
    data: dict[str, Any] = {"type": kind}
    module = text(form, f"{prefix}module")
    if module:
        data["module"] = int(module) if module.isdigit() else module
    for name in (*SAFEGUARD_TEXT, *SAFEGUARD_DATES):
        optional(form, f"{prefix}{name}", data, name, clear=False)
    frameworks = form.getlist(f"{prefix}frameworks")
    if frameworks:
        data["frameworks"] = frameworks
    return data


def location(form: MultiDict, prefix: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"country": text(form, f"{prefix}country").upper(),
                            "role": text(form, f"{prefix}role")}
    optional(form, f"{prefix}region", data, "region", clear=True)
    safeguards = [safeguard(form, f"{prefix}sg{slot}_") for slot in range(SAFEGUARD_SLOTS)]
    data["safeguards"] = [s for s in safeguards if s is not None]
    tia: dict[str, Any] = {}
    for name in ("assessed_on", "outcome", "document_url"):
        optional(form, f"{prefix}tia_{name}", tia, name, clear=False)
    data["tia"] = tia or None
    data["supplementary_measures"] = [line.strip() for line in
                                      text(form, f"{prefix}measures").splitlines()
                                      if line.strip()]
    data["scope_confirmed"] = bool(form.get(f"{prefix}scope_confirmed"))
    return data


def has_location(form: MultiDict, prefix: str) -> bool:
    return bool(text(form, f"{prefix}country") or text(form, f"{prefix}role"))


def dpa(form: MultiDict, prefix: str = "", *, clear: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in ("version", "signed_on"):
        value = text(form, f"{prefix}{name}")
        if value:
            data[name] = value
    for name in ("review_on", "expires_on", "document_url", "document_sha256"):
        optional(form, f"{prefix}{name}", data, name, clear=clear)
    data["art28"] = {letter: bool(form.get(f"{prefix}art28_{letter}")) for letter in ART28}
    return data


def has_dpa(form: MultiDict, prefix: str) -> bool:
    return bool(text(form, f"{prefix}version") or text(form, f"{prefix}signed_on"))


# -- back: an entity's stored state as the form's values ---------------------------------


def processor_values(record: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {key: record.get(key) or "" for key in (
        "name", "legal_name", "registered_address", "company_number", "website", "country",
        "parent_id", "status", "notes")}
    contact = record.get("contact") or {}
    values["contact_name"] = contact.get("name") or ""
    values["contact_email"] = contact.get("email") or ""
    values["affiliate"] = bool(record.get("affiliate"))
    for lang in LANGUAGES:
        values[f"purpose_{lang}"] = (record.get("purpose") or {}).get(lang, "")
    values["services"] = ", ".join(record.get("services") or [])
    values["data_categories"] = list(record.get("data_categories") or [])
    values["data_subjects"] = list(record.get("data_subjects") or [])
    return values


def location_values(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {f"{prefix}country": record.get("country") or "",
                              f"{prefix}role": record.get("role") or "",
                              f"{prefix}region": record.get("region") or ""}
    for slot, given in enumerate((record.get("safeguards") or [])[:SAFEGUARD_SLOTS]):
        for key, value in given.items():
            values[f"{prefix}sg{slot}_{key}"] = value if isinstance(value, list) else str(value)
    for key, value in (record.get("tia") or {}).items():
        values[f"{prefix}tia_{key}"] = "" if value is None else str(value)
    values[f"{prefix}measures"] = "\n".join(record.get("supplementary_measures") or [])
    values[f"{prefix}scope_confirmed"] = bool(record.get("scope_confirmed"))
    return values


def dpa_values(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    values = {f"{prefix}{key}": "" if record.get(key) is None else str(record[key])
              for key in ("version", "signed_on", "review_on", "expires_on", "document_url",
                          "document_sha256")}
    for letter in ART28:
        values[f"{prefix}art28_{letter}"] = bool((record.get("art28") or {}).get(letter))
    return values


def submitted(form: MultiDict) -> dict[str, Any]:
    """What was typed, to fill the form in again (lists kept as lists)."""
    return {key: (form.getlist(key) if len(form.getlist(key)) > 1 or key in (
        "data_categories", "data_subjects") or key.endswith("frameworks") else form.get(key))
        for key in form}
