"""The draw-down race, serialised so that SQLite runs it too (test_draw_down_race.py races two
threads and needs PostgreSQL; on SQLite it skips). Two sessions, as two officers' requests:
the second read the encumbrance before the first's payment was committed, and draws after it.
Its check and its drawing are one conditional UPDATE, judged on the row as the database holds it
then, not as the session read it: it is refused with what really remains, and the balance is
drawn once. A draw-down that reads, compares in Python and writes back records both payments
(the second overwrites the first's balance) and fails here, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procure.extensions import db
from procure.models import DrawDown, Encumbrance, User
from procure.workflows import contract as flow
from procure.workflows.base import WorkflowError
from tests.support.contract import active, final_award

SERVICE_DATE = date(2026, 8, 1)


@pytest.fixture
def encumbrance(ctx, people):
    """FY2027's $1,000 encumbrance of an active contract, committed."""
    world, award = final_award(ctx)
    contract = active(ctx, world, award)
    row = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=Decimal(1000))
    ctx.commit()
    return row, world.officer


def _draw(session, row, officer, amount, i):
    return flow.draw_down(session, row, officer, service_date=SERVICE_DATE,
                          amount=Decimal(amount), service=f"Case rate, payment {i}")


def _recorded(ctx, row) -> tuple[Decimal, list[Decimal]]:
    ctx.expire_all()
    drawn = ctx.get(Encumbrance, row.id).drawn
    amounts = list(ctx.scalars(select(DrawDown.amount).where(DrawDown.encumbrance_id == row.id)
                               .order_by(DrawDown.id)))
    return drawn, amounts


def test_a_draw_down_on_a_balance_read_before_anothers_payment_is_refused(ctx, encumbrance):
    row, officer = encumbrance
    second = Session(db.engine)
    try:
        # the second officer's request reads the encumbrance: $1,000 remains
        theirs = second.get(Encumbrance, row.id)
        assert theirs.remaining == Decimal(1000)
        their_officer = second.get(User, officer.id)
        # the first officer's payment of $600 is recorded and committed
        _draw(ctx, row, officer, 600, 1)
        ctx.commit()
        # the second, on what it read, draws $600 too: refused with what really remains
        with pytest.raises(WorkflowError) as refused:
            _draw(second, theirs, their_officer, 600, 2)
        assert refused.value.message == ("Only $400.00 remains of the FY2027 encumbrance; a "
                                         "payment of $600.00 would exceed it.")
        second.rollback()
        # what does fit is taken from what remains, not from what it read
        _draw(second, theirs, their_officer, 400, 3)
        second.commit()
    finally:
        second.close()
    assert _recorded(ctx, row) == (Decimal(1000), [Decimal(600), Decimal(400)])


def test_two_sessions_drawing_in_turn_leave_the_balance_the_sum_of_both(ctx, encumbrance):
    """No lost update: each payment adds to the balance as the database holds it."""
    row, officer = encumbrance
    second = Session(db.engine)
    try:
        theirs = second.get(Encumbrance, row.id)
        their_officer = second.get(User, officer.id)
        assert theirs.drawn == Decimal(0)
        _draw(ctx, row, officer, 300, 1)
        ctx.commit()
        _draw(second, theirs, their_officer, 200, 2)
        second.commit()
        assert theirs.drawn == Decimal(500) and theirs.remaining == Decimal(500)
    finally:
        second.close()
    assert _recorded(ctx, row) == (Decimal(500), [Decimal(300), Decimal(200)])
    assert ctx.scalar(select(func.count(DrawDown.id))) == 2
