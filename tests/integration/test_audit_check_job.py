"""The audit-chain check runs as a job, not in the request: on the web process's worker thread
by default, on a Celery worker with Redis; the administrator's page shows how far it has got
and keeps what each check found, who asked and when."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from html import unescape

from sqlalchemy import func, select, update

from procure import audit, audit_check, clock, create_app
from procure.extensions import db
from procure.intake import jobs
from procure.models import AuditCheck, AuditEvent
from tests.conftest import Client, require_or_skip
from tests.integration.test_intake_queue import REDIS_URL, _redis_up
from tests.support.factories import EMAILS, PASSWORD, published_rfr, user


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _events(app) -> int:
    with app.app_context():
        published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_the_check_runs_on_the_worker_thread_and_its_result_is_kept(app, login):
    events = _events(app)
    admin = login("admin")
    first = _text(admin.get("/admin/audit"))
    assert "The chain has not been checked here yet." in first
    asked = admin.post("/admin/audit", {}, follow_redirects=True)
    assert "The audit chain is being checked" in _text(asked)
    jobs.wait_for_idle()
    page = _text(admin.get("/admin/audit"))
    assert f"The audit chain is intact: {events:,} events" in page
    assert EMAILS["admin"] in page
    with app.app_context():
        check = db.session.scalars(select(AuditCheck)).one()
        assert (check.intact, check.events_checked, check.events_total) == (True, events, events)
        assert check.requested_by_id == user(db.session, "admin").id
        assert check.started_at is not None and check.finished_at >= check.started_at
        # someone edits the log behind the service's back: the next check names the event
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(reason="x"))
        db.session.commit()
    admin.post("/admin/audit", {})
    jobs.wait_for_idle()
    page = _text(admin.get("/admin/audit"))
    assert "The audit chain is broken" in page and "at event #2" in page
    assert "its content does not match its hash" in page
    assert "Earlier checks" in page and "intact" in page     # the first check is kept
    with app.app_context():
        latest = audit_check.latest(db.session)[0]
        assert (latest.intact, latest.broken_seq) == (False, 2)


def test_the_page_shows_how_far_a_running_check_has_got(app, login):
    with app.app_context():
        admin = user(db.session, "admin")
        db.session.add(AuditCheck(requested_by_id=admin.id, requested_by=admin.email,
                                  requested_at=clock.now(), started_at=clock.now(),
                                  events_total=425000, events_checked=120000))
        db.session.commit()
    page = _text(login("admin").get("/admin/audit"))
    assert "Checking: 120,000 of 425,000 events so far" in page
    assert '<progress' in page and 'value="120000"' in page


def test_the_walk_reports_its_progress_batch_by_batch(app, people):
    events = _events(app)
    with app.app_context():
        seen: list[int] = []
        result = audit.verify(db.session, progress=seen.append, batch=2)
    assert result.ok and result.events == events
    assert seen == sorted(seen) and seen[-1] == events and len(seen) >= events // 2


def test_a_celery_worker_on_redis_runs_the_check(app, people, tmp_path):
    require_or_skip(_redis_up(), f"Redis is not reachable at {REDIS_URL}")
    import redis
    redis.Redis.from_url(REDIS_URL).flushdb()
    events = _events(app)
    settings = {"DATABASE_URL": app.config["DATABASE_URL"],
                "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "REDIS_URL": REDIS_URL}
    env = {**os.environ, "PROCURE_INSTANCE_PATH": str(tmp_path),
           "PROCURE_SECRET_KEY": "test-secret",
           **{f"PROCURE_{k}": v for k, v in settings.items()}}
    scaled = create_app({**settings, "TESTING": True, "SECRET_KEY": "test-secret",
                         "PASSWORD_HASH_PROFILE": "CHEAPEST",
                         "LOGIN_RATE_LIMIT": "10000 per minute"})
    try:
        admin = Client(scaled)
        assert admin.login(EMAILS["admin"], PASSWORD).status_code == 302
        assert admin.post("/admin/audit", {}).status_code == 302
        with scaled.app_context():     # queued on Redis: no worker runs yet
            check = db.session.scalars(select(AuditCheck)).one()
            assert check.started_at is None and check.finished_at is None
        assert "Waiting for a worker" in _text(admin.get("/admin/audit"))
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "procure.worker", "worker", "--concurrency=1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            end = time.monotonic() + 90
            while time.monotonic() < end:
                with scaled.app_context():
                    if db.session.scalar(select(AuditCheck.finished_at)) is not None:
                        break
                time.sleep(0.2)
        finally:
            worker.terminate()
            output = worker.communicate(timeout=30)[0]
        page = _text(admin.get("/admin/audit"))
    finally:
        jobs.celery.conf.broker_url = None
    assert audit_check.AUDIT_CHECK_TASK in output
    assert f"The audit chain is intact: {events:,} events" in page, output[-2000:]
