"""Races on PostgreSQL: two officers on one RFR, a bidder's submission against the deadline."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, text

from procure.extensions import db
from procure.models import Response, ResponseStatus, Solicitation, SolicitationStatus
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from tests.conftest import Client
from tests.support.factories import EMAILS, PASSWORD, draft_rfr, published_rfr, user
from tests.support.world import build

pytestmark = pytest.mark.postgres


def _race(*actions):
    """Run the actions at the same moment, each in its own thread; return their results."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(i, action):
        barrier.wait()
        results[i] = action()
    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _officer(app, who):
    c = Client(app)
    assert c.login(EMAILS[who], PASSWORD).status_code == 302
    return c


@pytest.mark.parametrize("attempt", range(5))
def test_publish_and_cancel_at_once_exactly_one_wins(app, people, attempt):
    with app.app_context():
        row = draft_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        sid = row.id
    a, b = _officer(app, "officer"), _officer(app, "officer2")
    a.get(f"/officer/solicitations/{sid}")
    b.get(f"/officer/solicitations/{sid}")
    codes = _race(lambda: a.post(f"/officer/solicitations/{sid}/events/publish", {}).status_code,
                  lambda: b.post(f"/officer/solicitations/{sid}/events/cancel",
                                 {"cancel-cancel_reason": "no_need",
                                  "cancel-text": "Not needed after all."}).status_code)
    assert sorted(codes) == [302, 409], codes
    with app.app_context():
        status = db.session.get(Solicitation, sid).status
        events = [e.event for e in db.session.scalars(select(flow.audit.AuditEvent).where(
            flow.audit.AuditEvent.event.in_(["publish", "cancel"])))]
    assert status in (SolicitationStatus.published, SolicitationStatus.cancelled)
    assert len(events) == 1 and (events[0] == "publish") == (status is SolicitationStatus.published)


def test_two_addenda_at_once_get_two_numbers(app, people):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        sid = row.id
    a, b = _officer(app, "officer"), _officer(app, "officer2")
    a.get(f"/officer/solicitations/{sid}")
    b.get(f"/officer/solicitations/{sid}")

    def addendum(c, title):
        return lambda: c.post(f"/officer/solicitations/{sid}/addenda",
                              {"addendum-title": title, "addendum-body": "Change.",
                               "addendum-confirm": "y"}).status_code
    codes = _race(addendum(a, "First"), addendum(b, "Second"))
    with app.app_context():
        numbers = sorted(ad.number for ad in db.session.get(Solicitation, sid).addenda)
    # Serialized by the row lock: both published, numbered 1 and 2 (or one refused, never a clash).
    assert codes.count(302) == len(numbers) and numbers == list(range(1, len(numbers) + 1))
    assert 302 in codes


def _waiting_for_locks(app, count: int) -> None:
    """Until `count` sessions of this database wait for a lock (a barrier on PostgreSQL's state).

    Each look is its own transaction: PostgreSQL keeps one snapshot of pg_stat_activity for the
    whole of a transaction, so polling inside one sees the moment of the first look forever (the
    test failed "never queued" whenever the first look came before the thread reached the lock,
    which only a loaded machine made likely). No time decides anything here: the loop only gives
    up, after a minute of looks, on a thread that died before reaching the lock."""
    with app.app_context(), db.engine.connect() as conn:
        for _ in range(6000):
            waiting = conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))
            conn.rollback()                  # ends the transaction: the next look is fresh
            if waiting >= count:
                return
            time.sleep(0.01)
    raise AssertionError(f"{count} sessions never queued for the solicitation's lock")


@pytest.mark.parametrize("first", ["submission", "close"])
def test_submit_racing_the_deadline_close_is_in_or_refused_never_both(app, first):
    """The submission and the close at the deadline (no grace: the lock race itself) queue for the
    solicitation's row lock in the order given (PostgreSQL grants queued lockers in turn; a third
    session holds the lock until both wait). Submission first, received 1 ms before the deadline:
    in, then sealed by the close. Close first (the submission arrives as it starts): refused, and
    the response is as it was (withdrawn)."""
    world = build(app)
    with app.app_context():
        owner_id = db.session.scalar(select(Response.organization_id))
    bidder = Client(app)
    url = f"/bidder/responses/{world.ids['response']}"
    in_time, deadline = world.deadline - timedelta(milliseconds=1), world.deadline
    with time_machine.travel(deadline - timedelta(minutes=5), tick=False) as clock_hand:
        assert bidder.login(EMAILS["bidder"], PASSWORD).status_code == 302
        bidder.get(url)
        assert bidder.post(url + "/events/withdraw", {}).status_code == 302
        bidder.get(url)
        results: dict[str, object] = {}

        def submit():
            results["submission"] = bidder.post(url + "/events/submit", {}).status_code

        def close():
            with app.app_context():
                results["close"] = response_flow.close_due(db.session, grace=timedelta(0))
                db.session.commit()

        with app.app_context(), db.engine.connect() as holder:   # holds the lock meanwhile
            holder.execute(select(Solicitation.id).where(
                Solicitation.id == world.ids["solicitation"]).with_for_update())
            threads = []
            for n, who in enumerate([first, "close" if first == "submission" else "submission"]):
                clock_hand.move_to(in_time if who == "submission" and n == 0 else deadline)
                threads.append(threading.Thread(target=submit if who == "submission" else close))
                threads[-1].start()
                _waiting_for_locks(app, n + 1)
            holder.rollback()
        for t in threads:
            t.join(60)
    assert "RFR" in " ".join(results["close"])     # the close ran, whichever went first
    with app.app_context():
        response = db.session.scalar(select(Response).where(Response.organization_id == owner_id))
        solicitation = db.session.get(Solicitation, world.ids["solicitation"])
        assert solicitation.status is SolicitationStatus.closed
        if first == "submission":   # in before the close: sealed by it, with its receipt
            assert results["submission"] == 302
            assert response.status is ResponseStatus.sealed
            assert response.receipts[-1].submitted_at == in_time < deadline
        else:                       # after the close: refused, and nothing changed
            assert results["submission"] == 302     # refused: told on the response's page
            assert response.status is ResponseStatus.withdrawn
            assert response.receipts[-1].withdrawn_at is not None
