"""embed.js: the drop-in script that renders the public list into a page."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from flask.views import MethodView

from registry.public.http import public_response
from registry.public.views import blp

SCRIPT = Path(__file__).resolve().parent / "static" / "embed.js"


@cache
def _script() -> tuple[bytes, datetime]:
    # Read once per process: the file only changes with a deploy.
    return SCRIPT.read_bytes(), datetime.fromtimestamp(SCRIPT.stat().st_mtime, UTC)


@blp.route("/embed.js")
class EmbedScript(MethodView):
    @blp.response(200, {"type": "string"}, content_type="text/javascript", description=(
        "A dependency-free script. A page adds `<script src=\".../public/embed.js\" defer>"
        "</script>` and a container `<div data-subprocessor-list data-lang=\"nl\" "
        "data-service=\"voice\" data-regime=\"EU\"></div>`; the script fetches "
        "/public/subprocessors for each container and renders localised tables into it."))
    def get(self):
        """The embeddable list script

        Renders the public subprocessor list into every `[data-subprocessor-list]`
        element of the page that loads it, in the container's `data-lang`, filtered
        by `data-service` and with adequacy under `data-regime`. Styled through CSS
        custom properties on the container (`--spl-font`, `--spl-text`,
        `--spl-border`, `--spl-header-bg`, `--spl-stripe-bg`, `--spl-link`).
        ---
        The script is static; the list it renders comes from /public/subprocessors
        (CORS), so its caching is independent of the list's.
        """
        body, modified = _script()
        return public_response(body, "text/javascript", last_modified=modified)
