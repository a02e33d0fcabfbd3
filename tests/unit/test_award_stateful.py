"""Random events fired at the award machine of one lot: propose (the top-ranked bidder or
another with a reason, at an amount or the bidder's own), approve (by the proposer or another
officer), withdraw, notify, a losing bidder's protest upheld or denied, standstill's end. After
each step: never two live awards of one bidder, never more than the lot takes, nobody approves
their own award, a final award only after standstill with no open protest, and the RFR awarded
exactly when the lot's award is final; each lot has one outcome (awarded, closed without an
award with its reason, no responsive bidder, open), lot 2 (nobody bid) closed or not.

A finalized panel is built once; each example runs in a savepoint that is rolled back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from procure import clock
from procure.models import Award, AwardStatus, ProtestStatus, SolicitationStatus
from procure.workflows import award as flow
from procure.workflows.base import NotFound, WorkflowError
from tests.support.award import RANKED, finalized
from tests.support.factories import user

A = AwardStatus


@pytest.fixture
def world(ctx, people):
    built, _panel = finalized(ctx)
    ctx.commit()
    return built


def test_award_invariants_under_random_events(ctx, world):
    lot = world.rfr.lots[0]
    losers = {"bidder": user(ctx, "bidder"), "other_bidder": user(ctx, "other_bidder")}
    reached: set[str] = set()

    class AwardMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.savepoint = ctx.begin_nested()
            self.moment = clock.now()
            self.withdrawn: set[int] = set()      # responses whose award was withdrawn

        def teardown(self) -> None:
            self.savepoint.rollback()
            ctx.expire_all()

        def awards(self) -> list[Award]:
            return list(ctx.scalars(select(Award).where(Award.lot_id == lot.id)
                                    .order_by(Award.id)))

        def live(self) -> list[Award]:
            return [a for a in self.awards() if a.status in flow.LIVE]

        def any_in(self, *statuses) -> bool:
            return any(a.status in statuses for a in self.live())

        def attempt(self, action, *args, **kwargs):
            try:
                return action(*args, **kwargs)
            except (WorkflowError, NotFound):
                return None

        @precondition(lambda self: not self.live())     # the lot takes one award
        @rule(who=st.sampled_from(RANKED), amount=st.sampled_from([None, Decimal(90000)]),
              reason=st.sampled_from([True, True, False]))
        def propose(self, who, amount, reason):
            response = world.responses[who]
            again = response.id in self.withdrawn
            made = self.attempt(flow.propose, ctx, lot, world.officer, response=response,
                                amount=amount,
                                justification="Agreed at the panel's debrief." if reason else "")
            if made is not None:
                # without a reason: only the top-ranked, within its cost and the estimate
                assert reason or (who == RANKED[0] and amount == Decimal(90000))
                if again:
                    reached.add("proposed again")

        @precondition(lambda self: self.any_in(A.proposed))
        @rule(by_proposer=st.sampled_from([False, False, True]))
        def approve(self, by_proposer):
            for award in self.live():
                if award.status is A.proposed:
                    was_protested = any(p.status is ProtestStatus.upheld for p in award.protests)
                    done = self.attempt(flow.approve, ctx, award,
                                        world.officer if by_proposer else world.chair)
                    if award.status is A.approved:
                        assert not by_proposer
                        if was_protested:
                            reached.add("approved again")
                    return done

        @precondition(lambda self: self.any_in(A.proposed, A.approved))
        @rule()
        def withdraw(self):
            for award in self.live():
                self.attempt(flow.withdraw, ctx, award, world.chair, "Reconsidered.")
                if award.status is A.withdrawn:
                    self.withdrawn.add(award.response_id)
                    return

        @precondition(lambda self: self.any_in(A.approved))
        @rule()
        def notify(self):
            self.attempt(flow.notify_lot, ctx, lot, world.officer, moment=self.moment)

        @precondition(lambda self: self.any_in(A.standstill))
        @rule(who=st.sampled_from(sorted(losers)))
        def protest(self, who):
            for award in self.live():
                if award.status is A.standstill:
                    self.attempt(flow.file_protest, ctx, award, losers[who],
                                 grounds="The price was misread.", moment=self.moment)

        @precondition(lambda self: any(p.status is ProtestStatus.open
                                       for a in self.live() for p in a.protests))
        @rule(uphold=st.sampled_from([True, True, False]))
        def decide(self, uphold):
            for award in self.live():
                for protest in award.protests:
                    if protest.status is ProtestStatus.open:
                        self.attempt(flow.decide_protest, ctx, protest, world.chair,
                                     uphold=uphold, reasons="Read again.", moment=self.moment)
                        if protest.status is ProtestStatus.upheld:
                            assert award.status is A.proposed      # to be approved again
                            reached.add("protest upheld")
                        return

        @precondition(lambda self: self.withdrawn or flow.lot_outcome(
            ctx, world.rfr.lots[1]) == "No responsive bidder")
        @rule(which=st.sampled_from([1, 0]),      # lot 1 once an award of it was withdrawn
              outcome=st.sampled_from(["no_award", "reprocure"]))
        def close_a_lot(self, which, outcome):
            lot_ = world.rfr.lots[which]
            self.attempt(flow.close_lot, ctx, lot_, world.officer, outcome=outcome,
                         reason="Nobody bid." if which else "Every bid was above the budget.")
            if flow.lot_outcome(ctx, lot_).startswith(("No award", "To be procured")):
                reached.add(f"lot {which + 1} closed")

        @rule(days=st.sampled_from([1, 2, 30]))
        def time_passes(self, days):
            self.moment += timedelta(days=days)
            flow.finalize_due(ctx, self.moment)

        @invariant()
        def one_live_award_per_bidder_and_at_most_what_the_lot_takes(self):
            live = self.live()
            assert len({a.response_id for a in live}) == len(live) <= lot.max_awards

        @invariant()
        def nobody_approves_their_own(self):
            for award in self.awards():
                assert award.approved_by_id is None or award.approved_by_id != \
                    award.proposed_by_id

        @invariant()
        def final_only_after_standstill_and_the_rfr_follows(self):
            finals = [a for a in self.live() if a.status is A.final]
            for award in finals:
                assert award.final_at >= award.standstill_ends_at
                assert all(p.status is not ProtestStatus.open for p in award.protests)
            assert (world.rfr.status is SolicitationStatus.awarded) == bool(finals)

        @invariant()
        def each_lot_has_one_outcome(self):
            first, second = (flow.lot_outcome(ctx, x) for x in world.rfr.lots)
            live = self.live()
            if first.startswith(("No award", "To be procured")):
                assert not live                           # closed: nothing proposed after
            assert (", final" in first) == any(a.status is A.final for a in live)
            assert second in ("No responsive bidder", "No award: Nobody bid.",
                              "To be procured again: Nobody bid.")

    AwardMachine.TestCase.settings = settings(
        max_examples=50, stateful_step_count=40, deadline=None,
        suppress_health_check=list(HealthCheck))
    AwardMachine.TestCase().runTest()
    # the runs went through a withdrawal and a new proposal, and closed each lot; a protest
    # upheld and the award approved again are reached in some runs only (the deterministic
    # walk is test_award_workflow's test_an_upheld_protest_sends_the_award_back_to_proposed)
    assert {"proposed again", "lot 1 closed", "lot 2 closed"} <= reached, reached
