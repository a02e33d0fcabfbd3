"""What counts against the deadline is when the service received a request, not when it got to
it: a submission received in time and recorded just after the deadline is in; one received
after it is refused, whatever the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from procure.models import ResponseStatus
from procure.workflows import response as flow
from procure.workflows.base import WorkflowError
from tests.support.factories import published_rfr, response_ready_to_submit, user


@pytest.fixture
def draft(ctx, people, tmp_path):
    rfr = published_rfr(ctx, user(ctx, "officer"), days_open=31)
    bidder = user(ctx, "bidder")
    return response_ready_to_submit(ctx, bidder, rfr.lots[0], tmp_path), bidder


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
