"""/v1/audit: the internal audit log, for admins."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from registry import db
from registry.audit.models import AuditEntry
from registry.audit.schemas import AuditEntrySchema, AuditQuerySchema
from registry.extensions import Blueprint

blp = Blueprint(
    "audit", __name__, url_prefix="/v1/audit", read_role="admin", write_role="admin",
    description="Every write: who, when, which request, before and after (admins only).")


@blp.route("")
class Audit(MethodView):
    @blp.etag
    @blp.arguments(AuditQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, AuditEntrySchema(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, filters, pagination_parameters):
        """List audit entries

        Newest first; filter by entity type and id, actor or request id.
        """
        query = select(AuditEntry)
        for name, value in filters.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return db.page_of(db.session, query.order_by(AuditEntry.id.desc()), pagination_parameters)
