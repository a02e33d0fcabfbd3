"""One scheduler, three runners: `procure.scheduler.run_due` closes what is past its deadline
(and seals its responses), reminds bidders with a draft before the deadline (once) and retries
mail, whether the embedded thread, `procure tick` or Celery beat on Redis calls it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from procure import clock, scheduler
from procure.extensions import celery, db
from procure.models import Response, ResponseStatus, Solicitation, SolicitationStatus
from tests.conftest import require_or_skip
from tests.integration.test_intake_queue import REDIS_URL, _redis_up
from tests.integration.test_mail import smtp, smtp_down  # noqa: F401 (fixtures)
from tests.support.factories import EMAILS, published_rfr, user


@pytest.fixture
def past_deadline(app, people):
    """An RFR published 40 days ago whose deadline passed 9 days ago (by the real clock, which
    the thread and the Celery processes read), with a submitted response."""
    with app.app_context(), time_machine.travel(clock.now() - timedelta(days=40), tick=False):
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        bidder = user(db.session, "bidder")
        db.session.add(Response(solicitation=row, lot=row.lots[0], status=ResponseStatus.submitted,
                                organization_id=bidder.organization_id, created_at=clock.now()))
        db.session.commit()
        return row.id


def _status(app, solicitation_id: int) -> tuple[SolicitationStatus, list[ResponseStatus]]:
    with app.app_context():
        row = db.session.get(Solicitation, solicitation_id)
        responses = list(db.session.scalars(select(Response.status).where(
            Response.solicitation_id == solicitation_id)))
        status = row.status
        db.session.remove()
        return status, responses


def _wait_closed(app, solicitation_id: int, seconds: float = 90) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if _status(app, solicitation_id)[0] is SolicitationStatus.closed:
            return
        time.sleep(0.2)
    raise AssertionError(f"solicitation {solicitation_id} was not closed within {seconds} s")


def test_run_due_closes_and_seals_once(app, past_deadline):
    with app.app_context():
        done = scheduler.run_due(db.session)
        number = db.session.get(Solicitation, past_deadline).number
        nothing = {name: [] for name, _job in scheduler.DUE}
        assert done == {**nothing, "closed at the deadline": [number]}
        again = scheduler.run_due(db.session)
        assert again == nothing                                                # nothing twice
    assert _status(app, past_deadline) == (SolicitationStatus.closed, [ResponseStatus.sealed])


def test_the_embedded_thread_runs_it(app, past_deadline):
    stop = threading.Event()
    app.config["TICK_SECONDS"] = 0.1
    try:
        thread = scheduler.start_thread(app, stop)
        _wait_closed(app, past_deadline)
    finally:
        stop.set()
        app.config["TICK_SECONDS"] = 30
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert _status(app, past_deadline) == (SolicitationStatus.closed, [ResponseStatus.sealed])


def test_procure_tick_runs_it(app, past_deadline):
    with app.app_context():
        number = db.session.get(Solicitation, past_deadline).number
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert f"closed at the deadline: {number}" in result.output
    assert _status(app, past_deadline) == (SolicitationStatus.closed, [ResponseStatus.sealed])
    again = app.test_cli_runner().invoke(args=["tick"])
    assert "nothing was due" in again.output


def test_celery_beat_runs_it_on_a_worker(app, past_deadline, tmp_path):
    require_or_skip(_redis_up(), f"Redis is not reachable at {REDIS_URL}")
    import redis
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {**os.environ, "PROCURE_INSTANCE_PATH": str(tmp_path),
           "PROCURE_DATABASE_URL": app.config["DATABASE_URL"],
           "PROCURE_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
           "PROCURE_REDIS_URL": REDIS_URL, "PROCURE_TICK_SECONDS": "1",
           "PROCURE_SECRET_KEY": "test-secret"}   # a deployment on PostgreSQL needs its own key
    # A worker with an embedded beat (-B): beat sends procure.run_due, the worker runs it.
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "procure.worker", "worker", "-B",
         "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-s", str(tmp_path / "beat-schedule")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        _wait_closed(app, past_deadline)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output = worker.communicate(timeout=60)[0]
        celery.conf.broker_url = None
    assert "procure.run_due" in output
    assert _status(app, past_deadline) == (SolicitationStatus.closed, [ResponseStatus.sealed])


def _drafts_due_in_two_days(app) -> tuple[str, str]:
    """Alpha's two drafts on an RFR due in 2 days; Beta's submitted response to it, and Beta's
    draft on another due in 10. The RFR's number and its deadline as bidders read it."""
    with app.app_context():
        officer = user(db.session, "officer")
        alpha, beta = user(db.session, "bidder"), user(db.session, "other_bidder")
        with time_machine.travel(clock.now() - timedelta(days=40), tick=False):
            soon = published_rfr(db.session, officer, days_open=42)      # due in 2 days
            later = published_rfr(db.session, officer, days_open=50)     # due in 10 days
        now = clock.now()
        began = now - timedelta(days=2)   # before the reminder moment, 3 days before the deadline
        db.session.add_all([
            Response(solicitation=soon, lot=soon.lots[0], organization_id=alpha.organization_id,
                     status=ResponseStatus.draft, created_at=began),
            Response(solicitation=soon, lot=soon.lots[1], organization_id=alpha.organization_id,
                     status=ResponseStatus.draft, created_at=began),
            Response(solicitation=soon, lot=soon.lots[0], organization_id=beta.organization_id,
                     status=ResponseStatus.submitted, created_at=now, submitted_at=now),
            Response(solicitation=later, lot=later.lots[0], organization_id=beta.organization_id,
                     status=ResponseStatus.draft, created_at=now)])
        db.session.commit()
        return soon.number, clock.format_moment(soon.deadline)


