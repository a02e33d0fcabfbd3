"""Every panel and scoresheet transition and guard, through the use cases (real database,
responses read by the real intake)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from procure.models import (
    AuditEvent,
    ConflictDeclaration,
    MemberKind,
    PanelStatus,
    ScoresheetStatus,
    SolicitationStatus,
)
from procure.workflows import evaluation as flow
from procure.workflows import response as response_flow
from procure.workflows.base import NotFound, WorkflowError
from tests.support.evaluation import declare_none, formed_panel, opened_rfr
from tests.support.factories import draft_rfr, user

D = Decimal


@pytest.fixture
def world(ctx, people):
    return opened_rfr(ctx)


@pytest.fixture
def panel(ctx, world):
    return formed_panel(ctx, world)


def _technical(panel):
    return flow.technical_criteria(panel)[0]


def _price(panel):
    return flow.price_criteria(panel)[0]


def scoring_panel(ctx, world, panel):
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    declare_none(ctx, panel, world.chair, world.evaluator, world.family)
    flow.fire(ctx, panel, "begin_scoring", world.chair)
    return panel


def score_all(ctx, panel, points=D(7)):
    criterion = _technical(panel)
    for sheet in flow.live_scoresheets(panel):
        flow.save_scores(ctx, sheet, sheet.member.user,
                         {criterion.id: (points, "Clear plan for case-planning teams.")})
        flow.submit(ctx, sheet, sheet.member.user)


# ---------------------------------------------------------------- forming

def test_no_panel_before_the_opening(ctx, people):
    officer = user(ctx, "officer")
    rfr = draft_rfr(ctx, officer)
    with pytest.raises(WorkflowError, match="after the responses are opened"):
        flow.create_panel(ctx, rfr, officer, name="Too early", lots=[rfr.lots[0]])


def test_a_lot_has_one_panel(ctx, world, panel):
    with pytest.raises(WorkflowError, match="already scored by the panel “Lot 1 panel”"):
        flow.create_panel(ctx, world.rfr, world.officer, name="Second", lots=[world.rfr.lots[0]])


def test_members_of_a_bidding_organisation_cannot_sit(ctx, world, panel):
    bidder = user(ctx, "bidder")
    with pytest.raises(WorkflowError, match="only active agency staff and panelist"):
        flow.add_member(ctx, panel, world.officer, user=bidder, kind=MemberKind.external_reviewer)
    # even with an evaluator's role, a member of a bidding organisation is refused
    bidder.role = type(bidder.role).panelist
    with pytest.raises(WorkflowError, match="responded to this panel's lots"):
        flow.add_member(ctx, panel, world.officer, user=bidder, kind=MemberKind.external_reviewer)


def test_one_chair(ctx, world, panel):
    with pytest.raises(WorkflowError, match="already chairs this panel"):
        flow.add_member(ctx, panel, world.officer, user=user(ctx, "admin"),
                        kind=MemberKind.agency_staff, chair=True)


def test_panel_needs_a_chair_and_an_evaluator(ctx, world):
    panel = flow.create_panel(ctx, world.rfr, world.officer, name="P", lots=[world.rfr.lots[0]])
    with pytest.raises(WorkflowError, match="Name a chair"):
        flow.fire(ctx, panel, "begin_declarations", world.officer)
    flow.add_member(ctx, panel, world.officer, user=world.chair, kind=MemberKind.agency_staff,
                    chair=True)
    with pytest.raises(WorkflowError, match="at least one other evaluator"):
        flow.fire(ctx, panel, "begin_declarations", world.officer)


def test_unjudged_responses_hold_the_panel(ctx, people):
    world = opened_rfr(ctx, accept=False)
    panel = formed_panel(ctx, world)
    with pytest.raises(WorkflowError, match="3 still wait for that decision"):
        flow.fire(ctx, panel, "begin_declarations", world.officer)


def test_first_panel_starting_puts_the_rfr_in_evaluation(ctx, world, panel):
    assert world.rfr.status is SolicitationStatus.opened
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    assert panel.status is PanelStatus.declaring
    assert world.rfr.status is SolicitationStatus.in_evaluation
    events = [e.event for e in ctx.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert events[-2:] == ["begin_evaluation", "begin_declarations"]


# ---------------------------------------------------------------- declaring

def test_scoring_waits_for_every_declaration(ctx, world, panel):
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    declare_none(ctx, panel, world.chair, world.evaluator)
    with pytest.raises(WorkflowError, match=r"3 declarations are missing \(from Pat Parent\)"):
        flow.fire(ctx, panel, "begin_scoring", world.chair)


def test_only_the_chair_moves_the_panel_on(ctx, world, panel):
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    declare_none(ctx, panel, world.chair, world.evaluator, world.family)
    with pytest.raises(Exception, match="permission"):
        flow.fire(ctx, panel, "begin_scoring", world.evaluator)


def test_a_conflict_removes_the_member_from_that_response_on_the_record(ctx, world, panel):
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    declare_none(ctx, panel, world.chair, world.evaluator, world.family)
    flow.fire(ctx, panel, "begin_scoring", world.chair)
    alpha = world.responses["bidder"]
    assert len(flow.live_scoresheets(panel)) == 9       # 3 members x 3 responses
    # the family representative now declares a conflict with Alpha: removed from it
    flow.declare(ctx, panel, world.family, organization_id=alpha.organization_id,
                 has_conflict=True, nature="My child is served by this provider.")
    sheets = {(s.member.user_id, s.response_id): s for s in panel.scoresheets}
    assert sheets[(world.family.id, alpha.id)].status is ScoresheetStatus.withdrawn
    with pytest.raises(NotFound):
        response_flow.readable_response(ctx, world.family, alpha.public_id)
    assert response_flow.readable_response(ctx, world.family, world.responses["other_bidder"].public_id)
    # the earlier declaration stays in the history, superseded
    history = ctx.scalars(select(ConflictDeclaration).where(
        ConflictDeclaration.organization_id == alpha.organization_id,
        ConflictDeclaration.member_id == sheets[(world.family.id, alpha.id)].member_id)
        .order_by(ConflictDeclaration.id)).all()
    assert [(d.has_conflict, d.superseded_at is not None) for d in history] == [
        (False, True), (True, False)]
    # and the chair cannot assign it back
    member = flow.member_of(panel, world.family)
    with pytest.raises(WorkflowError, match="declared a conflict"):
        flow.assign(ctx, panel, world.chair, member=member, response=alpha)


def test_conflict_needs_its_nature(ctx, world, panel):
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    org = flow.bidders_of(panel)[0]
    with pytest.raises(WorkflowError) as refused:
        flow.declare(ctx, panel, world.evaluator, organization_id=org.id, has_conflict=True)
    assert refused.value.message == (
        "Say what the conflict is (for example “I served on its board until 2024”).")


def test_share_of_the_work(ctx, world, panel):
    """The chair assigns a share each; every response needs at least one evaluator."""
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    declare_none(ctx, panel, world.chair, world.evaluator, world.family)
    evaluator = flow.member_of(panel, world.evaluator)
    flow.assign(ctx, panel, world.chair, member=evaluator, response=world.responses["bidder"])
    with pytest.raises(WorkflowError) as refused:
        flow.fire(ctx, panel, "begin_scoring", world.chair)
    assert refused.value.message == (
        "2 responses have no evaluator assigned: assign them, or clear the assignments to let "
        "every member score every response.")
    family = flow.member_of(panel, world.family)
    for key in ("other_bidder", "third_bidder"):
        flow.assign(ctx, panel, world.chair, member=family, response=world.responses[key])
    flow.fire(ctx, panel, "begin_scoring", world.chair)
    assert len(flow.live_scoresheets(panel)) == 3
    # a panelist reads only what is assigned to them
    assert response_flow.readable_response(ctx, world.evaluator, world.responses["bidder"].public_id)
    with pytest.raises(NotFound):
        response_flow.readable_response(ctx, world.evaluator, world.responses["other_bidder"].public_id)


# ---------------------------------------------------------------- scoring

def test_points_within_the_criterion_and_whole_or_half(ctx, world, panel):
    scoring_panel(ctx, world, panel)
    sheet = next(s for s in flow.live_scoresheets(panel) if s.member.user_id == world.evaluator.id)
    criterion = _technical(panel)
    with pytest.raises(WorkflowError, match="give from 0 to 10 points"):
        flow.save_scores(ctx, sheet, world.evaluator, {criterion.id: (D(11), "")})
    with pytest.raises(WorkflowError, match="give whole points"):
        flow.save_scores(ctx, sheet, world.evaluator, {criterion.id: (D("7.5"), "")})
    flow.plan_for(ctx, world.rfr).half_points = True
    flow.save_scores(ctx, sheet, world.evaluator, {criterion.id: (D("7.5"), "")})
    assert sheet.status is ScoresheetStatus.in_progress
    with pytest.raises(WorkflowError, match="Write a comment for every criterion"):
        flow.submit(ctx, sheet, world.evaluator)
    with pytest.raises(NotFound):
        flow.save_scores(ctx, sheet, world.evaluator, {_price(panel).id: (D(5), "cheap")})


def test_a_member_works_only_on_their_own_scoresheets(ctx, world, panel):
    scoring_panel(ctx, world, panel)
    theirs = next(s for s in flow.live_scoresheets(panel) if s.member.user_id == world.family.id)
    with pytest.raises(NotFound):
        flow.my_scoresheet(ctx, world.evaluator, theirs.public_id)
    with pytest.raises(Exception, match="permission"):
        flow.save_scores(ctx, theirs, world.evaluator, {_technical(panel).id: (D(1), "x")})


def test_scores_stay_independent_until_every_scoresheet_is_in(ctx, world, panel):
    scoring_panel(ctx, world, panel)
    sheets = flow.live_scoresheets(panel)
    criterion = _technical(panel)
    for sheet in sheets[:-1]:
        flow.save_scores(ctx, sheet, sheet.member.user, {criterion.id: (D(6), "Sound.")})
        flow.submit(ctx, sheet, sheet.member.user)
    for who in (world.chair, world.evaluator, world.officer):
        with pytest.raises(WorkflowError, match="once every scoresheet is submitted"):
            flow.matrix(ctx, panel, who)
    with pytest.raises(WorkflowError, match="8 of 9 scoresheets are not submitted|1 of 9"):
        flow.fire(ctx, panel, "begin_consensus", world.chair)
    assert flow.progress(panel)[:2] == (8, 9)
    last = sheets[-1]
    flow.save_scores(ctx, last, last.member.user, {criterion.id: (D(9), "Strong.")})
    flow.submit(ctx, last, last.member.user)
    flow.fire(ctx, panel, "begin_consensus", world.chair)
    cells = flow.matrix(ctx, panel, world.chair)
    cell = cells[(last.response_id, criterion.id)]
    assert cell.spread == D(3) and sorted(cell.points.values()) == [D(6), D(6), D(9)]


def test_returning_a_scoresheet_in_consensus_reopens_scoring(ctx, world, panel):
    scoring_panel(ctx, world, panel)
    score_all(ctx, panel)
    flow.fire(ctx, panel, "begin_consensus", world.chair)
    sheet = flow.live_scoresheets(panel)[0]
    with pytest.raises(WorkflowError, match="Say why"):
        flow.return_scoresheet(ctx, sheet, world.chair, "  ")
    flow.return_scoresheet(ctx, sheet, world.chair, "Comment on the staffing plan, please.")
    assert (panel.status, sheet.status) == (PanelStatus.scoring, ScoresheetStatus.returned)
    assert sheet.returned_reason == "Comment on the staffing plan, please."
    flow.save_scores(ctx, sheet, sheet.member.user, {_technical(panel).id: (D(8), "Revised.")})
    flow.submit(ctx, sheet, sheet.member.user)
    flow.fire(ctx, panel, "begin_consensus", world.chair)
    assert panel.status is PanelStatus.consensus


# ---------------------------------------------------------------- consensus, price, ranking

def consensus_panel(ctx, world, panel, technical_points):
    scoring_panel(ctx, world, panel)
    score_all(ctx, panel)
    flow.fire(ctx, panel, "begin_consensus", world.chair)
    criterion = _technical(panel)
    for key, points in technical_points.items():
        flow.record_consensus(ctx, panel, world.chair, response=world.responses[key],
                              criterion=criterion, points=D(points), rationale="Agreed.")
    return panel


def test_price_stays_closed_until_the_technical_consensus_is_complete(ctx, world, panel):
    consensus_panel(ctx, world, panel, {"bidder": 8, "other_bidder": 6})
    with pytest.raises(WorkflowError, match="Price stays closed"):
        flow.score_price(ctx, panel, world.chair)
    with pytest.raises(WorkflowError, match="scored by the formula"):
        flow.record_consensus(ctx, panel, world.chair, response=world.responses["bidder"],
                              criterion=_price(panel), points=D(10), rationale="cheap")


def test_scoring_cannot_reopen_once_the_panel_has_seen_the_prices(ctx, world, panel):
    """Two envelopes: the technical scores are agreed before the prices are opened, and nobody
    rescores a technical proposal knowing what each bidder asks."""
    consensus_panel(ctx, world, panel, {"bidder": 8, "other_bidder": 6})
    assert panel.price_opened_at is None
    assert flow.why_not(panel, "reopen_scoring") is None          # still sealed: it may reopen
    flow.record_consensus(ctx, panel, world.chair, response=world.responses["third_bidder"],
                          criterion=_technical(panel), points=D(7), rationale="Agreed.")
    assert panel.price_opened_at is not None                        # the price step, on record
    final = ("The price envelope is open: the technical scores the panel agreed before it saw "
             "the prices are final, so scoring cannot reopen.")
    assert flow.why_not(panel, "reopen_scoring") == final
    with pytest.raises(WorkflowError) as refused:
        flow.fire(ctx, panel, "reopen_scoring", world.chair)
    assert refused.value.message == final
    sheet = flow.live_scoresheets(panel)[0]
    with pytest.raises(WorkflowError) as refused:
        flow.return_scoresheet(ctx, sheet, world.chair, "Rescore the staffing plan, please.")
    assert refused.value.message == final
    assert (panel.status, sheet.status) == (PanelStatus.consensus, ScoresheetStatus.submitted)
    # Nor does the chair change the consensus itself: a walker raised a bidder from second to
    # first this way, after the prices were open.
    agreed = flow.matrix(ctx, panel, world.chair)[
        (world.responses["bidder"].id, _technical(panel).id)].consensus.points
    with pytest.raises(WorkflowError) as refused:
        flow.record_consensus(ctx, panel, world.chair, response=world.responses["bidder"],
                              criterion=_technical(panel), points=D(10), rationale="On reflection.")
    assert refused.value.message == ("The price envelope is open: the technical consensus the "
                                     "panel agreed before it saw the prices is final.")
    assert flow.matrix(ctx, panel, world.chair)[
        (world.responses["bidder"].id, _technical(panel).id)].consensus.points == agreed == D(8)
    assert "reopen_scoring" not in [e for e, _ in flow.next_steps(panel, world.chair)]


def test_price_by_formula_on_the_budget_totals(ctx, world, panel):
    consensus_panel(ctx, world, panel, {"bidder": 8, "other_bidder": 6, "third_bidder": 8})
    flow.score_price(ctx, panel, world.chair)
    cells = flow.matrix(ctx, panel, world.chair)
    price = _price(panel)
    points = {k: cells[(r.id, price.id)].consensus.points for k, r in world.responses.items()}
    # lowest $80,000: 80/100 x 10 = 8.00; 80/80 x 10 = 10; 80/120 x 10 = 6.67
    assert points == {"bidder": D("8.00"), "other_bidder": D("10.00"), "third_bidder": D("6.67")}


def _read_budget_total(response, total):
    """As if the intake had read this total from the response's budget (None: no budget)."""
    document = response.current_documents[0]
    document.record = {**document.record, "budget": {"stated_total": total} if total else {}}


