"""Every contract transition and guard, amendments' history, encumbrances, draw-downs and the
spending pace, through the use cases on the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from procure import scheduler
from procure.models import AmendmentStatus, AuditEvent, ContractStatus, RateType
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
                               response=world.responses[RANKED[0]], amount=Decimal(100000))
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
    first = flow.amend(ctx, contract, world.officer, reason="Caseload fell in FY2027.",
                       annual_maximum=D(90000),
                       rates=[flow.Rate("Lead agency functions", RateType.case_rate, D("1300"))])
    assert first.number == 1 and first.status is AmendmentStatus.in_force
    assert first.changes == [
        {"field": "Annual maximum", "before": "$100,000.00", "after": "$90,000.00"},
        {"field": "Rates", "before": "Lead agency functions: $1,250.00 case rate",
         "after": "Lead agency functions: $1,300.00 case rate"}]
    second = flow.amend(ctx, contract, world.officer, reason="One more year.",
                        end_date=date(2030, 6, 30))
    assert second.number == 2 and contract.end_date == date(2030, 6, 30)
    assert second.changes == [{"field": "End date", "before": "June 30, 2029",
                               "after": "June 30, 2030"}]
    assert contract.annual_maximum == D(90000)
    assert contract.status is ContractStatus.active
    events = ctx.scalars(select(AuditEvent).where(AuditEvent.entity_type == "contract",
                                                  AuditEvent.event == "amend")).all()
    assert [e.reason for e in events] == ["Caseload fell in FY2027.", "One more year."]


def test_the_maximum_comes_from_the_award_and_more_needs_a_second_officer(ctx, awarded):
    """The award is $100,000 a year: a draft at $900,000 is refused; an amendment to $120,000
    waits for another officer than its author and changes nothing until approved."""
    world, award = awarded
    with pytest.raises(WorkflowError, match=r"cannot exceed the approved award, \$100,000.00"):
        flow.create(ctx, award, world.officer, annual_maximum=D(900000),
                    rate_type=RateType.cost_reimbursement)
    contract = drafted(ctx, world, award)
    with pytest.raises(WorkflowError, match="cannot exceed the approved award"):
        flow.edit_draft(ctx, contract, world.officer, start_date=START, end_date=END,
                        annual_maximum=D(654000), rate_type=RateType.case_rate,
                        rates=list(contract.rates), measures=list(contract.measures))
    flow.fire(ctx, contract, "sign", world.officer)
    flow.fire(ctx, contract, "activate", world.officer, today=START)
    with pytest.raises(WorkflowError, match="amend the maximum on its own"):
        flow.amend(ctx, contract, world.officer, reason="More.", annual_maximum=D(120000),
                   end_date=date(2030, 6, 30))
    asked = flow.amend(ctx, contract, world.officer, reason="Two areas joined the lot.",
                       annual_maximum=D(120000))
    assert asked.status is AmendmentStatus.awaiting_approval
    assert contract.annual_maximum == D(100000)
    with pytest.raises(WorkflowError, match="annual maximum"):
        flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(120000))
    with pytest.raises(WorkflowError, match="already waits for approval"):
        flow.amend(ctx, contract, world.officer, reason="Again.", annual_maximum=D(130000))
    with pytest.raises(WorkflowError, match="another officer must approve it"):
        flow.approve_amendment(ctx, asked, world.officer)
    flow.approve_amendment(ctx, asked, world.chair)
    assert asked.status is AmendmentStatus.in_force and asked.approved_by_id == world.chair.id
    assert contract.annual_maximum == D(120000)
    assert flow.encumber(ctx, contract, world.officer, fiscal_year_=2027,
                         amount=D(115000)).amount == D(115000)
    lower = flow.amend(ctx, contract, world.officer, reason="Back down.",
                       annual_maximum=D(118000))
    assert lower.status is AmendmentStatus.in_force
    refused = flow.amend(ctx, contract, world.officer, reason="Yet more.",
                         annual_maximum=D(150000))
    flow.refuse_amendment(ctx, refused, world.chair, reason="No budget for it.")
    assert refused.status is AmendmentStatus.refused and contract.annual_maximum == D(118000)


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


def test_the_pace_rounds_half_a_cent_up(ctx, awarded):
    """$1.00 in the year's first 8 days is $45.625 over its 365: shown as $45.63, as the agency
    rounds money (a walker read $171,778.12 for $171,778.125, rounded to the even cent)."""
    world, _award = awarded
    contract = active(ctx, *awarded)
    row = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(100000))
    flow.draw_down(ctx, row, world.officer, service_date=date(2026, 7, 2), amount=D(1),
                   service="Lead agency functions, July")
    seen = flow.pace(row, today=date(2026, 7, 8))
    assert (seen.days_elapsed, seen.days_in_year) == (8, 365)
    assert seen.projected == D("45.63")


@pytest.mark.parametrize("spelling", ["fam-2", "FAM\u20112", "FAM-\u200b2", " Fam – 2 ",
                                      "ＦＡＭ－２", "FAM\u22122", "FAM 2", "FAM2", "fam.2",
                                      "FAM_2", "FAM/2", "FAM#2"])
def test_one_family_however_its_reference_is_written(ctx, awarded, spelling):
    """FAM-2, fam-2, FAM‑2 (non-breaking hyphen), FAM-2 with a zero-width space, an en dash,
    full-width letters, a minus sign, a space or another separator (FAM 2, FAM.2, FAM2: a new
    user's walk drew $600 for one family as "FAM 2" and "FAM-2") are one family: its $500 a
    year is shared."""
    world, _award = awarded
    contract = active(ctx, *awarded)
    row = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(10000))
    first = flow.draw_down(ctx, row, world.officer, service_date=date(2026, 9, 1),
                           amount=D(400), service="Flexible funds: rent",
                           family_reference="FAM-2", flexible_funds=True)
    assert first.family_reference == "FAM-2"
    with pytest.raises(WorkflowError) as refused:
        flow.draw_down(ctx, row, world.officer, service_date=date(2026, 9, 2), amount=D(400),
                       service="Flexible funds: heating", family_reference=spelling,
                       flexible_funds=True)
    # the family as its first payment wrote it, and as the officer wrote it now if otherwise
    typed = flow.family_key(spelling)
    written = "" if typed == "FAM-2" else f" (written {typed} here)"
    assert refused.value.message == (
        "Flexible funds are capped at $500.00 per family a year; family "
        f"FAM-2{written} has $100.00 left in FY2027.")
    assert row.drawn == D(400)
    # within the cap, it is recorded as the family's first payment wrote it: one family, one
    # spelling on the payments list (a walker read FAM9 and FAM-9 there as two families)
    second = flow.draw_down(ctx, row, world.officer, service_date=date(2026, 9, 2),
                            amount=D(100), service="Flexible funds: heating",
                            family_reference=spelling, flexible_funds=True)
    assert second.family_reference == "FAM-2" and row.drawn == D(500)


@pytest.mark.parametrize("reference", ["FАM-2", "F<script>", "--", "FAM/2!"])
def test_a_family_reference_that_is_no_identifier_is_refused(ctx, awarded, reference):
    """A lookalike letter from another script (the Cyrillic А) would be a second family:
    refused with what a family reference is."""
    world, _award = awarded
    contract = active(ctx, *awarded)
    row = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(10000))
    with pytest.raises(WorkflowError, match="is not a family reference: use letters and digits"):
        flow.draw_down(ctx, row, world.officer, service_date=date(2026, 9, 1), amount=D(100),
                       service="Flexible funds: rent", family_reference=reference,
                       flexible_funds=True)
    assert row.drawn == D(0)


def _december_contract(ctx, world, award):
    """A contract whose money can first be drawn on December 1, 2026 (FY2027 began July 1)."""
    contract = flow.create(
        ctx, award, world.officer, start_date=date(2026, 12, 1), end_date=date(2029, 11, 30),
        annual_maximum=D(400000), rate_type=RateType.case_rate,
        rates=[flow.Rate("Lead agency functions", RateType.case_rate, D("1250.00"))],
        measures=[flow.Measure("Stability", "90%")])
    flow.fire(ctx, contract, "sign", world.officer)
    flow.fire(ctx, contract, "activate", world.officer, today=date(2026, 12, 1))
    return contract


@pytest.mark.parametrize("spent, runs_out", [(D(141800), date(2026, 12, 13)),
                                             (D(60500), date(2026, 12, 30))])
def test_the_pace_counts_from_when_money_could_first_be_drawn(ctx, people, spent, runs_out):
    """$141,800 and $60,500 spent in the 6 days after a December 1 start both exhaust
    $300,000 in December (counted from July 1, one read 'runs out on June 2, 2027', the other
    gave no warning)."""
    world, award = final_award(ctx, amount=D(400000),
                               justification="Six area offices joined the lot.")
    contract = _december_contract(ctx, world, award)
    row = flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(300000))
    with time_machine.travel(datetime(2026, 12, 6, 17, tzinfo=UTC)):
        flow.draw_down(ctx, row, world.officer, service_date=date(2026, 12, 5), amount=spent,
                       service="Lead agency functions")
    seen = flow.pace(row, today=date(2026, 12, 6))
    assert (seen.since, seen.days_elapsed, seen.days_in_year) == (date(2026, 12, 1), 6, 212)
    assert seen.runs_out_on == runs_out
    assert f"in 6 days) the encumbrance runs out on {flow.long_date(runs_out)}" in seen.warning
    assert flow.pace(row, today=date(2026, 11, 30)).warning == ""     # before the start
