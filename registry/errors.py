"""RFC 9457 problem details for every error the app produces."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import TypeVar

import marshmallow as ma
from flask import Flask, Response, json, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

PROBLEM_MIME = "application/problem+json"

DETAILS = {
    400: "The request could not be understood.",
    401: "A valid bearer token is required.",
    403: "Your token's role does not allow this operation.",
    404: "No resource exists at this address.",
    405: "This method is not allowed on this resource.",
    409: "The request conflicts with the current state of the resource.",
    412: "The resource has changed since you read it; fetch it again and retry.",
    413: "The request body is larger than this service accepts.",
    414: "The request line is longer than this service accepts.",
    415: "Send the request body as application/json.",
    422: "The request body or parameters are invalid; see errors.",
    428: "Send an If-Match header with the ETag you last read.",
    429: "Too many requests; wait and try again (see Retry-After).",
    431: "The request headers are more or larger than this service accepts.",
    500: "An unexpected error occurred; it has been logged.",
    501: "This service does not implement what the request asks for.",
    503: "The service is temporarily unavailable.",
}


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation only)."""

    type = ma.fields.String(metadata={"description": "URI reference naming the problem type"})
    title = ma.fields.String(metadata={"description": "Short summary of the problem type"})
    status = ma.fields.Integer(metadata={"description": "HTTP status code"})
    detail = ma.fields.String(metadata={"description": "Explanation of this occurrence"})
    instance = ma.fields.String(metadata={"description": "The request path"})
    request_id = ma.fields.String(metadata={"description": "Request id, as in X-Request-ID"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Per-field messages, keyed by dotted field path"},
    )


def flatten_errors(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow/webargs nested messages into {"a.b.0.c": ["msg"]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key == "_schema":
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for sub_path, sub_msgs in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(sub_msgs)
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            if isinstance(item, (Mapping, list, tuple)):
                for sub_path, sub_msgs in flatten_errors(item, prefix).items():
                    flat.setdefault(sub_path, []).extend(sub_msgs)
            else:
                flat.setdefault(prefix or "_body", []).append(str(item))
    else:
        flat.setdefault(prefix or "_body", []).append(str(messages))
    return flat


LOCATIONS = ("json", "query", "path", "headers", "form", "json_or_form", "files")


def _strip_locations(messages: Mapping) -> Mapping:
    """webargs nests errors under their location (json, query); keep only the fields."""
    merged: dict = {}
    for location, value in messages.items():
        if location in LOCATIONS and isinstance(value, Mapping):
            merged.update(value)
        else:
            merged[location] = value
    return merged


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    errors: Mapping | None = None,
    headers: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Response:
    phrase = HTTPStatus(status).phrase
    body: dict[str, object] = {
        "type": "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail or DETAILS.get(status, phrase),
    }
    try:
        body["instance"] = request.path
        body["request_id"] = request.environ.get("registry.request_id", "")
    except RuntimeError:
        pass
    if errors:
        body["errors"] = flatten_errors(_strip_locations(errors))
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ProblemError(Exception):
    """Raised by services to end a request with a problem response."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        errors: Mapping | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or DETAILS.get(status, ""))
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers


Found = TypeVar("Found")


def found(value: Found | None, detail: str) -> Found:
    """`value`, or a 404 that says what was not found."""
    if value is None:
        raise ProblemError(404, detail)
    return value


def field_error(field: str, message: str) -> ProblemError:
    """A 422 naming one field."""
    return ProblemError(422, f"Invalid value for {field}.", errors={field: [message]})


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    if status == 304:
        return error.get_response()
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = data.get("message") or DETAILS.get(status)
    if status == 400 and errors:
        detail = "The request body is not valid JSON."
        errors = None
    if isinstance(error, InternalServerError):
        return handle_unexpected(error.original_exception or error)
    return problem_response(status, detail, errors=errors, headers=headers)


def handle_problem(error: ProblemError) -> Response:
    return problem_response(error.status, error.detail, errors=error.errors, headers=error.headers)


def handle_integrity_error(error: IntegrityError) -> Response:
    log.warning("integrity error: %s", type(error.orig).__name__)
    return problem_response(
        409, "The change conflicts with existing data (a duplicate or a missing reference)."
    )


def handle_data_error(error: DataError) -> Response:
    # A value the database cannot hold that validation let through: the request's fault.
    log.warning("data error: %s", type(error.orig).__name__)
    return problem_response(422, "A value in the request cannot be stored: a number is out of "
                                 "range, or a text holds a character the database refuses.")


def handle_overflow(error: OverflowError) -> Response:
    # SQLite's driver refuses integers beyond 64 bits (a page number, say) before SQL runs.
    return problem_response(422, "A number in the request is out of range.")


def handle_stale(error: StaleDataError) -> Response:
    return problem_response(412)


def handle_operational(error: OperationalError) -> Response:
    log.error("database unavailable: %s", type(error.orig).__name__)
    return problem_response(503, "The database is unavailable; try again shortly.")


def handle_unexpected(error: BaseException) -> Response:
    log.exception("unhandled error", exc_info=error)
    return problem_response(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ProblemError, handle_problem)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(StaleDataError, handle_stale)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(OverflowError, handle_overflow)
    app.register_error_handler(OperationalError, handle_operational)
    app.register_error_handler(Exception, handle_unexpected)
