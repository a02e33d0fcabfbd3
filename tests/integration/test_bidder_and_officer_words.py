"""Words a new user found wrong or missing (issue 19): "Addendum 1: Addendum 1: ..." when the
officer typed the number; "Time left: 0 days" with 12 minutes to go; the RFR's page did not
mark the lots the bidder already answered; My responses did not say selected / not selected."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import time_machine

from procure.extensions import db
from procure.workflows import award as award_flow
from tests.integration.test_every_form_as_rendered import fill, forms_of
from tests.support.award import RANKED, finalized
from tests.support.factories import published_rfr, user


def _seen(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _rfr(app) -> tuple[int, int, object]:
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        db.session.commit()
        return row.id, row.lots[0].id, row.deadline


def test_an_addendum_typed_with_its_number_is_numbered_once(app, login):
    sid, _, _ = _rfr(app)
    officer = login("officer")
    url = f"/officer/solicitations/{sid}"
    form = next(f for f in forms_of(url, officer.get(url).get_data(as_text=True))
                if f.action.endswith("/addenda"))
    data = fill(form, 1)
    data.update({"addendum-title": ["Addendum 1: Budget form"],
                 "addendum-body": ["Use the new budget form."], "addendum-new_deadline": [""]})
    assert officer.post(form.action, data, csrf=False,
                        content_type="multipart/form-data").status_code == 302
    public = _seen(login("anonymous").get(f"/solicitations/{sid}"))
    assert "Addendum 1: Budget form" in public
    assert "Addendum 1: Addendum 1" not in public


def test_time_left_says_hours_and_minutes_near_the_deadline(app, login):
    sid, lot, deadline = _rfr(app)
    bidder = login("bidder")
    bidder.respond(sid, lot)
    for before, said in ((timedelta(minutes=12), "12 minutes"),
                         (timedelta(hours=5, minutes=3), "5 hours 3 minutes"),
                         (timedelta(days=1, hours=2), "1 day 2 hours"),
                         (timedelta(days=9, hours=2), "9 days")):
        with time_machine.travel(deadline - before, tick=False):
            row = _seen(bidder.get("/bidder/")).split("Lead agency: Holyoke", 1)[1]
            assert f"EST {said} —" in row or f"EDT {said} —" in row, (said, row)
            assert "0 days" not in row


def test_the_rfr_page_marks_the_lots_the_bidder_answered(app, login):
    sid, lot, _ = _rfr(app)
    bidder = login("bidder")
    page = _seen(bidder.get(f"/solicitations/{sid}"))
    assert "Respond to lot 1" in page and "Your response to lot 1" not in page
    url = bidder.respond(sid, lot)
    html = bidder.get(f"/solicitations/{sid}").get_data(as_text=True)
    seen = _seen_html(html)
    assert "Your response to lot 1" in seen and "Respond to lot 1" not in seen
    assert f'href="{url}"' in html
    assert "Respond to lot 2" in _seen_html(html)           # the lot not answered
    assert "Your response" not in _seen(login("other_bidder").get(f"/solicitations/{sid}"))


def _seen_html(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_my_responses_says_selected_or_not_selected(app, login, people):
    with app.app_context():
        session = db.session
        world, _ = finalized(session)
        lot = world.rfr.lots[0]
        lot_id = lot.id
        award = award_flow.propose(session, lot, world.officer,       # at the lot's estimate
                                   response=world.responses[RANKED[0]], amount=Decimal(100000))
        award_flow.approve(session, award, world.chair)
        session.commit()
    bidder = login("bidder")                       # Alpha, ranked second
    assert "Not selected" not in _seen(bidder.get("/bidder/"))
    with app.app_context():
        from procure.models import Lot, User
        award_flow.notify_lot(db.session, db.session.get(Lot, lot_id),
                              db.session.get(User, people["officer"]))
        db.session.commit()
    mine = _seen(bidder.get("/bidder/"))
    assert "Not selected" in mine and "Selected for award" not in mine
