"""Two draw-downs race for the last of an encumbrance on PostgreSQL: exactly the one that fits
is recorded, the other is refused with what remains, and the balance never goes below zero.

On SQLite (`make test` on a laptop) this skips, and with it the only test that races two
payments at once: a draw-down turned into read-compare-write would pass here unseen. SQLite runs
the serialised equivalent instead, test_draw_down_serialised.py (two sessions in turn, the
second drawing on a balance read before the first committed), which fails on that bug too."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from procure.extensions import db
from procure.models import DrawDown, Encumbrance, User
from procure.workflows import contract as flow
from procure.workflows.base import WorkflowError
from tests.support.contract import active, final_award

pytestmark = pytest.mark.postgres(reason=(
    "SQLite races no two payments, so it misses a read-compare-write draw-down here; "
    "test_draw_down_serialised.py checks the same on SQLite, one session after the other"))


def _draw(app, encumbrance_id, officer_id, barrier, results, i):
    with app.app_context():
        session = db.session
        row = session.get(Encumbrance, encumbrance_id)
        officer = session.get(User, officer_id)
        barrier.wait()
        try:
            flow.draw_down(session, row, officer, service_date=date(2026, 8, 1),
                           amount=Decimal(600), service=f"Case rate, payment {i}")
            session.commit()
            results[i] = "recorded"
        except WorkflowError as refused:
            session.rollback()
            results[i] = refused.message
        finally:
            session.remove()


@pytest.mark.parametrize("attempt", range(3))
def test_two_draw_downs_for_the_last_dollars_leave_exactly_one(app, people, attempt):
    with app.app_context():
        world, award = final_award(db.session)
        contract = active(db.session, world, award)
        row = flow.encumber(db.session, contract, world.officer, fiscal_year_=2027,
                            amount=Decimal(1000))
        db.session.commit()
        ids = (row.id, world.officer.id)
    barrier = threading.Barrier(2)
    results: list[str | None] = [None, None]
    threads = [threading.Thread(target=_draw, args=(app, *ids, barrier, results, i))
               for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results, key=str) == ["Only $400.00 remains of the FY2027 encumbrance; a "
                                        "payment of $600.00 would exceed it.", "recorded"]
    with app.app_context():
        row = db.session.get(Encumbrance, ids[0])
        assert row.drawn == Decimal(600)
        assert db.session.scalar(select(func.count(DrawDown.id)).where(
            DrawDown.encumbrance_id == row.id)) == 1