def test_a_missing_or_zero_price_scores_zero_without_error(ctx, world, panel):
    consensus_panel(ctx, world, panel, {"bidder": 8, "other_bidder": 6, "third_bidder": 8})
    _read_budget_total(world.responses["third_bidder"], None)
    _read_budget_total(world.responses["other_bidder"], "0.00")
    written = {c.response_id: c for c in flow.score_price(ctx, panel, world.chair)}
    for key in ("third_bidder", "other_bidder"):
        assert written[world.responses[key].id].points == D(0)
        assert "No valid price" in written[world.responses[key].id].rationale
    assert written[world.responses["bidder"].id].points == D("10.00")
    # an officer corrects a figure, with a reason, on the record; scoring again uses it
    with pytest.raises(WorkflowError, match="Say why"):
        flow.correct_cost(ctx, world.responses["third_bidder"], world.officer,
                          amount=D(50000), reason=" ")
    flow.correct_cost(ctx, world.responses["third_bidder"], world.officer, amount=D(50000),
                      reason="The budget table was scanned; total taken from the cover sheet.")
    written = {c.response_id: c for c in flow.score_price(ctx, panel, world.chair)}
    assert written[world.responses["third_bidder"].id].points == D("10.00")
    assert written[world.responses["bidder"].id].points == D("5.00")
    last = ctx.scalars(select(AuditEvent).where(AuditEvent.event == "correct_cost")).one()
    assert last.reason.startswith("The budget table was scanned")


