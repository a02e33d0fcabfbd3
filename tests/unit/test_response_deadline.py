"""What counts against the deadline is when the service received a request, not when it got to
it: a submission received in time and recorded just after the deadline is in; one received
after it is refused, whatever the queue."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine

from procure.storage import LocalStore
from procure.models import DocumentKind, IntakeStatus, ResponseStatus
from procure.workflows import response as flow
from procure.workflows.base import Uploads, WorkflowError
from tests.support.factories import published_rfr, user
from tests.support.pdfs import complete_response


@pytest.fixture
def draft(ctx, people, tmp_path):
    rfr = published_rfr(ctx, user(ctx, "officer"), days_open=31)
    bidder = user(ctx, "bidder")
    row = flow.start(ctx, bidder, rfr.lots[0])
    uploads = Uploads(store=LocalStore(tmp_path), max_bytes=10**7, max_files=5)
    document = flow.upload_document(ctx, row, bidder, stream=io.BytesIO(complete_response()),
                                    filename="p.pdf", kind=DocumentKind.narrative,
                                    uploads=uploads)
    document.intake_status = IntakeStatus.parsed
    document.record = {"pages": 1, "sections": [], "problems": []}
    return row, bidder


def test_received_in_time_recorded_after_the_deadline_is_in(ctx, draft):
    row, bidder = draft
    deadline = row.solicitation.deadline
    with time_machine.travel(deadline + timedelta(seconds=3)):   # the server got to it late
        flow.fire(ctx, row, "submit", bidder, received_at=deadline - timedelta(milliseconds=200))
    assert row.status is ResponseStatus.submitted
    assert row.last_receipt.submitted_at == deadline - timedelta(milliseconds=200)


def test_received_after_the_deadline_is_refused(ctx, draft):
    row, bidder = draft
    deadline = row.solicitation.deadline
    with time_machine.travel(deadline + timedelta(seconds=3)):
        with pytest.raises(WorkflowError, match="late responses are not accepted"):
            flow.fire(ctx, row, "submit", bidder, received_at=deadline + timedelta(seconds=1))
    assert row.status is ResponseStatus.draft and row.receipts == []
