"""/v1/processors and its nested locations and DPAs."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request, url_for
from flask.views import MethodView

from registry import db
from registry.adequacy.dataset import REGIMES
from registry.adequacy.lookup import today_utc
from registry.auth.views import current_actor
from registry.catalogue import services
from registry.catalogue.models import Dpa as DpaRow
from registry.catalogue.models import Location as LocationRow
from registry.catalogue.models import Processor as ProcessorRow
from registry.catalogue.schemas import (
    DpaPatchSchema,
    DpaSchema,
    LocationPatchSchema,
    LocationSchema,
    ProcessorPatchSchema,
    ProcessorQuerySchema,
    ProcessorSchema,
)
from registry.config import Settings
from registry.db import utcnow
from registry.errors import field_error
from registry.extensions import Blueprint

blp = Blueprint(
    "processors", __name__, url_prefix="/v1/processors",
    description="Processors with their locations, transfer safeguards and DPAs.")

# Every route takes ?regime= for the adequacy it computes on locations. ETags come
# from the stored state, so they are the same under every regime and on every day.
REGIME_PARAMETER = {
    "in": "query",
    "name": "regime",
    "required": False,
    "schema": {"type": "string", "enum": list(REGIMES)},
    "description": "Regime for computed adequacy on locations (default DEFAULT_REGIME)",
}


@blp.before_request
def _check_regime() -> None:
    regime = request.args.get("regime")
    if regime is not None and regime not in REGIMES:
        raise field_error("regime", f"Must be one of: {', '.join(REGIMES)}.")


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _writer() -> dict:
    """What every write service is told: who writes, under which settings, when."""
    return {"actor": current_actor(), "settings": _settings(), "now": utcnow()}


def _regime() -> str:
    return request.args.get("regime") or _settings().DEFAULT_REGIME


def _shown(locations: list) -> list:
    """Locations with the adequacy and transfer basis of the request's regime, today."""
    return services.with_computed(locations, regime=_regime(), on=today_utc())


def _presented(processor: ProcessorRow, *, new: bool = False) -> ProcessorRow:
    _shown(processor.locations)
    # Nothing can name a processor made by this request as its parent.
    processor.chain = [] if new else services.sub_processor_chain(
        db.session, processor, regime=_regime(), on=today_utc())
    blp.set_etag(services.snapshot(processor))
    return processor


def _presented_location(location: LocationRow) -> LocationRow:
    _shown([location])
    blp.set_etag(services.snapshot(location))
    return location


def _presented_dpa(dpa: DpaRow) -> DpaRow:
    blp.set_etag(services.snapshot(dpa))
    return dpa


def _check(obj) -> None:
    blp.check_etag(services.snapshot(obj))