def test_bidders_with_a_draft_are_reminded_once_before_the_deadline(app, people, smtp):
    """REMINDER_DAYS (3) before the deadline, each person of an organisation whose response is
    still a draft gets one reminder, however often the scheduler runs; a bidder who submitted,
    or whose deadline is further off, gets none."""
    number, deadline = _drafts_due_in_two_days(app)
    with app.app_context():
        first = scheduler.run_due(db.session)
        second = scheduler.run_due(db.session, clock.now() + timedelta(hours=1))
    assert first["reminded of the deadline"] == [number]
    assert second["reminded of the deadline"] == []
    assert smtp.recipients() == sorted([EMAILS["bidder"], EMAILS["bidder_colleague"]])
    message = smtp.to(EMAILS["bidder"])[0]
    assert message["Subject"] == \
        f"{number}: your response is not submitted; the deadline is {deadline}"
    text = message.get_body(("plain",)).get_content()
    assert "Lot 1: Lead agency: Holyoke" in text and "Lot 2: Lead agency: joined areas" in text


def test_a_draft_begun_after_the_reminder_moment_is_not_reminded(app, people, smtp):
    """Issue 19: a reminder went seconds after a draft began. Only the drafts that existed 3
    days before the deadline are reminded; one begun since is its bidder at work."""
    with app.app_context():
        officer, alpha = user(db.session, "officer"), user(db.session, "bidder")
        with time_machine.travel(clock.now() - timedelta(days=40), tick=False):
            soon = published_rfr(db.session, officer, days_open=42)      # due in 2 days
        db.session.add(Response(solicitation=soon, lot=soon.lots[0],
                                organization_id=alpha.organization_id,
                                status=ResponseStatus.draft, created_at=clock.now()))
        db.session.commit()
        done = scheduler.run_due(db.session, clock.now() + timedelta(seconds=30))
    assert done["reminded of the deadline"] == []
    assert smtp.recipients() == []


def test_the_scheduler_sends_mail_the_server_could_not_take_when_it_is_back(app, smtp_down):
    from procure import mail
    with app.app_context():
        mail.queue(db.session, EMAILS["bidder"], "Award notice", "You were selected.")
        db.session.commit()                              # down: kept
        assert scheduler.run_due(db.session)["mail"] == []  # not yet time to try again
        smtp_down.start()
        done = scheduler.run_due(db.session, clock.now() + timedelta(minutes=5))
    assert done["mail"] == ["1 sent"]
    assert smtp_down.recipients() == [EMAILS["bidder"]]


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_two_runners_at_once_remind_and_mail_each_person_once(app, people, smtp, attempt):
    from tests.integration.test_concurrency import _race
    number, _ = _drafts_due_in_two_days(app)

    def runner() -> dict[str, list[str]]:
        with app.app_context():
            try:
                return scheduler.run_due(db.session)
            finally:
                db.session.remove()
    first, second = _race(runner, runner)
    # one runner queued the reminders; the other found them queued
    assert first["reminded of the deadline"] + second["reminded of the deadline"] == [number]
    assert smtp.recipients() == sorted([EMAILS["bidder"], EMAILS["bidder_colleague"]])
