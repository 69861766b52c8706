"""The Flask extensions, configured once: flask-smorest's Api and Blueprint (problem+json
errors, role checks, shared docs) and the rate limiter."""

from __future__ import annotations

import http
import re
from collections.abc import Callable
from typing import ClassVar
from urllib.parse import urlencode

import flask_smorest
import marshmallow as ma
from apispec.utils import deepupdate
from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

from registry import errors

PROBLEM_RESPONSES_ALL = (400, 401, 403, 404, 422, 500)
PROBLEM_RESPONSES_WRITE = (409, 413, 415)

# Bound in create_app; its storage is the RATELIMIT_STORAGE_URI setting. Every request
# counts against every limit of its route, also one that a stricter limit refuses: a
# client's requests for an address already held back still use up the client's limit.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True, fail_on_first_breach=False)
# Only POSTs (public sign-ups) are limited: reads, the hot path, skip the limiter's work.
limiter.request_filter(lambda: request.method != "POST")


RoleCheck = Callable[[str], object]
# Row numbers (change sequence numbers, delivery ids) are 32-bit INTEGERs on PostgreSQL.
MAX_ROW_NUMBER = 2**31 - 1


class RowNumber(IntegerConverter):
    """`<row:seq>`: a positive row number; a larger one matches no route (404), where the
    database would refuse to compare it."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        super().__init__(url_map, min=1, max=MAX_ROW_NUMBER)


def _row_number_schema(converter: RowNumber) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ROW_NUMBER}


def operation_id(blueprint: str, endpoint: str, method: str) -> str:
    """The operationId of an operation: ``<method>_<blueprint>_<view>``, snake_case
    (``GET`` on ``processors.Processor`` is ``get_processors_processor``). Blueprint
    names and view classes are unique, so the ids are; they change only when a view
    is renamed, never with the URL."""
    view = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", endpoint)
    return re.sub(r"[^a-z0-9]+", "_", f"{method}_{blueprint}_{view}".lower()).strip("_")


def _openapi_metadata(converter, field, **kwargs) -> dict:
    """``metadata={"openapi": {...}}`` on a field: JSON Schema keywords apispec does not
    pass through (``propertyNames``), merged into the field's documented property."""
    return dict(field.metadata.get("openapi", {}))


# Conditional GETs (registry.public.http.public_response): the validators a response
# carries and the request headers that turn it into a 304.
CONDITIONAL_PARAMETERS = {
    "If-None-Match": "ETags of the copy the client holds: 304 when one is current",
    "If-Modified-Since": "HTTP date of the client's copy: 304 when the list has not changed "
                         "since (ignored when If-None-Match is sent)",
}
CONDITIONAL_HEADERS = {
    "ETag": "Strong tag of this representation",
    "Last-Modified": "When the representation last changed (HTTP date)",
    "Cache-Control": "How long shared and private caches may keep it",
}


def _conditional_components(spec) -> None:
    for name, text in CONDITIONAL_PARAMETERS.items():
        spec.components.parameter(name.replace("-", ""), "header", {
            "name": name, "description": text, "schema": {"type": "string"}})
    for name, text in CONDITIONAL_HEADERS.items():
        spec.components.header(name.replace("-", ""), {
            "description": text, "schema": {"type": "string"}})


# The spec route flask-smorest serves (OPENAPI_URL_PREFIX + OPENAPI_JSON_PATH, fixed in
# Settings), documented like any other operation.
SPEC_PATH = {
    "endpoint": "api-docs.openapi_json",
    "operations": {"get": {
        "operationId": operation_id("api-docs", "openapi_json", "get"),
        "summary": "This OpenAPI document",
        "tags": ["meta"],
        "security": [],
        "responses": {"200": {
            "description": "The OpenAPI 3.1 document of this API",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }},
    }},
}


class Api(flask_smorest.Api):
    """The API: errors are RFC 9457 problem+json and documented as such.

    ``role_check(role)`` authenticates a request and raises unless its token has
    `role`; the app factory passes it in, and every blueprint registered here uses it.
    """

    ERROR_SCHEMA = errors.ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, *args, role_check: RoleCheck | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role_check = role_check

    def init_app(self, app, *args, **kwargs) -> None:
        app.url_map.converters["row"] = RowNumber
        super().init_app(app, *args, **kwargs)
        self.register_converter(RowNumber, _row_number_schema)
        # URLs are JSON Schema's standard `format: uri` (apispec's default says `url`).
        self.ma_plugin.map_to_openapi_type(ma.fields.Url, "string", "uri")
        self.ma_plugin.converter.add_attribute_function(_openapi_metadata)
        _conditional_components(self.spec)
        self.spec.tag({"name": "meta", "description": "This document, liveness and readiness"})
        self.spec.path(rule=next(app.url_map.iter_rules(SPEC_PATH["endpoint"])),
                       operations=SPEC_PATH["operations"])

    def register_blueprint(self, blp, *, parameters=None, **options):
        if isinstance(blp, Blueprint):
            blp.role_check = self.role_check
        super().register_blueprint(blp, parameters=parameters, **options)

    def _register_error_handlers(self):
        errors.init_app(self._app)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, errors.PROBLEM_MIME)
            else:
                prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)


