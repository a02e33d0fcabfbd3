"""For the operators: `/health` and `/ready` probes, Prometheus metrics at `/metrics`, and
request-scoped logs (a request id on every line, echoed as `X-Request-Id`; JSON with
`PROCURE_LOG_JSON`).

The probes are public (declared so in the policy, `ops.probe`) and answer only "ok" or the name
of what is failing: no versions, addresses or errors. `/metrics` (`ops.metrics`) answers a
scraper on loopback, or one that sends `Authorization: Bearer <PROCURE_METRICS_TOKEN>`; anyone
else gets 404, as if it were not there.

Under gunicorn with several workers, `gunicorn.conf.py` sets `PROMETHEUS_MULTIPROC_DIR` so that
each worker's request counts are added up by whichever worker answers the scrape; the figures
read from the database (intake and mail queues, parse time, the scheduler's last run) are read
at scrape time.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    has_request_context,
    jsonify,
    request,
)
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from procure import clock, policy
from procure.config import is_loopback
from procure.extensions import db
from procure.faces import actor
from procure.models import Document, IntakeStatus, OutgoingMail, SchedulerRun
from procure.storage import store_from_config

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
PARSE_WINDOW = timedelta(hours=1)   # parse time: the documents read in the last hour
PARSE_SAMPLE = 1000                 # at most this many of them

# Request metrics live in the process; with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py),
# prometheus_client keeps them in files there that every worker's scrape adds up.
METRICS = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("procure_http_requests", "Requests answered, by endpoint, method and status",
                   ["endpoint", "method", "status"], registry=METRICS)
ERRORS = Counter("procure_http_errors", "Requests answered 5xx, by endpoint",
                 ["endpoint"], registry=METRICS)
LATENCY = Histogram("procure_http_request_duration_seconds",
                    "Time from the request's arrival to its answer, by endpoint",
                    ["endpoint", "method"], registry=METRICS,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


# --- probes ------------------------------------------------------------------------------------

@bp.get("/health")
@policy.rule("ops.probe")
def health() -> Any:
    """Live: the process answers (touches nothing else)."""
    return jsonify(status="ok")


@dataclass
class Check:
    name: str
    ok: bool
    state: str          # "ok", "not configured", or a word for what is wrong (never an error text)


def _check_database_and_scheduler() -> list[Check]:
    """One query: the scheduler's last run (which also proves the database answers)."""
    try:
        last = db.session.scalar(select(func.max(SchedulerRun.finished_at)))
    except Exception:
        log.exception("ready: the database did not answer")
        db.session.rollback()
        return [Check("database", False, "unreachable"), Check("scheduler", False, "unknown")]
    config = current_app.config
    allowed = config.get("READY_SCHEDULER_SECONDS") or 3 * int(config["TICK_SECONDS"]) + 60
    if last is None:
        scheduler = Check("scheduler", False, "never ran")
    elif (clock.now() - last).total_seconds() > allowed:
        scheduler = Check("scheduler", False, "late")
    else:
        scheduler = Check("scheduler", True, "ok")
    return [Check("database", True, "ok"), scheduler]


def _check_store() -> Check:
    store = store_from_config(current_app.config)
    try:
        client = getattr(store, "client", None)
        if client is not None:   # S3: the bucket answers
            client.head_bucket(Bucket=store.bucket)  # type: ignore[attr-defined]
        elif not _writable(store.root):  # type: ignore[attr-defined]
            return Check("store", False, "not writable")
    except Exception:
        log.exception("ready: the document store did not answer")
        return Check("store", False, "unreachable")
    return Check("store", True, "ok")


def _writable(folder: Any) -> bool:
    """The folder can take files: it is a writable folder, or made on the first upload inside
    the nearest folder that exists (a fresh installation has no uploads/ yet)."""
    path = os.path.abspath(folder)
    if os.path.exists(path):
        return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def _check_queue() -> Check:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return Check("queue", True, "not configured")
    try:
        import redis
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception:
        log.exception("ready: the queue did not answer")
        return Check("queue", False, "unreachable")
    return Check("queue", True, "ok")


