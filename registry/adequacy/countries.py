"""Country codes the adequacy data knows (ISO 3166-1 alpha-2, non-ISO ids) and their names."""

from __future__ import annotations

import gettext
import re
from functools import cache, lru_cache

import pycountry

from registry.adequacy.dataset import non_iso_entities

# EU documents abbreviate Greece as EL and the United Kingdom as UK. They are
# rejected with a hint rather than aliased: the registry stores ISO codes, and
# silent aliasing would let two spellings of one country coexist in stored data.
_EU_ABBREVIATIONS = {"EL": "GR", "UK": "GB"}

# Language tags reach gettext as path components; anything else falls back to
# English instead of reaching the file system.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")


class UnknownCountryError(ValueError):
    """The code is neither an ISO 3166-1 alpha-2 code nor a documented non-ISO id."""


@cache
def iso_country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def all_country_codes() -> tuple[str, ...]:
    """Every ISO 3166-1 alpha-2 code, then the non-ISO ids, each group sorted."""
    return tuple(sorted(iso_country_codes())) + tuple(sorted(non_iso_entities()))


def normalise_country(code: str) -> str:
    """The canonical (upper-case) form of `code`; UnknownCountryError when it is not known."""
    candidate = code.strip().upper()
    if candidate in iso_country_codes() or candidate in non_iso_entities():
        return candidate
    if candidate in _EU_ABBREVIATIONS:
        iso = _EU_ABBREVIATIONS[candidate]
        raise UnknownCountryError(f"{code!r} is the EU's abbreviation; use the ISO code {iso!r}")
    raise UnknownCountryError(f"unknown country code {code!r}; expected ISO 3166-1 alpha-2")


def is_known_country(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code or a documented non-ISO id, in any letter case."""
    try:
        normalise_country(code)
    except UnknownCountryError:
        return False
    return True


def localised_country_name(code: str, lang: str = "en") -> str:
    """The name of `code` in `lang` (pycountry's iso3166-1 catalogue); English when untranslated."""
    code = normalise_country(code)
    entity = non_iso_entities().get(code)
    if entity is not None:
        return entity.names.get(_primary_language(lang), entity.names["en"])
    english = pycountry.countries.get(alpha_2=code).name
    return _translation(lang).gettext(english)


def _primary_language(lang: str) -> str:
    return re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower()


@lru_cache(maxsize=32)  # bounded: `lang` comes from query strings
def _translation(lang: str) -> gettext.NullTranslations:
    if not _LANGUAGE_TAG.fullmatch(lang):
        return gettext.NullTranslations()
    # gettext expects "nl_BE" and then also tries "nl" by itself.
    languages = [lang.replace("-", "_")]
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=languages, fallback=True
    )
