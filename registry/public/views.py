"""/public routes (anonymous, read-only, CORS, cacheable)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import marshmallow as ma
from flask import json
from flask.views import MethodView

from registry.adequacy.dataset import load_regime
from registry.adequacy.lookup import today_utc
from registry.adequacy.schemas import CountriesQuerySchema, CountriesSchema
from registry.adequacy.services import country_list, default_regime
from registry.extensions import Blueprint
from registry.public.http import add_cors, public_response

blp = Blueprint(
    "public",
    __name__,
    url_prefix="/public",
    description="The public subprocessor list, its changes and country adequacy; no token.",
    read_role=None,
    write_role=None,
)
blp.after_request(add_cors)


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


@blp.route("/countries")
class PublicCountries(MethodView):
    @blp.arguments(CountriesQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, CountriesSchema)
    def get(self, args):
        """Countries with their adequacy status

        Every country's status under `regime` on `as_of` (default today),
        with names in `lang`.
        """
        regime = args.get("regime") or default_regime()
        on = args.get("as_of") or today_utc()
        data = CountriesSchema().dump(country_list(regime, on, args["lang"], args.get("status")))
        version = datetime.fromisoformat(load_regime(regime).version).replace(tzinfo=UTC)
        as_of_start = datetime.combine(on, time.min, tzinfo=UTC)
        return public_response(_json(data), "application/json",
                               last_modified=min(max(version, as_of_start), datetime.now(UTC)))
