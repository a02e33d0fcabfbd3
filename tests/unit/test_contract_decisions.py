"""The contract machine asked directly, as the scheduler and any future caller ask it: with no
day given it activates and expires by today's date, and with no reason at all it refuses, word
for word. (The use case `fire` always passes a day and a text, so these defaults were reached by
no test: the mutation run of issue 22 left them alive.) And a payment's service date against the
term's first and last days, the family cap's count, and the payment's line on the trail."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from procure.models import AuditEvent, ContractStatus, RateType
from procure.workflows import contract as flow
from procure.workflows.base import WorkflowError
from tests.support.contract import END, START, active, drafted
from tests.unit.test_contract_workflow import awarded  # noqa: F401 (the fixture)

D = Decimal


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(WorkflowError) as refused:
        call(*args, **kwargs)
    return refused.value.message


def test_told_no_day_the_machine_activates_a_contract_from_its_first_day_by_todays_date(
        ctx, awarded):
    world, award = awarded
    contract = drafted(ctx, world, award)
    flow.fire(ctx, contract, "sign", world.officer)
    with time_machine.travel(datetime(2026, 6, 30, 16, tzinfo=UTC)):     # the day before START
        assert refusal(flow.CONTRACT.fire, contract, "activate", actor="scheduler") == (
            "The contract starts on July 1, 2026; it becomes active then.")
    assert contract.status is ContractStatus.signed
    with time_machine.travel(datetime(2026, 7, 1, 16, tzinfo=UTC)):      # START, midday
        flow.CONTRACT.fire(contract, "activate", actor="scheduler")
    assert contract.status is ContractStatus.active and START.isoformat() == "2026-07-01"


def test_told_no_day_the_machine_expires_a_contract_only_after_todays_date_passes_its_end(
        ctx, awarded):
    contract = active(ctx, *awarded)
    with time_machine.travel(datetime(2029, 6, 30, 16, tzinfo=UTC)):     # END, midday
        assert refusal(flow.CONTRACT.fire, contract, "expire", actor="scheduler") == (
            "The contract runs until June 30, 2029.")
    assert contract.status is ContractStatus.active
    with time_machine.travel(datetime(2029, 7, 1, 16, tzinfo=UTC)):      # the day after END
        flow.CONTRACT.fire(contract, "expire", actor="scheduler")
    assert contract.status is ContractStatus.expired and END.isoformat() == "2029-06-30"


@pytest.mark.parametrize("event", ["terminate", "amend"])
def test_asked_with_no_reason_at_all_the_machine_says_why_one_is_needed(ctx, awarded, event):
    world, _award = awarded
    contract = active(ctx, *awarded)
    assert refusal(flow.CONTRACT.fire, contract, event, actor=world.officer) == (
        "Say why; it stays on the record and the provider is told.")
    assert contract.status is ContractStatus.active and contract.ended_at is None


def test_a_payment_is_drawn_from_the_first_to_the_last_day_of_the_term_and_not_outside_it(
        ctx, awarded):
    """A term inside one fiscal year, so the fiscal year's check does not answer first."""
    world, award = awarded
    first, last = date(2026, 9, 1), date(2027, 3, 31)
    contract = flow.create(ctx, award, world.officer, start_date=first, end_date=last,
                           annual_maximum=D(100000), rate_type=RateType.case_rate,
                           rates=[flow.Rate("Case rate", RateType.case_rate, D(100))],
                           measures=[flow.Measure("Families kept together", "85%")])
    flow.fire(ctx, contract, "sign", world.officer)
    flow.fire(ctx, contract, "activate", world.officer, today=first)
    row = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(1000))
    with time_machine.travel(datetime(2027, 4, 10, 16, tzinfo=UTC)):
        for outside in (first - timedelta(days=1), last + timedelta(days=1)):
            assert refusal(flow.draw_down, ctx, row, world.officer, service_date=outside,
                           amount=D(100), service="Case rate") == (
                "The service date must fall within the contract's term.")
        for inside in (first, last):
            flow.draw_down(ctx, row, world.officer, service_date=inside, amount=D(100),
                           service="Case rate")
    assert row.drawn == D(200)
    # each payment is on the RFR's trail with the officer who recorded it
    trail = ctx.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "contract", AuditEvent.entity_id == contract.id,
        AuditEvent.event == "draw_down").order_by(AuditEvent.seq)).all()
    assert [(e.solicitation_id, e.actor_id, e.actor_label, e.data) for e in trail] == [
        (contract.solicitation_id, world.officer.id, world.officer.email,
         {"fiscal_year": 2027, "amount": "100.00", "service": "Case rate", "flexible_funds": False})
    ] * 2


def test_the_family_cap_counts_only_that_familys_flexible_funds_of_that_fiscal_year(
        ctx, awarded):
    """$500 per family a year: a regular payment naming the family is not flexible funds, and a
    new fiscal year starts the family's $500 afresh."""
    world, _award = awarded
    contract = active(ctx, *awarded)
    fy2027 = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(10000))
    fy2028 = flow.encumber(ctx, contract, world.officer, fiscal_year_=2028, amount=D(10000))
    assert refusal(flow.draw_down, ctx, fy2027, world.officer, service_date=date(2026, 9, 1),
                   amount=D(100), service="Flexible funds: school clothes",
                   flexible_funds=True) == (
        "Flexible family funds name the family they were spent for.")
    flow.draw_down(ctx, fy2027, world.officer, service_date=date(2026, 9, 1), amount=D(900),
                   service="Case rate", family_reference="F-1042")
    flow.draw_down(ctx, fy2027, world.officer, service_date=date(2026, 9, 1), amount=D(500),
                   service="Flexible funds: rent arrears", family_reference="F-1042",
                   flexible_funds=True)
    with time_machine.travel(datetime(2027, 8, 10, 16, tzinfo=UTC)):
        flow.draw_down(ctx, fy2028, world.officer, service_date=date(2027, 8, 1),
                       amount=D(500), service="Flexible funds: heating",
                       family_reference="F-1042", flexible_funds=True)
        assert refusal(flow.draw_down, ctx, fy2028, world.officer,
                       service_date=date(2027, 8, 2), amount=D("0.01"),
                       service="Flexible funds: bus fare", family_reference="F-1042",
                       flexible_funds=True) == (
            "Flexible funds are capped at $500.00 per family a year; family F-1042 has $0.00 "
            "left in FY2028.")
    assert (fy2027.drawn, fy2028.drawn) == (D(1400), D(500))
