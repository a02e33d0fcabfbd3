"""A bidder's response end to end through the pages: upload, read, submit, receipt; sealing;
late refusals; withdraw and resubmit; addenda to confirm; sealing and opening at the deadline."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from procure.extensions import db
from procure.intake import jobs
from procure.models import Response, ResponseStatus
from procure.workflows import response as response_flow
from tests.support.factories import ORG_A, published_rfr, user
from tests.support.pdfs import complete_response, missing_budget_response


@pytest.fixture
def rfr(app, people):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        db.session.commit()
        return {"id": row.id, "lot": row.lots[0].id, "deadline": row.deadline,
                "number": row.number}


def start_response(bidder, rfr) -> str:
    return bidder.respond(rfr["id"], rfr["lot"])


def upload(bidder, url: str, data: bytes, name: str = "proposal.pdf",
           replaces: int | None = None):
    """Upload and wait until the in-process worker has read it."""
    response = bidder.upload(url, data, name, replaces=replaces)
    jobs.wait_for_idle()
    return response


def test_upload_submit_receipt_and_sealed_to_everyone_else(app, login, rfr):
    bidder = login("bidder")
    url = start_response(bidder, rfr)
    data = complete_response()
    assert upload(bidder, url, data).status_code == 302
    page = bidder.get(url).get_data(as_text=True)
    assert "proposal.pdf" in page and "Read" in page
    submitted = bidder.post(url + "/events/submit", {}, follow_redirects=True)
    receipt = submitted.get_data(as_text=True)
    assert "Submission receipt" in receipt
    assert hashlib.sha256(data).hexdigest() in receipt
    response_id = url.rsplit("/", 1)[1]

    # Nobody else sees anything of it before the opening: not the page, the API, the count.
    for who in ("other_bidder", "officer", "admin", "panelist"):
        c = login(who)
        for path in (url, f"/officer/responses/{response_id}",
                     f"/officer/solicitations/{rfr['id']}/responses",
                     f"/officer/solicitations/{rfr['id']}", f"/api/v1/responses/{response_id}"):
            body = c.get(path).get_data(as_text=True)
            assert "proposal.pdf" not in body and ORG_A not in body, (who, path)
    # Her colleague at the same organisation does see it.
    colleague = login("bidder_colleague").get(url).get_data(as_text=True)
    assert "proposal.pdf" in colleague


def test_late_submission_refused_with_the_deadline(app, login, rfr):
    with time_machine.travel(rfr["deadline"] - timedelta(minutes=10)):   # the last minutes
        bidder = login("bidder")
        url = start_response(bidder, rfr)
        upload(bidder, url, complete_response())
        bidder.get(url)
    with time_machine.travel(rfr["deadline"] + timedelta(seconds=1)):
        late = bidder.post(url + "/events/submit", {})
        assert late.status_code == 302      # told on the response's page (issue 19)
        assert "late responses are not accepted" in bidder.get(
            late.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Response.status)) is ResponseStatus.draft


def test_withdraw_and_resubmit_keeps_every_receipt(app, login, rfr):
    bidder = login("bidder")
    url = start_response(bidder, rfr)
    upload(bidder, url, missing_budget_response(), name="v1.pdf")
    bidder.get(url)
    bidder.post(url + "/events/submit", {})
    bidder.get(url)
    assert bidder.post(url + "/events/withdraw", {}).status_code == 302
    with app.app_context():
        doc_id = db.session.scalar(select(Response)).current_documents[0].public_id
    upload(bidder, url, complete_response(), name="v2.pdf", replaces=doc_id)
    bidder.get(url)
    bidder.post(url + "/events/submit", {})
    with app.app_context():
        row = db.session.scalar(select(Response))
        assert row.status is ResponseStatus.submitted
        assert [r.number for r in row.receipts] == [1, 2]
        assert row.receipts[0].withdrawn_at is not None
        assert [f["filename"] for f in row.receipts[0].files] == ["v1.pdf"]
        assert [f["filename"] for f in row.receipts[1].files] == ["v2.pdf"]
        assert len(row.documents) == 2   # the earlier version is kept


def test_addendum_asks_to_confirm_and_unconfirmed_shows_at_opening(app, login, rfr):
    with time_machine.travel(rfr["deadline"] - timedelta(days=9)):   # a week and more left
        bidder = login("bidder")
        url = start_response(bidder, rfr)
        upload(bidder, url, complete_response())
        bidder.get(url)
        bidder.post(url + "/events/submit", {})
        officer = login("officer")
        officer.get(f"/officer/solicitations/{rfr['id']}")
        officer.post(f"/officer/solicitations/{rfr['id']}/addenda",
                     {"addendum-title": "New form", "addendum-body": "Use form B.",
                      "addendum-confirm": "y"})
        page = bidder.get(url).get_data(as_text=True)
        assert "An addendum was published after you submitted" in page
    with time_machine.travel(rfr["deadline"] + timedelta(seconds=35)):
        with app.app_context():
            assert response_flow.close_due(db.session) == [rfr["number"]]
            db.session.commit()
            assert db.session.scalar(select(Response.status)) is ResponseStatus.sealed
        officer.get(f"/officer/solicitations/{rfr['id']}")
        officer.post(f"/officer/solicitations/{rfr['id']}/events/open", {})
        listing = officer.get(f"/officer/solicitations/{rfr['id']}/responses").get_data(
            as_text=True)
    assert ORG_A in listing and "Not confirmed after the last addendum" in listing


def test_opening_shows_submitted_never_drafts(app, login, rfr):
    with time_machine.travel(rfr["deadline"] - timedelta(hours=2)):
        a, b = login("bidder"), login("other_bidder")
        url_a = start_response(a, rfr)
        upload(a, url_a, complete_response())
        a.get(url_a)
        a.post(url_a + "/events/submit", {})
        url_b = start_response(b, rfr)
        upload(b, url_b, complete_response("Beta Family Services"), name="beta-draft.pdf")
        officer = login("officer")
    with time_machine.travel(rfr["deadline"] + timedelta(seconds=35)):
        with app.app_context():
            response_flow.close_due(db.session)
            db.session.commit()
        sealed_page = officer.get(f"/officer/solicitations/{rfr['id']}").get_data(as_text=True)
        assert "Responses are sealed until you open them" in sealed_page
        assert "Alpha" not in sealed_page
        officer.post(f"/officer/solicitations/{rfr['id']}/events/open", {})
        page = officer.get(f"/officer/solicitations/{rfr['id']}").get_data(as_text=True)
        assert re.search(r"Responses opened: 1 opened", page)
        listing = officer.get(f"/officer/solicitations/{rfr['id']}/responses").get_data(
            as_text=True)
        assert ORG_A in listing and "Beta Family Services" not in listing
        draft_id = url_b.rsplit("/", 1)[1]
        assert officer.get(f"/officer/responses/{draft_id}").status_code == 404


def test_upload_limits_have_clear_messages(app, login, rfr):
    app.config["MAX_UPLOAD_BYTES"], saved = 2000, app.config["MAX_UPLOAD_BYTES"]
    try:
        bidder = login("bidder")
        url = start_response(bidder, rfr)
        too_big = upload(bidder, url, complete_response())
        assert too_big.status_code == 409
        assert "MB" in too_big.get_data(as_text=True)
    finally:
        app.config["MAX_UPLOAD_BYTES"] = saved
    app.config["MAX_FILES_PER_RESPONSE"], saved_files = 1, app.config["MAX_FILES_PER_RESPONSE"]
    try:
        assert upload(bidder, url, complete_response()).status_code == 302
        second = upload(bidder, url, missing_budget_response())
        assert second.status_code == 409
        assert "at most 1 files" in second.get_data(as_text=True)
    finally:
        app.config["MAX_FILES_PER_RESPONSE"] = saved_files


def test_rejected_file_blocks_submission(app, login, rfr):
    bidder = login("bidder")
    url = start_response(bidder, rfr)
    upload(bidder, url, b"<html>not a pdf</html>", name="renamed.pdf")
    page = bidder.get(url).get_data(as_text=True)
    assert "Rejected" in page and "not_pdf" in page
    refused = bidder.post(url + "/events/submit", {})
    assert refused.status_code == 302       # told on the response's page (issue 19)
    assert "Remove or replace the rejected files first: renamed.pdf" in bidder.get(
        refused.headers["Location"]).get_data(as_text=True)


def test_the_record_beside_the_pages_rendered_by_the_worker(app, login, rfr):
    bidder = login("bidder")
    url = start_response(bidder, rfr)
    upload(bidder, url, complete_response())
    with app.app_context():
        from procure.models import Document
        document = db.session.scalar(select(Document))
        document_id, pages = document.public_id, document.record["pages"]
        assert len(document.page_images) == pages == 5
    page = bidder.get(f"/bidder/documents/{document_id}").get_data(as_text=True)
    assert 'alt="Page 1 of proposal.pdf"' in page and "Organizational Capacity" in page
    image = bidder.get(f"/bidder/documents/{document_id}/pages/1.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert bidder.get(f"/bidder/documents/{document_id}/pages/6.png").status_code == 404
    assert login("other_bidder").get(f"/bidder/documents/{document_id}/pages/1.png").status_code == 404
