"""In Chromium, as a panelist: during technical scoring the proposal's Budget section says its
page is sealed (no picture of it); once the panel's technical consensus is complete the same
section shows the budget page."""

from __future__ import annotations

from playwright.sync_api import expect

from procure.extensions import db
from procure.workflows import evaluation as flow
from tests.browser.conftest import sign_in
from tests.support.evaluation import agree_technical, opened_rfr, scoring_panel, submit_all
from tests.support.factories import EMAILS, PASSWORD


def test_a_panelist_sees_the_budget_page_only_after_the_technical_consensus(
        app, live_server, people, browser, visit):
    with app.app_context():
        world = opened_rfr(db.session)
        panel = scoring_panel(db.session, world)
        db.session.commit()
        panel_id = panel.public_id

    page = browser.new_context().new_page()
    look = visit(page)
    sign_in(page, live_server, EMAILS["panelist"], PASSWORD)
    page.goto(live_server + "/evaluation/mine")
    page.get_by_role("link", name="lot 1").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scoring")
    budget = page.locator("details.section", has=page.locator("summary", has_text="Budget"))
    budget.locator("summary").click()
    expect(budget).to_contain_text("Page 4 carries the price")
    expect(budget.locator("img")).to_have_count(0)
    look.check("budget-sealed")
    sheet_url = page.url

    with app.app_context():
        row = db.session.scalar(db.select(flow.Panel).where(flow.Panel.public_id == panel_id))
        submit_all(db.session, row)
        agree_technical(db.session, row)
        db.session.commit()

    page.goto(sheet_url)
    budget = page.locator("details.section", has=page.locator("summary", has_text="Budget"))
    budget.locator("summary").click()
    picture = budget.locator("img")
    expect(picture).to_have_count(1)
    expect(picture).to_be_visible()
    # the picture loads (a 404 never gets a width, so this waits out its timeout and fails)
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                           arg=picture.element_handle())
    expect(budget).not_to_contain_text("carries the price")
    look.check("budget-open")
    look.assert_accessible()
