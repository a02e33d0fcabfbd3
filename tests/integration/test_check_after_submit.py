"""The completeness check once the response cannot change (issue 19): after a submit, or once the
deadline has passed, it says what the response was submitted with and offers nothing the bidder
can no longer do; a submit with no documents at all names the kinds the RFR requires."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import time_machine
from sqlalchemy import select

from procure import clock
from procure.extensions import db
from procure.intake import jobs
from procure.models import Response, ResponseStatus, Solicitation
from tests.support.factories import published_rfr, user
from tests.support.pdfs import pdf_with_sections

ADD_SIGNATURE = "Add a page with an authorized signature"


def _seen(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _check(page: str) -> str:
    return page.split("Completeness check", 1)[1].split("Documents", 1)[0]


def _rfr(app, kinds: list[str] | None = None) -> tuple[int, int]:
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        if kinds:
            row.required_document_kinds = kinds
        db.session.commit()
        return row.id, row.lots[0].id


UNSIGNED = pdf_with_sections(
    ["1. Organizational Capacity", "We have run lead-agency functions since 1998."],
    ["2. Program Design", "Case planning teams meet weekly at the area office."],
    ["3. Budget", "Lead agency staff    $80,000.00", "Total    $80,000.00"])


def _unsigned_draft(app, bidder) -> tuple[int, str]:
    """The bidder's draft holding one read document with no signature page: (RFR id, its URL)."""
    sid, lot = _rfr(app)
    url = bidder.respond(sid, lot)
    bidder.upload(url, UNSIGNED, "unsigned.pdf", kind="narrative")
    jobs.wait_for_idle()
    return sid, url


def test_after_submit_the_check_says_what_the_response_was_submitted_with(app, login):
    bidder = login("bidder")
    sid, url = _unsigned_draft(app, bidder)
    before = _check(_seen(bidder.get(url)))
    assert "No document has a signed signature page. " + ADD_SIGNATURE in before
    assert bidder.post(url + "/events/submit", {}).status_code == 302
    submitted = _check(_seen(bidder.get(url)))
    assert "This response was submitted with these warnings." in submitted
    assert "To change it, withdraw it and submit it again before the deadline." in submitted
    assert "No document has a signed signature page." in submitted
    assert ADD_SIGNATURE not in submitted and "do not stop you from submitting" not in submitted
    # past the deadline, then opened and accepted: nothing is left to do
    with app.app_context():
        rfr = db.session.get(Solicitation, sid)
        later = rfr.deadline + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        with app.app_context():
            from procure.workflows import response as response_flow
            rfr = db.session.get(Solicitation, sid)
            officer = user(db.session, "officer")
            response_flow.close_due(db.session)
            response_flow.open_responses(db.session, rfr, officer)
            row = db.session.scalar(select(Response).where(Response.solicitation_id == sid))
            response_flow.fire(db.session, row, "accept", officer)
            db.session.commit()
            assert row.status is ResponseStatus.accepted
        accepted = _check(_seen(login("bidder").get(url)))     # signed in again, days later
    assert "This response was submitted with these warnings. It can no longer change" in accepted
    assert ADD_SIGNATURE not in accepted and "withdraw" not in accepted


def test_a_draft_past_its_deadline_says_it_was_not_submitted(app, login):
    bidder = login("bidder")
    sid, url = _unsigned_draft(app, bidder)
    with app.app_context():
        later = db.session.get(Solicitation, sid).deadline + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        assert clock.now() >= later
        check = _check(_seen(login("bidder").get(url)))
    assert "The deadline passed with this response not submitted" in check
    assert ADD_SIGNATURE not in check


def test_a_submit_with_no_documents_names_the_required_kinds(app, login):
    bidder = login("bidder")
    sid, lot = _rfr(app, ["cover_sheet", "budget"])
    url = bidder.respond(sid, lot)
    page = _seen(bidder.get(url))
    assert "requires a document of each of these kinds: cover sheet and budget." in page
    refused = bidder.post(url + "/events/submit", {}, follow_redirects=True)
    told = _seen(refused)
    said = told.split('Submit', 1)[1]
    assert ("requires a document of each of these kinds: cover sheet and budget. Upload each one"
            in said)
    assert "Upload at least one document" not in told
    with app.app_context():
        assert db.session.scalar(select(Response.status).where(
            Response.solicitation_id == sid)) is ResponseStatus.draft


def test_a_submit_with_no_documents_and_no_required_kinds_asks_for_one(app, login):
    bidder = login("bidder")
    sid, lot = _rfr(app)
    url = bidder.respond(sid, lot)
    told = _seen(bidder.post(url + "/events/submit", {}, follow_redirects=True))
    assert "Upload at least one document before submitting." in told
