"""Every contract transition and guard, amendments' history, encumbrances, draw-downs and the
spending pace, through the use cases on the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from procure import scheduler
from procure.models import AuditEvent, ContractStatus, RateType
from procure.policy import Denied
from procure.workflows import contract as flow
from procure.workflows.base import WorkflowError
from tests.support.contract import END, START, active, drafted, final_award
from tests.support.factories import user

D = Decimal


@pytest.fixture
def awarded(ctx, people):
    return final_award(ctx)


def test_state_fiscal_years_start_july_first():
    assert flow.fiscal_year(date(2005, 7, 1)) == 2006
    assert flow.fiscal_year(date(2006, 6, 30)) == 2006
    assert flow.fiscal_year_bounds(2027) == (date(2026, 7, 1), date(2027, 6, 30))


def test_a_contract_comes_only_from_a_final_award_and_only_once(ctx, people):
    from tests.support.award import RANKED, finalized
    from procure.workflows import award as award_flow
    world, _ = finalized(ctx)
    award = award_flow.propose(ctx, world.rfr.lots[0], world.officer,
                               response=world.responses[RANKED[0]])
    with pytest.raises(WorkflowError, match="final award"):
        drafted(ctx, world, award)


def test_the_contract_carries_the_award_lot_and_area_offices(ctx, awarded):
    world, award = awarded
    contract = drafted(ctx, world, award)
    assert contract.number == f"{world.rfr.number}-L1"
    assert contract.organization_id == award.response.organization_id
    assert [a.name for a in contract.area_offices] == [
        a.name for a in world.rfr.lots[0].area_offices]
    assert contract.status is ContractStatus.drafting
    with pytest.raises(WorkflowError, match="already has its contract"):
        drafted(ctx, world, award)
    with pytest.raises(Denied):
        flow.create(ctx, award, user(ctx, "bidder"), rate_type=RateType.hourly)


def test_signing_needs_rates_and_a_measure_and_activation_waits_for_the_start(ctx, awarded):
    world, award = awarded
    contract = flow.create(ctx, award, world.officer, start_date=START, end_date=END,
                           rate_type=RateType.per_diem)
    with pytest.raises(WorkflowError, match="its rates and at least one performance measure"):
        flow.fire(ctx, contract, "sign", world.officer)
    flow.edit_draft(ctx, contract, world.officer, start_date=START, end_date=END,
                    annual_maximum=D(90000), rate_type=RateType.per_diem,
                    rates=[flow.Rate("Shelter bed", RateType.per_diem, D("210.00"))],
                    measures=[flow.Measure("Placement stability", "90% no moves")])
    flow.fire(ctx, contract, "sign", world.officer)
    with pytest.raises(WorkflowError, match="becomes active then"):
        flow.fire(ctx, contract, "activate", world.officer, today=START - timedelta(days=1))
    with pytest.raises(WorkflowError, match="Only a contract in drafting"):
        flow.edit_draft(ctx, contract, world.officer, start_date=START, end_date=END,
                        annual_maximum=D(1), rate_type=RateType.per_diem, rates=[], measures=[])


def test_the_scheduler_starts_and_expires_contracts(ctx, awarded):
    world, award = awarded
    contract = drafted(ctx, world, award)
    flow.fire(ctx, contract, "sign", world.officer)
    ctx.commit()
    scheduler.run_due(ctx, noon(START - timedelta(days=1)))
    assert contract.status is ContractStatus.signed
    done = scheduler.run_due(ctx, noon(START))
    assert done["contracts started"] == [contract.number]
    assert contract.status is ContractStatus.active
    done = scheduler.run_due(ctx, noon(END + timedelta(days=1)))
    assert done["contracts expired"] == [contract.number]
    assert contract.status is ContractStatus.expired


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 17, tzinfo=UTC)


def test_termination_needs_a_reason(ctx, awarded):
    contract = active(ctx, *awarded)
    with pytest.raises(WorkflowError, match="Say why"):
        flow.fire(ctx, contract, "terminate", awarded[0].officer, reason=" ")
    flow.fire(ctx, contract, "terminate", awarded[0].officer,
              reason="The provider lost its license.")
    assert (contract.status, contract.end_reason) == (ContractStatus.terminated,
                                                      "The provider lost its license.")


def test_amendments_keep_every_figures_history(ctx, awarded):
    world, _award = awarded
    contract = active(ctx, *awarded)
    with pytest.raises(WorkflowError, match="changes nothing"):
        flow.amend(ctx, contract, world.officer, reason="No change.")
    first = flow.amend(ctx, contract, world.officer, reason="Caseload grew in FY2027.",
                       annual_maximum=D(120000),
                       rates=[flow.Rate("Lead agency functions", RateType.case_rate, D("1300"))])
    assert first.number == 1
    assert first.changes == [
        {"field": "Annual maximum", "before": "$100,000.00", "after": "$120,000.00"},
        {"field": "Rates", "before": "Lead agency functions: $1,250.00 case rate",
         "after": "Lead agency functions: $1,300.00 case rate"}]
    second = flow.amend(ctx, contract, world.officer, reason="One more year.",
                        end_date=date(2030, 6, 30))
    assert second.number == 2 and contract.end_date == date(2030, 6, 30)
    assert contract.annual_maximum == D(120000)
    assert contract.status is ContractStatus.active
    events = ctx.scalars(select(AuditEvent).where(AuditEvent.entity_type == "contract",
                                                  AuditEvent.event == "amend")).all()
    assert [e.reason for e in events] == ["Caseload grew in FY2027.", "One more year."]


def test_encumbrance_within_the_term_and_the_annual_maximum(ctx, awarded):
    world, _award = awarded
    contract = active(ctx, *awarded)
    with pytest.raises(WorkflowError, match="outside the contract's term"):
        flow.encumber(ctx, contract, world.officer, fiscal_year_=2026, amount=D(1000))
    with pytest.raises(WorkflowError, match="annual maximum"):
        flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(100001))
    row = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(60000))
    flow.draw_down(ctx, row, world.officer, service_date=date(2026, 7, 15), amount=D(50000),
                   service="Lead agency functions, July")
    with pytest.raises(WorkflowError, match="cannot be less"):
        flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(40000))
    assert flow.encumber(ctx, contract, world.officer, fiscal_year_=2027,
                         amount=D(80000)).amount == D(80000)
    with pytest.raises(WorkflowError, match="cannot fall below"):
        flow.amend(ctx, contract, world.officer, reason="Cut.", annual_maximum=D(70000))


def test_a_draw_down_never_goes_beyond_what_remains(ctx, awarded):
    world, _award = awarded
    contract = active(ctx, *awarded)
    row = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(1000))
    flow.draw_down(ctx, row, world.officer, service_date=date(2026, 8, 1), amount=D(600),
                   service="Case rate, August")
    with pytest.raises(WorkflowError, match=r"Only \$400.00 remains"):
        flow.draw_down(ctx, row, world.officer, service_date=date(2026, 8, 2), amount=D(401),
                       service="Case rate, August")
    flow.draw_down(ctx, row, world.officer, service_date=date(2026, 8, 2), amount=D(400),
                   service="Case rate, August")
    assert (row.drawn, row.remaining) == (D(1000), D(0))
    with pytest.raises(WorkflowError, match="must fall in FY2027"):
        flow.draw_down(ctx, row, world.officer, service_date=date(2027, 7, 1), amount=D(1),
                       service="Next year")
    with time_machine.travel(datetime(2026, 8, 10, 16, tzinfo=UTC)):
        with pytest.raises(WorkflowError, match="still to come"):
            flow.draw_down(ctx, row, world.officer, service_date=date(2026, 8, 11),
                           amount=D(1), service="Next week")
    with pytest.raises(WorkflowError, match="more than"):
        flow.draw_down(ctx, row, world.officer, service_date=date(2026, 8, 2), amount=D(0),
                       service="Nothing")


def test_flexible_family_funds_are_capped_per_family_a_year(ctx, awarded):
    world, _award = awarded
    contract = active(ctx, *awarded)
    row = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(10000))
    with pytest.raises(WorkflowError, match="name the family"):
        flow.draw_down(ctx, row, world.officer, service_date=date(2026, 9, 1), amount=D(100),
                       service="Flexible funds: school clothes", flexible_funds=True)
    flow.draw_down(ctx, row, world.officer, service_date=date(2026, 9, 1), amount=D(350),
                   service="Flexible funds: rent arrears", family_reference="F-1042",
                   flexible_funds=True)
    with pytest.raises(WorkflowError, match=r"family F-1042 has \$150.00 left"):
        flow.draw_down(ctx, row, world.officer, service_date=date(2026, 10, 1), amount=D(151),
                       service="Flexible funds: heating", family_reference="F-1042",
                       flexible_funds=True)
    flow.draw_down(ctx, row, world.officer, service_date=date(2026, 10, 1), amount=D(150),
                   service="Flexible funds: heating", family_reference="F-1042",
                   flexible_funds=True)
    flow.draw_down(ctx, row, world.officer, service_date=date(2026, 10, 1), amount=D(500),
                   service="Flexible funds: respite", family_reference="F-2001",
                   flexible_funds=True)
    assert row.drawn == D(1000)


def test_the_pace_warns_before_the_money_runs_out(ctx, awarded):
    world, _award = awarded
    contract = active(ctx, *awarded)
    row = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(100000))
    flow.draw_down(ctx, row, world.officer, service_date=date(2026, 7, 20), amount=D(20000),
                   service="Lead agency functions, July")
    steady = flow.pace(row, today=date(2026, 9, 30))    # $20k in 92 days: $79k a year
    assert steady.runs_out_on is None and steady.warning == ""
    fast = flow.pace(row, today=date(2026, 7, 31))      # $20k in 31 days: runs out in January
    assert fast.runs_out_on == date(2026, 12, 3)          # $100k / ($20k / 31 days) = 155 days
    assert "runs out on December 3, 2026" in fast.warning
