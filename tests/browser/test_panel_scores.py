"""In Chromium: a panel member declares, scores a proposal with its pages beside the form (from
the keyboard), closes the tab half-way and finds the draft, submits; the chair follows progress,
reaches consensus from the heat map, prices, finalizes and downloads the report."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect

from procure.extensions import db
from procure.models import Solicitation, User
from procure.workflows import evaluation as flow
from procure.workflows import solicitation as solicitation_flow
from tests.browser.conftest import sign_in
from tests.support.evaluation import declare_none, formed_panel, opened_rfr
from tests.support.factories import EMAILS, PASSWORD, draft_rfr, response_ready_to_submit


def _no_sideways_scroll(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_member_scores_beside_the_proposal_and_the_chair_reaches_consensus(
        app, live_server, people, browser, visit):
    with app.app_context():
        world = opened_rfr(db.session)
        panel = formed_panel(db.session, world)
        flow.fire(db.session, panel, "begin_declarations", world.officer)
        declare_none(db.session, panel, world.chair, world.family)
        db.session.commit()
        panel_id = panel.public_id

    context = browser.new_context()
    page = context.new_page()
    look = visit(page)
    sign_in(page, live_server, EMAILS["panelist"], PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("My panels")
    look.check("my-panels-declare")
    page.get_by_role("link", name="Declare conflicts").click()
    for radio in page.get_by_label("No conflict of interest").all():
        radio.check()
    look.check("declarations")
    page.get_by_role("button", name="Record my declarations").click()
    with app.app_context():
        chair = db.session.scalar(db.select(flow.Panel).where(flow.Panel.public_id == panel_id))
        flow.fire(db.session, chair, "begin_scoring", chair.chair.user)
        db.session.commit()

    page.goto(live_server + "/evaluation/mine")
    look.check("my-scoresheets")
    page.get_by_role("link", name="lot 1").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scoring")
    expect(page.locator("details[open] img").first).to_be_visible()   # the pages beside
    look.check("scoresheet")
    _no_sideways_scroll(page)
    sheet_url = page.url
    # From the keyboard: into the points, type, Tab to the comment, type half of it.
    page.get_by_label("Points for Program design").focus()
    page.keyboard.type("7")
    page.keyboard.press("Tab")
    with page.expect_response(lambda r: r.url.endswith("/draft")) as saved:
        page.keyboard.type("Weekly case teams at the area office; the")
    assert saved.value.ok
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved")
    page.close()                                    # the tab closes half-way

    page = context.new_page()
    look.page = page
    page.goto(sheet_url)
    expect(page.get_by_label("Points for Program design")).to_have_value("7")
    expect(page.get_by_label("Your comment on Program design")).to_contain_text(
        "Weekly case teams at the area office; the")
    page.get_by_label("Your comment on Program design").press("End")
    page.keyboard.type(" plan is specific about who does what.")
    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submit your scores")
    look.check("confirm")
    page.get_by_role("button", name="Submit my scores").click()
    expect(page.locator("main")).to_contain_text("Scoresheet submitted")

    with app.app_context():   # the others score (the chair's view needs every sheet in)
        p = db.session.scalar(db.select(flow.Panel).where(flow.Panel.public_id == panel_id))
        technical = flow.technical_criteria(p)[0]
        for i, sheet in enumerate(flow.live_scoresheets(p)):
            if sheet.status.name == "submitted":
                continue
            user = sheet.member.user
            flow.save_scores(db.session, sheet, user, {
                technical.id: (Decimal([4, 8, 6][i % 3]), "Reasons on the record.")})
            flow.submit(db.session, sheet, user)
        db.session.commit()

    chair_page = browser.new_page()
    seen = visit(chair_page)
    seen.name += "-chair"
    sign_in(chair_page, live_server, EMAILS["officer2"], PASSWORD)
    chair_page.goto(f"{live_server}/evaluation/panels/{panel_id}")
    expect(chair_page.locator("main")).to_contain_text("9 of 9 scoresheets submitted")
    progress = chair_page.locator("progress#progress-bar")
    expect(progress).to_have_attribute("value", "9")
    assert progress.bounding_box()["width"] > 300            # drawn, across the section
    seen.check("progress")
    chair_page.get_by_role("button", name="Start consensus").click()
    expect(chair_page.get_by_role("heading", level=1)).to_contain_text("Scores and consensus")
    expect(chair_page.locator(".heat-map")).to_contain_text("spread")
    seen.check("heat-map")
    _no_sideways_scroll(chair_page)
    forms = chair_page.locator("form.card")
    for index in range(forms.count()):
        form = chair_page.locator("form.card").nth(index)
        form.get_by_label("Rationale").fill("The panel agreed after discussing the spread.")
        form.get_by_role("button", name="Record consensus").click()
        expect(chair_page.locator("main")).to_contain_text("Consensus recorded")
    chair_page.get_by_role("button", name="Score price by formula").click()
    # finalizing ranks for good: the button alone sends nothing (the browser asks for the tick)
    tick = chair_page.get_by_label("I have checked every consensus score")
    chair_page.get_by_role("button", name="Finalize and rank").click()
    assert tick.evaluate("box => box.validity.valueMissing")
    expect(chair_page.get_by_role("heading", level=1)).to_contain_text("Scores and consensus")
    tick.check()
    seen.check("finalize-confirm")
    chair_page.get_by_role("button", name="Finalize and rank").click()
    expect(chair_page.locator("main")).to_contain_text("Ranking")
    seen.check("ranking")
    chair_page.get_by_role("link", name="The report").first.click()
    expect(chair_page.get_by_role("heading", level=1)).to_contain_text("Evaluation report")
    expect(chair_page.locator("main")).to_contain_text("Recommended:")
    seen.check("report")
    with chair_page.expect_download() as download:
        chair_page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    look.assert_accessible()
    seen.assert_accessible()


def test_an_officer_sets_the_rate_card_and_a_bidder_enters_its_rates(
        app, live_server, people, browser, visit, tmp_path):
    with app.app_context():
        officer = db.session.scalar(db.select(User).where(User.email == EMAILS["officer"]))
        rfr = draft_rfr(db.session, officer)
        db.session.commit()
        rfr_id, officer_id = rfr.id, officer.id
    page = browser.new_page()
    look = visit(page)
    sign_in(page, live_server, EMAILS["officer"], PASSWORD)
    page.goto(f"{live_server}/officer/solicitations/{rfr_id}")
    page.get_by_role("link", name="The rate card").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rate card")
    for service, unit, units in [("Residential care", "Per diem", "3650"),
                                 ("Family partner visits", "Hourly", "2000")]:
        page.get_by_label("Service", exact=True).fill(service)
        page.get_by_label("Priced").select_option(label=unit)
        page.get_by_label("Projected units a year").fill(units)
        page.get_by_role("button", name="Add to the rate card").click()
        expect(page.locator("main")).to_contain_text("Rate card line added")
    look.check("rate-card")
    with app.app_context():
        row = db.session.get(Solicitation, rfr_id)
        solicitation_flow.publish(db.session, row, db.session.get(User, officer_id))
        bidder = db.session.scalar(db.select(User).where(User.email == EMAILS["bidder"]))
        response = response_ready_to_submit(db.session, bidder, row.lots[0], tmp_path)
        db.session.commit()
        response_id = response.public_id

    page = browser.new_page()
    look.page = page
    sign_in(page, live_server, EMAILS["bidder"], PASSWORD)
    page.goto(f"{live_server}/bidder/responses/{response_id}")
    rates = page.locator("#rates")
    rates.get_by_label("Your rate (per diem) for Residential care").fill("abc")
    rates.get_by_label("Your rate (hourly) for Family partner visits").fill("40")
    rates.get_by_role("button", name="Save your rates").click()
    expect(page.locator("#rates-error")).to_contain_text("a rate is an amount in dollars")
    expect(page.get_by_label("Your rate (hourly) for Family partner visits")).to_have_value("40")
    look.check("rates-refused")
    page.get_by_label("Your rate (per diem) for Residential care").fill("250")
    page.get_by_role("button", name="Save your rates").click()
    expect(page.locator("main")).to_contain_text("Your rates were saved with the response.")
    expect(page.get_by_label("Your rate (per diem) for Residential care")).to_have_value("250.00")
    _no_sideways_scroll(page)
    look.check("rates")
    look.assert_accessible()
