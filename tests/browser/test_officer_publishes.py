"""In Chromium: an officer drafts and publishes an RFR; a visitor finds it."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from procure import clock
from tests.browser.conftest import sign_in
from tests.support.factories import EMAILS, PASSWORD


def test_officer_creates_and_publishes_rfr_and_visitor_finds_it(live_server, people, browser,
                                                                 visit):
    officer = browser.new_page()
    look = visit(officer)
    sign_in(officer, live_server, EMAILS["officer"], PASSWORD)
    officer.goto(live_server + "/officer/")
    look.check("dashboard")
    officer.get_by_role("link", name="New solicitation").click()
    look.check("new")
    officer.get_by_label("Kind").select_option("RFR")
    officer.get_by_label("Title").fill("Regional resource center for the Western region")
    officer.get_by_label("Issuing agencies").select_option(["DCF", "DMH"])
    deadline = clock.local(clock.now() + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    officer.get_by_label("Submission deadline (Eastern time)").fill(deadline)
    officer.get_by_role("button", name="Save draft").click()
    expect(officer.get_by_role("alert").or_(officer.get_by_role("status")).first).to_contain_text("created")

    officer.get_by_label("Kind of lot").select_option("resource_center")
    officer.locator("#lot-title").fill("Regional resource center: Western")
    officer.get_by_label("Region (regional resource center)").select_option(label="Western")
    officer.get_by_label("Estimated annual value ($)").fill("350000")
    officer.get_by_role("button", name="Add lot").click()
    officer.locator("#section-title").fill("Program Design")
    officer.get_by_label("Page limit").fill("10")
    officer.get_by_role("button", name="Add section").click()
    for name, weight in [("Program design", "75"), ("Cost", "25")]:
        if officer.locator("#criteria details.add-part").get_attribute("open") is None:
            officer.locator("summary", has_text="Add a criterion").click()
        officer.locator("#criterion-name").fill(name)
        officer.locator("#criterion-weight").fill(weight)
        officer.get_by_role("button", name="Add criterion").click()
    expect(officer.locator("#criteria-h")).to_contain_text("weights total 100 of 100")
    look.check("draft-complete")
    # Removing a part asks once: sent unticked, nothing goes, and it says so beside the box.
    officer.locator("summary", has_text="Remove criterion “Cost”…").click()
    officer.get_by_role("button", name="Remove criterion “Cost”").click()
    expect(officer.locator("details[id^=confirm-remove-criterion]").filter(
        has_text="Cost")).to_contain_text("Tick the box to confirm; nothing was changed.")
    expect(officer.locator("#criteria-h")).to_contain_text("weights total 100 of 100")
    look.check("remove-unticked")
    officer.locator("summary", has_text="Publish…").click()
    expect(officer.locator("#confirm-publish")).to_contain_text("changes only by addendum")
    officer.get_by_role("button", name="Yes, publish now").click()
    expect(officer.locator(".badge.status").first).to_have_text("Open")
    look.check("published")
    officer.get_by_role("link", name="Lifecycle").click()
    expect(officer.locator("g.state.current")).to_contain_text("Open (now)")
    look.check("lifecycle")
    officer.get_by_role("link", name="←").first.click()
    officer.get_by_role("link", name="Audit trail").click()
    expect(officer.locator("table")).to_contain_text("publish")
    look.check("audit")

    visitor = browser.new_page()
    seen = visit(visitor)
    seen.name += "-visitor"
    visitor.goto(live_server + "/")
    visitor.get_by_label("Words").fill("Western resource")
    visitor.get_by_label("Agency").select_option("DMH")
    visitor.get_by_role("button", name="Search").click()
    seen.check("search")
    visitor.get_by_role("link", name="Regional resource center for the Western region").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Regional resource center for the Western region")
    expect(visitor.locator("#lots + .table-responsive table")).to_contain_text("Western region")
    seen.check("detail")
    look.assert_accessible()
    seen.assert_accessible()
