"""gunicorn settings, from the same environment variables as the app."""

import os
import shutil
import sys
import tempfile

# Metrics are counted per process in files of this directory and added up at /metrics
# (prometheus_client's multiprocess mode). It must be known before prometheus_client
# is imported: a fresh one unless given (`registry serve` gives the worker's too).
MULTIPROC_DIR_MADE = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if MULTIPROC_DIR_MADE:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="registry-metrics-")

from prometheus_client import multiprocess

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
# A listening socket per worker (SO_REUSEPORT): Linux spreads new connections over the
# workers. On one shared socket, whichever worker is awake first can take a whole burst
# of keep-alive connections and keep them, leaving the other workers idle.
reuse_port = sys.platform.startswith("linux")
accesslog = "-"
errorlog = "-"
# Query strings (link tokens, a bearer token sent in the URL by mistake) stay out of logs.
logger_class = serving.Logger
# Bodies are capped by the app (MAX_BODY_BYTES); these cap the request line and headers.
limit_request_line = 8190
limit_request_fields = 100
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    # A dead worker's figures stay in the sums; only its live gauges are dropped.
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if MULTIPROC_DIR_MADE:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
