"""Each evaluation guard on its own, word for word, as the award and contract guards are tested:
what the panel's and the scoresheet's transitions refuse and what the use cases refuse, and
that starting scoring never gives a conflicted member the response (before this, only an
end-to-end page test caught a conflicted member being assigned automatically)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from procure.models import MemberKind, PanelStatus, ScoresheetStatus
from procure.workflows import evaluation as flow
from procure.workflows import response as response_flow
from procure.workflows.base import NotFound, WorkflowError
from tests.support.evaluation import declare_none, formed_panel, opened_rfr
from tests.support.factories import user
from tests.unit.test_evaluation_workflow import panel, world  # noqa: F401 (the fixtures)

D = Decimal
COMMENT = "Clear plan for case-planning teams."


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(WorkflowError) as refused:
        call(*args, **kwargs)
    return refused.value.message


def declaring(ctx, world, panel):
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    return panel


def scoring(ctx, world, panel):
    declaring(ctx, world, panel)
    declare_none(ctx, panel, world.chair, world.evaluator, world.family)
    flow.fire(ctx, panel, "begin_scoring", world.chair)
    return panel


def in_consensus(ctx, world, panel):
    return everyone_submits(ctx, world, scoring(ctx, world, panel))


def everyone_submits(ctx, world, panel):
    """From scoring: every member submits 7 points with a comment; consensus begins."""
    criterion = flow.technical_criteria(panel)[0]
    for sheet in flow.live_scoresheets(panel):
        flow.save_scores(ctx, sheet, sheet.member.user, {criterion.id: (D(7), COMMENT)})
        flow.submit(ctx, sheet, sheet.member.user)
    flow.fire(ctx, panel, "begin_consensus", world.chair)
    return panel


def sheet_of(panel, who, response):
    return next(s for s in flow.live_scoresheets(panel)
                if s.member.user_id == who.id and s.response_id == response.id)


# ---------------------------------------------------------------- automatic assignment

def test_a_conflicted_member_is_never_assigned_the_bidders_response(ctx, world, panel):
    """A conflict declared before scoring starts: the automatic assignment gives every other
    member every response, and the conflicted member every response but that bidder's."""
    declaring(ctx, world, panel)
    alpha = world.responses["bidder"]
    declare_none(ctx, panel, world.chair, world.evaluator)
    for org in flow.bidders_of(panel):
        flow.declare(ctx, panel, world.family, organization_id=org.id,
                     has_conflict=org.id == alpha.organization_id,
                     nature="My child is served by this provider."
                     if org.id == alpha.organization_id else "")
    flow.fire(ctx, panel, "begin_scoring", world.chair)
    given = {(s.member.user_id, s.response_id) for s in flow.live_scoresheets(panel)}
    everyone = {(who.id, r.id) for who in (world.chair, world.evaluator, world.family)
                for r in world.responses.values()}
    assert given == everyone - {(world.family.id, alpha.id)}
    assert not [s for s in panel.scoresheets
                if s.member.user_id == world.family.id and s.response_id == alpha.id]


def test_with_no_conflicts_every_member_is_assigned_every_response(ctx, world, panel):
    scoring(ctx, world, panel)
    assert len(flow.live_scoresheets(panel)) == 9
    assert {s.status for s in flow.live_scoresheets(panel)} == {ScoresheetStatus.assigned}


def test_assignments_made_by_the_chair_are_kept_as_they_are(ctx, world, panel):
    declaring(ctx, world, panel)
    declare_none(ctx, panel, world.chair, world.evaluator, world.family)
    evaluator = flow.member_of(panel, world.evaluator)
    for response in world.responses.values():
        flow.assign(ctx, panel, world.chair, member=evaluator, response=response)
    flow.fire(ctx, panel, "begin_scoring", world.chair)
    assert {s.member.user_id for s in flow.live_scoresheets(panel)} == {world.evaluator.id}
    assert len(flow.live_scoresheets(panel)) == 3


# ---------------------------------------------------------------- the panel's guards

def test_every_member_conflicted_with_a_bidder_stops_scoring(ctx, world, panel):
    declaring(ctx, world, panel)
    alpha = world.responses["bidder"]
    for who in (world.chair, world.evaluator, world.family):
        for org in flow.bidders_of(panel):
            conflicted = org.id == alpha.organization_id
            flow.declare(ctx, panel, who, organization_id=org.id, has_conflict=conflicted,
                         nature="Worked there until 2025." if conflicted else "")
    assert refusal(flow.fire, ctx, panel, "begin_scoring", world.chair) == (
        "Some responses would have no evaluator: every member declared a conflict with their "
        "bidder. Add a member to the panel.")
    assert panel.status is PanelStatus.declaring and flow.live_scoresheets(panel) == []


def test_missing_declarations_are_counted_and_named(ctx, world, panel):
    declaring(ctx, world, panel)
    declare_none(ctx, panel, world.chair)
    behind = ", ".join(sorted([world.family.name, world.evaluator.name]))
    message = (f"6 declarations are missing (from {behind}): every member declares for every "
               "bidder before scoring starts.")
    assert flow.why_not(panel, "begin_scoring") == message
    assert refusal(flow.fire, ctx, panel, "begin_scoring", world.chair) == message


