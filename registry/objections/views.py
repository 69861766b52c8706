"""/v1/objections: the legal team's triage of customers' objections (editors)."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from sqlalchemy import select

from registry import db
from registry.auth.views import current_actor
from registry.db import utcnow
from registry.extensions import Blueprint
from registry.objections import services
from registry.objections.models import Objection
from registry.objections.schemas import (
    ObjectionPatchSchema,
    ObjectionQuerySchema,
    ObjectionSchema,
)

blp = Blueprint(
    "objections", __name__, url_prefix="/v1/objections", read_role="editor",
    write_role="editor",
    description="Customers' objections, approvals and refusals of announced changes, and "
                "their triage.")


def _presented(objection: Objection) -> dict:
    view = services.objection_view(objection)
    blp.set_etag(view, ObjectionSchema)
    return view


@blp.route("")
class Objections(MethodView):
    @blp.etag
    @blp.arguments(ObjectionQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, ObjectionSchema(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, filters, pagination_parameters):
        """List objections

        Soonest deadline first. Filter by change, customer and status;
        `unconfirmed` ones were sent without a notice's link and wait for
        their address to confirm.
        """
        query = select(Objection).order_by(Objection.deadline, Objection.received_at,
                                           Objection.id)
        for name in ("change_seq", "customer_id", "status"):
            if name in filters:
                query = query.where(getattr(Objection, name) == filters[name])
        return [services.objection_view(o)
                for o in db.page_of(db.session, query, pagination_parameters)]


@blp.route("/<objection_id>", endpoint="Objection")
class ObjectionItem(MethodView):
    @blp.etag
    @blp.response(200, ObjectionSchema)
    def get(self, objection_id):
        """Get an objection"""
        return _presented(services.get_objection(db.session, objection_id))

    @blp.etag
    @blp.arguments(ObjectionPatchSchema)
    @blp.response(200, ObjectionSchema)
    def patch(self, data, objection_id):
        """Triage an objection

        `open` → `under_review` → `resolved` with an `outcome`; the objector
        is e-mailed the outcome and the note. `change_withdrawn` withdraws
        the change if it has not taken effect. Send the ETag you read in
        `If-Match`.
        """
        objection = services.get_objection(db.session, objection_id)
        blp.check_etag(services.objection_view(objection), ObjectionSchema)
        services.triage(db.session, objection, data, actor=current_actor(),
                        settings=current_app.config["SETTINGS"], now=utcnow())
        db.session.commit()
        return _presented(objection)
