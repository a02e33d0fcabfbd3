"""The intake queue: in-process worker threads by default, Celery workers on Redis when
PROCURE_REDIS_URL is set. Either way a job is one document id; the document row says where it
stands (queued, parsing, parsed, rejected), so a job lost with a dead process is found again."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from celery import Celery
from flask import Flask, current_app
from sqlalchemy import or_, select, update

from procure import clock
from procure.extensions import db
from procure.models import Document, IntakeStatus

log = logging.getLogger(__name__)

celery = Celery("procure")
celery.conf.update(task_acks_late=True, task_reject_on_worker_lost=True,
                   worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        celery.conf.broker_url = app.config["REDIS_URL"]
        celery.conf.beat_schedule = {"tick": {"task": "procure.tick",
                                              "schedule": float(app.config["TICK_SECONDS"])}}
    app.extensions["procure.jobs"] = True


def _in_process_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake")
        return _executor


def enqueue(document_id: int) -> None:
    """Hand a stored, committed document to a worker (call after the commit)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("REDIS_URL"):
        intake_document.delay(document_id)
    elif app.config.get("INTAKE_IN_PROCESS"):
        _in_process_executor().submit(_run_with_app, app, document_id)


def _run_with_app(app: Flask, document_id: int) -> None:
    with app.app_context():
        try:
            run(document_id)
        except Exception:  # the worker thread must survive any one document
            log.exception("intake of document %s failed", document_id)
            db.session.rollback()


def wait_for_idle(timeout: float = 60) -> None:
    """Block until the in-process queue is empty (tests and the demo use it)."""
    if _executor is None:
        return
    _executor.submit(lambda: None).result(timeout=timeout)


def _claim(document_id: int, stale_after: timedelta) -> bool:
    """Take the document for this worker; a claim older than stale_after is taken over."""
    now = clock.now()
    result = db.session.execute(
        update(Document).where(
            Document.id == document_id,
            or_(Document.intake_status == IntakeStatus.queued,
                (Document.intake_status == IntakeStatus.parsing)
                & (Document.claimed_at < now - stale_after)))
        .values(intake_status=IntakeStatus.parsing, claimed_at=now, pages_done=0)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def run(document_id: int) -> None:
    """Read one document into its structured record (or its rejection). Needs an app context."""
    from procure.intake.pdf import Limits, Rejected, parse_file
    from procure.intake.storage import store_from_config

    config = current_app.config
    limits = Limits(seconds=config["INTAKE_SECONDS"], pages=config["INTAKE_PAGES"],
                    bytes=config["MAX_UPLOAD_BYTES"], memory_bytes=config["INTAKE_MEMORY_BYTES"])
    if not _claim(document_id, timedelta(seconds=limits.seconds * 2 + 30)):
        return
    document = db.session.get(Document, document_id)
    sections = [s.as_intake_dict() for s in document.response.solicitation.sections]
    sha256 = document.sha256
    db.session.commit()

    last = [0.0]

    def progress(done: int, total: int) -> None:
        if done < total and time.monotonic() - last[0] < 0.3:
            return
        last[0] = time.monotonic()
        db.session.execute(update(Document).where(Document.id == document_id)
                           .values(pages_done=done, pages_total=total)
                           .execution_options(synchronize_session=False))
        db.session.commit()

    store = store_from_config(config)
    try:
        with store.local_copy(sha256) as path:
            record = parse_file(path, sections, limits, progress=progress)
    except Rejected as rejected:
        values = dict(intake_status=IntakeStatus.rejected, rejection_code=rejected.code,
                      rejection_message=rejected.message, record=None)
    else:
        values = dict(intake_status=IntakeStatus.parsed, record=record,
                      pages_done=record["pages"], pages_total=record["pages"],
                      rejection_code=None, rejection_message=None)
    db.session.execute(update(Document).where(Document.id == document_id)
                       .values(parsed_at=clock.now(), **values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def pending_ids() -> list[int]:
    return list(db.session.scalars(select(Document.id).where(
        Document.intake_status.in_([IntakeStatus.queued, IntakeStatus.parsing]))
        .order_by(Document.id)))


def resume_pending() -> int:
    """At start-up: queue again every document left queued or parsing by a process that died."""
    ids = pending_ids()
    now = clock.now()
    if ids:
        # This process holds no claims yet: anything 'parsing' was left by a dead one.
        db.session.execute(update(Document).where(
            Document.id.in_(ids), Document.intake_status == IntakeStatus.parsing,
            or_(Document.claimed_at.is_(None),
                Document.claimed_at < now - timedelta(seconds=current_app.config["INTAKE_SECONDS"] * 2 + 30)))
            .values(intake_status=IntakeStatus.queued)
            .execution_options(synchronize_session=False))
        db.session.commit()
    for document_id in ids:
        enqueue(document_id)
    return len(ids)


_worker_app: Flask | None = None


def use_worker_app(app: Flask) -> None:
    """The app whose configuration Celery tasks run with (procure.worker sets it)."""
    global _worker_app
    _worker_app = app


def _app_for_worker() -> Flask:
    if _worker_app is None:
        from procure import create_app
        use_worker_app(create_app())
    assert _worker_app is not None
    return _worker_app


@celery.task(name="procure.intake", acks_late=True)
def intake_document(document_id: int) -> None:
    with _app_for_worker().app_context():
        run(document_id)


@celery.task(name="procure.tick")
def tick() -> list[str]:
    from procure.workflows.solicitation import close_due
    with _app_for_worker().app_context():
        closed = close_due(db.session)
        db.session.commit()
        return closed
