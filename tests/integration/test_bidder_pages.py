"""What a new bidder met (issue 9): a refused submit says why on the response's own page; a
document is removed only once the box is ticked; sizes, intake refusals and receipts in plain
words."""

from __future__ import annotations

import re
from html import unescape

import pytest

from procure.extensions import db
from procure.intake import jobs
from tests.support.factories import published_rfr, user
from tests.support.pdfs import complete_response


def _seen(response) -> str:
    """The words a person reads: the page without its tags and attributes."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.fixture
def response_url(app, login):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        db.session.commit()
        sid, lot = row.id, row.lots[0].id
    bidder = login("bidder")
    return bidder, bidder.respond(sid, lot)


def test_submitting_with_a_rejected_file_says_so_on_the_response_page(app, response_url):
    bidder, url = response_url
    bidder.upload(url, b"hello", "notes.pdf")
    jobs.wait_for_idle()
    page = bidder.get(url)
    seen = _seen(page)
    assert "Rejected: Not a PDF." in seen and "not_pdf" not in seen
    assert "5 bytes" in seen and "0.0 KB" not in seen
    refused = bidder.post(url + "/events/submit", {})
    assert refused.status_code == 302        # told on the response's own page (issue 19)
    seen = _seen(bidder.get(refused.headers["Location"]))
    assert "Remove or replace the rejected files first: notes.pdf." in seen
    assert "Completeness check" in seen and "Go back" not in seen


def test_a_document_is_removed_only_once_ticked(app, response_url):
    bidder, url = response_url
    uploaded = bidder.upload(url, complete_response())
    jobs.wait_for_idle()
    document = uploaded.headers["Location"].rsplit("#document-", 1)[1]
    page = _seen(bidder.get(url))
    assert "Remove proposal.pdf…" in page and "Yes, remove proposal.pdf" in page
    unticked = bidder.post(f"{url}/documents/{document}/remove", {})
    assert unticked.status_code == 400
    assert "Tick the box to confirm; nothing was removed." in _seen(unticked)
    assert "proposal.pdf" in _seen(bidder.get(url))
    done = bidder.post(f"{url}/documents/{document}/remove", {"confirm": "y"},
                       follow_redirects=True)
    assert "proposal.pdf was removed from the response" in _seen(done)
    assert "No documents yet." in _seen(done)


def test_a_withdrawn_submissions_receipt_says_it_was_withdrawn(app, response_url):
    bidder, url = response_url
    bidder.upload(url, complete_response())
    jobs.wait_for_idle()
    bidder.get(url)
    assert bidder.post(url + "/events/submit", {}).status_code == 302
    receipt = _seen(bidder.get(url + "/receipt"))
    assert "withdrawn" not in receipt.lower()
    assert bidder.post(url + "/events/withdraw", {}).status_code == 302
    page = _seen(bidder.get(url))
    assert "Receipt of the withdrawn submission" in page
    receipt = _seen(bidder.get(url + "/receipt"))
    assert "Submission receipt (withdrawn)" in receipt
    assert "no longer in force" in receipt and "Submit the response again" in receipt
