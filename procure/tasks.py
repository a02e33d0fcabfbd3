"""The Celery tasks (the Celery app itself is `procure.extensions.celery`): reading a document,
checking the audit chain, and the scheduler's beat. `celery -A procure.worker worker` runs them, `celery -A procure.worker
beat` sends `procure.run_due` every TICK_SECONDS; without PROCURE_REDIS_URL neither is used."""

from __future__ import annotations

import logging

from celery.signals import worker_ready
from flask import Flask

from procure import audit_check, scheduler
from procure.extensions import celery, db
from procure.intake import jobs

log = logging.getLogger(__name__)

_worker_app: Flask | None = None


def use_worker_app(app: Flask) -> None:
    """The app whose configuration the tasks run with (procure.worker sets it)."""
    global _worker_app
    _worker_app = app


def _app_for_worker() -> Flask:
    if _worker_app is None:
        from procure import create_app
        use_worker_app(create_app())
    assert _worker_app is not None
    return _worker_app


@celery.task(name=jobs.INTAKE_TASK, acks_late=True, bind=True, max_retries=None)
def intake_document(task, document_id: int) -> None:
    with _app_for_worker().app_context():
        wait = jobs.run(document_id)
    if wait is not None:   # another worker holds it, or held it when it died: look again then
        raise task.retry(countdown=wait)


@worker_ready.connect
def _recover_when_a_worker_starts(**_: object) -> None:
    """A Celery worker starting after a crash: clean up and queue what was left unread."""
    with _app_for_worker().app_context():
        log.info("intake recovery: %s", jobs.recover())


@celery.task(name=audit_check.AUDIT_CHECK_TASK, acks_late=True)
def check_audit_chain(check_id: int) -> None:
    """The audit-chain check an administrator asked for (procure.audit_check)."""
    with _app_for_worker().app_context():
        try:
            audit_check.run(check_id)
        finally:
            db.session.remove()


@celery.task(name="procure.run_due")
def run_due() -> dict[str, list[str]]:
    """The beat's runner of the scheduler."""
    with _app_for_worker().app_context():
        try:
            return scheduler.run_due(db.session)
        finally:
            db.session.remove()