def test_ranking_weighs_and_shows_ties(ctx, world, panel):
    consensus_panel(ctx, world, panel, {"bidder": 8, "other_bidder": 6, "third_bidder": 9})
    flow.correct_cost(ctx, world.responses["bidder"], world.officer, amount=D("120000"),
                      reason="Budget total read twice; corrected from the cover sheet.")
    flow.score_price(ctx, panel, world.chair)
    with pytest.raises(Exception, match="permission"):
        flow.fire(ctx, panel, "finalize", world.evaluator)
    flow.fire(ctx, panel, "finalize", world.chair)
    ranked = flow.ranking(ctx, panel)[world.rfr.lots[0].id]
    # weights 60 technical / 40 price, both out of 10:
    # Alpha 6*8 + 4*6.67 = 74.68; Beta 6*6 + 4*10 = 76; Gamma 6*9 + 4*6.67 = 80.68
    assert [(r.response.organization.legal_name, r.total, r.rank) for r in ranked] == [
        ("Gamma Youth Partners", D("80.68"), 1), ("Beta Family Services", D("76.00"), 2),
        ("Alpha Care Collaborative", D("74.68"), 3)]
    assert all(s.status is ScoresheetStatus.final for s in flow.live_scoresheets(panel))
    assert flow.evaluation_finished(ctx, world.rfr)