@bp.get("/ready")
@policy.rule("ops.probe")
def ready() -> Any:
    """Ready: the database, the document store, the queue (when configured) answer, and the
    scheduler ran lately. 200 when all hold, 503 naming what does not."""
    checks = [*_check_database_and_scheduler(), _check_store(), _check_queue()]
    ok = all(check.ok for check in checks)
    body = {"status": "ready" if ok else "not ready",
            "checks": {check.name: check.state for check in checks}}
    return jsonify(body), 200 if ok else 503


# --- metrics -----------------------------------------------------------------------------------

@dataclass
class Scrape:
    """Who asks for the metrics: from loopback, or with the metrics token."""
    from_loopback: bool
    token_matches: bool


def _scrape() -> Scrape:
    token = current_app.config.get("METRICS_TOKEN") or ""
    header = request.headers.get("Authorization", "")
    sent = header[7:].strip() if header.startswith("Bearer ") else ""
    return Scrape(from_loopback=is_loopback(request.remote_addr or ""),
                  token_matches=bool(token) and hmac.compare_digest(sent, token))


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time: the intake and mail queues, parse time,
    the scheduler's lag. Each read is bounded (indexed, or a recent sample)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        session = db.session
        now = clock.now()
        depth = GaugeMetricFamily("procure_intake_queue_depth",
                                  "Documents waiting to be read, or being read", labels=["state"])
        counts = dict(session.execute(
            select(Document.intake_status, func.count()).where(
                Document.intake_status.in_([IntakeStatus.queued, IntakeStatus.parsing]))
            .group_by(Document.intake_status)).tuples().all())
        for status in (IntakeStatus.queued, IntakeStatus.parsing):
            depth.add_metric([status.name], counts.get(status, 0))
        yield depth

        rows = session.execute(
            select(Document.claimed_at, Document.parsed_at)
            .where(Document.parsed_at >= now - PARSE_WINDOW, Document.claimed_at.is_not(None))
            .order_by(Document.parsed_at.desc()).limit(PARSE_SAMPLE)).tuples().all()
        seconds = sorted(max(0.0, (parsed - claimed).total_seconds()) for claimed, parsed in rows)
        parse = GaugeMetricFamily("procure_intake_parse_seconds",
                                  "Parse time of the documents read in the last hour "
                                  f"(at most the last {PARSE_SAMPLE})", labels=["quantile"])
        for label, q in (("0.5", 0.5), ("0.9", 0.9), ("1", 1.0)):
            parse.add_metric([label], seconds[min(len(seconds) - 1, int(q * len(seconds)))]
                             if seconds else 0.0)
        yield parse
        yield GaugeMetricFamily("procure_intake_parsed_last_hour",
                                "Documents read in the last hour", value=len(rows))

        unsent, failing, oldest = session.execute(
            select(func.count(), func.count().filter(OutgoingMail.attempts > 0),
                   func.min(OutgoingMail.created_at))
            .where(OutgoingMail.sent_at.is_(None))).one()
        yield GaugeMetricFamily("procure_mail_queue_depth", "Messages not yet sent", value=unsent)
        yield GaugeMetricFamily("procure_mail_failing",
                                "Unsent messages whose last try failed (retried by the scheduler)",
                                value=failing)
        yield GaugeMetricFamily("procure_mail_oldest_unsent_seconds",
                                "Age of the oldest unsent message",
                                value=(now - oldest).total_seconds() if oldest else 0.0)

        last = session.execute(select(SchedulerRun.finished_at, SchedulerRun.failed_jobs)
                               .order_by(SchedulerRun.finished_at.desc()).limit(1)).first()
        yield GaugeMetricFamily("procure_scheduler_lag_seconds",
                                "Seconds since the scheduler last finished a run (-1: never)",
                                value=(now - last[0]).total_seconds() if last else -1.0)
        yield GaugeMetricFamily("procure_scheduler_last_run_failed_jobs",
                                "Jobs that failed in the scheduler's last run",
                                value=len([j for j in (last[1] if last else "").split(",")
                                           if j.strip()]))


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(METRICS))
    registry.register(DatabaseCollector())
    return registry


class _Forward(Collector):
    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Any]:
        return self.source.collect()


