"""/v1/compliance: findings over the whole catalogue."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from registry import db
from registry.compliance.schemas import ComplianceQuerySchema, ComplianceReportSchema, RuleSchema
from registry.compliance.services import find_findings, report, rule_catalogue
from registry.extensions import Blueprint

blp = Blueprint(
    "compliance", __name__, url_prefix="/v1/compliance", write_role="admin",
    description="Transfer-compliance findings, rule by rule.")


@blp.route("")
class Compliance(MethodView):
    @blp.etag
    @blp.arguments(ComplianceQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, ComplianceReportSchema)
    def get(self, args):
        """List compliance findings

        Findings for every active processor (drafts with `include_drafts`),
        most severe first. Each names its rule, severity, the processor,
        location or DPA it is about, and how to fix it.
        """
        settings = current_app.config["SETTINGS"]
        regime = args.pop("regime", None) or settings.DEFAULT_REGIME
        findings = find_findings(db.session, regime=regime,
                                 tia_max_age_days=settings.TIA_MAX_AGE_DAYS, **args)
        return report(findings, regime=regime)


@blp.route("/rules")
class Rules(MethodView):
    @blp.etag
    @blp.response(200, RuleSchema(many=True))
    def get(self):
        """List the compliance rules"""
        return rule_catalogue()
