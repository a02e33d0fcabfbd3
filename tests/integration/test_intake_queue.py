"""The intake queue on both engines: in-process (default) and Celery workers on the local Redis;
documents left unread by a process that died are read on restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select, update

from procure import create_app
from procure.extensions import db
from procure.intake import jobs
from procure.models import Document, IntakeStatus
from tests.conftest import Client, require_or_skip
from tests.support.factories import EMAILS, PASSWORD, published_rfr, user
from tests.support.pdfs import complete_response

REDIS_URL = os.environ.get("PROCURE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    import redis
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def _upload(application, rfr_id: int, lot_id: int, content: bytes | None = None) -> int:
    c = Client(application)
    assert c.login(EMAILS["bidder"], PASSWORD).status_code == 302
    url = c.respond(rfr_id, lot_id)
    assert c.upload(url, content or complete_response()).status_code == 302
    with application.app_context():
        return db.session.scalar(select(Document.id).order_by(Document.id.desc()))


def _wait_parsed(application, document_id: int, seconds: float = 90) -> Document:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with application.app_context():
            document = db.session.get(Document, document_id)
            if document.intake_status in (IntakeStatus.parsed, IntakeStatus.rejected):
                db.session.expunge(document)
                return document
        time.sleep(0.2)
    raise AssertionError(f"document {document_id} was not read within {seconds} s")


@pytest.fixture
def rfr(app, people):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        return row.id, row.lots[0].id


def test_in_process_queue_reads_the_upload(app, rfr):
    document_id = _upload(app, *rfr)
    jobs.wait_for_idle()
    document = _wait_parsed(app, document_id)
    assert document.intake_status is IntakeStatus.parsed and document.record["pages"] >= 1


def test_documents_left_by_a_dead_process_are_read_on_restart(app, rfr):
    document_id = _upload(app, *rfr)
    jobs.wait_for_idle()
    with app.app_context():   # as if the process died mid-parse, long ago, and one never queued
        db.session.execute(update(Document).where(Document.id == document_id).values(
            intake_status=IntakeStatus.parsing, record=None, pages_done=1,
            claimed_at=db.session.get(Document, document_id).uploaded_at.replace(year=2020)))
        db.session.commit()
        assert jobs.resume_pending() == 1
    jobs.wait_for_idle()
    assert _wait_parsed(app, document_id).intake_status is IntakeStatus.parsed


def test_celery_worker_on_redis_reads_the_upload(app, rfr, tmp_path):
    require_or_skip(_redis_up(), f"Redis is not reachable at {REDIS_URL}")
    import redis
    redis.Redis.from_url(REDIS_URL).flushdb()
    settings = {"DATABASE_URL": app.config["DATABASE_URL"],
                "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "REDIS_URL": REDIS_URL}
    env = {**os.environ, "PROCURE_INSTANCE_PATH": str(tmp_path),
           "PROCURE_SECRET_KEY": "test-secret",   # a deployment on PostgreSQL needs its own key
           **{f"PROCURE_{k}": v for k, v in settings.items()}}
    scaled = create_app({**settings, "TESTING": True, "SECRET_KEY": "test-secret",
                         "PASSWORD_HASH_PROFILE": "CHEAPEST",
                         "LOGIN_RATE_LIMIT": "10000 per minute"})
    try:
        # Uploaded while no worker runs: the web process only queues it (nothing can read it yet).
        document_id = _upload(scaled, *rfr)
        with scaled.app_context():
            assert db.session.get(Document, document_id).intake_status is IntakeStatus.queued
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "procure.worker", "worker", "--concurrency=1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            document = _wait_parsed(scaled, document_id)
            assert document.intake_status is IntakeStatus.parsed
        finally:
            worker.terminate()
            output = worker.communicate(timeout=30)[0]
    finally:
        jobs.celery.conf.broker_url = None
    assert "procure.intake" in output
