"""flask-smorest Api and Blueprint, subclassed once: problem+json errors, auth, shared docs."""

from __future__ import annotations

import http
from urllib.parse import urlencode

import flask_smorest
import marshmallow as ma
import pycountry
from apispec.utils import deepupdate
from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response

from registry import errors

PROBLEM_RESPONSES_ALL = (400, 401, 403, 404, 422, 500)
PROBLEM_RESPONSES_WRITE = (409, 413, 415)

# Bound in create_app; its storage is the RATELIMIT_STORAGE_URI setting.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
# Only POSTs (public sign-ups) are limited: reads, the hot path, skip the limiter's work.
limiter.request_filter(lambda: request.method != "POST")


class Api(flask_smorest.Api):
    """The API: errors are RFC 9457 problem+json and documented as such."""

    ERROR_SCHEMA = errors.ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

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


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose operations need a bearer token.

    ``read_role`` guards GET/HEAD, ``write_role`` every other method; ``None``
    makes the blueprint anonymous (the public API).
    """

    def __init__(
        self,
        *args,
        read_role: str | None = "reader",
        write_role: str | None = "editor",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.read_role = read_role
        self.write_role = write_role
        self._prepare_doc_cbks.append(self._prepare_problem_doc)
        if read_role or write_role:
            self.before_request(self._authorise)

    def _authorise(self) -> None:
        from registry.auth.services import require_role

        if request.method == "OPTIONS":
            return
        role = self.read_role if request.method in ("GET", "HEAD") else self.write_role
        if role:
            require_role(role)

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


def one_of(choices: tuple | list) -> ma.validate.OneOf:
    """A OneOf validator whose message names the allowed values."""
    return ma.validate.OneOf(choices, error="Must be one of: {choices}.")


class WholeRegexp(ma.validate.Regexp):
    """A Regexp the whole value must match.

    Python's ``$`` also matches before a final newline, so ``Regexp("^a$")`` lets
    ``"a\\n"`` through; the pattern stays as written for the OpenAPI document.
    """

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value



class CountryCode(ma.fields.String):
    """An ISO 3166-1 alpha-2 code, upper-cased; unknown codes are rejected by value."""

    def __init__(self, **kwargs) -> None:
        metadata = {"description": "ISO 3166-1 alpha-2 country code", "example": "IE"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(
            validate=WholeRegexp(r"^[A-Za-z]{2}$", error="Use a two-letter ISO 3166-1 code."),
            metadata=metadata,
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        code = super()._deserialize(value, attr, data, **kwargs).upper()
        if len(code) == 2 and code.isascii() and pycountry.countries.get(alpha_2=code) is None:
            raise ma.ValidationError(f"{value!r} is not an ISO 3166-1 alpha-2 country code.")
        return code


class HttpUrl(ma.fields.Url):
    """An absolute http(s) URL."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            schemes={"http", "https"},
            require_tld=False,
            validate=ma.validate.Length(max=500),
            **kwargs,
        )


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(isinstance(item, str) and "\x00" in item for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or (isinstance(item, str) and _has_nul(item))
                   for key, item in value.items())
    return False


class StrictSchema(ma.Schema):
    """Unknown fields are errors, never silently dropped; no text may hold NUL
    (PostgreSQL cannot store it, and no legitimate value needs it)."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    @ma.pre_load
    def _reject_nul(self, data, **kwargs):
        if isinstance(data, dict):
            bad = {key: ["Must not contain NUL characters."]
                   for key, value in data.items() if _has_nul(value)}
            if bad:
                raise ma.ValidationError(bad)
        return data



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


def patch_schema(schema_cls: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A named PATCH variant: top-level fields optional, nested objects still whole.

    ``partial=True`` would also relax nested schemas (a safeguard without a type),
    so the partial set names only the top-level fields.
    """
    top_level = tuple(schema_cls._declared_fields)

    def __init__(self, **kwargs):
        schema_cls.__init__(self, partial=top_level, **kwargs)

    return type(name, (schema_cls,), {"__init__": __init__, "__doc__": schema_cls.__doc__})


class QuerySchema(StrictSchema):
    """Query parameters: a misspelt filter is an error, not a silently ignored one.

    ``PASSTHROUGH_ARGS`` are read by someone else (the pagination decorator reads
    ``page`` and ``page_size``) and are left out here.
    """

    PASSTHROUGH_ARGS: tuple[str, ...] = ("page", "page_size")

    @ma.pre_load
    def _leave_passthrough_out(self, data, **kwargs):
        return {key: data[key] for key in data if key not in self.PASSTHROUGH_ARGS}


class Computed(ma.fields.Nested):
    """A read-only nested value computed from the object being dumped."""

    def __init__(self, nested, compute, **kwargs) -> None:
        super().__init__(nested, dump_only=True, **kwargs)
        self.compute = compute

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(self.compute(obj), attr, obj, **kwargs)
