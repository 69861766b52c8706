"""/v1/countries: adequacy status per country and regime, with its history."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from registry.adequacy.countries import UnknownCountryError
from registry.adequacy.schemas import (
    CountriesQuerySchema,
    CountriesSchema,
    CountryDetailSchema,
    CountryQuerySchema,
)
from registry.adequacy.services import country_detail, country_list
from registry.errors import ProblemError
from registry.extensions import Blueprint


def _regime(args: dict) -> str:
    return args.get("regime") or current_app.config["SETTINGS"].DEFAULT_REGIME


blp = Blueprint(
    "countries", __name__, url_prefix="/v1/countries", write_role="admin",
    description="Adequacy of every country under the EU, UK and Swiss regimes, on any date.")


@blp.route("")
class Countries(MethodView):
    @blp.etag
    @blp.arguments(CountriesQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, CountriesSchema)
    def get(self, args):
        """List countries with their adequacy status

        Every ISO 3166-1 country (and documented international organisations),
        with the status under `regime` on `as_of`, names in `lang`.
        """
        return country_list(_regime(args), args.get("as_of"),
                            args["lang"], args.get("status"))


@blp.route("/<code>")
class Country(MethodView):
    @blp.etag
    @blp.arguments(CountryQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, CountryDetailSchema)
    def get(self, args, code):
        """Get a country's adequacy status and history

        `periods` is the full timeline under the regime: every decision, the
        gaps between them (not adequate), and EEA membership.
        """
        try:
            return country_detail(code, _regime(args), args.get("as_of"), args["lang"])
        except UnknownCountryError as error:
            raise ProblemError(404, f"No country with code {code!r}.") from error
