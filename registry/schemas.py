"""Shared marshmallow pieces: strict schemas, query schemas and the fields every feature uses."""

from __future__ import annotations

import marshmallow as ma
import pycountry


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


# A service tag (`voice`, `text`): processors, subscriptions and filters all use it.
SERVICE_TAG = WholeRegexp(
    r"^[a-z0-9][a-z0-9_-]{0,63}$",
    error="Use lower-case letters, digits, '-' or '_' (at most 64 characters).",
)


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
