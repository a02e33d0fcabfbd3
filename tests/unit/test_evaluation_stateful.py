"""Random events fired at the panel and scoresheet machines; the invariants hold after each.

One opened RFR with three accepted responses is built once; each hypothesis example runs in a
savepoint that is rolled back, so every example starts from the same opened RFR."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from procure.models import (
    ConsensusScore,
    Envelope,
    PanelStatus,
    Score,
    ScoresheetStatus,
)
from procure.workflows import evaluation as flow
from procure.workflows.base import NotFound, WorkflowError
from tests.support.evaluation import formed_panel, opened_rfr

REFUSED = (WorkflowError, NotFound)


@pytest.fixture
def world(ctx, people):
    built = opened_rfr(ctx)
    ctx.commit()
    return built


def test_panel_invariants_under_random_events(ctx, world):
    class PanelMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.savepoint = ctx.begin_nested()
            self.panel = formed_panel(ctx, world)
            self.members = [world.chair, world.evaluator, world.family]
            self.responses = list(world.responses.values())
            self.technical = flow.technical_criteria(self.panel)[0]
            self.ranked = False

        def teardown(self) -> None:
            self.savepoint.rollback()
            ctx.expire_all()

        def attempt(self, action, *args, **kwargs):
            try:
                action(*args, **kwargs)
            except REFUSED:
                pass
            except Exception as error:          # a permission refusal is also a refusal
                if "permission" not in str(error):
                    raise

        @rule()
        def officer_starts_declarations(self):
            self.attempt(flow.fire, ctx, self.panel, "begin_declarations", world.officer)

        @rule(event=st.sampled_from(["begin_scoring", "begin_consensus", "finalize"]))
        def chair_moves_on(self, event):
            self.attempt(flow.fire, ctx, self.panel, event, world.chair)

        @rule(event=st.sampled_from(["begin_declarations", "begin_scoring", "begin_consensus",
                                     "reopen_scoring", "finalize"]))
        def an_evaluator_tries_to_move_the_panel(self, event):
            self.attempt(flow.fire, ctx, self.panel, event, world.evaluator)

        @rule(member=st.integers(0, 2), bidder=st.integers(0, 2), conflict=st.booleans())
        def declare(self, member, bidder, conflict):
            organization_id = self.responses[bidder].organization_id
            self.attempt(flow.declare, ctx, self.panel, self.members[member],
                         organization_id=organization_id, has_conflict=conflict,
                         nature="Board member" if conflict else "")

        # the happy path one step at a time, so random runs reach consensus and the end often
        @rule()
        def advance(self):
            status = self.panel.status
            if status is PanelStatus.forming:
                self.officer_starts_declarations()
            elif status is PanelStatus.declaring:
                self.everyone_declares_no_conflict()
                self.chair_moves_on("begin_scoring")
            elif status is PanelStatus.scoring:
                self.everyone_scores_and_submits(7)
                self.chair_moves_on("begin_consensus")
            elif status is PanelStatus.consensus:
                self.chair_records_every_technical_consensus(8)
                self.price()
                self.chair_moves_on("finalize")

        @rule()
        def everyone_declares_no_conflict(self):
            for member in self.members:
                for response in self.responses:
                    self.attempt(flow.declare, ctx, self.panel, member,
                                 organization_id=response.organization_id, has_conflict=False)

        @rule(points=st.integers(0, 10))
        def everyone_scores_and_submits(self, points):
            for sheet in flow.live_scoresheets(self.panel):
                self.attempt(flow.save_scores, ctx, sheet, sheet.member.user,
                             {self.technical.id: (Decimal(points), "Clear plan.")})
                self.attempt(flow.submit, ctx, sheet, sheet.member.user)

        @rule(points=st.integers(0, 10))
        def chair_records_every_technical_consensus(self, points):
            for response in self.responses:
                self.attempt(flow.record_consensus, ctx, self.panel, world.chair,
                             response=response, criterion=self.technical,
                             points=Decimal(points), rationale="Agreed after discussion.")

        @rule(member=st.integers(0, 2), response=st.integers(0, 2))
        def assign(self, member, response):
            who = flow.member_of(self.panel, self.members[member])
            self.attempt(flow.assign, ctx, self.panel, world.chair, member=who,
                         response=self.responses[response])

        @rule(index=st.integers(0, 20), points=st.integers(0, 12),
              comment=st.sampled_from(["", "Clear plan."]))
        def save(self, index, points, comment):
            sheets = self.panel.scoresheets
            if sheets:
                sheet = sheets[index % len(sheets)]
                self.attempt(flow.save_scores, ctx, sheet, sheet.member.user,
                             {self.technical.id: (Decimal(points), comment)})

        @rule(index=st.integers(0, 20))
        def submit(self, index):
            sheets = self.panel.scoresheets
            if sheets:
                sheet = sheets[index % len(sheets)]
                self.attempt(flow.submit, ctx, sheet, sheet.member.user)

        @rule(index=st.integers(0, 20))
        def give_back(self, index):
            sheets = self.panel.scoresheets
            if sheets:
                self.attempt(flow.return_scoresheet, ctx, sheets[index % len(sheets)],
                             world.chair, "Please add comments.")

        @rule(response=st.integers(0, 2), points=st.integers(0, 10))
        def consensus(self, response, points):
            self.attempt(flow.record_consensus, ctx, self.panel, world.chair,
                         response=self.responses[response], criterion=self.technical,
                         points=Decimal(points), rationale="Agreed after discussion.")

        @rule()
        def price(self):
            self.attempt(flow.score_price, ctx, self.panel, world.chair)

        @precondition(lambda self: self.panel.status is PanelStatus.finalized)
        @rule()
        def rank(self):
            flow.ranking(ctx, self.panel)
            self.ranked = True

        # ------------------------------------------------------------ invariants

        @invariant()
        def remember_how_far_it_went(self):
            reached.add(self.panel.status)

        @invariant()
        def nothing_scored_before_the_member_declared_or_by_a_conflicted_member(self):
            for sheet in self.panel.scoresheets:
                member = sheet.member
                declared = flow.current_declaration(member, sheet.response.organization_id)
                scored = any(s.points is not None for s in sheet.scores)
                if sheet.status is not ScoresheetStatus.withdrawn:
                    assert declared is not None, "a live scoresheet without a declaration"
                    assert not declared.has_conflict, "a conflicted member holds a scoresheet"
                if scored and declared is not None and declared.has_conflict:
                    assert sheet.status is ScoresheetStatus.withdrawn

        @invariant()
        def nothing_scored_before_the_opening(self):
            if ctx.scalar(select(Score.id).limit(1)) is not None:
                assert world.rfr.opened_at is not None

        @invariant()
        def no_price_score_before_the_technical_scores_are_final(self):
            rows = ctx.scalars(select(ConsensusScore).where(
                ConsensusScore.panel_id == self.panel.id)).all()
            if any(r.criterion.envelope is Envelope.price for r in rows):
                assert flow.technical_complete(self.panel)
                assert self.panel.status in (PanelStatus.consensus, PanelStatus.finalized)

        @invariant()
        def no_consensus_before_every_scoresheet_is_in(self):
            if self.panel.status in (PanelStatus.consensus, PanelStatus.finalized):
                assert all(s.status in (ScoresheetStatus.submitted, ScoresheetStatus.final)
                           for s in flow.live_scoresheets(self.panel))

        @invariant()
        def no_ranking_or_final_panel_before_consensus_is_complete(self):
            if self.panel.status is PanelStatus.finalized or self.ranked:
                assert not flow.missing_consensus(self.panel)

    reached: set[PanelStatus] = set()
    PanelMachine.TestCase.settings = settings(
        max_examples=30, stateful_step_count=50, deadline=None,
        suppress_health_check=list(HealthCheck))
    PanelMachine.TestCase().runTest()
    # the random runs went all the way through (a run that never scores proves little)
    assert {PanelStatus.scoring, PanelStatus.consensus, PanelStatus.finalized} <= reached
