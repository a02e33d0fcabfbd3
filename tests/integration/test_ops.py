"""Operations: the /health and /ready probes, the Prometheus metrics, request ids in the logs."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from procure import clock, mail, ops, scheduler
from procure.extensions import db

READY_WORDS = {"ok", "not configured", "never ran", "late", "unreachable", "not writable",
               "unknown"}


def _metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the exposition text (labels in any order), or None."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', head))
        if head.split("{")[0] == name and found == labels:
            return float(value)
    return None


def test_health_answers_anyone_with_nothing_but_ok(client):
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in answer.headers


def test_the_request_id_is_echoed_or_made(client):
    sent = client.get("/health", headers={"X-Request-Id": "lb-7f3a.42"})
    assert sent.headers["X-Request-Id"] == "lb-7f3a.42"
    made = client.get("/", headers={"X-Request-Id": "no spaces <allowed>"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])
    assert made.headers["X-Request-Id"] != client.get("/").headers["X-Request-Id"]


def test_ready_needs_a_recent_scheduler_run(app, client, tmp_path):
    never = client.get("/ready")
    assert never.status_code == 503
    assert never.get_json() == {"status": "not ready", "checks": {
        "database": "ok", "scheduler": "never ran", "store": "ok", "queue": "not configured"}}

    with app.app_context():
        scheduler.run_due(db.session)
    folder = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "made on the first upload")
    try:
        now = client.get("/ready")
    finally:
        app.config["UPLOAD_FOLDER"] = folder
    assert now.status_code == 200
    assert now.get_json() == {"status": "ready", "checks": {
        "database": "ok", "scheduler": "ok", "store": "ok", "queue": "not configured"}}

    with time_machine.travel(clock.now() + timedelta(minutes=10), tick=False):
        late = client.get("/ready")
    assert late.status_code == 503
    assert late.get_json()["checks"]["scheduler"] == "late"


def test_ready_names_a_store_or_queue_that_fails_and_leaks_nothing(app, client, tmp_path):
    with app.app_context():
        scheduler.run_due(db.session)
    folder, redis_url = app.config["UPLOAD_FOLDER"], app.config["REDIS_URL"]
    try:
        (tmp_path / "occupied").write_text("a file where the store's folder should be")
        app.config["UPLOAD_FOLDER"] = str(tmp_path / "occupied")
        app.config["REDIS_URL"] = "redis://127.0.0.1:9/15"   # nothing listens on the discard port
        answer = client.get("/ready")
    finally:
        app.config["UPLOAD_FOLDER"], app.config["REDIS_URL"] = folder, redis_url
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["checks"] == {"database": "ok", "scheduler": "ok", "store": "not writable",
                              "queue": "unreachable"}
    assert set(body["checks"].values()) <= READY_WORDS
    assert "occupied" not in answer.get_data(as_text=True)
    assert "9" not in answer.get_data(as_text=True)


def test_ready_checks_redis_when_it_is_configured(app, client):
    pytest.importorskip("redis")
    import redis
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=2).ping()
    except redis.RedisError:
        from tests.conftest import require_or_skip
        require_or_skip(False, "Redis is not running on 127.0.0.1:6379")
    with app.app_context():
        scheduler.run_due(db.session)
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    try:
        answer = client.get("/ready")
    finally:
        app.config["REDIS_URL"] = ""
    assert answer.status_code == 200
    assert answer.get_json()["checks"]["queue"] == "ok"


def test_metrics_count_requests_by_endpoint_and_read_the_queues(app, client):
    before = _metric(client.get("/metrics").get_data(as_text=True), "procure_http_requests_total",
                     endpoint="ops.health", method="GET", status="200") or 0
    client.get("/health")
    client.get("/health")
    client.get("/no/such/page")
    with app.app_context():
        mail.queue(db.session, "someone@example.org", "Subject", "Body")
        db.session.commit()
        scheduler.run_due(db.session)      # sends it (to the outbox)
    smtp = app.config["SMTP_HOST"], app.config["SMTP_PORT"]
    app.config["SMTP_HOST"], app.config["SMTP_PORT"] = "127.0.0.1", 9   # a server that is down
    try:
        with app.app_context():
            mail.queue(db.session, "other@example.org", "Subject", "Body")
            db.session.commit()
            scheduler.run_due(db.session)
    finally:
        app.config["SMTP_HOST"], app.config["SMTP_PORT"] = smtp

    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    text = answer.get_data(as_text=True)
    assert _metric(text, "procure_http_requests_total",
                   endpoint="ops.health", method="GET", status="200") == before + 2
    assert _metric(text, "procure_http_requests_total",
                   endpoint="unmatched", method="GET", status="404") >= 1
    assert _metric(text, "procure_http_request_duration_seconds_count",
                   endpoint="ops.health", method="GET") >= 2
    assert _metric(text, "procure_intake_queue_depth", state="queued") == 0
    assert _metric(text, "procure_intake_queue_depth", state="parsing") == 0
    assert _metric(text, "procure_mail_queue_depth") == 1
    assert _metric(text, "procure_mail_failing") == 1
    lag = _metric(text, "procure_scheduler_lag_seconds")
    assert lag is not None and lag >= 0
    assert _metric(text, "procure_intake_parse_seconds", quantile="0.5") == 0


def test_metrics_count_errors_by_endpoint(app):
    """A page that fails is counted as an error of its endpoint (a separate app, with a page
    that raises, on the same database)."""
    from procure import create_app, policy
    broken = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "UPLOAD_FOLDER")},
                         "TESTING": True, "SECRET_KEY": "x", "PASSWORD_HASH_PROFILE": "CHEAPEST"})

    @broken.get("/broken-for-the-test")
    @policy.rule("public.browse")
    def broken_page():
        raise RuntimeError("planted")

    http = broken.test_client()
    assert http.get("/broken-for-the-test").status_code == 500
    text = http.get("/metrics").get_data(as_text=True)
    assert _metric(text, "procure_http_errors_total", endpoint="broken_page") >= 1
    assert _metric(text, "procure_http_requests_total", endpoint="broken_page", method="GET",
                   status="500") >= 1


def test_metrics_answer_loopback_or_the_token_only(app):
    http = app.test_client()
    stranger = http.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert stranger.status_code == 404
    assert "procure_" not in stranger.get_data(as_text=True)
    app.config["METRICS_TOKEN"] = "scrape-secret"
    try:
        wrong = http.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                         headers={"Authorization": "Bearer guess"})
        right = http.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                         headers={"Authorization": "Bearer scrape-secret"})
    finally:
        app.config["METRICS_TOKEN"] = ""
    assert wrong.status_code == 404
    assert right.status_code == 200
    assert "procure_http_requests_total" in right.get_data(as_text=True)


@pytest.mark.parametrize("json_lines", [True, False])
def test_every_log_line_of_a_request_carries_its_id(app, client, json_lines):
    """What the service logs while answering a request names that request's id (JSON objects
    with PROCURE_LOG_JSON, text otherwise); a line outside any request says "-"."""
    with app.app_context():
        scheduler.run_due(db.session)
    stream = io.StringIO()
    handler = ops.log_handler(json_lines=json_lines, stream=stream)
    root = logging.getLogger()
    root.addHandler(handler)
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/15"   # /ready logs why the queue failed
    try:
        client.get("/ready", headers={"X-Request-Id": "probe-1"})
        logging.getLogger("procure.test").warning("outside any request")
    finally:
        app.config["REDIS_URL"] = ""
        root.removeHandler(handler)
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    if json_lines:
        records = [json.loads(line) for line in lines if line.startswith("{")]
        during = [r for r in records if r["message"].startswith("ready:")]
        assert during and all(r["request_id"] == "probe-1" for r in during)
        assert records[-1]["message"] == "outside any request"
        assert records[-1]["request_id"] == "-"
        assert {"time", "level", "logger"} <= set(records[-1])
    else:
        assert any("[probe-1]" in line and "ready: the queue" in line for line in lines)
        assert "[-] procure.test: outside any request" in lines[-1]


def _received(answer) -> datetime:
    return datetime.fromisoformat(answer.headers["X-Received-At"])


def test_received_time_is_a_trusted_proxys_request_start_only(app):
    """X-Request-Start counts only from a proxy the deployment trusts (PROCURE_PROXY_HOPS);
    then the earlier of it and the server's own arrival time, within ten minutes."""
    from procure import create_app
    settings = {"TESTING": True, "SECRET_KEY": "x", "PASSWORD_HASH_PROFILE": "CHEAPEST",
                "DATABASE_URL": app.config["DATABASE_URL"],
                "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]}
    trusted = create_app({**settings, "PROXY_HOPS": 1}).test_client()
    untrusted = create_app(settings).test_client()
    moment = datetime(2026, 12, 1, 16, 59, 59, 500000, tzinfo=UTC)
    sent = {"X-Request-Start": f"t={moment.timestamp():.3f}"}
    with time_machine.travel(moment + timedelta(seconds=2), tick=False):
        assert _received(trusted.get("/health", headers=sent)) == moment
        as_micro = {"X-Request-Start": f"t={int(moment.timestamp() * 1e6)}"}
        assert _received(trusted.get("/health", headers=as_micro)) == moment
        assert _received(untrusted.get("/health", headers=sent)) == moment + timedelta(seconds=2)
        for odd in ("t=yesterday", "t=1", f"t={moment.timestamp() + 60:.3f}"):  # junk, stale, ahead
            assert _received(trusted.get("/health", headers={"X-Request-Start": odd})) == \
                moment + timedelta(seconds=2)


def test_received_time_is_when_the_server_took_the_request(app, client):
    """Where the server noted the request's arrival (gunicorn.conf.py's worker, before the
    request waited for a free thread), that moment counts, not the later one the app starts at."""
    arrived = datetime(2026, 12, 1, 16, 59, 59, tzinfo=UTC)
    ops.ARRIVAL.at = arrived
    try:
        with time_machine.travel(arrived + timedelta(seconds=3), tick=False):
            answer = client.get("/health")
    finally:
        ops.ARRIVAL.at = None
    assert _received(answer) == arrived
