"""embed.js: the drop-in script that renders the public list into a page."""

from registry.public.views import blp  # noqa: F401
