"""Every RFR/RFI transition and guard, through the use cases (real database, no mocks)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from procure import clock
from procure.models import (
    AuditEvent,
    CancelReason,
    SolicitationKind,
)
from procure.models import (
    SolicitationStatus as S,
)
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from procure.workflows.base import WorkflowError
from tests.support.factories import draft_rfr, published_rfr, user


@pytest.fixture
def officer(ctx, people):
    return user(ctx, "officer")


def test_publish_complete_rfr_records_audit(ctx, officer):
    row = draft_rfr(ctx, officer)
    flow.publish(ctx, row, officer)
    ctx.commit()
    assert row.status is S.published
    assert row.published_at is not None
    # questions close by the rule's cut-off before the deadline when none was set
    assert row.questions_due == row.deadline - timedelta(days=10)
    last = ctx.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (last.event, last.from_state, last.to_state, last.actor_label) == (
        "publish", "draft", "published", officer.email)


@pytest.mark.parametrize("breakage, message", [
    ("no_lots", "add at least one lot"),
    ("weights", "criteria weights add up to 60, not 100"),
    ("past_deadline", "the deadline is in the past"),
    ("short", "must stay open at least 30 days"),
    ("no_sections", "add the response sections"),
    ("late_questions", "questions must close at least 10 days before the deadline"),
])
def test_publish_guards_say_why(ctx, officer, breakage, message):
    row = draft_rfr(ctx, officer)
    if breakage == "no_lots":
        for lot in list(row.lots):
            flow.remove_part(ctx, row, officer, lot)
    elif breakage == "weights":
        flow.remove_part(ctx, row, officer, row.criteria[1])
    elif breakage == "past_deadline":
        flow.update(ctx, row, officer, deadline=clock.now() - timedelta(hours=1))
    elif breakage == "short":
        flow.update(ctx, row, officer, deadline=clock.now() + timedelta(days=5))
    elif breakage == "no_sections":
        for section in list(row.sections):
            flow.remove_part(ctx, row, officer, section)
    elif breakage == "late_questions":
        flow.update(ctx, row, officer, questions_due=row.deadline - timedelta(days=2))
    with pytest.raises(WorkflowError) as refused:
        flow.publish(ctx, row, officer)
    assert message in refused.value.message
    assert row.status is S.draft


def test_published_rfr_changes_only_by_addendum(ctx, officer):
    row = published_rfr(ctx, officer)
    with pytest.raises(WorkflowError, match="only by addendum"):
        flow.update(ctx, row, officer, title="Something else")
    with pytest.raises(WorkflowError, match="only by addendum"):
        flow.add_section(ctx, row, officer, title="Another")


def test_illegal_event_lists_allowed(ctx, officer):
    row = draft_rfr(ctx, officer)
    with pytest.raises(WorkflowError) as refused:
        flow.fire(ctx, row, "open", officer)
    assert refused.value.allowed == ["cancel", "publish"]


def test_close_only_after_deadline_and_grace_then_open(ctx, officer):
    row = published_rfr(ctx, officer, days_open=31)
    with pytest.raises(WorkflowError, match="has not passed"):
        flow.fire(ctx, row, "close", officer)
    with time_machine.travel(row.deadline + timedelta(seconds=1)):
        assert response_flow.close_due(ctx) == []         # what was received in time is still recorded
        assert "close" not in flow.allowed_events(row)
        with pytest.raises(WorkflowError, match="still being recorded"):
            flow.fire(ctx, row, "close", officer)
    with time_machine.travel(flow.closes_at(row) + timedelta(seconds=1)):
        assert "close" in flow.allowed_events(row)
        assert response_flow.close_due(ctx) == [row.number]
        assert row.status is S.closed
        response_flow.open_responses(ctx, row, officer)
        assert row.status is S.opened and row.opened_at is not None


def test_tick_leaves_open_solicitations(ctx, officer):
    row = published_rfr(ctx, officer, days_open=31)
    assert response_flow.close_due(ctx) == []
    assert row.status is S.published


@pytest.mark.parametrize("reason, text, ok", [
    (CancelReason.funds_cut, "The budget line was cut.", True),
    (None, "No reason chosen", False),
    (CancelReason.other, "   ", False),
    (CancelReason.other, "", False),
])
def test_cancel_needs_reason_and_text(ctx, officer, reason, text, ok):
    row = published_rfr(ctx, officer)
    if ok:
        flow.cancel(ctx, row, officer, reason, text)
        assert row.status is S.cancelled and row.cancel_reason is reason
    else:
        with pytest.raises(WorkflowError):
            flow.cancel(ctx, row, officer, reason, text)
        assert row.status is S.published


def test_the_trail_keeps_why_it_was_cancelled(ctx, officer):
    from sqlalchemy import select
    from procure.models import AuditEvent
    row = published_rfr(ctx, officer)
    flow.cancel(ctx, row, officer, CancelReason.funds_cut, "The budget line was cut.")
    event = ctx.scalar(select(AuditEvent).where(AuditEvent.event == "cancel"))
    assert (event.reason, event.data, event.to_state) == (
        "The budget line was cut.", {"cancel_reason": "funds_cut"}, "cancelled")


def test_cannot_cancel_cancelled(ctx, officer):
    row = published_rfr(ctx, officer)
    flow.cancel(ctx, row, officer, CancelReason.no_need, "Not needed")
    with pytest.raises(WorkflowError):
        flow.cancel(ctx, row, officer, CancelReason.no_need, "Again")


def test_addendum_numbers_and_moves_deadline_when_too_close(ctx, officer):
    row = published_rfr(ctx, officer, days_open=31)
    first = flow.publish_addendum(ctx, row, officer, title="Clarify", body="Forms changed.")
    assert first.number == 1 and first.new_deadline is None
    with time_machine.travel(row.deadline - timedelta(days=2)):
        second = flow.publish_addendum(ctx, row, officer, title="Late change", body="More.")
        assert second.number == 2
        assert row.deadline >= clock.now() + timedelta(days=7) - timedelta(seconds=1)
        assert "deadline moves" in second.body
        assert second.previous_deadline is not None and second.new_deadline == row.deadline


def test_addendum_refused_unless_published(ctx, officer):
    row = draft_rfr(ctx, officer)
    with pytest.raises(WorkflowError, match="only while a solicitation is open"):
        flow.publish_addendum(ctx, row, officer, title="x", body="y")


def test_questions_private_until_answered_and_cut_off(ctx, officer):
    row = published_rfr(ctx, officer)
    bidder = user(ctx, "bidder")
    q = flow.ask_question(ctx, row, bidder, "Can we bid on two lots?")
    assert q.answer is None
    flow.answer_question(ctx, q, officer, "Yes.")
    assert q.answer == "Yes." and q.answered_at is not None
    with time_machine.travel(row.questions_due + timedelta(minutes=1)):
        with pytest.raises(WorkflowError, match="Questions closed"):
            flow.ask_question(ctx, row, bidder, "Too late?")


def test_rfi_lifecycle_with_comments(ctx, officer):
    rfi = flow.create(ctx, officer, kind=SolicitationKind.RFI, agencies=["DCF"],
                      title="Network services models", deadline=clock.now() + timedelta(days=20))
    flow.publish(ctx, rfi, officer)
    comment = flow.comment_on_rfi(ctx, rfi, user(ctx, "bidder"), "Blend case rates.")
    assert comment.id
    with time_machine.travel(rfi.deadline + timedelta(seconds=31)):
        with pytest.raises(WorkflowError, match="not taking comments"):
            flow.comment_on_rfi(ctx, rfi, user(ctx, "bidder"), "late")
        response_flow.close_due(ctx)
        assert rfi.status is S.closed
        flow.fire(ctx, rfi, "archive", officer)
        assert rfi.status is S.archived
    with pytest.raises(WorkflowError):
        flow.add_lot(ctx, rfi, officer, kind=None, title="x", estimated_annual_value=0)


def test_numbers_are_assigned_in_sequence(ctx, officer):
    a = draft_rfr(ctx, officer)
    b = draft_rfr(ctx, officer)
    year = clock.local(clock.now()).year
    assert a.number == f"DCF-{year}-RFR-001" and b.number == f"DCF-{year}-RFR-002"
    with pytest.raises(WorkflowError, match="already used"):
        draft_rfr(ctx, officer, number=a.number)


def test_joint_procurement_and_lot_kinds(ctx, officer):
    row = draft_rfr(ctx, officer)
    flow.update(ctx, row, officer, agencies=["DCF", "DMH"])
    assert row.agency_names == "DCF and DMH"
    with pytest.raises(WorkflowError, match="needs its region"):
        flow.add_lot(ctx, row, officer, kind=flow.LotKind.resource_center, title="RRC",
                     estimated_annual_value=1)
    with pytest.raises(WorkflowError, match="service model"):
        flow.add_lot(ctx, row, officer, kind=flow.LotKind.network_services, title="NS",
                     estimated_annual_value=1, service_model_code="nope")


def test_an_rfr_closes_only_with_its_responses(ctx, officer):
    """The solicitation workflow does not know the response workflow; closing an RFR without
    the cascade it passes (sealing the responses) is refused."""
    row = published_rfr(ctx, officer, days_open=31)
    with time_machine.travel(flow.closes_at(row) + timedelta(seconds=1)):
        with pytest.raises(WorkflowError, match="moves its responses too"):
            flow.fire(ctx, row, "close", officer)
        assert row.status is S.published
        response_flow.close_solicitation(ctx, row, officer)
        assert row.status is S.closed
