"""Every date rule at its exact instant and one microsecond either side, on the project's clock
(time-machine with the clock stopped: no wall-clock, no sleeps).

The deadline: received before it is in; at it or after it, refused. The closing grace: the clock
closes a solicitation only once the deadline and the grace have passed, not a microsecond
before. Questions: taken up to and including the cut-off. An addendum leaves at least the rule's
days, or the deadline moves to exactly that minimum. Publishing: the minimum days open, and
questions closing at the latest the cut-off before the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from procure.models import ResponseStatus
from procure.models import SolicitationStatus as S
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from procure.workflows.base import WorkflowError
from tests.support.factories import draft_rfr, published_rfr, response_ready_to_submit, user

US = timedelta(microseconds=1)
GRACE = timedelta(seconds=30)     # the closing grace the agency set (written here, not imported)
BEFORE, AT, AFTER = -1, 0, 1      # microseconds from the instant under test


def stopped(moment):
    """The project's clock stopped at a moment (it does not tick on while the test runs)."""
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def officer(ctx, people):
    return user(ctx, "officer")


@pytest.fixture
def rfr(ctx, officer):
    return published_rfr(ctx, officer, days_open=31)


@pytest.fixture
def draft_response(ctx, rfr, tmp_path):
    """Alpha's response, drafted with one document that has been read: ready to submit."""
    bidder = user(ctx, "bidder")
    return response_ready_to_submit(ctx, bidder, rfr.lots[0], tmp_path), bidder


# ---------------------------------------------------------------- the submission deadline

@pytest.mark.parametrize("offset, accepted", [(BEFORE, True), (AT, False), (AFTER, False)],
                         ids=["1us-before", "at-the-deadline", "1us-after"])
def test_submission_received_at_the_deadline_instant(ctx, draft_response, offset, accepted):
    row, bidder = draft_response
    received = row.solicitation.deadline + offset * US
    with stopped(received + timedelta(seconds=2)):    # the server got to it a little later
        if accepted:
            response_flow.fire(ctx, row, "submit", bidder, received_at=received)
            assert row.status is ResponseStatus.submitted
            assert row.last_receipt.submitted_at == received
        else:
            with pytest.raises(WorkflowError, match="late responses are not accepted"):
                response_flow.fire(ctx, row, "submit", bidder, received_at=received)
            assert row.status is ResponseStatus.draft and row.receipts == []


@pytest.mark.parametrize("offset, accepted", [(BEFORE, True), (AT, False), (AFTER, False)],
                         ids=["1us-before", "at-the-deadline", "1us-after"])
def test_submission_on_the_clock_at_the_deadline_instant(ctx, draft_response, offset, accepted):
    """Without a receipt time (the use case asks the clock): the same instant decides."""
    row, bidder = draft_response
    with stopped(row.solicitation.deadline + offset * US):
        assert flow.is_accepting(row.solicitation) is accepted
        if accepted:
            response_flow.fire(ctx, row, "submit", bidder)
            assert row.status is ResponseStatus.submitted
        else:
            with pytest.raises(WorkflowError, match="late responses are not accepted"):
                response_flow.fire(ctx, row, "submit", bidder)
            assert row.status is ResponseStatus.draft


@pytest.mark.parametrize("offset, accepted", [(BEFORE, True), (AT, False), (AFTER, False)],
                         ids=["1us-before", "at-the-deadline", "1us-after"])
def test_withdrawal_and_document_changes_stop_at_the_deadline_instant(ctx, draft_response,
                                                                      offset, accepted):
    row, bidder = draft_response
    deadline = row.solicitation.deadline
    response_flow.fire(ctx, row, "submit", bidder)
    at = deadline + offset * US
    with stopped(at):
        if accepted:
            response_flow.fire(ctx, row, "withdraw", bidder, received_at=at)
            assert row.status is ResponseStatus.withdrawn
            response_flow.require_editable(row, at)
        else:
            with pytest.raises(WorkflowError, match="late responses are not accepted"):
                response_flow.fire(ctx, row, "withdraw", bidder, received_at=at)
            assert row.status is ResponseStatus.submitted
            with pytest.raises(WorkflowError):
                response_flow.require_editable(row, at)


@pytest.mark.parametrize("offset, accepted", [(BEFORE, True), (AT, False), (AFTER, False)],
                         ids=["1us-before", "at-the-deadline", "1us-after"])
def test_starting_a_response_stops_at_the_deadline_instant(ctx, rfr, offset, accepted):
    bidder = user(ctx, "bidder")
    with stopped(rfr.deadline + offset * US):
        if accepted:
            assert response_flow.start(ctx, bidder, rfr.lots[0]).status is ResponseStatus.draft
        else:
            with pytest.raises(WorkflowError, match="is not taking responses"):
                response_flow.start(ctx, bidder, rfr.lots[0])


