"""What the cover sheet says is checked against the bidder's profile, the lot and the budget:
mismatches are warnings the bidder sees before submitting."""

from __future__ import annotations

from html import unescape

from procure.extensions import db
from procure.intake import jobs
from tests.support.factories import published_rfr, user
from tests.support.pdfs import complete_response, pdf_with_sections


def _response_page(app, login, content: bytes) -> str:
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        db.session.commit()
        sid, lot = row.id, row.lots[0].id
    bidder = login("bidder")
    url = bidder.respond(sid, lot)
    bidder.upload(url, content)
    jobs.wait_for_idle()
    return unescape(bidder.get(url).get_data(as_text=True))


def test_a_cover_naming_someone_else_warns_the_bidder(app, login):
    content = pdf_with_sections(
        ["Organization Name: Harbor Light Community Partners", "FEIN: 04-3310987", "Lot: 7",
         "Total Price: $300,000.00"],
        ["1. Organizational Capacity", "We have run lead-agency functions since 1998."],
        ["2. Program Design", "Case planning teams meet weekly at the area office."],
        ["3. Budget", "Lead agency staff    $80,000.00", "Network development    $20,000.00",
         "Total    $100,000.00"],
        ["Authorized Signature", "Signed: Ann Alpha, Executive Director"])
    page = _response_page(app, login, content)
    assert ("the cover sheet names “Harbor Light Community Partners”, but your organisation is "
            "registered as “Alpha Care Collaborative”") in page
    assert "FEIN 04-3310987, but your organisation's FEIN is 04-1111111" in page
    assert "the cover sheet names lot 7, but this response is for lot 1" in page
    assert "total price $300,000.00 is not the budget's total ($100,000.00)" in page
    assert "above the lot's estimated annual value ($100,000.00)" in page
    assert "Warnings do not stop you from submitting" in page


def test_a_matching_cover_raises_no_warning(app, login):
    page = _response_page(app, login, complete_response())
    assert 'data-code="cover_' not in page
