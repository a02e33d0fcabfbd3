"""The contract machine's guards and the terms' checks on their own, word for word, with their
boundaries (the start and end days themselves), and what a draw-down refuses before it touches
the money (the family cap's path is tested in test_contract_workflow.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from procure.models import ContractStatus, RateType
from procure.workflows import contract as flow
from procure.workflows.base import WorkflowError
from tests.support.contract import END, START, active, drafted
from tests.unit.test_contract_workflow import awarded  # noqa: F401 (the fixture)

D = Decimal
RATE = flow.Rate("Lead agency functions", RateType.case_rate, D("1250.00"))
MEASURE = flow.Measure("Children supported in their families", "85%")


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(WorkflowError) as refused:
        call(*args, **kwargs)
    return refused.value.message


def _draft(ctx, world, award, **terms):
    values = {"start_date": START, "end_date": END, "annual_maximum": D(100000),
              "rate_type": RateType.case_rate, "rates": [RATE], "measures": [MEASURE]}
    return flow.create(ctx, award, world.officer, **{**values, **terms})


@pytest.mark.parametrize("terms,message", [
    ({"end_date": START}, "The contract must end after it starts."),
    ({"annual_maximum": D(0)}, "The annual maximum must be more than $0."),
    ({"rates": [flow.Rate("  ", RateType.case_rate, D(10))]},
     "Name the service each rate pays for."),
    ({"rates": [flow.Rate("Respite", RateType.hourly, D(0))]},
     "The rate for Respite must be more than $0."),
    ({"measures": [flow.Measure("Stability", " ")]},
     "Each performance measure needs a name and a target."),
    ({"measures": [flow.Measure(" ", "90%")]},
     "Each performance measure needs a name and a target."),
])
def test_the_terms_are_checked_word_for_word(ctx, awarded, terms, message):
    world, award = awarded
    assert refusal(_draft, ctx, world, award, **terms) == message


def test_a_day_long_term_and_a_cent_are_enough(ctx, awarded):
    world, award = awarded
    contract = _draft(ctx, world, award, end_date=START + timedelta(days=1),
                      annual_maximum=D("0.01"),
                      rates=[flow.Rate("Respite", RateType.hourly, D("0.01"))])
    assert contract.status is ContractStatus.drafting


@pytest.mark.parametrize("rates,measures,missing", [
    ([], [MEASURE], "its rates"),
    ([RATE], [], "at least one performance measure"),
])
def test_signing_says_what_is_missing(ctx, awarded, rates, measures, missing):
    world, award = awarded
    contract = _draft(ctx, world, award, rates=rates, measures=measures)
    assert refusal(flow.fire, ctx, contract, "sign", world.officer) == (
        f"The contract needs {missing} before it is signed.")


def test_a_cost_reimbursement_contract_is_signed_without_rates(ctx, awarded):
    world, award = awarded
    contract = _draft(ctx, world, award, rate_type=RateType.cost_reimbursement, rates=[])
    flow.fire(ctx, contract, "sign", world.officer)
    assert contract.status is ContractStatus.signed and contract.signed_at is not None


def test_a_contract_becomes_active_on_its_first_day_and_expires_after_its_last(ctx, awarded):
    world, award = awarded
    contract = drafted(ctx, world, award)
    flow.fire(ctx, contract, "sign", world.officer)
    assert refusal(flow.fire, ctx, contract, "activate", world.officer,
                   today=START - timedelta(days=1)) == (
        f"The contract starts on {flow.long_date(START)}; it becomes active then.")
    flow.fire(ctx, contract, "activate", world.officer, today=START)
    assert contract.status is ContractStatus.active
    assert refusal(flow.fire, ctx, contract, "expire", world.officer, today=END) == (
        f"The contract runs until {flow.long_date(END)}.")
    flow.fire(ctx, contract, "expire", world.officer, today=END + timedelta(days=1))
    assert contract.status is ContractStatus.expired and contract.ended_at is not None


def test_ending_early_says_why(ctx, awarded):
    contract = active(ctx, *awarded)
    assert refusal(flow.fire, ctx, contract, "terminate", awarded[0].officer, reason="  ") == (
        "Say why; it stays on the record and the provider is told.")


@pytest.fixture
def encumbrance(ctx, awarded):
    world, _award = awarded
    contract = active(ctx, *awarded)
    return flow.encumber(ctx, contract, world.officer, fiscal_year_=2027, amount=D(1000))


def _draw(ctx, row, officer, **kwargs):
    values = {"service_date": date(2026, 8, 1), "amount": D(100), "service": "Case rate"}
    return flow.draw_down(ctx, row, officer, **{**values, **kwargs})


def test_a_draw_down_names_its_service_and_a_positive_amount(ctx, awarded, encumbrance):
    officer = awarded[0].officer
    assert refusal(_draw, ctx, encumbrance, officer, service="  ") == (
        "Name the service the payment is for.")
    assert refusal(_draw, ctx, encumbrance, officer, amount=D("0.004")) == (
        "The amount must be more than $0.")
    assert refusal(_draw, ctx, encumbrance, officer, service_date=date(2026, 6, 30)) == (
        "The service date must fall in FY2027 (July 1, 2026 to June 30, 2027).")
    with time_machine.travel(datetime(2026, 8, 10, 16, tzinfo=UTC)):
        assert refusal(_draw, ctx, encumbrance, officer, service_date=date(2026, 8, 11)) == (
            "The service date August 11, 2026 is still to come: a payment is drawn down for a "
            "service delivered.")
        row = _draw(ctx, encumbrance, officer, service_date=date(2026, 8, 10),
                    amount=D("99.995"), service="  Case rate, August  ")
    assert (row.amount, row.service, row.family_reference) == (D("100.00"), "Case rate, August",
                                                               None)
    assert encumbrance.drawn == D("100.00")


def test_a_draw_down_needs_an_active_contract_within_its_term(ctx, awarded, encumbrance):
    world, _award = awarded
    contract = encumbrance.contract
    flow.fire(ctx, contract, "terminate", world.officer, reason="The provider closed.")
    assert refusal(_draw, ctx, encumbrance, world.officer) == (
        "Payments are drawn down on an active contract.")
