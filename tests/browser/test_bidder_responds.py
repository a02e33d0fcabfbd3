"""In Chromium: a bidder uploads, watches intake progress, sees a missing section, uploads a
corrected version, submits and gets the receipt; another bidder and an officer cannot see it."""

from __future__ import annotations

import hashlib

from playwright.sync_api import expect

from procure.extensions import db
from tests.browser.conftest import sign_in
from tests.support.factories import EMAILS, PASSWORD, published_rfr, user
from tests.support.pdfs import complete_response, missing_budget_response


def test_bidder_uploads_fixes_submits_and_it_stays_sealed(app, live_server, people, browser,
                                                          visit):
    with app.app_context():
        rfr = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        rfr_id = rfr.id
    page = browser.new_page()
    look = visit(page)
    sign_in(page, live_server, EMAILS["bidder"], PASSWORD)
    page.goto(f"{live_server}/solicitations/{rfr_id}")
    look.check("solicitation")
    page.get_by_role("button", name="Respond to lot 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Response to lot 1")
    look.check("empty-response")

    # A file that is not a PDF is refused in words; submitting says why, on this page; the file
    # goes once the box is ticked.
    page.get_by_label("PDF file").set_input_files(
        files=[{"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"hello"}])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#docs-h ~ article").first).to_contain_text("Rejected: Not a PDF.")
    page.locator("summary", has_text="Submit…").click()
    page.get_by_role("button", name="Yes, submit now").click()
    expect(page.locator("#refusal")).to_contain_text(
        "Remove or replace the rejected files first: notes.pdf.")
    look.check("submit-refused")
    page.locator("summary", has_text="Remove notes.pdf…").click()
    page.get_by_label("Yes, remove notes.pdf").check()
    page.get_by_role("button", name="Remove notes.pdf", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("notes.pdf was removed")

    page.get_by_label("What this document is").select_option("narrative")
    page.get_by_label("PDF file").set_input_files(
        files=[{"name": "proposal-v1.pdf", "mimeType": "application/pdf",
                "buffer": missing_budget_response()}])
    with page.expect_response(lambda r: r.url.endswith("/progress")) as progress:
        page.get_by_role("button", name="Upload", exact=True).click()
    # the page polled the reading's progress (its body may be gone already: reading can finish,
    # and the page reload once, before the test asks for it)
    assert progress.value.ok and progress.value.headers["content-type"].startswith(
        "application/json")
    expect(page.locator(".completeness")).to_contain_text(
        "No document has the required section “Budget”")
    look.check("missing-section")

    corrected = complete_response()
    page.get_by_label("Replace with a corrected version").set_input_files(
        files=[{"name": "proposal-v2.pdf", "mimeType": "application/pdf", "buffer": corrected}])
    page.get_by_role("button", name="Replace proposal-v1.pdf").click()
    expect(page.locator("#check-h + p")).to_contain_text(
        "Every required section was found")
    look.check("complete")
    page.locator("summary", has_text="Submit…").click()
    expect(page.locator("#confirm-submit")).to_contain_text("sealed until the opening")
    page.get_by_role("button", name="Yes, submit now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submission receipt")
    expect(page.locator("table")).to_contain_text(hashlib.sha256(corrected).hexdigest())
    expect(page.locator("table")).to_contain_text("proposal-v2.pdf")
    look.check("receipt")
    response_path = page.url.replace("/receipt", "")

    other = browser.new_page()
    sign_in(other, live_server, EMAILS["other_bidder"], PASSWORD)
    other.goto(response_path)
    expect(other.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(other.locator("body")).not_to_contain_text("proposal-v2.pdf")

    officer = browser.new_page()
    seen = visit(officer)
    seen.name += "-officer"
    sign_in(officer, live_server, EMAILS["officer"], PASSWORD)
    officer.goto(f"{live_server}/officer/solicitations/{rfr_id}/responses")
    expect(officer.locator("main")).to_contain_text("sealed until the opening")
    expect(officer.locator("main")).not_to_contain_text("Alpha Care")
    seen.check("sealed-responses")
    officer.goto(f"{live_server}/officer/solicitations/{rfr_id}")
    expect(officer.locator("main")).not_to_contain_text("Alpha Care")
    seen.check("solicitation")
    look.assert_accessible()
    seen.assert_accessible()
