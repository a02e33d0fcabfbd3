"""The intake queue: in-process worker threads by default, Celery workers on Redis when
PROCURE_REDIS_URL is set. Either way a job is one document id; the document row says where it
stands (queued, parsing, parsed, rejected), so a job lost with a dead process is found again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from procure import clock
from procure.extensions import celery, db
from procure.models import Document, IntakeStatus

log = logging.getLogger(__name__)

INTAKE_TASK = "procure.intake"   # the Celery task (procure.tasks) that runs `run`

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


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
        celery.send_task(INTAKE_TASK, args=[document_id])
    elif app.config.get("INTAKE_IN_PROCESS"):
        _in_process_executor().submit(_run_with_app, app, document_id)


def submit_in_process(app: Flask, job: Callable[[], object], what: str) -> None:
    """Run another job of the embedded default (the audit-chain check) on the in-process
    worker thread, in the app's context; wait_for_idle waits for it too."""
    def run_it() -> None:
        with app.app_context():
            try:
                job()
            except Exception:  # the worker thread must survive any one job
                log.exception("%s failed", what)
                db.session.rollback()
    _in_process_executor().submit(run_it)


def _run_with_app(app: Flask, document_id: int) -> None:
    with app.app_context():
        try:
            run(document_id)   # the embedded worker is the only one: no claim to wait for
        except Exception:  # the worker thread must survive any one document
            log.exception("intake of document %s failed", document_id)
            db.session.rollback()


def wait_for_idle(timeout: float = 60) -> None:
    """Block until the in-process queue is empty (tests and the demo use it)."""
    if _executor is None:
        return
    _executor.submit(lambda: None).result(timeout=timeout)


def _stale_after() -> timedelta:
    """A claim older than this belongs to a worker that died (twice the parse limit, and more)."""
    configured = current_app.config.get("INTAKE_CLAIM_STALE_SECONDS")
    return timedelta(seconds=configured or current_app.config["INTAKE_SECONDS"] * 2 + 30)


def _claim(document_id: int) -> bool:
    """Take the document for this worker; a stale claim is taken over."""
    now = clock.now()
    stale_after = _stale_after()
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


def run(document_id: int) -> float | None:
    """Read one document into its structured record (or its rejection). Needs an app context.
    Returns None, or the seconds until another worker's claim on it goes stale (that worker may
    have died: try again then)."""
    from procure.intake.pdf import Limits, Rejected, parse_file
    from procure.storage import store_from_config

    config = current_app.config
    limits = Limits(seconds=config["INTAKE_SECONDS"], pages=config["INTAKE_PAGES"],
                    bytes=config["MAX_UPLOAD_BYTES"], memory_bytes=config["INTAKE_MEMORY_BYTES"])
    if not _claim(document_id):
        claimed_at = db.session.scalar(select(Document.claimed_at).where(
            Document.id == document_id, Document.intake_status == IntakeStatus.parsing))
        db.session.commit()
        if claimed_at is None:
            return None   # read already, or gone
        return max(1.0, (claimed_at + _stale_after() - clock.now()).total_seconds())
    document = db.session.get(Document, document_id)
    sections = [s.as_intake_dict() for s in document.response.solicitation.sections]
    names = document.response.organization.names_it_prints()
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
            record = parse_file(path, sections, limits, progress=progress, bidder_names=names)
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
    if values["intake_status"] is IntakeStatus.parsed:
        _render_page_images(document_id, sha256, store, limits)
    return None


def _render_page_images(document_id: int, sha256: str, store, limits) -> None:
    """Page images for reading beside the record, rendered in the isolated child and stored
    by their own SHA-256. A failure here costs the pictures only, never the record."""
    import tempfile
    from pathlib import Path

    from procure.intake.pdf import Rejected, render_pages
    try:
        with tempfile.TemporaryDirectory(prefix="procure-pages-") as folder, \
                store.local_copy(sha256) as path:
            images = render_pages(path, Path(folder), limits,
                                  max_pages=current_app.config["INTAKE_PAGE_IMAGES"])
            hashes = []
            for image in images:
                with image.open("rb") as stream:
                    hashes.append(store.put(stream).sha256)
    except Rejected as refused:
        log.warning("page images of document %s were not made: %s", document_id, refused.message)
        return
    db.session.execute(update(Document).where(Document.id == document_id)
                       .values(page_images=hashes).execution_options(synchronize_session=False))
    db.session.commit()


def pending_ids() -> list[int]:
    return list(db.session.scalars(select(Document.id).where(
        Document.intake_status.in_([IntakeStatus.queued, IntakeStatus.parsing]))
        .order_by(Document.id)))


def recover(grace_seconds: float = 3600, *, sole_worker: bool = False) -> dict[str, int]:
    """After a crash: partial uploads removed, stored files no row names (the process died
    between the store and the commit) removed once older than the grace period, rows checked
    for their files, and unread documents queued again."""
    from procure.storage import LocalStore, store_from_config
    from procure.models import SolicitationDocument

    store = store_from_config(current_app.config)
    temp = store.cleanup_temp(grace_seconds) if isinstance(store, LocalStore) else 0
    named = set(db.session.scalars(select(Document.sha256))) | set(
        db.session.scalars(select(SolicitationDocument.sha256)))
    pictures = {h for images in db.session.scalars(select(Document.page_images).where(
        Document.page_images.is_not(None))) for h in images}
    orphans = 0
    for sha256 in list(store.iter_hashes()):
        if sha256 not in named | pictures and store.age_seconds(sha256) > grace_seconds:
            store.delete(sha256)
            orphans += 1
    missing = sum(1 for sha256 in named if not store.exists(sha256))
    if missing:
        log.error("%s document rows name files missing from the store", missing)
    return {"partial_uploads_removed": temp, "orphans_removed": orphans,
            "rows_missing_files": missing, "resumed": resume_pending(sole_worker=sole_worker)}


def resume_pending(*, sole_worker: bool = False) -> int:
    """Queue again every document left queued or parsing by a process that died. A claim is
    taken back once stale, or at once by the sole worker (the embedded `procure serve`, which
    at start-up knows no one else is reading)."""
    ids = pending_ids()
    if ids:
        stale = clock.now() - _stale_after()
        taken_back = (Document.claimed_at.is_(None) | (Document.claimed_at < stale)
                      if not sole_worker else Document.id.is_not(None))
        db.session.execute(update(Document).where(
            Document.id.in_(ids), Document.intake_status == IntakeStatus.parsing, taken_back)
            .values(intake_status=IntakeStatus.queued)
            .execution_options(synchronize_session=False))
        db.session.commit()
    for document_id in ids:
        enqueue(document_id)
    return len(ids)

