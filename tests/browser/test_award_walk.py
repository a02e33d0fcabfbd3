"""In Chromium, from the ranking to the money: one officer proposes the award, another approves
it (the proposer cannot), the bidders are told, the losing bidder protests with a PDF and the
officer denies it; the standstill ends (the clock moves, the due jobs run) and the award is
final, public; the contract is drafted, signed and activated, a fiscal year encumbered, two
draw-downs recorded, and the warning that the money runs out too fast is in plain view. axe-core
checks each page; every page is looked at on a 390 px phone too."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from procure import clock, scheduler
from procure.extensions import db
from procure.models import Award, AwardStatus
from procure.workflows import contract as contract_flow
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.support.award import finalized
from tests.support.evaluation import ORG_C
from tests.support.factories import EMAILS, ORG_A, PASSWORD
from tests.support.pdfs import pdf_with_sections

PHONE = {"width": 390, "height": 844}


class Look:
    """axe-core and a screenshot at 1280 px, then the same page on a phone: no sideways scroll."""

    def __init__(self, visit, page) -> None:
        self.visit, self.narrow = visit(page), []

    def check(self, page, label: str) -> None:
        self.visit.page = page
        page.set_viewport_size({"width": 1280, "height": 900})
        self.visit.check(label)
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(ARTIFACTS / f"{self.visit.name}-phone-{label}.png"),
                        full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
        if wide > 0:
            self.narrow.append(f"{label}: scrolls {wide} px sideways at 390 px")
        page.set_viewport_size({"width": 1280, "height": 900})


def _live_award():
    return select(Award).where(Award.status != AwardStatus.withdrawn)


def _person(browser, live_server, email: str):
    page = browser.new_context().new_page()
    sign_in(page, live_server, email, PASSWORD)
    return page


def test_award_protest_final_contract_and_the_overspend_warning(
        app, live_server, people, browser, visit, tmp_path):
    with app.app_context():
        world, _ = finalized(db.session)
        rfr_id, number = world.rfr.id, world.rfr.number
        alpha_response = world.responses["bidder"].public_id
    award_url = f"{live_server}/awards/solicitations/{rfr_id}"

    officer = _person(browser, live_server, EMAILS["officer"])
    look = Look(visit, officer)
    officer.goto(award_url)
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"Award of {number}")
    expect(officer.locator("#coverage")).to_contain_text("Uncovered: no award")
    look.check(officer, "award-page")
    expect(officer.get_by_label("Bidder to award")).to_contain_text(f"1. {ORG_C}")
    # the amount follows the chosen bidder: each one's evaluated cost, unless typed
    amount = officer.get_by_label("Annual amount ($)")
    expect(amount).to_have_value("120000.00")
    officer.get_by_label("Bidder to award").select_option(alpha_response)
    expect(amount).to_have_value("100000.00")
    officer.get_by_label("Bidder to award").select_option(index=0)
    expect(amount).to_have_value("120000.00")
    amount.fill("100000")                          # the lot's estimate: no justification
    officer.get_by_label("Bidder to award").select_option(alpha_response)
    expect(amount).to_have_value("100000")         # typed: kept
    officer.get_by_label("Bidder to award").select_option(index=0)
    officer.get_by_role("button", name="Propose the award").click()
    expect(officer.locator("main")).to_contain_text(f"award to {ORG_C} proposed")
    expect(officer.locator("main")).to_contain_text(
        "You proposed this award: another officer must approve it.")
    look.check(officer, "award-proposed")

    second = _person(browser, live_server, EMAILS["officer2"])
    second.goto(award_url)
    second.get_by_label("I have read the ranking, the justification and the coverage check: "
                        "approve it").check()
    second.get_by_role("button", name=f"Approve the award to {ORG_C}").click()
    expect(second.locator("main")).to_contain_text(f"award to {ORG_C} approved")

    officer.goto(award_url)
    officer.get_by_label("Yes, tell the bidders now").check()
    officer.get_by_role("button", name="Notify the bidders of lot 1").click()
    expect(officer.locator("main")).to_contain_text("The standstill period has begun")
    look.check(officer, "award-notified")

    # The losing bidder reads its notice and protests with a PDF.
    alpha = _person(browser, live_server, EMAILS["bidder"])
    alpha.goto(live_server + "/awards/notices")
    expect(alpha.locator("main")).to_contain_text("Not selected")
    look.check(alpha, "notices")
    alpha.get_by_role("link", name=f"{number}, Lot 1").click()
    expect(alpha.get_by_role("heading", level=2).first).to_have_text(
        "Your response was not selected")
    expect(alpha.locator("main")).to_contain_text("Agreed by the panel.")
    look.check(alpha, "notice")
    pdf = tmp_path / "protest.pdf"
    pdf.write_bytes(pdf_with_sections(["Protest", "The price score was miscalculated."]))
    alpha.get_by_label("Grounds of the protest").fill("The price score was miscalculated.")
    alpha.get_by_label("Supporting documents").set_input_files(str(pdf))
    alpha.get_by_role("button", name="File the protest").click()
    expect(alpha.locator("main")).to_contain_text("Your protest was filed with 1 document")
    look.check(alpha, "protest-filed")
    assert alpha.url.endswith(f"/awards/responses/{alpha_response}#protests")

    # The officer reads it, downloads its document and denies it with reasons.
    officer.goto(award_url + "#protests")
    officer.reload()                     # the same page but for its fragment: load it again
    expect(officer.locator("#protests")).to_contain_text(f"{ORG_A} protests the award")
    with officer.expect_download() as download:
        officer.get_by_role("link", name="protest.pdf").click()
    assert download.value.suggested_filename == "protest.pdf"
    look.check(officer, "protest-open")
    officer.get_by_label("Deny the protest (the award stands)").check()
    officer.get_by_label("Reasons (the bidder who protested is told them)").fill(
        "The price formula was applied as published in section 5.")
    officer.get_by_role("button", name="Record the decision").click()
    expect(officer.locator("main")).to_contain_text(f"The protest of {ORG_A} was denied")
    alpha.reload()
    expect(alpha.locator("#protests")).to_contain_text("applied as published in section 5")

    # The standstill ends: the clock moves past it and the due jobs run.
    with app.app_context():
        award = db.session.scalar(_live_award())
        ends = award.standstill_ends_at
    with time_machine.travel(ends + timedelta(minutes=1), tick=True):
        with app.app_context():
            done = scheduler.run_due(db.session)
            assert done["awards final after standstill"] == [f"{number} lot 1"]
            assert db.session.scalar(_live_award()).status is AwardStatus.final
            today = clock.today()
        public = browser.new_context().new_page()
        public.goto(f"{live_server}/solicitations/{rfr_id}/awards")
        expect(public.locator("main")).to_contain_text(ORG_C)
        expect(public.locator("main")).not_to_contain_text("80.68")
        look.check(public, "public-awards")

        # The contract: drafted from the final award, signed, activated.
        fy = contract_flow.fiscal_year(today)
        start, _ = contract_flow.fiscal_year_bounds(fy)
        officer.goto(live_server + "/contracts")
        look.check(officer, "contracts-waiting")
        officer.get_by_role("link", name="Draft the contract").click()
        look.check(officer, "contract-new")
        officer.get_by_label("Start date").fill(start.isoformat())
        officer.get_by_label("End date").fill(f"{start.year + 3}-06-30")
        officer.get_by_label("Service, row 1").fill("Family stabilization")
        officer.get_by_label("Rate in dollars, row 1").fill("85.50")
        officer.get_by_label("Measure, row 1").fill("Children safely at home")
        officer.get_by_label("Target, row 1").fill("90% at 12 months")
        officer.get_by_label("Incentive, row 1").fill("2% of the annual maximum")
        officer.get_by_role("button", name="Draft the contract").click()
        expect(officer.get_by_role("heading", level=1)).to_contain_text("Contract")
        look.check(officer, "contract-drafting")
        officer.get_by_role("button", name="Record the signature").click()
        officer.get_by_role("button", name="Activate").click()
        expect(officer.locator("main")).to_contain_text(": active.")

        # The money: a year encumbered, two draw-downs; the pace would exhaust it.
        officer.get_by_label("State fiscal year").select_option(str(fy))
        officer.get_by_label("Amount encumbered ($)").fill("100000")
        officer.get_by_role("button", name="Encumber").click()
        expect(officer.locator("main")).to_contain_text(f"FY{fy}: $100,000.00 encumbered")
        for days, amount in ((5, "40,000.00"), (30, "30,000.00")):
            officer.get_by_text(f"Record a draw-down in FY{fy}").click()
            officer.get_by_label("Date of service").fill((start + timedelta(days=days))
                                                         .isoformat())
            officer.get_by_label("Amount ($)", exact=True).fill(amount)
            officer.get_by_label("Service", exact=True).fill("Family stabilization")
            officer.get_by_role("button", name="Record the draw-down").click()
            expect(officer.locator("main")).to_contain_text(f"${amount} drawn down")
        expect(officer.locator(f"#fy-{fy}")).to_contain_text("remaining $30,000.00")
        warning = officer.locator(".pace-warning").first
        expect(warning).to_be_visible()
        expect(warning).to_contain_text(f"Spending too fast in FY{fy}.")
        expect(warning).to_contain_text("runs out on")
        look.check(officer, "contract-overspend")

        # The contractor sees it read-only, with its balance and the same warning.
        gamma = _person(browser, live_server, "di@gamma-youth.example.org")
        gamma.goto(live_server + "/contracts/mine")
        expect(gamma.locator("main")).to_contain_text("$30,000.00")
        expect(gamma.locator(".pace-warning").first).to_be_visible()
        look.check(gamma, "my-contracts")

    look.visit.assert_accessible()
    assert look.narrow == [], "\n".join(look.narrow)

