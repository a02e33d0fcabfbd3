"""On a 375 px phone the actions of the lists stay on the screen (issue 19, walking the README's
story at 375 px): a bidder's "Respond to lot N" on the RFR's page, an officer's "N to answer" on
the dashboard and a bidder's response on My responses were in a table that scrolled sideways,
off the screen. The rows stack on a phone now, each cell named by its column."""

from __future__ import annotations

from playwright.sync_api import expect

from procure.extensions import db
from procure.workflows import solicitation as flow
from tests.browser.conftest import sign_in
from tests.support.factories import EMAILS, PASSWORD, published_rfr, user

PHONE = {"width": 375, "height": 812}


def _on_screen(page, locator) -> None:
    """Every element the locator finds lies within the phone's width (no sideways scrolling)."""
    assert locator.count() > 0
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], \
            (locator.nth(i).inner_text(), box)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_lists_actions_stay_on_a_phones_screen(app, live_server, people, browser, visit):
    with app.app_context():
        rfr = published_rfr(db.session, user(db.session, "officer"))
        flow.ask_question(db.session, rfr, user(db.session, "other_bidder"), "Two lots?")
        db.session.commit()
        rfr_id = rfr.id
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    look = visit(page)
    sign_in(page, live_server, EMAILS["bidder"], PASSWORD)
    page.goto(f"{live_server}/solicitations/{rfr_id}")
    _on_screen(page, page.get_by_role("button", name="Respond to lot"))
    look.check("phone-rfr-lots")
    page.get_by_role("button", name="Respond to lot 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Response to lot 1")
    page.goto(f"{live_server}/bidder/")
    _on_screen(page, page.get_by_role("link", name="Lot 1:"))
    look.check("phone-my-responses")
    context.clear_cookies()
    sign_in(page, live_server, EMAILS["officer"], PASSWORD)
    page.goto(f"{live_server}/officer/")
    _on_screen(page, page.get_by_role("link", name="1 to answer"))
    look.check("phone-officer-dashboard")
    look.assert_accessible()
    context.close()
