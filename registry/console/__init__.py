"""The legal-team console: /console, server-rendered pages over the same services as /v1.

`base` holds the blueprint, sign-in state, CSRF and page helpers; each other module is
the screens of one part of the registry.
"""

from __future__ import annotations

from flask import Flask

from registry.config import Settings


def init_app(app: Flask, settings: Settings) -> None:
    from registry.console import (  # noqa: F401  (routes)
        admin,
        base,
        changes,
        compliance,
        files,
        objections,
        people,
        processors,
        signin,
    )

    base.init_app(app, settings)
    app.register_blueprint(base.bp)
