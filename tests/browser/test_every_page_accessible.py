"""axe-core (WCAG 2.1 A and AA) on every page of the service, as the people who see it: every
GET endpoint of the URL map that answers HTML, for a visitor, a bidder, an officer, a panelist
and the administrator, before and after the opening; and each page again on a 375 px phone,
where nothing may scroll sideways and the header keeps to one bar. A new page is swept without
changing this test."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import time_machine

from tests.browser.conftest import sign_in
from tests.conftest import wipe
from tests.integration.test_access_matrix import EXPECTED, url_for_rule
from tests.support.factories import EMAILS, PASSWORD
from tests.support.world import build

ROLES = ["anonymous", "bidder", "officer", "panelist", "admin"]
PHONE = {"width": 375, "height": 812}
# What a phone user came for, in view without scrolling sideways (issue 19): the deadline on
# the home list, "Check" on the coverage table; and the proposal's pages on the scoring page
# on screen as it opens, not far below the criteria.
KEY_CELLS = "td.deadline, td.check"
# The page is wider than the screen, or the header grew past one bar (its menu folds away).
MEASURE = """() => ({
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  header: Math.round(document.querySelector('header').getBoundingClientRect().height),
  wide: [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right >
        document.documentElement.clientWidth + 1).slice(0, 3).map(e => e.tagName + '.' +
        e.className).join(', '),
  hidden: [...document.querySelectorAll('""" + KEY_CELLS + """')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.width === 0 || r.left < 0 || r.right > document.documentElement.clientWidth + 1;
      }).slice(0, 3).map(e => e.className + ': ' + e.textContent.trim().slice(0, 30)).join(', '),
  proposal: (() => { const p = document.querySelector('.proposal-pane');
        return p ? Math.round(p.getBoundingClientRect().top) - window.innerHeight : null; })()
})"""


class Phone:
    """The same pages on a 375 px phone: what scrolls sideways, and a header that broke."""

    def __init__(self, context, look) -> None:
        self.page, self.look, self.problems = context.new_page(), look, []

    def check(self, url: str, label: str) -> None:
        self.page.goto(url)
        found = self.page.evaluate(MEASURE)
        if label.endswith(("officer.solicitation", "officer.draft")) and not hasattr(self, "shot"):
            self.shot = True
            from tests.browser.conftest import ARTIFACTS
            self.page.screenshot(path=str(ARTIFACTS / f"{self.look.name}-phone-{label}.png"),
                                 full_page=True)
        if found["overflow"] > 0:
            self.problems.append(f"{label}: scrolls {found['overflow']} px sideways at 375 px "
                                 f"({found['wide']})")
        if found["header"] > 80:
            self.problems.append(f"{label}: the header is {found['header']} px high at 375 px")
        if found["hidden"]:
            self.problems.append(f"{label}: off-screen at 375 px: {found['hidden']}")
        if found["proposal"] is not None and found["proposal"] >= 0:
            self.problems.append(f"{label}: the proposal's pages start {found['proposal']} px "
                                 "below the screen at 375 px")


def test_every_html_page_has_no_axe_violations(app, live_server, browser, visit):
    checked = set()
    look = None
    narrow: list[str] = []
    for opened in (False, True):
        wipe(app)
        world = build(app, opened=opened)
        moment = world.deadline + (timedelta(minutes=1) if opened else -timedelta(days=2))
        with time_machine.travel(moment):
            for role in ROLES:
                context = browser.new_context()
                page = context.new_page()
                look = look or visit(page)
                look.page = page
                phone_context = browser.new_context(viewport=PHONE, is_mobile=True)
                phone = Phone(phone_context, look)
                if role != "anonymous":
                    sign_in(page, live_server, EMAILS[role], PASSWORD)
                    sign_in(phone.page, live_server, EMAILS[role], PASSWORD)
                for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
                    key = (rule.endpoint, "GET")
                    if ("GET" not in rule.methods or rule.endpoint.startswith(("api", "static"))
                            or "static" in rule.endpoint or role not in EXPECTED[key][opened]):
                        continue
                    url = url_for_rule(rule, world, role)
                    probe = page.request.get(live_server + url)   # same cookies; downloads skip
                    if "text/html" not in (probe.headers.get("content-type") or ""):
                        continue
                    page.goto(live_server + url)
                    look.check(f"{role}-{rule.endpoint}")
                    phone.check(live_server + url, f"{role}-{rule.endpoint}")
                    checked.add(rule.endpoint)
                # Pages no endpoint names: the error page, and the draft editor's form.
                extra = {"error-page": "/no-such-page"}
                if role == "officer":
                    extra["officer.draft"] = f"/officer/solicitations/{world.ids['draft']}"
                for label, url in extra.items():
                    page.goto(live_server + url)
                    look.check(f"{role}-{label}")
                    phone.check(live_server + url, f"{role}-{label}")
                    checked.add(label)
                context.close()
                narrow.extend(phone.problems)
                phone_context.close()
    print(f"\naxe-core checked {len(checked)} distinct pages: {sorted(checked)}")
    assert len(checked) >= 27
    look.assert_accessible()
    assert narrow == [], "\n".join(narrow)


# --- Awards and contracts (issue 13): the sweep's world has none, so these pages are swept
# again with real ones, built by the use cases, in the states that change what they show. -----

def _awarded(app) -> dict:
    """Lot 1 awarded to the top-ranked bidder, the bidders told, Alpha's protest open."""
    from procure.extensions import db
    from procure.workflows import award as award_flow
    from tests.support.award import finalized
    from tests.support.factories import user
    with app.app_context():
        session = db.session
        world, _ = finalized(session)
        lot = world.rfr.lots[0]
        award = award_flow.propose(session, lot, world.officer,
                                   response=world.responses["third_bidder"],
                                   amount=Decimal(100000))
        award_flow.approve(session, award, world.chair)
        award_flow.notify_lot(session, lot, world.officer)
        protest = award_flow.file_protest(session, award, user(session, "bidder"),
                                          grounds="The price score was miscalculated.")
        session.commit()
        return {"rfr": world.rfr.id, "award": award.id, "protest": protest.id,
                "officer": world.officer.id,
                "alpha_response": world.responses["bidder"].public_id}


