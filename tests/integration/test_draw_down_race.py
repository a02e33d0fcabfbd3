"""Two draw-downs race for the last of an encumbrance on PostgreSQL: exactly the one that fits
is recorded, the other is refused with what remains, and the balance never goes below zero.
Ten draw-downs of $400 in flexible family funds for one family, written seven ways, race for
its $500 a year: exactly one is recorded (the cap is held under the encumbrance's lock;
unlocked, the family's total was read before anyone wrote it and seven of ten went through).
SQLite has no row locks: there a draw-down writes first, which takes the database's one write
lock, so writers are serialised and these races are PostgreSQL's.
On SQLite (`make test` on a laptop) this skips, and with it the only test that races two
payments at once: a draw-down turned into read-compare-write would pass here unseen. SQLite runs
the serialised equivalent instead, test_draw_down_serialised.py (two sessions in turn, the
second drawing on a balance read before the first committed), which fails on that bug too."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from sqlalchemy import func, select

from procure.extensions import db
from procure.models import DrawDown, Encumbrance, User
from procure.workflows import contract as flow
from procure.workflows.base import WorkflowError
from tests.integration.test_concurrency import _race
from tests.support.contract import active, final_award

pytestmark = pytest.mark.postgres(reason=(
    "SQLite races no two payments, so it misses a read-compare-write draw-down here; "
    "test_draw_down_serialised.py checks the same on SQLite, one session after the other"))


def _draw(app, encumbrance_id, officer_id, i, terms):
    with app.app_context():
        session = db.session
        row = session.get(Encumbrance, encumbrance_id)
        officer = session.get(User, officer_id)
        try:
            flow.draw_down(session, row, officer, service_date=date(2026, 8, 1),
                           service=f"Case rate, payment {i}", **terms(i))
            session.commit()
            return "recorded"
        except WorkflowError as refused:
            session.rollback()
            return refused.message
        finally:
            session.remove()


def _draws(app, ids, count, terms):
    """`count` draw-downs at one moment, each in its own thread: what each was told."""
    return _race(*(partial(_draw, app, *ids, i, terms) for i in range(count)))


def _encumbered(app, amount):
    """An active contract with `amount` encumbered in FY2027: (encumbrance id, officer id)."""
    with app.app_context():
        world, award = final_award(db.session)
        contract = active(db.session, world, award)
        row = flow.encumber(db.session, contract, world.officer, fiscal_year_=2027,
                            amount=Decimal(amount))
        db.session.commit()
        return row.id, world.officer.id


@pytest.mark.parametrize("attempt", range(3))
def test_two_draw_downs_for_the_last_dollars_leave_exactly_one(app, people, attempt):
    ids = _encumbered(app, 1000)
    results = _draws(app, ids, 2, lambda i: {"amount": Decimal(600)})
    assert sorted(results, key=str) == ["Only $400.00 remains of the FY2027 encumbrance; a "
                                        "payment of $600.00 would exceed it.", "recorded"]
    with app.app_context():
        row = db.session.get(Encumbrance, ids[0])
        assert row.drawn == Decimal(600)
        assert db.session.scalar(select(func.count(DrawDown.id)).where(
            DrawDown.encumbrance_id == row.id)) == 1


SPELLINGS = ["FAM-2", "fam-2", "FAM\u20112", "FAM-\u200b2", "FAM\u20132", "FAM 2", "fam.2"]


@pytest.mark.parametrize("attempt", range(2))
def test_ten_draw_downs_for_one_family_leave_exactly_one(app, people, attempt):
    ids = _encumbered(app, 10000)
    results = _draws(app, ids, 10, lambda i: {
        "amount": Decimal(400), "family_reference": SPELLINGS[i % len(SPELLINGS)],
        "flexible_funds": True})
    assert results.count("recorded") == 1, results
    told = [r for r in results if r != "recorded"]
    assert len(told) == 9 and all(re.fullmatch(
        r"Flexible funds are capped at \$500\.00 per family a year; family FAM[-.]?2"
        r"( \(written FAM[-.]?2 here\))? has \$100\.00 left in FY2027\.", r)
        for r in told), results
    with app.app_context():
        row = db.session.get(Encumbrance, ids[0])
        assert row.drawn == Decimal(400)
        recorded = db.session.scalars(select(DrawDown.family_reference).where(
            DrawDown.encumbrance_id == row.id)).all()
        assert len(recorded) == 1 and flow.same_family(recorded[0]) == "FAM2"
