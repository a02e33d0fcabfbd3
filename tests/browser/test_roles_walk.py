"""In Chromium, the dead ends a new officer, administrator and panelist met, walked through:
an officer edits a lot in place (a mistake comes back beside the field, with what was typed),
reads the RFI's comments while drafting, publishes after a confirmation, changes a lot by
addendum that bidders read as a list, and opens sealed responses from the RFR's page; the
administrator turns on sealed counts and checks the audit chain; a panelist's menu."""

from __future__ import annotations

import io
from datetime import timedelta

import time_machine
from playwright.sync_api import expect

from procure import clock
from procure.extensions import db
from procure.intake import jobs
from procure.storage import store_from_config
from procure.models import DocumentKind, Lot, ProcedureRule, Solicitation, SolicitationKind
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from tests.browser.conftest import sign_in
from tests.support.factories import EMAILS, PASSWORD, draft_rfr, user
from tests.support.pdfs import complete_response


def test_officer_edits_publishes_amends_and_opens(app, live_server, people, browser, visit):
    with app.app_context():
        officer = user(db.session, "officer")
        rfi = flow.create(db.session, officer, kind=SolicitationKind.RFI, agencies=["DCF"],
                          title="Program models", deadline=clock.now() + timedelta(days=20))
        flow.publish(db.session, rfi, officer)
        flow.comment_on_rfi(db.session, rfi, user(db.session, "bidder"),
                            "Respite needs an hourly rate.")
        row = draft_rfr(db.session, officer, days_open=31)
        row.informed_by_id = rfi.id
        db.session.commit()
        sid, lot_id, deadline = row.id, row.lots[0].id, row.deadline
    page = browser.new_page()
    look = visit(page)
    sign_in(page, live_server, EMAILS["officer"], PASSWORD)
    page.goto(f"{live_server}/officer/solicitations/{sid}")
    expect(page.locator("#rfi-comments")).to_contain_text("Respite needs an hourly rate.")
    look.check("draft-with-rfi-comments")

    # Edit lot 1 in place; a mistake comes back beside the field with what was typed.
    page.locator("summary", has_text="Edit lot 1").click()
    page.locator(f"#lot{lot_id}-title").fill("Lead agency: Holyoke and Greenfield")
    page.locator(f"#lot{lot_id}-estimated_annual_value").fill("1e30")
    page.get_by_role("button", name="Save changes").first.click()
    field = page.locator(f"#lot{lot_id}-estimated_annual_value")
    expect(field).to_have_class("form-control is-invalid")
    expect(field).to_have_value("1e30")
    expect(page.locator(f"#lot{lot_id}-title")).to_have_value("Lead agency: Holyoke and Greenfield")
    expect(page.locator(f"#lot-{lot_id}")).to_contain_text(
        "Enter an amount in dollars from $0 to $999,999,999,999.99; 1e30 is not one.")
    look.check("lot-error-in-place")
    field.fill("125,000")
    page.get_by_role("button", name="Save changes").first.click()
    expect(page.locator("#lots")).to_contain_text("Lead agency: Holyoke and Greenfield")
    expect(page.locator("#lots")).to_contain_text("$125,000.00")

    # Publish, after being told what follows.
    page.locator("summary", has_text="Publish…").click()
    expect(page.locator("#confirm-publish")).to_contain_text("changes only by addendum")
    look.check("publish-confirmation")
    page.get_by_role("button", name="Yes, publish now").click()
    expect(page.locator(".badge.status").first).to_have_text("Open")

    # Change lot 1 by addendum; bidders read the list of changes.
    page.locator("summary", has_text="Change by addendum: lot 1").click()
    page.locator(f"#lot{lot_id}-max_awards").fill("2")
    page.locator(f"#lot{lot_id}-addendum_title").fill("Two awards for lot 1")
    page.get_by_role("button", name="Publish addendum with this change").first.click()
    # Not ticked: it asks once, beside the box, with what was typed kept.
    expect(page.locator(f"#lot-{lot_id}")).to_contain_text("Tick the box to confirm")
    expect(page.locator(f"#lot{lot_id}-addendum_title")).to_have_value("Two awards for lot 1")
    page.locator(f"#lot{lot_id}-confirm").check()
    page.get_by_role("button", name="Publish addendum with this change").first.click()
    expect(page.locator("#addenda")).to_contain_text("What addendum 1 changed")
    look.check("addendum-with-changes")
    visitor = browser.new_page()
    seen = visit(visitor)
    seen.name += "-visitor"
    visitor.goto(f"{live_server}/solicitations/{sid}")
    expect(visitor.locator(".addendum-changes")).to_contain_text("Awards it may get")
    seen.check("public-addendum")

    # A bidder submits; after the deadline the officer opens the responses from the RFR page.
    with app.app_context():
        bidder = user(db.session, "bidder")
        response = response_flow.start(db.session, bidder, db.session.get(Lot, lot_id))
        stored = store_from_config(app.config).put(io.BytesIO(complete_response()))
        document = response_flow.add_document(
            db.session, response, bidder, kind=DocumentKind.narrative,
            filename="proposal.pdf", stored=stored, max_files=20)
        db.session.commit()
        jobs.run(document.id)
        db.session.refresh(response)
        response_flow.fire(db.session, response, "submit", bidder)
        db.session.commit()
    with app.app_context():
        deadline = db.session.get(Solicitation, sid).deadline
    with time_machine.travel(deadline + timedelta(minutes=1)):
        with app.app_context():
            response_flow.close_due(db.session)
            db.session.commit()
        sign_in(page, live_server, EMAILS["officer"], PASSWORD)   # a month later: again
        page.goto(f"{live_server}/officer/solicitations/{sid}")
        look.check("closed-rfr")
        page.get_by_role("link", name="Responses page").click()
        expect(page.locator("main")).not_to_contain_text("Alpha Care")
        look.check("sealed-responses-page")
        page.locator("summary", has_text="Open responses…").click()
        expect(page.locator("#confirm-open")).to_contain_text("cannot be undone")
        page.get_by_role("button", name="Yes, open responses now").click()
        page.goto(f"{live_server}/officer/solicitations/{sid}/responses")
        expect(page.locator("main")).to_contain_text("Alpha Care Collaborative")
        look.check("opened-responses")
    look.assert_accessible()
    seen.assert_accessible()


