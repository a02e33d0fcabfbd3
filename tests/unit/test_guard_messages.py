"""What each workflow guard tells a person when it refuses, word for word, and which events each
person is offered. (Mutation testing found guards whose refusal was tested but not what it says.)"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine

from procure import clock
from procure.storage import LocalStore
from procure.models import (
    CancelReason,
    DocumentKind,
    IntakeStatus,
    ResponseStatus,
    Solicitation,
    SolicitationKind,
)
from procure.models import SolicitationStatus as S
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from procure.workflows.base import Uploads, WorkflowError
from tests.support.factories import draft_rfr, published_rfr, user
from tests.support.pdfs import complete_response


@pytest.fixture
def officer(ctx, people):
    return user(ctx, "officer")


def refusal(call, *args, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as refused:
        call(*args, **kwargs)
    return refused.value


# ---------------------------------------------------------------- publishing

def test_an_empty_rfr_is_told_everything_missing_at_once(ctx, officer):
    row = Solicitation(number="DCF-2026-RFR-900", kind=SolicitationKind.RFR, status=S.draft,
                       title="Empty", created_by_id=officer.id, created_at=clock.now())
    ctx.add(row)
    ctx.flush()
    error = refusal(flow.publish, ctx, row, officer)
    assert error.message == (
        "Cannot publish yet: choose at least one issuing agency; set a submission deadline; "
        "add at least one lot; add the response sections bidders must include; "
        "add evaluation criteria.")
    assert row.status is S.draft and row.published_at is None


def test_short_deadline_names_the_earliest_allowed(ctx, officer):
    row = draft_rfr(ctx, officer, days_open=40)
    now = row.deadline - timedelta(days=12)
    with time_machine.travel(now, tick=False):
        error = refusal(flow.publish, ctx, row, officer)
    assert error.message == (
        "Cannot publish yet: an RFR must stay open at least 30 days: move the deadline to "
        f"{clock.format_moment(now + timedelta(days=30))} or later.")


def test_a_deadline_already_past_is_told_so(ctx, officer):
    row = draft_rfr(ctx, officer, days_open=40)
    with time_machine.travel(row.deadline + timedelta(days=1), tick=False):
        error = refusal(flow.publish, ctx, row, officer)
    assert error.message == "Cannot publish yet: the deadline is in the past: set one in the future."


def test_late_questions_name_the_latest_allowed(ctx, officer):
    row = draft_rfr(ctx, officer)
    flow.update(ctx, row, officer, questions_due=row.deadline - timedelta(days=2))
    error = refusal(flow.publish, ctx, row, officer)
    assert error.message == (
        "Cannot publish yet: questions must close at least 10 days before the deadline "
        f"(by {clock.format_moment(row.deadline - timedelta(days=10))}).")


def test_publishing_stamps_the_moment_and_the_default_question_cut_off(ctx, officer):
    row = draft_rfr(ctx, officer)
    now = row.deadline - timedelta(days=35)
    with time_machine.travel(now, tick=False):
        flow.publish(ctx, row, officer)
    assert row.published_at == now and row.questions_due == row.deadline - timedelta(days=10)


def test_an_rfi_needs_no_lots_and_stays_open_its_own_minimum(ctx, officer):
    now = clock.now()
    with time_machine.travel(now, tick=False):
        rfi = flow.create(ctx, officer, kind=SolicitationKind.RFI, agencies=["DMH"],
                          title="Models", deadline=now + timedelta(days=14))
        flow.publish(ctx, rfi, officer)
    assert rfi.status is S.published and rfi.questions_due is None
    short = flow.create(ctx, officer, kind=SolicitationKind.RFI, agencies=["DMH"], title="Short",
                        deadline=clock.now() + timedelta(days=13))
    assert "an RFI must stay open at least 14 days" in refusal(flow.publish, ctx, short,
                                                               officer).message


# ---------------------------------------------------------------- closing, cancelling, evaluating

def test_closing_refusals_say_when(ctx, officer):
    row = published_rfr(ctx, officer, days_open=31)
    error = refusal(response_flow.fire_solicitation_event, ctx, row, "close", officer)
    assert error.message == (f"The deadline ({clock.format_moment(row.deadline)}) has not "
                             "passed yet.")
    with time_machine.travel(row.deadline + timedelta(seconds=5), tick=False):
        error = refusal(response_flow.fire_solicitation_event, ctx, row, "close", officer)
    assert error.message == ("Submissions received before the deadline are still being recorded; "
                             f"it closes at {clock.format_moment(flow.closes_at(row))}.")


def test_the_clock_closes_as_the_system_and_seals(ctx, officer):
    row = published_rfr(ctx, officer, days_open=31)
    other = published_rfr(ctx, officer, days_open=45)
    with time_machine.travel(flow.closes_at(row), tick=False):
        assert response_flow.close_due(ctx) == [row.number]
        assert response_flow.close_due(ctx) == []                  # closed once
    assert row.status is S.closed and other.status is S.published
    from sqlalchemy import select

    from procure.models import AuditEvent
    closing = ctx.scalars(select(AuditEvent).where(AuditEvent.event == "close")).one()
    assert (closing.actor_label, closing.from_state, closing.to_state, closing.entity_id) == (
        "system (deadline)", "published", "closed", row.id)


def test_a_custom_grace_is_honoured_by_the_clock(ctx, officer):
    row = published_rfr(ctx, officer, days_open=31)
    with time_machine.travel(row.deadline + timedelta(seconds=9), tick=False):
        assert response_flow.close_due(ctx, grace=timedelta(seconds=10)) == []
        assert response_flow.close_due(ctx, grace=timedelta(seconds=9)) == [row.number]


def test_no_deadline_no_closing(ctx, officer):
    row = draft_rfr(ctx, officer)
    flow.update(ctx, row, officer, deadline=None)
    assert flow.closes_at(row) is None and not flow.is_accepting(row)
    assert flow.allowed_events(row) == ["cancel", "publish"]


def test_cancelling_asks_why_in_words(ctx, officer):
    row = published_rfr(ctx, officer)
    assert refusal(flow.cancel, ctx, row, officer, None, "Budget cut").message == (
        "Choose why the solicitation is cancelled.")
    assert refusal(flow.cancel, ctx, row, officer, "not-a-reason", "Budget cut").message == (
        "Choose why the solicitation is cancelled.")
    assert refusal(flow.cancel, ctx, row, officer, CancelReason.funds_cut, "  ").message == (
        "Explain the cancellation in a few words; bidders will read it.")
    flow.cancel(ctx, row, officer, "funds_cut", "  The budget line was cut.  ")
    assert (row.status, row.cancel_reason, row.cancel_text) == (
        S.cancelled, CancelReason.funds_cut, "The budget line was cut.")


def test_evaluation_needs_an_accepted_response(ctx, officer):
    row = published_rfr(ctx, officer, days_open=31)
    with time_machine.travel(flow.closes_at(row), tick=False):
        response_flow.close_due(ctx)
        response_flow.open_responses(ctx, row, officer)
    assert refusal(flow.fire, ctx, row, "begin_evaluation", officer).message == (
        "Accept at least one response as responsive before evaluation begins.")


def test_a_published_solicitation_says_how_it_changes(ctx, officer):
    row = published_rfr(ctx, officer)
    assert refusal(flow.update, ctx, row, officer, title="New").message == (
        f"{row.number} is open: a published solicitation changes only by addendum.")


# ---------------------------------------------------------------- any event

def test_events_refused_say_what_is_possible(ctx, officer):
    row = draft_rfr(ctx, officer)
    error = refusal(flow.fire, ctx, row, "open", officer)
    assert error.message.startswith("You cannot open responses") and error.message.endswith(
        "an RFR that is draft.")
    assert error.allowed == ["cancel", "publish"]
    error = refusal(flow.fire, ctx, row, "teleport", officer)
    assert error.message == "There is no 'teleport' action for an RFR."
    assert error.allowed == ["cancel", "publish"]


# ---------------------------------------------------------------- responses

@pytest.fixture
def rfr(ctx, officer):
    return published_rfr(ctx, officer, days_open=31)


@pytest.fixture
def bidder(ctx, people):
    return user(ctx, "bidder")


def _document(ctx, row, bidder, tmp_path, name="p.pdf", status=IntakeStatus.parsed):
    uploads = Uploads(store=LocalStore(tmp_path), max_bytes=10**7, max_files=5)
    document = response_flow.upload_document(
        ctx, row, bidder, stream=io.BytesIO(complete_response() + name.encode()), filename=name,
        kind=DocumentKind.narrative, uploads=uploads)
    document.intake_status = status
    document.record = {"pages": 1, "sections": [], "problems": []}
    ctx.flush()
    return document


def test_submitting_says_what_is_missing(ctx, rfr, bidder, tmp_path):
    row = response_flow.start(ctx, bidder, rfr.lots[0])
    assert refusal(response_flow.fire, ctx, row, "submit", bidder).message == (
        "Upload at least one document before submitting.")
    _document(ctx, row, bidder, tmp_path, "a.pdf", IntakeStatus.queued)
    _document(ctx, row, bidder, tmp_path, "b.pdf", IntakeStatus.parsing)
    assert refusal(response_flow.fire, ctx, row, "submit", bidder).message == (
        "Wait until every document has been read: a.pdf, b.pdf.")
    for document in row.current_documents:
        document.intake_status = IntakeStatus.rejected
    ctx.flush()
    assert refusal(response_flow.fire, ctx, row, "submit", bidder).message == (
        "Remove or replace the rejected files first: a.pdf, b.pdf.")
    assert row.status is ResponseStatus.draft and row.receipts == []


def test_a_late_submission_is_told_when_it_arrived(ctx, rfr, bidder, tmp_path):
    row = response_flow.start(ctx, bidder, rfr.lots[0])
    _document(ctx, row, bidder, tmp_path)
    late = rfr.deadline + timedelta(seconds=1)
    with time_machine.travel(late, tick=False):
        error = refusal(response_flow.fire, ctx, row, "submit", bidder, received_at=late)
        assert error.message == (
            f"Your request was received at {clock.format_moment(late, seconds=True)}. "
            f"The deadline for {rfr.number} was {clock.format_moment(rfr.deadline)}; "
            "late responses are not accepted.")
        error = refusal(response_flow.fire, ctx, row, "submit", bidder)
        assert error.message == (f"The deadline for {rfr.number} was "
                                 f"{clock.format_moment(rfr.deadline)}; late responses are not "
                                 "accepted.")


def test_a_submitted_or_late_response_cannot_change(ctx, rfr, bidder, tmp_path):
    row = response_flow.start(ctx, bidder, rfr.lots[0])
    _document(ctx, row, bidder, tmp_path)
    response_flow.fire(ctx, row, "submit", bidder)
    assert row.last_receipt.number == 1 and row.last_receipt.files[0]["filename"] == "p.pdf"
    assert refusal(response_flow.require_editable, row).message == (
        "This response is submitted: withdraw it to change its documents, then submit again "
        "before the deadline.")
    response_flow.fire(ctx, row, "withdraw", bidder)
    response_flow.require_editable(row)
    with time_machine.travel(rfr.deadline, tick=False):
        assert refusal(response_flow.require_editable, row).message == (
            f"The deadline was {clock.format_moment(rfr.deadline)}; the response can no "
            "longer change.")


def test_each_person_is_offered_their_own_events(ctx, rfr, bidder, officer, tmp_path):
    row = response_flow.start(ctx, bidder, rfr.lots[0])
    _document(ctx, row, bidder, tmp_path)
    colleague, other = user(ctx, "bidder_colleague"), user(ctx, "other_bidder")
    assert response_flow.allowed_events(row, bidder) == ["submit"]
    assert response_flow.allowed_events(row, colleague) == ["submit"]
    assert response_flow.allowed_events(row, other) == []
    assert response_flow.allowed_events(row, officer) == []
    response_flow.fire(ctx, row, "submit", bidder)
    assert response_flow.allowed_events(row, bidder) == ["withdraw"]
    with time_machine.travel(flow.closes_at(rfr), tick=False):
        response_flow.close_due(ctx)
        response_flow.open_responses(ctx, rfr, officer)
    assert row.status is ResponseStatus.opened
    assert response_flow.allowed_events(row, officer) == ["accept", "reject"]
    assert response_flow.allowed_events(row, bidder) == []
    assert response_flow.allowed_events(row, user(ctx, "panelist")) == []


def test_sealed_until_opened_except_for_the_bidders_own(ctx, rfr, bidder, officer, tmp_path):
    row = response_flow.start(ctx, bidder, rfr.lots[0])
    _document(ctx, row, bidder, tmp_path)
    people = {who: user(ctx, who) for who in ("bidder_colleague", "other_bidder", "admin",
                                               "panelist")}
    readers = lambda: {who for who, p in [("bidder", bidder), ("officer", officer),
                                          *people.items()]
                       if response_flow.is_unsealed_for(p, row)}
    assert readers() == {"bidder", "bidder_colleague"}                   # a draft
    response_flow.fire(ctx, row, "submit", bidder)
    with time_machine.travel(flow.closes_at(rfr), tick=False):
        response_flow.close_due(ctx)
    assert row.status is ResponseStatus.sealed
    assert readers() == {"bidder", "bidder_colleague"}                   # sealed
    response_flow.open_responses(ctx, rfr, officer)
    assert readers() == {"bidder", "bidder_colleague", "officer", "admin"}   # opened
    assert not response_flow.is_unsealed_for(None, row)


def test_evaluation_counts_only_this_rfrs_accepted_responses(ctx, rfr, bidder, officer, tmp_path):
    """Evaluation begins once a response to this RFR is accepted: a rejected one does not count,
    nor one accepted in another RFR."""
    other_rfr = published_rfr(ctx, officer, days_open=31)
    ours = response_flow.start(ctx, bidder, rfr.lots[0])
    theirs = response_flow.start(ctx, user(ctx, "other_bidder"), other_rfr.lots[0])
    for row, who, folder in ((ours, bidder, "a"), (theirs, user(ctx, "other_bidder"), "b")):
        _document(ctx, row, who, tmp_path / folder)
        response_flow.fire(ctx, row, "submit", who)
    with time_machine.travel(max(flow.closes_at(rfr), flow.closes_at(other_rfr)), tick=False):
        response_flow.close_due(ctx)
        response_flow.open_responses(ctx, rfr, officer)
        response_flow.open_responses(ctx, other_rfr, officer)
    response_flow.fire(ctx, ours, "reject", officer, reason="Unsigned cover sheet.")
    response_flow.fire(ctx, theirs, "accept", officer)
    assert refusal(flow.fire, ctx, rfr, "begin_evaluation", officer).message == (
        "Accept at least one response as responsive before evaluation begins.")
    flow.fire(ctx, other_rfr, "begin_evaluation", officer)
    assert (rfr.status, other_rfr.status) == (S.opened, S.in_evaluation)