class JsonBodyParser(FlaskParser):
    """webargs' parser, except that a body too deep to parse (thousands of nested
    brackets) or with a number too long to convert is invalid JSON (400), not a crash."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except (RecursionError, ValueError) as error:
            if isinstance(error, webargs_core.json.JSONDecodeError):
                raise
            self._handle_invalid_json_error(error, req)


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose operations need a bearer token.

    ``read_role`` guards GET/HEAD, ``write_role`` every other method; ``None``
    makes the blueprint anonymous (the public API). ``conditional_get`` documents
    that its GETs answer If-None-Match/If-Modified-Since with 304 and carry ETag,
    Last-Modified and Cache-Control.
    """

    ARGUMENTS_PARSER = JsonBodyParser()
    # A body that is JSON, or a form a page without JavaScript posts (documented as JSON;
    # the view documents the form beside it).
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: ClassVar[dict[str, str]] = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_form": "application/json",
    }

    def __init__(
        self,
        *args,
        read_role: str | None = "reader",
        write_role: str | None = "editor",
        conditional_get: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.read_role = read_role
        self.write_role = write_role
        self.conditional_get = conditional_get
        self.role_check: RoleCheck | None = None
        self._prepare_doc_cbks.append(self._prepare_problem_doc)
        self._prepare_doc_cbks.append(self._prepare_conditional_doc)
        if read_role or write_role:
            self.before_request(self._authorise)

    def arguments(self, schema, *args, **kwargs):
        # Given a class, webargs would make a schema (and every nested one) for each
        # request; one instance serves them all, as loading keeps nothing on it.
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)

    def register_views_in_doc(self, api, app, spec, *, name, parameters):
        # Every operation gets its operationId from operation_id(); a view may set its own
        # with @blp.doc(operationId=...).
        for endpoint, endpoint_doc in self._docs.items():
            for method, operation_doc in endpoint_doc.items():
                if method != "parameters":
                    operation_doc.setdefault("manual_doc", {}).setdefault(
                        "operationId", operation_id(name, endpoint, method))
        super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)

    def _authorise(self) -> None:
        if request.method == "OPTIONS":
            return
        role = self.read_role if request.method in ("GET", "HEAD") else self.write_role
        if role:
            if self.role_check is None:
                raise RuntimeError(f"blueprint {self.name} needs a role check; none is wired")
            self.role_check(role)

    def _set_pagination_metadata(self, page_params, result, headers):
        result, headers = super()._set_pagination_metadata(page_params, result, headers)
        links = pagination_links(page_params.page, page_params.page_size, page_params.item_count)
        if links:
            headers["Link"] = links
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        # The header carries JSON text, so it is described by `content`, not `schema`.
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "Pagination metadata (JSON)",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }
        resp_doc["headers"]["Link"] = {
            "description": "RFC 8288 links to the first, previous, next and last pages",
            "schema": {"type": "string"},
        }

    def _prepare_problem_doc(self, doc, doc_info, *, method, **kwargs):
        codes = list(PROBLEM_RESPONSES_ALL)
        if method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
            codes += PROBLEM_RESPONSES_WRITE
        if not (self.read_role or self.write_role):
            codes = [c for c in codes if c not in (401, 403)]
            doc["security"] = []
        responses = {code: http.HTTPStatus(code).name for code in codes}
        return deepupdate(doc, {"responses": {**responses, **doc.get("responses", {})}})

    def _prepare_conditional_doc(self, doc, doc_info, *, method, **kwargs):
        if not self.conditional_get or method.lower() != "get":
            return doc
        headers = {name: name.replace("-", "") for name in CONDITIONAL_HEADERS}
        doc.setdefault("parameters", []).extend(
            name.replace("-", "") for name in CONDITIONAL_PARAMETERS)
        responses = doc.setdefault("responses", {})
        ok = next((responses[code] for code in (200, "200") if code in responses), None)
        if ok is not None:
            ok.setdefault("headers", {}).update(headers)
        responses[304] = {"description": "Not Modified: the client's copy is current",
                          "headers": headers}
        return doc


def pagination_links(page: int, page_size: int, total: int) -> str:
    """RFC 8288 Link header value for a page, keeping the request's other query args."""
    last = max(1, -(-total // page_size))
    targets = {"first": 1, "last": last}
    if page > 1:
        targets["prev"] = min(page - 1, last)
    if page < last:
        targets["next"] = page + 1
    parts = []
    for rel, number in targets.items():
        args = request.args.copy()
        args["page"] = str(number)
        args["page_size"] = str(page_size)
        parts.append(f'<{request.base_url}?{urlencode(list(args.items(multi=True)))}>; rel="{rel}"')
    return ", ".join(parts)
