"""/v1/changes: every announced change with its customers' answers, and withdrawing one
before it takes effect.

These routes sit with the objections: a change shows what customers answered, and a
withdrawal (which undoes a catalogue write) is one answer to an objection.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from registry import db
from registry.auth.views import current_actor
from registry.catalogue.services import withdraw_change
from registry.changes.models import ChangeEvent
from registry.changes.schemas import ChangeEventSchema, ChangeQuerySchema, WithdrawSchema
from registry.changes.services import get_change
from registry.db import utcnow
from registry.extensions import Blueprint
from registry.objections.schemas import ChangeWithAnswersSchema
from registry.objections.services import approvals_missing, counts

blp = Blueprint(
    "changes", __name__, url_prefix="/v1/changes",
    description="Announced changes of the public list, with notice overrides; withdrawals.")


@blp.route("")
class Changes(MethodView):
    @blp.etag
    @blp.arguments(ChangeQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, ChangeEventSchema(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, filters, pagination_parameters):
        """List changes

        Newest first. `pending` lists the changes that have not taken effect
        yet, the ones that can still be withdrawn.
        """
        query = select(ChangeEvent)
        if processor_id := filters.get("processor_id"):
            query = query.where(ChangeEvent.processor_id == processor_id)
        if kind := filters.get("type"):
            query = query.where(ChangeEvent.type == kind)
        if filters.get("pending") is not None:
            now = utcnow()
            query = query.where(ChangeEvent.effective_at > now if filters["pending"]
                                else ChangeEvent.effective_at <= now)
        return db.page_of(db.session, query.order_by(ChangeEvent.seq.desc()),
                          pagination_parameters)


@blp.route("/<row:seq>")
class Change(MethodView):
    @blp.etag
    @blp.response(200, ChangeWithAnswersSchema)
    def get(self, seq):
        """Get a change

        With how many objections it has in each state and, for customers with
        specific authorisation it concerns, whose approval is still missing.
        """
        event = get_change(db.session, seq)
        event.objections = counts(db.session, seq)
        event.approvals_missing = [{"id": c.id, "name": c.name}
                                   for c in approvals_missing(db.session, event)]
        return event


@blp.route("/<row:seq>/withdraw")
class Withdraw(MethodView):
    @blp.arguments(WithdrawSchema, required=False)
    @blp.response(201, ChangeEventSchema)
    def post(self, data, seq):
        """Withdraw an announced change

        Only before it takes effect, and the latest pending change of a
        processor first. The catalogue is put back (an added processor
        becomes a draft again, an added location is removed) and a
        `change.withdrawn` event is published.
        """
        withdrawal = withdraw_change(db.session, seq, reason=data.get("reason"),
                                     actor=current_actor(), now=utcnow())
        db.session.commit()
        return withdrawal
