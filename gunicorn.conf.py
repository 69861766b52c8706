"""gunicorn settings, from the same environment variables as the app."""

import os

from registry import serving

# gunicorn answers malformed requests itself, before the app: as problem+json too.
serving.answer_refusals_as_problems()

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
# Query strings (link tokens, a bearer token sent in the URL by mistake) stay out of logs.
logger_class = serving.Logger
# Bodies are capped by the app (MAX_BODY_BYTES); these cap the request line and headers.
limit_request_line = 8190
limit_request_fields = 100
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
