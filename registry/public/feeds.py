"""The change log (/public/changes) and its Atom, RSS and JSON feeds."""

from registry.public.views import blp  # noqa: F401
