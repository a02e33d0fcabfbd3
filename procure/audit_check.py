"""The audit-chain check as a job: an administrator asks for it, a worker walks the chain
(audit.verify) and keeps the result with who asked, when, the events checked and the first
broken link. The embedded default runs it on the web process's worker thread (as intake);
with PROCURE_REDIS_URL a Celery worker does (procure.tasks). Progress is written as it goes,
so the administrator's page shows it while it runs."""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from procure import audit, clock
from procure.extensions import celery, db
from procure.intake import jobs
from procure.models import AuditCheck, AuditHead, User

AUDIT_CHECK_TASK = "procure.audit_check"   # the Celery task (procure.tasks) that runs `run`


def ask(session: Session, who: User) -> AuditCheck:
    """A check asked for by this person (queued: hand it to `enqueue` after the commit)."""
    head = session.get(AuditHead, 1)
    check = AuditCheck(requested_by_id=who.id, requested_by=audit.actor_label(who),
                       requested_at=clock.now(), events_total=head.seq if head else 0)
    session.add(check)
    session.flush()
    return check


def enqueue(check_id: int) -> None:
    """Hand a committed check to a worker: Celery on Redis, else the in-process thread."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("REDIS_URL"):
        celery.send_task(AUDIT_CHECK_TASK, args=[check_id])
    else:
        jobs.submit_in_process(app, lambda: run(check_id), f"audit check {check_id}")


def run(check_id: int) -> None:
    """Walk the chain for this check and keep what it found (needs an app context)."""
    session = db.session
    check = session.get(AuditCheck, check_id)
    if check is None or check.finished_at is not None:
        return
    head = session.get(AuditHead, 1)
    _set(check_id, started_at=clock.now(), events_total=head.seq if head else 0)

    def progress(checked: int) -> None:
        _set(check_id, events_checked=checked)

    try:
        result = audit.verify(session, progress=progress)
    except Exception as error:
        session.rollback()
        _set(check_id, finished_at=clock.now(), problem=f"the check stopped: {error}"[:2000])
        raise
    broken = result.broken_at
    _set(check_id, finished_at=clock.now(), events_checked=result.events, intact=result.ok,
         broken_seq=broken.seq if broken is not None else None,
         broken_event=broken.event if broken is not None else "", problem=result.problem)


def _set(check_id: int, **values: object) -> None:
    db.session.execute(update(AuditCheck).where(AuditCheck.id == check_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def latest(session: Session, count: int = 10) -> list[AuditCheck]:
    """The last checks asked for, newest first."""
    return list(session.scalars(select(AuditCheck).order_by(AuditCheck.id.desc()).limit(count)))
