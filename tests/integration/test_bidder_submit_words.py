"""What a bidder reads around submitting (issue 19): a refused submit is told on the response's
own page (its URL: a reload shows the page, never 405); each completeness warning is said once,
for the response as a whole (a cover sheet's card does not say "section not found" or "no
signature" for what another file holds), and the submit confirmation restates them."""

from __future__ import annotations

import re
from html import unescape

from procure.extensions import db
from procure.intake import jobs
from tests.integration.test_bidder_pages import response_url  # noqa: F401 (the fixture)
from tests.support.pdfs import missing_budget_response, pdf_with_sections


def _seen(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _section(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_a_refused_submit_is_told_at_the_responses_own_url(app, response_url):
    bidder, url = response_url
    bidder.get(url)
    refused = bidder.post(url + "/events/submit", {})
    assert refused.status_code == 302
    assert refused.headers["Location"].split("#")[0].endswith(url)
    page = bidder.get(refused.headers["Location"])
    assert page.status_code == 200
    told = _seen(_section(page.get_data(as_text=True), 'id="act-h"', "</section>"))
    assert "Upload at least one document before submitting." in told
    again = bidder.get(url)                  # the reload: the page, the message said once
    assert again.status_code == 200
    assert "Upload at least one document before submitting." not in _seen(
        again.get_data(as_text=True))


def test_each_warning_is_said_once_for_the_response_and_again_before_submitting(app,
                                                                                response_url):
    bidder, url = response_url
    cover = pdf_with_sections(["Organization Name: Alpha Care Collaborative",
                               "FEIN: 04-1111111", "Lot: 1"])
    bidder.upload(url, cover, "cover.pdf", kind="cover_sheet")
    bidder.upload(url, missing_budget_response(), "narrative.pdf")
    jobs.wait_for_idle()
    html = bidder.get(url).get_data(as_text=True)
    cards = _seen(_section(html, 'id="docs-h"', 'id="upload"'))
    assert "was not found" not in cards and "No signed signature page" not in cards
    check = _seen(_section(html, 'id="check-h"', "</section>"))
    assert check.count("Budget") == 1 and "“Budget”" in check
    assert check.count("No document has a signed signature page") == 1
    for word in ("Organizational Capacity", "Program Design"):
        assert word not in check                    # the narrative has them
    confirm = _seen(_section(html, 'id="act-h"', "</section>"))
    assert "The completeness check still says (2):" in confirm
    assert "“Budget”" in confirm and "signature" in confirm


def test_submitting_mails_the_receipt_to_the_organisations_people(app, response_url):
    import hashlib

    from sqlalchemy import select

    from procure.models import OutgoingMail
    from tests.support.factories import EMAILS
    from tests.support.pdfs import complete_response
    bidder, url = response_url
    content = complete_response()
    bidder.upload(url, content, "proposal.pdf")
    jobs.wait_for_idle()
    bidder.get(url)
    assert bidder.post(url + "/events/submit", {}).status_code == 302
    with app.app_context():
        mails = db.session.scalars(select(OutgoingMail).where(
            OutgoingMail.subject.contains("was received"))).all()
        assert sorted(m.to for m in mails) == sorted([EMAILS["bidder"], EMAILS["bidder_colleague"]])
        assert "lot 1 was received (receipt 1)" in mails[0].subject
        assert hashlib.sha256(content).hexdigest() in mails[0].body
        assert "proposal.pdf" in mails[0].body