def test_equal_totals_share_a_rank(ctx, world, panel):
    consensus_panel(ctx, world, panel, {"bidder": 8, "other_bidder": 8, "third_bidder": 5})
    for key in world.responses:
        flow.correct_cost(ctx, world.responses[key], world.officer, amount=D("90000"),
                          reason="Same rate card.")
    flow.score_price(ctx, panel, world.chair)
    ranks = [r.rank for r in flow.ranking(ctx, panel)[world.rfr.lots[0].id]]
    assert ranks == [1, 1, 3]


def test_finalize_needs_every_consensus_score(ctx, world, panel):
    consensus_panel(ctx, world, panel, {"bidder": 8, "other_bidder": 6, "third_bidder": 9})
    with pytest.raises(WorkflowError) as refused:
        flow.fire(ctx, panel, "finalize", world.chair)
    assert refused.value.message == "Price is not scored yet: score price by the formula first."
    assert not flow.evaluation_finished(ctx, world.rfr)


# ---------------------------------------------------------------- blind evaluation

def test_blind_evaluation_shows_codes_to_evaluators(ctx, world, panel):
    flow.set_plan(ctx, world.rfr, world.officer, blind=True, half_points=False)
    alpha, gamma = world.responses["bidder"], world.responses["third_bidder"]
    # Codes follow the responses' random public ids, never the internal ids (which the audit
    # trail and exports carry): here the first response started gets the last code.
    assert alpha.id < world.responses["other_bidder"].id < gamma.id
    alpha.public_id, gamma.public_id = "f" * 8 + alpha.public_id[8:], "0" * 8 + gamma.public_id[8:]
    world.responses["other_bidder"].public_id = "8" * 8 + world.responses["other_bidder"].public_id[8:]
    ctx.flush()
    assert flow.bidder_label(alpha, world.evaluator) == "Bidder 1-C"
    assert flow.bidder_label(gamma, world.family) == "Bidder 1-A"
    assert [r.id for r in flow.responses_of(panel)] == [gamma.id, world.responses[
        "other_bidder"].id, alpha.id], "the panel's pages list them in code order"
    # the officer managing the evaluation sees names; the chair, an evaluator, does not
    assert flow.bidder_label(alpha, world.officer) == "Alpha Care Collaborative"
    assert flow.bidder_label(alpha, world.chair) == "Bidder 1-C"
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    with pytest.raises(WorkflowError, match="can no longer change"):
        flow.set_plan(ctx, world.rfr, world.officer, blind=False, half_points=False)