@blp.route("", parameters=[REGIME_PARAMETER])
class Processors(MethodView):
    @blp.etag
    @blp.arguments(ProcessorQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, ProcessorSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """List processors

        Filter by status, country (of establishment or of any location),
        safeguard type, service tag, or free text in the name, legal name
        and company number.
        """
        processors = db.page_of(db.session, services.processor_query(filters),
                                pagination_parameters)
        for processor in processors:
            _shown(processor.locations)
        return processors

    @blp.etag
    @blp.arguments(ProcessorSchema)
    @blp.response(201, ProcessorSchema, headers={"Location": {
        "description": "URL of the new processor", "schema": {"type": "string"}}})
    def post(self, data):
        """Create a processor

        Locations (with their safeguards) and DPAs may be given in the same
        request.
        """
        processor = services.create_processor(db.session, data, **_writer())
        # Presented in the write's transaction: after the commit it would take another.
        presented = _presented(processor, new=True)
        db.session.commit()
        location = url_for("processors.Processor", processor_id=processor.id)
        return presented, 201, {"Location": location}


@blp.route("/<processor_id>", parameters=[REGIME_PARAMETER])
class Processor(MethodView):
    @blp.etag
    @blp.response(200, ProcessorSchema)
    def get(self, processor_id):
        """Get a processor"""
        return _presented(services.get_processor(db.session, processor_id))

    @blp.etag
    @blp.arguments(ProcessorPatchSchema)
    @blp.response(200, ProcessorSchema)
    def patch(self, data, processor_id):
        """Update a processor

        Send only the fields to change, with the ETag you read in `If-Match`.
        """
        processor = services.get_processor(db.session, processor_id)
        _check(processor)
        services.update_processor(db.session, processor, data, **_writer())
        presented = _presented(processor)
        db.session.commit()
        return presented

    @blp.etag
    @blp.response(204)
    def delete(self, processor_id):
        """Delete a draft processor

        Published processors are retired (status `retired`), not deleted.
        """
        processor = services.get_processor(db.session, processor_id)
        _check(processor)
        services.delete_processor(db.session, processor, actor=current_actor())
        db.session.commit()


@blp.route("/<processor_id>/locations", parameters=[REGIME_PARAMETER])
class Locations(MethodView):
    @blp.etag
    @blp.response(200, LocationSchema(many=True))
    def get(self, processor_id):
        """List a processor's locations"""
        return _shown(services.get_processor(db.session, processor_id).locations)

    @blp.etag
    @blp.arguments(LocationSchema)
    @blp.response(201, LocationSchema, headers={"Location": {
        "description": "URL of the new location", "schema": {"type": "string"}}})
    def post(self, data, processor_id):
        """Add a location"""
        processor = services.get_processor(db.session, processor_id)
        location = services.add_location(db.session, processor, data, **_writer())
        db.session.commit()
        url = url_for("processors.Location", processor_id=processor_id, location_id=location.id)
        return _presented_location(location), 201, {"Location": url}


@blp.route("/<processor_id>/locations/<location_id>", parameters=[REGIME_PARAMETER])
class Location(MethodView):
    @blp.etag
    @blp.response(200, LocationSchema)
    def get(self, processor_id, location_id):
        """Get a location"""
        processor = services.get_processor(db.session, processor_id)
        return _presented_location(services.get_location(db.session, processor, location_id))

    @blp.etag
    @blp.arguments(LocationPatchSchema)
    @blp.response(200, LocationSchema)
    def patch(self, data, processor_id, location_id):
        """Update a location

        A `safeguards` list replaces the location's safeguards.
        """
        processor = services.get_processor(db.session, processor_id)
        location = services.get_location(db.session, processor, location_id)
        _check(location)
        services.update_location(db.session, location, data, **_writer())
        db.session.commit()
        return _presented_location(location)

    @blp.etag
    @blp.response(204)
    def delete(self, processor_id, location_id):
        """Remove a location"""
        processor = services.get_processor(db.session, processor_id)
        location = services.get_location(db.session, processor, location_id)
        _check(location)
        services.delete_location(db.session, location, **_writer())
        db.session.commit()


@blp.route("/<processor_id>/dpas", parameters=[REGIME_PARAMETER])
class Dpas(MethodView):
    @blp.etag
    @blp.response(200, DpaSchema(many=True))
    def get(self, processor_id):
        """List a processor's DPAs"""
        return services.get_processor(db.session, processor_id).dpas

    @blp.etag
    @blp.arguments(DpaSchema)
    @blp.response(201, DpaSchema, headers={"Location": {
        "description": "URL of the new DPA", "schema": {"type": "string"}}})
    def post(self, data, processor_id):
        """Add a DPA"""
        processor = services.get_processor(db.session, processor_id)
        dpa = services.add_dpa(db.session, processor, data, actor=current_actor(), now=utcnow())
        db.session.commit()
        url = url_for("processors.Dpa", processor_id=processor_id, dpa_id=dpa.id)
        return _presented_dpa(dpa), 201, {"Location": url}


@blp.route("/<processor_id>/dpas/<dpa_id>", parameters=[REGIME_PARAMETER])
class Dpa(MethodView):
    @blp.etag
    @blp.response(200, DpaSchema)
    def get(self, processor_id, dpa_id):
        """Get a DPA"""
        processor = services.get_processor(db.session, processor_id)
        return _presented_dpa(services.get_dpa(db.session, processor, dpa_id))

    @blp.etag
    @blp.arguments(DpaPatchSchema)
    @blp.response(200, DpaSchema)
    def patch(self, data, processor_id, dpa_id):
        """Update a DPA"""
        processor = services.get_processor(db.session, processor_id)
        dpa = services.get_dpa(db.session, processor, dpa_id)
        _check(dpa)
        services.update_dpa(db.session, dpa, data, actor=current_actor(), now=utcnow())
        db.session.commit()
        return _presented_dpa(dpa)

    @blp.etag
    @blp.response(204)
    def delete(self, processor_id, dpa_id):
        """Remove a DPA"""
        processor = services.get_processor(db.session, processor_id)
        dpa = services.get_dpa(db.session, processor, dpa_id)
        _check(dpa)
        services.delete_dpa(db.session, dpa, actor=current_actor(), now=utcnow())
        db.session.commit()
