"""In Chromium, on a blind panel: a panelist declares conflicts against the bidders' names, listed
alphabetically and tied to no code, then meets only codes; the chair (an officer) reads the
RFR's audit trail with no bidder named and is refused the award page; an officer on no panel
reads the names."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from procure.extensions import db
from procure.workflows import evaluation as flow
from tests.browser.conftest import sign_in
from tests.support.evaluation import ORG_C, declare_none, formed_panel, opened_rfr
from tests.support.factories import EMAILS, ORG_A, ORG_B, PASSWORD

NAMES = (ORG_A, ORG_B, ORG_C)


def test_a_blind_panel_declares_against_names_and_its_chair_reads_no_bidder(
        app, live_server, people, browser, visit):
    with app.app_context():
        world = opened_rfr(db.session)
        flow.set_plan(db.session, world.rfr, world.officer, blind=True, half_points=False)
        panel = formed_panel(db.session, world)
        flow.fire(db.session, panel, "begin_declarations", world.officer)
        declare_none(db.session, panel, world.chair, world.family)
        # the codes in the reverse of the names' order: Gamma is Bidder 1-A
        for response in flow.responses_of(panel):
            first = {ORG_C: "0", ORG_B: "8", ORG_A: "f"}[response.organization.legal_name]
            response.public_id = first * 8 + response.public_id[8:]
        db.session.commit()
        rfr_id, panel_id = world.rfr.id, panel.public_id

    page = browser.new_context().new_page()
    look = visit(page)
    sign_in(page, live_server, EMAILS["panelist"], PASSWORD)
    page.get_by_role("link", name="Declare conflicts").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Conflicts of interest")
    legends = [t.strip() for t in page.locator("legend").all_inner_texts()]
    assert legends == sorted(NAMES) == list(NAMES)
    assert "Bidder 1-" not in page.content()
    expect(page.locator("#blind-roster")).to_contain_text("in no way tied to the codes")
    look.check("blind-declarations")
    for radio in page.get_by_label("No conflict of interest").all():
        radio.check()
    page.get_by_role("button", name="Record my declarations").click()
    with app.app_context():
        row = db.session.scalar(db.select(flow.Panel).where(flow.Panel.public_id == panel_id))
        flow.fire(db.session, row, "begin_scoring", row.chair.user)
        db.session.commit()
    page.goto(live_server + "/evaluation/mine")
    text = page.content()
    assert "Bidder 1-A" in text and not [n for n in NAMES if n in text]
    look.check("blind-my-scoresheets")

    chair = browser.new_context().new_page()
    seen = visit(chair)
    sign_in(chair, live_server, EMAILS["officer2"], PASSWORD)
    chair.goto(f"{live_server}/officer/solicitations/{rfr_id}/audit")
    expect(chair.get_by_role("heading", level=1)).to_contain_text("Audit trail")
    trail = chair.content()
    assert "declare" in trail and "begin scoring" in trail
    assert not [n for n in (*NAMES, EMAILS["bidder"], EMAILS["other_bidder"], "gamma-youth")
                if n in trail]
    seen.check("blind-chair-audit-trail")
    refused = chair.goto(f"{live_server}/awards/solicitations/{rfr_id}")
    assert refused.status == 403
    expect(chair.locator("main")).to_contain_text(re.compile("blind evaluation panel"))
    seen.check("blind-chair-award-refused")

    officer = browser.new_context().new_page()       # an officer who sits on no panel
    off = visit(officer)
    sign_in(officer, live_server, EMAILS["officer"], PASSWORD)
    officer.goto(f"{live_server}/officer/solicitations/{rfr_id}/responses")
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Responses to")
    assert all(name in officer.content() for name in NAMES)
    officer.goto(f"{live_server}/officer/solicitations/{rfr_id}/audit")
    assert EMAILS["bidder"] in officer.content()      # who started and submitted, on the record
    off.check("officer-off-the-panel-audit-trail")
    look.assert_accessible()
    seen.assert_accessible()
    off.assert_accessible()