def _final(app, made: dict) -> str:
    """The protest denied, the standstill over: the award is final (its public id)."""
    from procure.extensions import db
    from procure.models import Award, Protest, User
    from procure.workflows import award as award_flow
    with app.app_context():
        session = db.session
        award_flow.decide_protest(session, session.get(Protest, made["protest"]),
                                  session.get(User, made["officer"]), uphold=False,
                                  reasons="Applied as published.")
        award = session.get(Award, made["award"])
        award_flow.finalize_due(session, award.standstill_ends_at + timedelta(minutes=1))
        session.commit()
        return award.public_id


def _contracted(app, made: dict) -> str:
    """The final award's contract, drafted (its public id)."""
    from decimal import Decimal

    from procure.extensions import db
    from procure.models import Award, RateType, User
    from procure.workflows import contract as contract_flow
    with app.app_context():
        session = db.session
        officer, award = session.get(User, made["officer"]), session.get(Award, made["award"])
        start, _ = contract_flow.fiscal_year_bounds(contract_flow.fiscal_year(clock_today()))
        contract = contract_flow.create(
            session, award, officer, start_date=start,
            end_date=start.replace(year=start.year + 3) - timedelta(days=1),
            rate_type=RateType.per_diem,
            rates=[contract_flow.Rate("Family stabilization", RateType.per_diem, Decimal(85))],
            measures=[contract_flow.Measure("Children safely at home", "90%")])
        session.commit()
        return contract.public_id


def _spending(app, contract_id: str) -> None:
    """Signed, active, a year encumbered and drawn down fast enough to warn."""
    from decimal import Decimal

    from sqlalchemy import select

    from procure.extensions import db
    from procure.models import Contract
    from procure.workflows import contract as contract_flow
    with app.app_context():
        session = db.session
        contract = session.scalar(select(Contract).where(Contract.public_id == contract_id))
        officer = contract.award.proposed_by
        for event in ("sign", "activate"):
            contract_flow.fire(session, contract, event, officer)
        year = contract_flow.fiscal_year(clock_today())
        encumbrance = contract_flow.encumber(session, contract, officer, fiscal_year_=year,
                                             amount=Decimal(100000))
        start, _ = contract_flow.fiscal_year_bounds(year)
        for days, amount in ((3, 45000), (20, 35000)):
            contract_flow.draw_down(session, encumbrance, officer,
                                    service_date=start + timedelta(days=days),
                                    amount=Decimal(amount), service="Family stabilization")
        session.commit()


def clock_today():
    from procure import clock
    return clock.today()


def test_the_award_and_contract_pages_have_no_axe_violations(app, live_server, browser, visit,
                                                             people):
    made = _awarded(app)
    rfr = made["rfr"]
    contexts, look, checked, narrow = {}, None, set(), []

    def see(role: str, url: str, label: str) -> None:
        nonlocal look
        if role not in contexts:
            context = browser.new_context()
            phone_context = browser.new_context(viewport=PHONE, is_mobile=True)
            page = context.new_page()
            look = look or visit(page)
            phone = Phone(phone_context, look)
            if role != "anonymous":
                email = EMAILS.get(role, role)
                sign_in(page, live_server, email, PASSWORD)
                sign_in(phone.page, live_server, email, PASSWORD)
            contexts[role] = (page, phone)
        page, phone = contexts[role]
        look.page = page
        page.goto(live_server + url)
        assert page.locator("h1").count() == 1, f"{label}: {page.title()}"
        look.check(label)
        phone.check(live_server + url, label)
        checked.add(label.split(":")[0])

    # Standstill, with an open protest.
    see("officer", f"/awards/solicitations/{rfr}", "award.solicitation:protest-open")
    see("bidder", "/awards/notices", "award.notices")
    see("bidder", f"/awards/responses/{made['alpha_response']}", "award.notice")
    see("anonymous", f"/solicitations/{rfr}/awards", "award.public_awards:none-final")
    # Final; its contract drafted; then active and spending too fast.
    award = _final(app, made)
    see("officer", f"/awards/{award}/contract", "award.new_contract")
    contract = _contracted(app, made)
    see("officer", "/contracts", "award.contracts")
    see("officer", f"/contracts/{contract}", "award.contract:drafting")
    _spending(app, contract)
    see("officer", f"/contracts/{contract}", "award.contract:active-overspent")
    see("officer", "/contracts", "award.contracts:overspent")
    see("officer", f"/awards/solicitations/{rfr}", "award.solicitation:final")
    see("di@gamma-youth.example.org", "/contracts/mine", "award.my_contracts")
    see("anonymous", f"/solicitations/{rfr}/awards", "award.public_awards")
    for page, phone in contexts.values():
        page.context.close()
        narrow.extend(phone.problems)
        phone.page.context.close()
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("award.") and "GET" in rule.methods
             and not rule.endpoint.endswith("_document")}       # downloads: not pages
    assert pages <= checked, f"award pages not swept: {sorted(pages - checked)}"
    print(f"\naxe-core checked the award pages: {sorted(checked)}")
    look.assert_accessible()
    assert narrow == [], "\n".join(narrow)
