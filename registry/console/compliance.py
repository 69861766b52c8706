"""Compliance: the findings of the whole catalogue, grouped by rule, each linking to the
part of the processor's page where it is fixed."""

from __future__ import annotations

from collections import Counter
from typing import Any

import marshmallow as ma
from flask import request
from sqlalchemy import select

from registry import db
from registry.catalogue.models import Processor
from registry.compliance.rules import SEVERITIES, Finding
from registry.compliance.schemas import ComplianceQuerySchema
from registry.compliance.services import find_findings, rule_catalogue
from registry.console.base import bp, form_problems, needs, page, settings
from registry.i18n.console import console_text

FILTERS = ("processor_id", "severity", "rule")


def fix_anchor(finding: Finding) -> str:
    """The part of the processor's page where the finding is fixed."""
    if finding.location_id:
        return "locations"
    if finding.dpa_id or finding.rule.startswith("dpa."):  # dpa.missing names no DPA
        return "dpas"
    return "identity"


def _groups(findings: list[Finding], rules: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """The findings by rule, in the order find_findings gives (most severe first)."""
    groups: dict[str, dict[str, Any]] = {}
    for finding in findings:
        known = rules.get(finding.rule, {})
        group = groups.setdefault(finding.rule, {
            "rule": finding.rule, "title": known.get("title", finding.rule),
            "severity": known.get("severity", finding.severity), "findings": []})
        group["findings"].append({"finding": finding, "anchor": fix_anchor(finding)})
    return list(groups.values())


@bp.route("/compliance")
@needs("reader")
def compliance():
    given = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    problems: dict[str, list[str]] = {}
    try:
        filters = ComplianceQuerySchema().load(given)
    except ma.ValidationError as error:
        problems, filters = form_problems(error.messages), {}
    processors = [(row.id, row.name) for row in db.session.execute(
        select(Processor.id, Processor.name).order_by(Processor.name, Processor.id))]
    if filters.get("processor_id") and filters["processor_id"] not in dict(processors):
        problems["processor_id"] = [console_text("en", "compliance_no_processor")]
        filters = {}
    if problems:
        filters = {}
    filters.pop("include_drafts", None)
    findings = find_findings(db.session, regime=settings().DEFAULT_REGIME,
                             tia_max_age_days=settings().TIA_MAX_AGE_DAYS,
                             include_drafts=True, **filters)
    rules = {rule["id"]: rule for rule in rule_catalogue()}
    counts = Counter(finding.severity for finding in findings)
    return page("compliance/list.html", groups=_groups(findings, rules), filters=given,
                problems=problems, processors=processors, severities=SEVERITIES,
                rules=sorted(rules.values(), key=lambda rule: rule["id"]),
                summary={severity: counts.get(severity, 0) for severity in SEVERITIES},
                total=len(findings), regime=settings().DEFAULT_REGIME)


@bp.app_template_filter("severity_option")
def _severity_option(value: str) -> tuple[str, str]:
    return value, console_text("en", f"severity_{value}")


@bp.app_template_filter("rule_option")
def _rule_option(rule: dict[str, str]) -> tuple[str, str]:
    return rule["id"], f"{rule['title']} ({rule['id']})"
