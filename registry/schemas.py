"""Shared marshmallow pieces: strict schemas, query schemas and the fields every feature uses."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date

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


# Dates the registry reasons about: a day past these is a typo, and arithmetic on
# it (the end of an `as_of` day, an offset turned into UTC) would overflow.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)
DAY_RANGE = ma.validate.Range(
    min=EARLIEST_DAY, max=LATEST_DAY,
    error=f"Must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}.")


class Moment(ma.fields.AwareDateTime):
    """A moment with its UTC offset, loaded as UTC, within DAY_RANGE."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:
            raise ma.ValidationError(DAY_RANGE.error.format()) from None
        DAY_RANGE(moment.date())
        return moment


class HttpUrl(ma.fields.Url):
    """An absolute http(s) URL."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            schemes={"http", "https"},
            require_tld=False,
            validate=ma.validate.Length(max=500),
            **kwargs,
        )


# Documented types of values that are any JSON (a field's value before and after a
# change): OpenAPI 3.1 lists the JSON types, so generators type them as a union.
ANY_JSON_VALUE = {
    "type": ["string", "number", "boolean", "object", "array", "null"],
    "items": {},
    "description": "Any JSON value, or null",
}
# An entity's snapshot (audit before/after): an object, or null when there was none.
SNAPSHOT = {
    "type": ["object", "null"],
    "additionalProperties": True,
    "description": "The entity as it was stored (its fields), or null when there was none",
}


# The text policy: characters no published text may hold, because they break a
# representation (XML 1.0 and e-mail headers refuse C0 controls; PostgreSQL refuses
# NUL; UTF-8 cannot encode lone surrogates) or make a name read as something it is
# not (bidirectional overrides and isolates, zero-width and other invisible
# formatting characters). Tab, LF and CR are allowed: every renderer copes with them.
FORBIDDEN_TEXT = re.compile(
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 (but tab, LF, CR), DEL, C1
    "\u061c\u180e"  # Arabic letter mark, Mongolian vowel separator
    "\u200b-\u200f"  # zero-width space/joiners, left-to-right and right-to-left marks
    "\u2028-\u202e"  # line and paragraph separators, bidirectional embeddings/overrides
    "\u2060-\u206f"  # word joiner, invisible operators, bidirectional isolates
    "\ud800-\udfff"  # surrogates: never valid on their own
    "\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff"  # non-characters, BOM, annotations
    "]"
)


def _forbidden_in(text: str) -> str | None:
    found = FORBIDDEN_TEXT.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def _policy_problem(value: object) -> str | None:
    """The first forbidden character in a value (a string, or strings in a list or
    the keys and values of a mapping), as U+XXXX; None when it is clean."""
    if isinstance(value, str):
        return _forbidden_in(value)
    if isinstance(value, (list, tuple)):
        items = [item for item in value if isinstance(item, str)]
    elif isinstance(value, dict):
        items = [text for pair in value.items() for text in pair if isinstance(text, str)]
    else:
        return None
    return next(filter(None, map(_forbidden_in, items)), None)


def _nfc(value: object) -> object:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    if isinstance(value, dict):
        return {_nfc(key): _nfc(item) for key, item in value.items()}
    return value


# Scripts whose letters pass for one another ("Аcme" with a Cyrillic А reads as Acme).
CONFUSABLE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def _script(character: str) -> str | None:
    if not character.isalpha():
        return None
    name = unicodedata.name(character, "")
    return next((script for script in CONFUSABLE_SCRIPTS if name.startswith(script)), None)


def one_script_per_word(value: str) -> str:
    """A validator for names: no word mixes Latin, Cyrillic and Greek letters, the usual
    way to make a name look like another (Unicode TS #39, mixed-script confusables)."""
    for word in value.split():
        scripts = {script for script in map(_script, word) if script}
        if len(scripts) > 1:
            raise ma.ValidationError(
                f"The word {word!r} mixes {' and '.join(sorted(s.title() for s in scripts))} "
                "letters, so it can pass for another name; write it in one script.")
    return value


class StrictSchema(ma.Schema):
    """Unknown fields are errors, never silently dropped; every text keeps to the text
    policy (FORBIDDEN_TEXT is refused, naming the field) and is stored in NFC."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    @ma.pre_load
    def _text_policy(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        bad = {}
        for key, value in data.items():
            found = _policy_problem(key) or _policy_problem(value)
            if found:
                bad[key] = [f"Must not contain control, invisible or bidirectional formatting "
                            f"characters, or unpaired surrogates (found {found})."]
        if bad:
            raise ma.ValidationError(bad)
        # Nested schemas normalise their own objects; lists of strings and maps here.
        return {key: value if isinstance(value, list) and value and isinstance(value[0], dict)
                else _nfc(value) for key, value in data.items()}


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

    ``PASSTHROUGH_ARGS`` are read by someone else and are left out here.
    """

    PASSTHROUGH_ARGS: tuple[str, ...] = ()

    @ma.pre_load
    def _leave_passthrough_out(self, data, **kwargs):
        return {key: data[key] for key in data if key not in self.PASSTHROUGH_ARGS}


class PagedQuerySchema(QuerySchema):
    """The query of a paginated list: the pagination decorator reads ``page`` and
    ``page_size`` (a list that is not paginated refuses them as unknown)."""

    PASSTHROUGH_ARGS: tuple[str, ...] = ("page", "page_size")