def test_administrator_and_panelist_find_their_pages(app, live_server, people, browser, visit):
    page = browser.new_page()
    look = visit(page)
    sign_in(page, live_server, EMAILS["admin"], PASSWORD)
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    look.check("admin-home")
    page.get_by_role("link", name="Users and roles").first.click()
    expect(page.locator("main table")).to_contain_text("Procurement officer")
    look.check("admin-users")
    page.get_by_role("link", name="Organisations").first.click()
    expect(page.locator("main table")).to_contain_text("Alpha Care Collaborative")
    page.get_by_role("link", name="Audit chain").first.click()
    page.get_by_role("button", name="Check the chain now").click()
    expect(page.get_by_role("status").first).to_contain_text("being checked")
    jobs.wait_for_idle()      # the check runs on the server's worker thread
    page.reload()
    expect(page.locator("#audit-result")).to_contain_text("The audit chain is intact")
    look.check("admin-audit")
    page.get_by_role("link", name="Procedure rules").first.click()
    page.locator("#RFR-show_sealed_counts").check()
    page.get_by_role("button", name="Save the RFR rules").click()
    expect(page.get_by_role("status").first).to_contain_text("The RFR rules are saved")
    expect(page.locator("#RFR-show_sealed_counts")).to_be_checked()
    look.check("admin-rules")
    page.get_by_role("button", name="Account").click()
    expect(page.get_by_role("link", name="API tokens")).to_be_visible()
    look.check("account-menu")
    with app.app_context():
        db.session.get(ProcedureRule, SolicitationKind.RFR).show_sealed_counts = False
        db.session.commit()

    panel = browser.new_page()
    seen = visit(panel)
    seen.name += "-panelist"
    sign_in(panel, live_server, EMAILS["panelist"], PASSWORD)
    expect(panel.get_by_role("link", name="My panels")).to_be_visible()
    panel.get_by_role("button", name="Account").click()
    panel.get_by_role("link", name="API tokens").click()
    expect(panel.get_by_role("heading", level=1)).to_have_text("API tokens")
    seen.check("panelist-tokens")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    small = visit(phone)
    small.name += "-phone"
    sign_in(phone, live_server, EMAILS["admin"], PASSWORD)
    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("link", name="Administration").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Administration")
    small.check("admin-on-phone")
    look.assert_accessible()
    seen.assert_accessible()
    small.assert_accessible()