def test_no_accepted_response_means_no_panel_starts(ctx, people):
    world = opened_rfr(ctx, accept=False)
    for response in world.responses.values():
        response_flow.fire(ctx, response, "reject", world.officer,
                           reason="The required forms were not signed.")
    panel = formed_panel(ctx, world)
    assert refusal(flow.fire, ctx, panel, "begin_declarations", world.officer) == (
        "No accepted response in the panel's lots: there is nothing to score.")
    assert panel.status is PanelStatus.forming


def test_a_chair_is_named_before_declarations(ctx, world):
    panel = flow.create_panel(ctx, world.rfr, world.officer, name="P", lots=[world.rfr.lots[0]])
    flow.add_member(ctx, panel, world.officer, user=world.evaluator,
                    kind=MemberKind.external_reviewer)
    flow.add_member(ctx, panel, world.officer, user=world.family,
                    kind=MemberKind.family_representative)
    assert flow.why_not(panel, "begin_declarations") == (
        "Name a chair before the panel declares conflicts.")


def test_steps_not_open_from_this_state_say_so(ctx, world, panel):
    assert flow.why_not(panel, "begin_scoring") == (
        f"Start scoring is not a step from “{PanelStatus.forming.value}”.")
    assert flow.why_not(panel, "begin_declarations") is None
    assert [e for e, _ in flow.next_steps(panel, world.officer)] == ["begin_declarations"]
    assert flow.next_steps(panel, world.evaluator) == []


def test_consensus_waits_for_every_scoresheet(ctx, world, panel):
    scoring(ctx, world, panel)
    assert refusal(flow.fire, ctx, panel, "begin_consensus", world.chair) == (
        "9 of 9 scoresheets are not submitted yet.")


def test_finalizing_waits_for_every_consensus_score(ctx, world, panel):
    in_consensus(ctx, world, panel)
    # 3 responses x (1 technical + 1 price criterion): the chair records the technical ones
    # (as the matrix counts them: a walker read "9 still to record" above "12 are missing")
    assert refusal(flow.fire, ctx, panel, "finalize", world.chair) == (
        "3 technical consensus scores still to record; price is then scored by the formula.")


# ---------------------------------------------------------------- the scoresheet's guard

def test_a_scoresheet_is_submitted_with_every_criterion_scored(ctx, world, panel):
    scoring(ctx, world, panel)
    sheet = sheet_of(panel, world.evaluator, world.responses["bidder"])
    criterion = flow.technical_criteria(panel)[0]
    flow.save_scores(ctx, sheet, world.evaluator, {criterion.id: (None, COMMENT)})
    assert refusal(flow.submit, ctx, sheet, world.evaluator) == (
        f"Score every criterion before submitting: {criterion.name}.")
    flow.save_scores(ctx, sheet, world.evaluator, {criterion.id: (D(7), "  ")})
    assert refusal(flow.submit, ctx, sheet, world.evaluator) == (
        "Write a comment for every criterion (the reasons are part of the record): "
        f"{criterion.name}.")
    flow.save_scores(ctx, sheet, world.evaluator, {criterion.id: (D(7), COMMENT)})
    flow.submit(ctx, sheet, world.evaluator)
    assert sheet.status is ScoresheetStatus.submitted and sheet.submitted_at is not None


# ---------------------------------------------------------------- the use cases' guards

def test_a_panel_is_named_and_given_a_lot(ctx, world):
    assert refusal(flow.create_panel, ctx, world.rfr, world.officer, name="  ",
                   lots=[world.rfr.lots[0]]) == (
        "Name the panel (for example “Lead agencies, Western region”).")
    assert refusal(flow.create_panel, ctx, world.rfr, world.officer, name="P", lots=[]) == (
        "Choose at least one lot for the panel to score.")


def test_members_join_only_while_forming_or_declaring_and_once(ctx, world, panel):
    assert refusal(flow.add_member, ctx, panel, world.officer, user=world.evaluator,
                   kind=MemberKind.external_reviewer) == (
        f"{world.evaluator.name} is already on this panel.")
    scoring(ctx, world, panel)
    assert refusal(flow.add_member, ctx, panel, world.officer, user=user(ctx, "admin"),
                   kind=MemberKind.agency_staff) == (
        "Members join while the panel is forming or declaring conflicts (to replace a member "
        "later, remove them with a replacement).")


def test_declarations_wait_for_the_chair_and_name_a_bidder_of_the_panel(ctx, world, panel):
    org = flow.bidders_of(panel)[0]
    assert refusal(flow.declare, ctx, panel, world.evaluator, organization_id=org.id,
                   has_conflict=False) == (
        "Declarations are made once the chair starts them, until the panel is final.")
    declaring(ctx, world, panel)
    with pytest.raises(NotFound, match="did not respond to this panel's lots"):
        flow.declare(ctx, panel, world.evaluator, organization_id=999999, has_conflict=False)
    with pytest.raises(NotFound, match="not a member of this panel"):
        flow.declare(ctx, panel, world.officer, organization_id=org.id, has_conflict=False)


