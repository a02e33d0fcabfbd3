"""In Chromium, a search that cannot be run (a walker's hand-edited ?page=two) answers 400 with
its reason, and its "Go back" leads to the search form filled with the words typed, which finds
again; on a phone a long word does not make the page scroll sideways. axe-core checks the page."""

from __future__ import annotations

from playwright.sync_api import expect

from procure.extensions import db
from tests.support.factories import published_rfr, user

PHONE = {"width": 375, "height": 812}


def test_a_refused_search_goes_back_to_the_form_with_its_words(
        app, live_server, people, page, visit):
    with app.app_context():
        officer = user(db.session, "officer")
        published_rfr(db.session, officer, title="Family stabilization services")
        published_rfr(db.session, officer, title="Regional resource centers")
        db.session.commit()
    look = visit(page)
    page.goto(live_server + "/")
    page.get_by_label("Words").fill("Family stabilization")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text("1 solicitation found.")
    page.goto(page.url + "&page=two")                   # typed into the address bar
    expect(page.get_by_role("heading", level=1)).to_have_text("That search cannot be run")
    expect(page.locator("main")).to_contain_text("“two” is not a page number.")
    look.check("refused-search")
    page.get_by_role("link", name="Go back to your search for “Family stabilization”").click()
    expect(page.get_by_label("Words")).to_have_value("Family stabilization")
    expect(page.locator("main")).to_contain_text("Family stabilization services")
    expect(page.locator("main")).not_to_contain_text("Regional resource centers")

    page.set_viewport_size(PHONE)
    page.goto(live_server + "/?page=two&q=" + "x" * 120)
    expect(page.get_by_role("heading", level=1)).to_have_text("That search cannot be run")
    assert page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth") <= 0
    look.assert_accessible()
