"""One scheduler for time: `run_due(session, moment)` runs everything due at a moment.

Closing the solicitations whose deadline has passed (and sealing their responses), reminding
bidders with a draft REMINDER_DAYS before the deadline, making awards final when their standstill
ends, starting and expiring contracts, and sending the mail that could not go after its commit
(procure.mail): each is registered in `DUE`. Three runners call it, never anything else: the
embedded thread of `procure serve` (`start_thread`), `procure tick`, and Celery beat
(`procure.tasks.run_due`). Each job is its own transaction (the mail job commits each message it
tries), so one failing job neither undoes nor stops the others; all are idempotent (what a job did
is no longer due), so two runners at once do no harm."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from procure import clock, mail
from procure.config import Defaults
from procure.models import SchedulerRun
from procure.workflows import award as award_flow
from procure.workflows import contract as contract_flow
from procure.workflows import notices
from procure.workflows import response as response_flow

log = logging.getLogger(__name__)

def remind_due(session: Session, moment: datetime) -> list[str]:
    """Deadline reminders, REMINDER_DAYS (the app's setting) before the deadline."""
    config = current_app.config if has_app_context() else {}
    days = int(config.get("REMINDER_DAYS", Defaults.REMINDER_DAYS))
    return notices.remind_due(session, moment, days) if days > 0 else []


# What is due, in the order it runs: (what a person reads in the log, job(session, moment)).
# A job returns what it did (e.g. the numbers of the solicitations it closed).
DUE: list[tuple[str, Callable[[Session, datetime], list[str]]]] = [
    ("closed at the deadline", response_flow.close_due),
    ("reminded of the deadline", remind_due),
    ("awards final after standstill", award_flow.finalize_due),
    ("contracts started", contract_flow.start_due),
    ("contracts expired", contract_flow.expire_due),
    # last, so what the jobs above queued goes in the same run (each message is claimed and
    # committed on its own: a run never sends one twice)
    ("mail", mail.deliver_due),
]


class DueFailed(Exception):
    """Some jobs failed (each was rolled back; the others were done and committed)."""


def run_due(session: Session, moment: datetime | None = None) -> dict[str, list[str]]:
    """Run every job due at `moment` (now by default), committing each; what each did.
    Raises DueFailed after running the others if any job failed."""
    moment = moment or clock.now()
    started = clock.now()
    done: dict[str, list[str]] = {}
    failed: list[str] = []
    for name, job in DUE:
        try:
            done[name] = job(session, moment)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("scheduled job failed: %s", name)
            failed.append(name)
    _note_run(session, started, failed)
    if failed:
        raise DueFailed("failed: " + ", ".join(failed))
    return done


def _note_run(session: Session, started: datetime, failed: list[str]) -> None:
    """Keep when this run started and ended (what `/ready` and the metrics read)."""
    try:
        session.merge(SchedulerRun(name="run_due", started_at=started, finished_at=clock.now(),
                                   failed_jobs=", ".join(failed)[:400]))
        session.commit()
    except Exception:   # two runners at once: one of them wrote it; never fail the run for it
        session.rollback()
        log.warning("could not note the scheduler's run", exc_info=True)


def describe(done: dict[str, list[str]]) -> str:
    """What a run did, in a line for the log or the terminal."""
    parts = [f"{name}: {', '.join(items)}" for name, items in done.items() if items]
    return "; ".join(parts) if parts else "nothing was due"


def start_thread(app: Flask, stop: threading.Event | None = None) -> threading.Thread:
    """The embedded runner (`procure serve` without Celery): run_due every TICK_SECONDS until
    `stop` is set."""
    stop = stop or threading.Event()

    def loop() -> None:
        from procure.extensions import db
        while not stop.is_set():
            with app.app_context():
                try:
                    done = run_due(db.session)
                    if any(done.values()):
                        app.logger.info("scheduler: %s", describe(done))
                except Exception:
                    app.logger.exception("scheduler run failed")
                finally:
                    db.session.remove()
            stop.wait(app.config["TICK_SECONDS"])

    thread = threading.Thread(target=loop, name="scheduler", daemon=True)
    thread.start()
    return thread
