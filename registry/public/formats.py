"""CSV, Markdown and HTML renderings of the public list."""

from registry.public.views import blp  # noqa: F401
