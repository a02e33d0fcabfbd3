"""The rate card's checks, the points a criterion allows, the panel's size and the opening of the
price envelope, each on its own (issue 22: mutation showed them reached only through pages or
the machine, with their words and edges untested).

A rate card line needs a service's name (at most 200 characters) and from 1 to 10,000,000
projected units a year; a rate is dollars and cents from $0 up to, not including, $1,000,000,000.
The price envelope opens once, on the record, as the chair's act, naming its lots."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from procure.models import AuditEvent, MemberKind, RateCardLine, RateUnit
from procure.workflows import evaluation as flow
from procure.workflows.base import WorkflowError
from tests.support.factories import draft_rfr, user
from tests.unit.test_evaluation_workflow import (  # noqa: F401 (the fixtures)
    consensus_panel,
    panel,
    world,
)

LINE = RateCardLine(service="Residential care", unit=RateUnit.per_diem, projected_units=10)


@pytest.mark.parametrize("rate,says", [
    ("0", None),
    ("0.00", None),
    ("212.50", None),
    ("999999999.99", None),
    ("-0.01", "Residential care: a rate is an amount of $0 or more."),
    ("NaN", "Residential care: a rate is an amount of $0 or more."),
    ("Infinity", "Residential care: a rate is an amount of $0 or more."),
    ("1000000000", "Residential care: that rate is too large to be a rate."),
    ("212.505", "Residential care: give the rate in dollars and cents (like 212.50)."),
])
def test_a_rate_is_dollars_and_cents_from_nothing_to_under_a_billion(rate, says):
    assert flow.check_rate(LINE, Decimal(rate)) == says


@pytest.mark.parametrize("service,units,says", [
    ("  ", 10, "Name the service the rate is for (for example “Residential care”)."),
    ("x" * 201, 10, "Keep the service's name under 200 characters."),
    ("Respite", 0, "Projected units a year: a whole number from 1 to 10,000,000."),
    ("Respite", 10_000_001, "Projected units a year: a whole number from 1 to 10,000,000."),
])
def test_a_rate_card_line_is_refused_in_words(ctx, people, service, units, says):
    officer = user(ctx, "officer")
    rfr = draft_rfr(ctx, officer)
    with pytest.raises(WorkflowError) as refused:
        flow.add_rate_line(ctx, rfr, officer, service=service, unit=RateUnit.hourly,
                           projected_units=units)
    assert str(refused.value) == says


@pytest.mark.parametrize("service,units", [("x" * 200, 1), (" Respite ", 10_000_000)])
def test_a_rate_card_line_at_its_limits_is_taken(ctx, people, service, units):
    officer = user(ctx, "officer")
    rfr = draft_rfr(ctx, officer)
    line = flow.add_rate_line(ctx, rfr, officer, service=service, unit=RateUnit.hourly,
                              projected_units=units)
    assert (line.service, line.projected_units) == (service.strip(), units)


def test_the_price_envelope_opens_once_on_the_record_as_the_chairs_act(ctx, world, panel):
    consensus_panel(ctx, world, panel, {"bidder": 8, "other_bidder": 6})
    assert panel.price_opened_at is None
    assert flow.open_price(ctx, panel, world.chair) is False, "not while a score is missing"
    # the last technical score opens it
    flow.record_consensus(ctx, panel, world.chair, response=world.responses["third_bidder"],
                          criterion=flow.technical_criteria(panel)[0], points=Decimal(9),
                          rationale="Agreed.")
    assert panel.price_opened_at is not None
    opened = panel.price_opened_at
    assert flow.open_price(ctx, panel, world.chair) is False, "open already: not again"
    assert panel.price_opened_at == opened
    events = list(ctx.scalars(select(AuditEvent).where(AuditEvent.event == "open_price")))
    assert [(e.actor_id, e.entity_type, e.entity_id, e.solicitation_id, e.data)
            for e in events] == [(world.chair.id, "panel", panel.id, world.rfr.id,
                                  {"lots": [1]})]


HALVES = SimpleNamespace(half_points=True)
WHOLES = SimpleNamespace(half_points=False)
DESIGN = SimpleNamespace(name="Program design", max_points=10)


@pytest.mark.parametrize("plan,points,says", [
    (WHOLES, "0", None), (WHOLES, "10", None), (HALVES, "7.5", None), (HALVES, "0.5", None),
    (WHOLES, "-1", "Program design: give from 0 to 10 points."),
    (WHOLES, "11", "Program design: give from 0 to 10 points."),
    (WHOLES, "7.5", "Program design: give whole points (like 7)."),
    (HALVES, "7.25", "Program design: give half points (like 7.5)."),
])
def test_points_are_from_nothing_to_the_criterions_most_in_the_plans_steps(plan, points, says):
    assert flow.points_allowed(plan, DESIGN, Decimal(points)) == says


def test_a_chair_and_one_other_evaluator_make_a_panel_a_chair_alone_does_not(ctx, world):
    alone = flow.create_panel(ctx, world.rfr, world.officer, name="Alone",
                              lots=[world.rfr.lots[0]])
    flow.add_member(ctx, alone, world.officer, user=world.chair, kind=MemberKind.agency_staff,
                    chair=True)
    assert flow.why_not(alone, "begin_declarations") == (
        "A panel needs a chair and at least one other evaluator.")
    flow.add_member(ctx, alone, world.officer, user=world.evaluator,
                    kind=MemberKind.external_reviewer)
    assert flow.why_not(alone, "begin_declarations") is None