# ---------------------------------------------------------------- the closing grace

@pytest.mark.parametrize("offset, closes", [(BEFORE, False), (AT, True), (AFTER, True)],
                         ids=["1us-before-grace-ends", "as-grace-ends", "1us-after"])
def test_the_clock_closes_exactly_when_the_grace_ends(ctx, rfr, offset, closes):
    grace_ends = rfr.deadline + GRACE
    assert flow.closes_at(rfr) == grace_ends
    with stopped(grace_ends + offset * US):
        assert ("close" in flow.allowed_events(rfr)) is closes
        assert response_flow.close_due(ctx) == ([rfr.number] if closes else [])
        assert rfr.status is (S.closed if closes else S.published)


def test_the_grace_is_thirty_seconds_and_refuses_a_person_closing_early(ctx, rfr, officer):
    """Within the grace the deadline has passed (late submissions are refused) but nobody can
    close yet: what was received in time is still being recorded."""
    assert flow.CLOSING_GRACE == GRACE
    with stopped(rfr.deadline + US):
        assert not flow.is_accepting(rfr)
        with pytest.raises(WorkflowError, match="still being recorded"):
            response_flow.fire_solicitation_event(ctx, rfr, "close", officer)
    with stopped(rfr.deadline + GRACE - US):
        with pytest.raises(WorkflowError, match="still being recorded"):
            response_flow.fire_solicitation_event(ctx, rfr, "close", officer)
        assert rfr.status is S.published
    with stopped(rfr.deadline - US):
        with pytest.raises(WorkflowError, match="has not passed yet"):
            response_flow.fire_solicitation_event(ctx, rfr, "close", officer)
    with stopped(rfr.deadline + GRACE):
        response_flow.fire_solicitation_event(ctx, rfr, "close", officer)
        assert rfr.status is S.closed


def test_the_close_seals_what_was_in_time(ctx, draft_response):
    row, bidder = draft_response
    deadline = row.solicitation.deadline
    with stopped(deadline + GRACE - US):
        response_flow.fire(ctx, row, "submit", bidder, received_at=deadline - US)
    with stopped(deadline + GRACE):
        assert response_flow.close_due(ctx) == [row.solicitation.number]
    assert row.status is ResponseStatus.sealed


# ---------------------------------------------------------------- questions

@pytest.mark.parametrize("offset, taken", [(BEFORE, True), (AT, True), (AFTER, False)],
                         ids=["1us-before", "at-the-cut-off", "1us-after"])
def test_questions_are_taken_up_to_the_cut_off_instant(ctx, rfr, offset, taken):
    bidder = user(ctx, "bidder")
    assert rfr.questions_due == rfr.deadline - timedelta(days=10)
    with stopped(rfr.questions_due + offset * US):
        if taken:
            assert flow.ask_question(ctx, rfr, bidder, "Can one provider take two lots?").id
        else:
            with pytest.raises(WorkflowError, match="Questions closed"):
                flow.ask_question(ctx, rfr, bidder, "Too late?")
            assert rfr.questions == []


# ---------------------------------------------------------------- addenda

@pytest.mark.parametrize("offset, moves", [(BEFORE, True), (AT, False), (AFTER, False)],
                         ids=["1us-short", "exactly-the-minimum", "1us-more"])
def test_addendum_leaves_at_least_the_minimum_days(ctx, rfr, officer, offset, moves):
    minimum = timedelta(days=flow.rules_for(ctx, rfr.kind).min_days_after_addendum)
    assert minimum == timedelta(days=7)
    deadline = rfr.deadline
    now = deadline - minimum - offset * US     # the deadline is minimum + offset after now
    with stopped(now):
        addendum = response_flow.publish_addendum(ctx, rfr, officer, title="Forms", body="New forms.")
    assert addendum.previous_deadline == deadline
    if moves:
        assert rfr.deadline == now + minimum == deadline + US
        assert addendum.new_deadline == rfr.deadline
        assert "deadline moves" in addendum.body and "at least 7 days" in addendum.body
    else:
        assert rfr.deadline == deadline and addendum.new_deadline is None
        assert addendum.body == "New forms."


def test_addendum_moving_the_deadline_keeps_the_question_cut_off(ctx, rfr, officer):
    now = rfr.deadline - timedelta(days=2)
    with stopped(now):
        response_flow.publish_addendum(ctx, rfr, officer, title="Late change", body="More.")
    assert rfr.deadline == now + timedelta(days=7)
    # questions closed before the addendum stay closed; never later than the cut-off
    assert rfr.questions_due < now
    assert rfr.questions_due <= rfr.deadline - timedelta(days=10)


