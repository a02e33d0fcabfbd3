"""gunicorn settings for procure: `gunicorn -c gunicorn.conf.py` (the app is named below).

Each setting can be changed by an environment variable (PROCURE_BIND, PROCURE_WORKERS,
PROCURE_THREADS, PROCURE_TIMEOUT) or on gunicorn's command line, which wins over this file.
"""

from __future__ import annotations

import os
import shutil
import tempfile

wsgi_app = "procure:create_app()"
bind = os.environ.get("PROCURE_BIND", "127.0.0.1:8000")
# Threads: a request mostly waits on the database; a process per core, threads inside.
workers = int(os.environ.get("PROCURE_WORKERS", str(max(2, os.cpu_count() or 1))))



def _arrival_worker():
    """gunicorn's gthread worker, noting when each request arrived (its connection accepted,
    or a kept-alive connection readable) before it waits for a free thread: a deadline burst
    that queues here is judged on when it came, not when a thread got to it (procure.ops)."""
    from gunicorn.workers.gthread import ThreadWorker

    from procure import clock

    class ArrivalWorker(ThreadWorker):
        def enqueue_req(self, conn):
            if not getattr(conn, "procure_arrived", None) or conn.initialized:
                conn.procure_arrived = clock.now()
            super().enqueue_req(conn)

        def handle(self, conn):
            from procure.ops import ARRIVAL
            ARRIVAL.at = getattr(conn, "procure_arrived", None)
            try:
                return super().handle(conn)
            finally:
                ARRIVAL.at = None
    return ArrivalWorker


worker_class = _arrival_worker()
threads = int(os.environ.get("PROCURE_THREADS", "4"))
# A worker busy longer than this is killed and replaced (uploads are read while they arrive).
timeout = int(os.environ.get("PROCURE_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart each worker after some requests (jitter: not all at once) so memory cannot creep.
max_requests = 5000
max_requests_jitter = 500
# The access log names each request's id (X-Request-Id, also on the app's own log lines).
accesslog = "-"
access_log_format = ('%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s')
errorlog = "-"
# Forwarded headers are trusted only as PROCURE_PROXY_HOPS says (the app's ProxyFix), never
# by gunicorn itself.
forwarded_allow_ips = ""

# Prometheus: the workers' request counts are kept in files here and added up at each scrape.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="procure-metrics-")
_METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    """A fresh start begins with no counts left from an earlier run."""
    os.makedirs(_METRICS_DIR, exist_ok=True)
    for name in os.listdir(_METRICS_DIR):
        path = os.path.join(_METRICS_DIR, name)
        if os.path.isfile(path):
            os.unlink(path)


def post_worker_init(worker):
    """Without Celery (no PROCURE_REDIS_URL) each worker runs the scheduler's tick too (its
    jobs are idempotent: several runners do no harm), so deadlines close and mail is retried."""
    app = worker.wsgi
    if getattr(app, "config", {}).get("REDIS_URL"):
        return
    from procure import scheduler
    scheduler.start_thread(app)


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid, _METRICS_DIR)


def on_exit(server):
    if _METRICS_DIR.startswith(tempfile.gettempdir()) and "procure-metrics-" in _METRICS_DIR:
        shutil.rmtree(_METRICS_DIR, ignore_errors=True)
