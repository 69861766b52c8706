"""/v1/customers: the controllers we process for (editors)."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, url_for
from flask.views import MethodView
from sqlalchemy import select

from registry import db
from registry.auth.views import current_actor
from registry.customers import services
from registry.customers.models import Customer
from registry.customers.schemas import CustomerPatchSchema, CustomerQuerySchema, CustomerSchema
from registry.db import utcnow
from registry.extensions import Blueprint

blp = Blueprint(
    "customers", __name__, url_prefix="/v1/customers", read_role="editor", write_role="editor",
    description="Customers (controllers): contacts for notices, services, contracted notice "
                "and authorisation type.")


def _writer() -> dict:
    return {"actor": current_actor(), "settings": current_app.config["SETTINGS"],
            "now": utcnow()}


def _presented(customer: Customer) -> dict:
    view = services.customer_view(customer)
    blp.set_etag(view, CustomerSchema)
    return view


@blp.route("")
class Customers(MethodView):
    @blp.etag
    @blp.arguments(CustomerQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, CustomerSchema(many=True))
    @blp.paginate(page_size=50, max_page_size=500)
    def get(self, filters, pagination_parameters):
        """List customers"""
        query = select(Customer).order_by(Customer.name, Customer.id)
        if authorisation := filters.get("authorisation"):
            query = query.where(Customer.authorisation == authorisation)
        customers = db.session.scalars(query).all()
        if service := filters.get("service"):
            customers = [c for c in customers if services.uses_any(c, [service])]
        pagination_parameters.item_count = len(customers)
        start = pagination_parameters.first_item
        return [services.customer_view(c)
                for c in customers[start:start + pagination_parameters.page_size]]

    @blp.etag
    @blp.arguments(CustomerSchema)
    @blp.response(201, CustomerSchema, headers={"Location": {
        "description": "URL of the new customer", "schema": {"type": "string"}}})
    def post(self, data):
        """Create a customer

        `notice_days` is at least NOTICE_PERIOD_DAYS; an announcement that
        concerns the customer's services takes effect no sooner.
        """
        customer = services.create_customer(db.session, data, **_writer())
        db.session.commit()
        return (_presented(customer), 201,
                {"Location": url_for("customers.Customer", customer_id=customer.id)})


@blp.route("/<customer_id>", endpoint="Customer")
class CustomerItem(MethodView):
    @blp.etag
    @blp.response(200, CustomerSchema)
    def get(self, customer_id):
        """Get a customer"""
        return _presented(services.get_customer(db.session, customer_id))

    @blp.etag
    @blp.arguments(CustomerPatchSchema)
    @blp.response(200, CustomerSchema)
    def patch(self, data, customer_id):
        """Update a customer

        Send only the fields to change, with the ETag you read in `If-Match`.
        """
        customer = services.get_customer(db.session, customer_id)
        blp.check_etag(services.customer_view(customer), CustomerSchema)
        services.update_customer(db.session, customer, data, **_writer())
        db.session.commit()
        return _presented(customer)

    @blp.etag
    @blp.response(204)
    def delete(self, customer_id):
        """Delete a customer

        Its contacts stop getting notices; its objections stay, unlinked.
        """
        customer = services.get_customer(db.session, customer_id)
        blp.check_etag(services.customer_view(customer), CustomerSchema)
        services.delete_customer(db.session, customer, actor=current_actor())
        db.session.commit()
