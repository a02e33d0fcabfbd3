"""A final award and the contract made from it, through the use cases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from procure.models import Contract, RateType
from procure.workflows import award as award_flow
from procure.workflows import contract as flow
from tests.support.award import RANKED, finalized
from tests.support.evaluation import Evaluation

START = date(2026, 7, 1)          # FY2027 begins
END = date(2029, 6, 30)


def final_award(session: Session, amount: Decimal = Decimal(100000),
                justification: str = "") -> tuple[Evaluation, object]:
    world, _panel = finalized(session)
    lot = world.rfr.lots[0]
    award = award_flow.propose(session, lot, world.officer,
                               response=world.responses[RANKED[0]], amount=amount,
                               justification=justification)
    award_flow.approve(session, award, world.chair)
    award_flow.notify_lot(session, lot, world.officer)
    award_flow.finalize_due(session, award.standstill_ends_at + timedelta(seconds=1))
    session.commit()
    return world, award


def drafted(session: Session, world: Evaluation, award) -> Contract:
    return flow.create(
        session, award, world.officer, start_date=START, end_date=END,
        annual_maximum=Decimal(100000), rate_type=RateType.case_rate,
        rates=[flow.Rate("Lead agency functions", RateType.case_rate, Decimal("1250.00"))],
        measures=[flow.Measure("Children supported in their families without removal", "85%",
                               "2% of the annual maximum")])


def active(session: Session, world: Evaluation, award) -> Contract:
    contract = drafted(session, world, award)
    flow.fire(session, contract, "sign", world.officer)
    flow.fire(session, contract, "activate", world.officer, today=START)
    return contract
