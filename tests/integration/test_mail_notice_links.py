"""Links in the mail bidders are sent about a procurement (issue 19, left from 18): an addendum,
an award notice and a protest decision each carry a link to the page that says it, built on the
service's own address (PROCURE_BASE_URL) by the one helper (`procure.mail.link`), as reset links
are; the page it names opens for the person it was sent to."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from procure.extensions import db
from procure.models import Protest
from procure.workflows import response as response_flow
from tests.integration import test_award_pages
from tests.integration.test_award_pages import _as, _protest, _text, _told
from tests.support.factories import EMAILS, published_rfr, user
from tests.support.outbox import outbox_reader
from tests.support.pdfs import pdf_with_sections

SITE = "https://procure.example.org"
world = test_award_pages.world      # the fixture: an RFR whose lot 1 panel is finalized


@pytest.fixture
def outbox(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", SITE)
    return outbox_reader(app)


def _links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def _path(link: str) -> str:
    parts = urlsplit(link)
    return parts.path


def test_an_addendum_mail_links_to_the_rfr_page_on_the_base_address(app, people, outbox):
    bidder = _as(app, EMAILS["bidder"])
    with app.app_context():
        rfr = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        sid, lot = rfr.id, rfr.lots[0].id
    bidder.respond(sid, lot)
    outbox()                                     # the mail before the addendum (none expected)
    with app.app_context():
        rfr = db.session.get(type(rfr), sid)
        response_flow.publish_addendum(db.session, rfr, user(db.session, "officer"),
                                       title="Budget form clarified", body="Show each line.")
        db.session.commit()
    told = [b for b in outbox() if "Budget form clarified" in b]
    assert told, "no addendum mail"
    links = _links(told[0])
    assert links == [f"{SITE}/solicitations/{sid}#addenda"], links
    page = bidder.get(_path(links[0]))
    assert page.status_code == 200 and "Budget form clarified" in _text(page)


def test_award_notices_and_a_protest_decision_link_to_the_bidders_notice(app, world, outbox):
    officer, _, _ = _told(app, world)
    mails = outbox()
    notices = [b for b in mails if "selected for award" in b]
    assert len(notices) >= 2
    for body in notices:
        links = _links(body)
        assert len(links) == 1 and links[0].startswith(f"{SITE}/awards/responses/"), body
    alpha = _as(app, EMAILS["bidder"])
    own = f"/awards/responses/{world['responses']['bidder']}"
    mine = [b for b in notices if own in b]
    assert mine and all("has not been selected" in b for b in mine)   # each of its people
    assert alpha.get(own).status_code == 200
    pdf = pdf_with_sections(["Protest", "The price score was miscalculated."])
    assert _protest(alpha, world, files=[(io.BytesIO(pdf), "protest.pdf")]).status_code == 302
    with app.app_context():
        protest = db.session.scalars(select(Protest)).one()
        pid, number = protest.public_id, protest.id
    outbox()
    assert officer.post(f"/awards/protests/{pid}/decision",
                        {f"decide{number}-decision": "deny",
                         f"decide{number}-reasons": "The formula was applied as published."}
                        ).status_code == 302
    decided = [b for b in outbox() if "your protest was denied" in b.lower()
               or "was denied" in b]
    assert decided, "no decision mail"
    assert _links(decided[0]) == [f"{SITE}{own}"], decided[0]
    page = _text(alpha.get(own))
    assert "The formula was applied as published." in page and "Denied" in page


def test_the_receipt_mail_links_to_the_response(app, people, outbox):
    from procure.intake import jobs
    from tests.support.pdfs import complete_response
    bidder = _as(app, EMAILS["bidder"])
    with app.app_context():
        rfr = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        sid, lot = rfr.id, rfr.lots[0].id
    url = bidder.respond(sid, lot)
    bidder.upload(url, complete_response(), "proposal.pdf", kind="narrative")
    jobs.wait_for_idle()
    outbox()
    assert bidder.post(url + "/events/submit", {}).status_code == 302
    receipts = [b for b in outbox() if "was received on" in b]
    assert receipts, "no receipt mail"
    path = urlsplit(url).path
    assert _links(receipts[0]) == [f"{SITE}{path}"], receipts[0]
    assert bidder.get(path).status_code == 200