def test_the_scoring_page_opens_the_section_a_criterion_is_about():
    from types import SimpleNamespace
    sections = [{"title": "Organizational Capacity", "heading": "1. Organizational Capacity",
                 "start_page": 2}, {"title": "Program Design", "heading": "2. Program Design",
                                    "start_page": 3},
                {"title": "Quality and Performance Measures", "heading": "4. Outcomes",
                 "start_page": 5}]
    assert flow.section_for(SimpleNamespace(name="Program design"), sections)["start_page"] == 3
    assert flow.section_for(SimpleNamespace(name="Quality and outcomes"),
                            sections)["start_page"] == 5
    assert flow.section_for(SimpleNamespace(name="Cost"), sections) is None


def test_the_consensus_starts_from_the_members_mean_on_the_rfrs_step():
    from types import SimpleNamespace
    cell = flow.Cell(points={1: D(4), 2: D(7), 3: D(8)}, spread=D(4), consensus=None)
    whole = SimpleNamespace(half_points=False)
    half = SimpleNamespace(half_points=True)
    assert flow.suggested_consensus(whole, None, cell) == D(6)          # 6.33 -> 6
    assert flow.suggested_consensus(half, None, cell) == D("6.5")       # 6.33 -> 6.5
    assert flow.suggested_consensus(whole, None, flow.Cell({1: None}, None, None)) is None


def test_a_conflict_withdrawn_then_declared_away_never_returns_the_response(ctx, world, panel):
    """Found by the stateful test: a member assigned during declarations declares a conflict
    (the scoresheet is withdrawn), then declares no conflict; starting scoring must not give
    them the response again (nor fail on a second scoresheet)."""
    flow.fire(ctx, panel, "begin_declarations", world.officer)
    declare_none(ctx, panel, world.chair, world.evaluator, world.family)
    response = world.responses["bidder"]
    member = flow.member_of(panel, world.evaluator)
    flow.assign(ctx, panel, world.chair, member=member, response=response)
    flow.declare(ctx, panel, world.evaluator, organization_id=response.organization_id,
                 has_conflict=True, nature="Sat on its board until last year.")
    flow.declare(ctx, panel, world.evaluator, organization_id=response.organization_id,
                 has_conflict=False)
    flow.fire(ctx, panel, "begin_scoring", world.chair)
    ctx.flush()
    theirs = [s for s in panel.scoresheets
              if s.member_id == member.id and s.response_id == response.id]
    assert [s.status for s in theirs] == [ScoresheetStatus.withdrawn]
    assert panel.status is PanelStatus.scoring
