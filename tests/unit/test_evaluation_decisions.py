"""Who sees the panel's score matrix once every scoresheet is in (the mutation run of issue 22
found `scores_visible_to` reached only by the chair): the chair, each member, the officers who
manage the evaluation; never a bidder, and nobody before consensus. And what the chair's
assignment refuses, word for word (its survivors: another member's sheet returned, the panel
not checked)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from procure import clock, policy
from procure.models import AuditEvent, PanelStatus, Response, ResponseStatus
from procure.workflows import evaluation as flow
from procure.workflows.base import NotFound, WorkflowError
from tests.support.evaluation import declare_none
from tests.support.factories import user
from tests.unit.test_evaluation_workflow import (  # noqa: F401 (the fixtures)
    _technical,
    panel,
    score_all,
    scoring_panel,
    world,
)


def test_in_consensus_the_matrix_is_shown_to_the_panel_and_the_agency_never_to_a_bidder(
        ctx, world, panel):
    scoring_panel(ctx, world, panel)
    score_all(ctx, panel)
    for who in (world.chair, world.evaluator, world.officer):
        with pytest.raises(WorkflowError, match="once every scoresheet is submitted"):
            flow.matrix(ctx, panel, who)
    flow.fire(ctx, panel, "begin_consensus", world.chair)
    assert panel.status is PanelStatus.consensus
    criterion = _technical(panel)
    for who in (world.chair, world.evaluator, world.family, world.officer,
                user(ctx, "officer2")):
        cells = flow.matrix(ctx, panel, who)
        assert {points for (_, c), cell in cells.items() if c == criterion.id
                for points in cell.points.values()} == {7}, who.email
    for who in (user(ctx, "bidder"), user(ctx, "other_bidder"), None):
        with pytest.raises(WorkflowError) as refused:
            flow.matrix(ctx, panel, who)
        assert refused.value.message == "The scores are shown once every scoresheet is submitted."


def test_the_chair_assigns_its_own_panels_members_their_own_sheets_and_nothing_else(
        ctx, world, panel):
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    declare_none(ctx, panel, world.chair, world.evaluator, world.family)
    alpha = world.responses["bidder"]
    evaluator = flow.member_of(panel, world.evaluator)
    family = flow.member_of(panel, world.family)
    # two members on one response: each gets a scoresheet of their own
    theirs = flow.assign(ctx, panel, world.chair, member=family, response=alpha)
    mine = flow.assign(ctx, panel, world.chair, member=evaluator, response=alpha)
    assert (theirs.member, mine.member) == (family, evaluator) and theirs is not mine
    # only the chair assigns
    with pytest.raises(policy.Denied):
        flow.assign(ctx, panel, world.evaluator, member=evaluator,
                    response=world.responses["other_bidder"])
    # nobody taken off the panel
    flow.remove_member(ctx, panel, world.officer, member=family, reason="Left the agency.")
    with pytest.raises(NotFound) as missing:
        flow.assign(ctx, panel, world.chair, member=family,
                    response=world.responses["other_bidder"])
    assert str(missing.value) == "That person is not on this panel."


def test_an_assignment_is_on_the_trail_and_only_of_a_response_the_panel_scores(ctx, world, panel):
    """The chair's assignment is recorded as the chair's, for the scoresheet it made; a response
    of a lot the panel does not score is not the panel's to share out."""
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    declare_none(ctx, panel, world.chair, world.evaluator, world.family)
    alpha = world.responses["bidder"]
    evaluator = flow.member_of(panel, world.evaluator)
    sheet = flow.assign(ctx, panel, world.chair, member=evaluator, response=alpha)
    event = ctx.scalars(select(AuditEvent).where(AuditEvent.event == "assign")
                        .order_by(AuditEvent.seq.desc())).first()
    assert (event.actor_id, event.entity_type, event.entity_id, event.to_state,
            event.solicitation_id) == (world.chair.id, "scoresheet", sheet.id, "assigned",
                                       world.rfr.id)
    assert event.data == {"member": world.evaluator.email, "response": alpha.id}
    other_lot = Response(solicitation=world.rfr, lot=world.rfr.lots[1],
                         organization=alpha.organization, status=ResponseStatus.accepted,
                         created_at=clock.now())
    ctx.add(other_lot)
    ctx.flush()
    with pytest.raises(NotFound) as elsewhere:
        flow.assign(ctx, panel, world.chair, member=evaluator, response=other_lot)
    assert str(elsewhere.value) == "That response is not scored by this panel."