@bp.get("/metrics")
@policy.rule("ops.metrics")
def metrics() -> Any:
    if not policy.allows(actor(), "ops.metrics", _scrape()):
        abort(404)   # nothing tells a stranger the metrics are here
    try:
        body = generate_latest(_registry())
    finally:
        db.session.rollback()
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


# --- when the request arrived ------------------------------------------------------------------

# Set by the gunicorn worker of gunicorn.conf.py in the thread that serves a request: when the
# server accepted its connection (or, kept alive, when its bytes arrived), before it waited for a
# free thread. Without it (procure serve, tests), the moment the request enters the app.
ARRIVAL = threading.local()
RECEIVED_AT = "procure.received_at"
PROXY_CLOCK_WINDOW = 600          # seconds: a proxy's X-Request-Start older than this is ignored


def _proxy_start(value: str, now: datetime) -> datetime | None:
    """A trusted proxy's X-Request-Start (`t=<seconds, ms or µs since the epoch>`), if sane."""
    digits = value.strip().removeprefix("t=")
    try:
        number = float(digits)
    except ValueError:
        return None
    seconds = number / 1e6 if number > 1e14 else number / 1e3 if number > 1e11 else number
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if not now - timedelta(seconds=PROXY_CLOCK_WINDOW) <= moment <= now:
        return None     # another clock, or a stale or future value: the server's time stands
    return moment


class ReceivedAt:
    """WSGI middleware, outermost: stamps each request with when it arrived, before any work
    (faces.receive reads it: what a deadline is judged on)."""

    def __init__(self, app: Any, proxy_hops: int) -> None:
        self.app, self.proxy_hops = app, proxy_hops

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        now = clock.now()
        arrived = getattr(ARRIVAL, "at", None)
        received = arrived if arrived is not None and arrived <= now else now
        if self.proxy_hops > 0 and environ.get("HTTP_X_REQUEST_START"):
            proxied = _proxy_start(environ["HTTP_X_REQUEST_START"], now)
            if proxied is not None:
                received = min(received, proxied)
        environ[RECEIVED_AT] = received
        return self.app(environ, start_response)


# --- request ids, timing and logs ---------------------------------------------------------------

def request_id() -> str:
    return g.get("request_id", "-") if has_request_context() else "-"


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, message (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                "logger": record.name, "request_id": getattr(record, "request_id", "-"),
                "message": record.getMessage()}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def log_handler(json_lines: bool, stream: Any = None) -> logging.Handler:
    """A handler whose every line carries the request id (JSON objects, or text)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    handler._procure = True  # type: ignore[attr-defined]
    return handler


def configure_logging(json_lines: bool) -> None:
    """The process's log lines (the app's, the scheduler's, the libraries') to standard error,
    each with its request id. Once per process (a second app keeps the first's handler)."""
    root = logging.getLogger()
    if any(getattr(handler, "_procure", False) for handler in root.handlers):
        return
    root.addHandler(log_handler(json_lines))
    for name in ("procure", "alembic"):   # the service's own news and its migrations
        if logging.getLogger(name).level == logging.NOTSET:   # (other libraries: WARNING)
            logging.getLogger(name).setLevel(logging.INFO)


def _begin() -> None:
    sent = request.headers.get("X-Request-Id", "")
    g.request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Any) -> Any:
    response.headers["X-Request-Id"] = g.get("request_id", "")
    endpoint = request.endpoint or "unmatched"
    status = response.status_code
    REQUESTS.labels(endpoint, request.method, str(status)).inc()
    if status >= 500:
        ERRORS.labels(endpoint).inc()
    started = g.get("request_started")
    if started is not None:
        LATENCY.labels(endpoint, request.method).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Probes and metrics, the request id, and (unless the app is a test's) the log lines.
    Registered before the pages so the request id is set before anything logs."""
    app.wsgi_app = ReceivedAt(app.wsgi_app, int(app.config.get("PROXY_HOPS") or 0))  # type: ignore[method-assign]
    app.before_request(_begin)
    app.after_request(_finish)
    app.register_blueprint(bp)
    if not app.config.get("TESTING"):
        configure_logging(bool(app.config.get("LOG_JSON")))