def test_a_conflict_that_would_withdraw_scoresheets_asks_to_be_confirmed(ctx, world, panel):
    scoring(ctx, world, panel)
    alpha = world.responses["bidder"]
    sheet = sheet_of(panel, world.evaluator, alpha)
    assert refusal(flow.declare, ctx, panel, world.evaluator,
                   organization_id=alpha.organization_id, has_conflict=True,
                   nature="Sat on its board.", confirmed=False) == (
        "Declaring this conflict withdraws your 1 scoresheet for this bidder (assigned): the "
        "chair is told and gives the response to another member. Confirm to declare it.")
    assert sheet.status is ScoresheetStatus.assigned
    flow.declare(ctx, panel, world.evaluator, organization_id=alpha.organization_id,
                 has_conflict=True, nature="Sat on its board.", confirmed=True)
    assert sheet.status is ScoresheetStatus.withdrawn


def test_the_chair_assigns_only_declared_members_while_declaring_or_scoring(ctx, world, panel):
    alpha = world.responses["bidder"]
    evaluator = flow.member_of(panel, world.evaluator)
    assert refusal(flow.assign, ctx, panel, world.chair, member=evaluator, response=alpha) == (
        "Responses are assigned while the panel declares conflicts or scores.")
    declaring(ctx, world, panel)
    assert refusal(flow.assign, ctx, panel, world.chair, member=evaluator, response=alpha) == (
        f"{world.evaluator.name} has not declared for this bidder yet.")
    declare_none(ctx, panel, world.evaluator)
    first = flow.assign(ctx, panel, world.chair, member=evaluator, response=alpha)
    assert flow.assign(ctx, panel, world.chair, member=evaluator, response=alpha) is first


def test_a_member_withdrawn_from_a_response_is_not_given_it_back(ctx, world, panel):
    scoring(ctx, world, panel)
    alpha = world.responses["bidder"]
    flow.declare(ctx, panel, world.evaluator, organization_id=alpha.organization_id,
                 has_conflict=True, nature="Sat on its board.")
    flow.declare(ctx, panel, world.evaluator, organization_id=alpha.organization_id,
                 has_conflict=False)
    evaluator = flow.member_of(panel, world.evaluator)
    assert refusal(flow.assign, ctx, panel, world.chair, member=evaluator, response=alpha) == (
        f"{world.evaluator.name} was removed from this response on the record.")


def test_scores_are_saved_and_submitted_only_while_scoring(ctx, world, panel):
    in_consensus(ctx, world, panel)
    sheet = sheet_of(panel, world.evaluator, world.responses["bidder"])
    criterion = flow.technical_criteria(panel)[0]
    assert refusal(flow.save_scores, ctx, sheet, world.evaluator,
                   {criterion.id: (D(8), COMMENT)}) == (
        "Scores are saved while the panel is scoring.")
    assert refusal(flow.submit, ctx, sheet, world.evaluator) == (
        "Scoresheets are submitted while the panel is scoring.")


def test_a_scoresheet_is_returned_only_while_scoring_or_in_consensus(ctx, world, panel):
    declaring(ctx, world, panel)
    declare_none(ctx, panel, world.chair, world.evaluator, world.family)
    evaluator = flow.member_of(panel, world.evaluator)
    sheet = flow.assign(ctx, panel, world.chair, member=evaluator,
                        response=world.responses["bidder"])
    assert refusal(flow.return_scoresheet, ctx, sheet, world.chair, "Comment, please.") == (
        "Scoresheets are returned while the panel scores or reaches consensus.")


def test_consensus_is_recorded_in_consensus_with_a_rationale(ctx, world, panel):
    scoring(ctx, world, panel)
    alpha = world.responses["bidder"]
    criterion = flow.technical_criteria(panel)[0]
    assert refusal(flow.record_consensus, ctx, panel, world.chair, response=alpha,
                   criterion=criterion, points=D(7), rationale="Agreed.") == (
        "Consensus is recorded once every scoresheet is in.")
    everyone_submits(ctx, world, panel)
    assert refusal(flow.record_consensus, ctx, panel, world.chair, response=alpha,
                   criterion=criterion, points=D(7), rationale="  ") == (
        "Write the panel's rationale for this score.")
    assert refusal(flow.record_consensus, ctx, panel, world.chair, response=alpha,
                   criterion=criterion, points=D(11), rationale="Agreed.").startswith(
        f"{criterion.name}: give from 0 to 10 points")


def test_price_is_scored_only_in_consensus(ctx, world, panel):
    scoring(ctx, world, panel)
    assert refusal(flow.score_price, ctx, panel, world.chair) == "Price is scored during consensus."


def test_an_evaluated_cost_is_a_positive_amount(ctx, world, panel):
    assert refusal(flow.correct_cost, ctx, world.responses["bidder"], world.officer,
                   amount=D(0), reason="Read from the cover sheet.") == (
        "An evaluated cost is a positive amount.")