# ---------------------------------------------------------------- publishing

@pytest.mark.parametrize("offset, publishable", [(BEFORE, False), (AT, True), (AFTER, True)],
                         ids=["1us-short", "exactly-30-days", "1us-more"])
def test_publish_needs_the_minimum_days_open(ctx, officer, offset, publishable):
    row = draft_rfr(ctx, officer)
    now = row.deadline - timedelta(days=30) - offset * US
    with stopped(now):
        if publishable:
            flow.publish(ctx, row, officer)
            assert row.status is S.published and row.published_at == now
        else:
            with pytest.raises(WorkflowError, match="must stay open at least 30 days"):
                flow.publish(ctx, row, officer)
            assert row.status is S.draft


@pytest.mark.parametrize("offset, publishable", [(BEFORE, True), (AT, True), (AFTER, False)],
                         ids=["1us-earlier", "exactly-10-days-before", "1us-later"])
def test_publish_needs_questions_to_close_by_the_cut_off(ctx, officer, offset, publishable):
    row = draft_rfr(ctx, officer)
    flow.update(ctx, row, officer,
                questions_due=row.deadline - timedelta(days=10) + offset * US)
    if publishable:
        flow.publish(ctx, row, officer)
        assert row.status is S.published
    else:
        with pytest.raises(WorkflowError, match="questions must close at least 10 days"):
            flow.publish(ctx, row, officer)
        assert row.status is S.draft


@pytest.mark.parametrize("offset, in_the_past", [(BEFORE, False), (AT, True), (AFTER, True)],
                         ids=["deadline-1us-ahead", "deadline-now", "deadline-1us-ago"])
def test_publish_refuses_a_deadline_that_is_not_ahead(ctx, officer, offset, in_the_past):
    row = draft_rfr(ctx, officer)
    with stopped(row.deadline + offset * US):
        with pytest.raises(WorkflowError) as refused:
            flow.publish(ctx, row, officer)
    assert ("the deadline is in the past" in refused.value.message) is in_the_past
    assert ("must stay open at least 30 days" in refused.value.message) is not in_the_past


def test_a_change_received_before_the_deadline_is_taken_while_the_grace_runs(ctx, draft_response,
                                                                            tmp_path):
    """A document whose request arrived 1 us before the deadline, stored 5 s after it (while the
    grace runs), is added; the same document arriving now, after the deadline, is not."""
    import io
    from procure.models import DocumentKind
    from procure.storage import LocalStore
    row, bidder = draft_response
    deadline = row.solicitation.deadline
    stored = LocalStore(tmp_path / "store").put(io.BytesIO(b"%PDF-1.7 annex"))
    with stopped(deadline + timedelta(seconds=5)):
        with pytest.raises(WorkflowError, match="the response can no longer change"):
            response_flow.add_document(ctx, row, bidder, kind=DocumentKind.narrative,
                                       filename="annex.pdf", stored=stored, max_files=20)
        document = response_flow.add_document(ctx, row, bidder, kind=DocumentKind.narrative,
                                              filename="annex.pdf", stored=stored, max_files=20,
                                              received_at=deadline - US)
    assert document in row.current_documents and document.filename == "annex.pdf"


def test_closing_at_the_deadline_instant_is_told_it_waits_for_the_grace(ctx, rfr, officer):
    """At the very instant of the deadline, a person closing is told the deadline has passed
    and submissions are still being recorded until the grace ends (not that it has not passed)."""
    from procure import clock
    with stopped(rfr.deadline):
        with pytest.raises(WorkflowError) as refused:
            response_flow.fire_solicitation_event(ctx, rfr, "close", officer)
    assert refused.value.message == (
        "Submissions received before the deadline are still being recorded; it closes at "
        f"{clock.format_moment(rfr.deadline + GRACE)}.")


def test_the_clock_seals_in_the_trail_as_the_system_with_no_reason(ctx, draft_response):
    """The trail says who sealed a response and why: the system at the deadline, no reason
    given (a reason there would be one nobody gave)."""
    from sqlalchemy import select
    from procure.models import AuditEvent
    row, bidder = draft_response
    response_flow.fire(ctx, row, "submit", bidder)
    with stopped(flow.closes_at(row.solicitation)):
        response_flow.close_due(ctx)
    seal = ctx.scalar(select(AuditEvent).where(AuditEvent.event == "seal"))
    assert (seal.actor_label, seal.reason, seal.from_state, seal.to_state) == (
        "system (deadline)", "", "submitted", "sealed")
