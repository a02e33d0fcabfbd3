"""The award machine's guards on their own, word for word (mutation testing found them masked:
the scheduler checks standstill and protests before it fires `make_final`, so the machine's own
conditions were never reached), and what approving, withdrawing and deciding a protest refuse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from procure import clock
from procure.models import AuditEvent, AwardStatus
from procure.workflows import award as flow
from procure.workflows.base import WorkflowError
from tests.support.award import RANKED
from tests.support.factories import user
from tests.unit.test_award_workflow import _lot, _propose_top, _told, world  # noqa: F401


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(WorkflowError) as refused:
        call(*args, **kwargs)
    return refused.value.message


def test_the_proposer_is_told_another_officer_approves(ctx, world):
    award = _propose_top(ctx, world)
    assert refusal(flow.approve, ctx, award, world.officer) == (
        "You proposed this award: another officer must approve it.")
    flow.approve(ctx, award, world.chair)
    assert award.approved_by_id == world.chair.id and award.approved_at is not None


def test_an_award_is_final_only_when_its_standstill_has_ended(ctx, world):
    award = _told(ctx, world)
    ends = award.standstill_ends_at
    early = ends - timedelta(seconds=1)
    assert refusal(flow.AWARD.fire, award, "make_final", actor="scheduler", moment=early) == (
        f"The standstill period runs until {clock.format_moment(ends)}; the award is final "
        "after it.")
    assert award.status is AwardStatus.standstill
    flow.AWARD.fire(award, "make_final", actor="scheduler", moment=ends)   # at the instant
    assert (award.status, award.final_at) == (AwardStatus.final, ends)


def test_an_award_with_an_open_protest_is_not_made_final(ctx, world):
    award = _told(ctx, world)
    flow.file_protest(ctx, award, user(ctx, "bidder"), grounds="Our price was read wrongly.")
    after = award.standstill_ends_at + timedelta(days=1)
    assert refusal(flow.AWARD.fire, award, "make_final", actor="scheduler", moment=after) == (
        "A protest of this award is open: decide it first.")
    assert award.status is AwardStatus.standstill


def test_a_protest_is_decided_with_reasons(ctx, world):
    award = _told(ctx, world)
    protest = flow.file_protest(ctx, award, user(ctx, "bidder"), grounds="Read wrongly.")
    message = "Give the reasons for the decision: the bidder who protested is told them."
    assert refusal(flow.decide_protest, ctx, protest, world.officer, uphold=True,
                   reasons="  ") == message
    # the machine's own guard, asked with no reason at all
    assert refusal(flow.PROTEST.fire, protest, "deny", actor=world.officer) == message


def test_withdrawing_says_why_and_never_once_the_bidders_are_told(ctx, world):
    award = _propose_top(ctx, world)
    assert refusal(flow.withdraw, ctx, award, world.officer, "  ") == (
        "Say why the award is withdrawn; it stays on the record.")
    flow.withdraw(ctx, award, world.officer, "  Proposed in error.  ")
    assert award.status is AwardStatus.withdrawn
    event = ctx.scalars(select(AuditEvent).where(AuditEvent.entity_type == "award",
                                                 AuditEvent.event == "withdraw")).one()
    assert (event.actor_id, event.reason, event.from_state, event.to_state) == (
        world.officer.id, "Proposed in error.", "proposed", "withdrawn")
    told = flow.propose(ctx, _lot(world), world.officer,
                        response=world.responses[RANKED[1]],
                        justification="The top-ranked bidder's proposal was withdrawn.")
    flow.approve(ctx, told, world.chair)
    flow.notify_lot(ctx, _lot(world), world.officer)
    assert refusal(flow.withdraw, ctx, told, world.officer, "Changed our mind.") == (
        "The bidders have been told: an award in standstill is reopened only by upholding a "
        "protest.")
    assert told.status is AwardStatus.standstill

