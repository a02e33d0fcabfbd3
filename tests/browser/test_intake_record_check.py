"""In Chromium: the bidder checks what was read beside the page pictures, clicks the page where
the budget starts, types the total, saves, and the completeness check stops warning."""

from __future__ import annotations

from playwright.sync_api import expect

from procure.extensions import db
from procure.intake import jobs
from tests.browser.conftest import sign_in
from tests.integration.test_intake_corrections import misread_response
from tests.support.factories import EMAILS, PASSWORD, published_rfr, user


def test_bidder_corrects_the_record_beside_the_pages(app, live_server, people, browser, visit):
    with app.app_context():
        rfr = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        rfr_id = rfr.id
    page = browser.new_page()
    look = visit(page)
    sign_in(page, live_server, EMAILS["bidder"], PASSWORD)
    page.goto(f"{live_server}/solicitations/{rfr_id}")
    page.get_by_role("button", name="Respond to lot 1").click()
    page.get_by_label("What this document is").select_option("narrative")
    page.get_by_label("PDF file").set_input_files(
        files=[{"name": "proposal.pdf", "mimeType": "application/pdf", "buffer": misread_response()}])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator(".completeness")).to_contain_text(
        "No document has the required section “Budget”", timeout=30_000)
    response_url = page.url.split("#")[0]
    jobs.wait_for_idle()  # the page pictures are made after the reading

    page.get_by_role("link", name="The record beside the PDF").first.click()
    expect(page.get_by_role("heading", name="Check what was read")).to_be_visible()
    look.check("record-check")
    # choose the budget's box, then click the picture of page 4: the box takes its number
    page.get_by_label("Budget: starts on page").focus()
    expect(page.locator("#page-4 img")).to_be_visible(timeout=30_000)
    page.locator("#page-4 img").click()
    expect(page.get_by_label("Budget: starts on page")).to_have_value("4")
    page.get_by_label("Budget total ($)").fill("100,000.00")
    page.get_by_role("button", name="Save corrections").click()
    expect(page.get_by_role("status").first).to_contain_text("Your corrections are saved")
    expect(page.locator(".record")).to_contain_text("start page corrected by the bidder; read: not found")
    expect(page.locator(".record")).to_contain_text("$100,000.00")

    page.goto(response_url)
    expect(page.locator("main")).not_to_contain_text("required section “Budget”")
