"""Configuration, read from environment variables only."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlencode

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'registry.db'}"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Every setting the service reads, with its default.

    The README's configuration table lists the same names; keep them in step.
    """

    DATABASE_URL: str = field(default_factory=_default_database_url)
    SECRET_KEY: str = "dev-only-not-secret"
    PUBLIC_BASE_URL: str = "http://127.0.0.1:8000"
    ORGANISATION_NAME: str = "Example AI Ltd"
    ORGANISATION_CONTACT: str = ""
    SECURITY_MEASURES_URL: str = ""
    NOTICE_PERIOD_DAYS: int = 30
    DEFAULT_REGIME: str = "EU"
    TIA_MAX_AGE_DAYS: int = 730
    SMTP_URL: str = ""
    SMTP_TIMEOUT_SECONDS: float = 30.0
    WEBHOOK_ALLOW_PRIVATE: bool = False
    WEBHOOK_ALLOW_HTTP: bool = False
    WEBHOOK_TIMEOUT_SECONDS: float = 10.0
    WEBHOOK_RETRY_SCHEDULE: str = "5,300,1800,7200,18000,36000,36000"
    WEBHOOK_PAUSE_AFTER_HOURS: int = 72
    MAIL_FROM: str = "Subprocessor Registry <privacy@registry.invalid>"
    MAIL_REPLY_TO: str = ""
    LEGAL_TEAM_EMAIL: str = ""
    CONSOLE_SESSION_HOURS: float = 8.0
    PROXY_HOPS: int = 0
    MAILBOX_DIR: str = ""
    RATELIMIT_STORAGE_URI: str = "memory://"
    WORKER_CONCURRENCY: int = 16
    WORKER_BATCH_SIZE: int = 100
    WORKER_POLL_SECONDS: float = 0.5
    WORKER_STALE_AFTER: float = 0.0  # 0: three WORKER_POLL_SECONDS
    WORKER_METRICS_PORT: int = 0  # 0: the worker serves no metrics of its own
    MAX_BODY_BYTES: int = 1_048_576
    PUBLIC_MAX_AGE: int = 300
    PUBLIC_VERSION_TTL: float = 1.0
    LOG_LEVEL: str = "INFO"
    LOG_FORMAT: str = "text"
    METRICS_TOKEN: str = ""
    PORT: int = 8000
    HOST: str = "127.0.0.1"
    WEB_CONCURRENCY: int = 2

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for setting in fields(cls):
            raw = env.get(setting.name)
            if raw is None or raw == "":
                continue
            if setting.type == "int":
                values[setting.name] = int(raw)
            elif setting.type == "float":
                values[setting.name] = float(raw)
            elif setting.type == "bool":
                values[setting.name] = _bool(raw)
            else:
                values[setting.name] = raw
        settings = cls(**values)
        if settings.DEFAULT_REGIME not in ("EU", "UK", "CH"):
            raise ValueError("DEFAULT_REGIME must be one of EU, UK, CH")
        settings.retry_delays()  # fail at start-up, not in the worker
        if settings.LOG_FORMAT not in ("text", "json"):
            raise ValueError("LOG_FORMAT must be text or json")
        if settings.SMTP_TIMEOUT_SECONDS <= 0:
            raise ValueError("SMTP_TIMEOUT_SECONDS must be more than 0")
        return settings

    def worker_stale_after(self) -> float:
        """Seconds after its last heartbeat that a worker counts as gone (/readyz)."""
        return self.WORKER_STALE_AFTER or 3 * self.WORKER_POLL_SECONDS

    def retry_delays(self) -> tuple[float, ...]:
        """Seconds to wait before each retry of a failed delivery; then it is dead."""
        try:
            delays = tuple(float(part) for part in self.WEBHOOK_RETRY_SCHEDULE.split(",") if part)
        except ValueError as error:
            raise ValueError("WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds") from error
        if any(delay < 0 for delay in delays):
            raise ValueError("WEBHOOK_RETRY_SCHEDULE must not be negative")
        return delays

    def public_url(self, path: str, **query: str | None) -> str:
        """An absolute URL on the public side (links in feeds, webhooks and mails);
        query arguments that are None are left out."""
        args = {name: value for name, value in query.items() if value is not None}
        return self.PUBLIC_BASE_URL.rstrip("/") + path + (f"?{urlencode(args)}" if args else "")

    def mailbox_dir(self) -> Path:
        return Path(self.MAILBOX_DIR) if self.MAILBOX_DIR else INSTANCE_DIR / "mailbox"

    def flask_config(self) -> dict[str, object]:
        """The Flask and flask-smorest keys derived from these settings."""
        return {
            "SECRET_KEY": self.SECRET_KEY,
            "MAX_CONTENT_LENGTH": self.MAX_BODY_BYTES,
            "PROPAGATE_EXCEPTIONS": False,
            "API_TITLE": "Subprocessor Registry",
            "API_VERSION": "1.0.0",
            "OPENAPI_VERSION": "3.1.0",
            "OPENAPI_URL_PREFIX": "/",
            "OPENAPI_JSON_PATH": "openapi.json",
            "SETTINGS": self,
        }
