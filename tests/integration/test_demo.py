"""`procure demo` tells the seeds' story, and running it twice keeps what exists."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from procure.extensions import db
from procure.models import (
    Addendum,
    Lot,
    LotKind,
    Question,
    RfiComment,
    Role,
    Solicitation,
    SolicitationKind,
    SolicitationStatus,
    User,
)


def test_demo_story(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "officer@agency.example.org" in first.output and "procure-demo-2026" in first.output
    assert "already present" in runner.invoke(args=["demo"]).output
    with app.app_context():
        rfi = db.session.scalar(select(Solicitation).where(Solicitation.kind == SolicitationKind.RFI))
        assert rfi.status is SolicitationStatus.closed
        assert rfi.deadline.year == 2005 and rfi.deadline.month == 9
        assert db.session.scalar(select(func.count(RfiComment.id))) == 3
        rfr = db.session.scalar(select(Solicitation).where(
            Solicitation.status == SolicitationStatus.published,
            Solicitation.kind == SolicitationKind.RFR))
        lots = db.session.scalars(select(Lot).where(Lot.solicitation_id == rfr.id)).all()
        lead = [lot for lot in lots if lot.kind is LotKind.lead_agency]
        assert len(lead) == 18 and sum(len(lot.area_offices) for lot in lead) == 29
        assert sum(lot.kind is LotKind.resource_center for lot in lots) == 6
        assert rfr.agency_names == "DCF and DMH"
        assert db.session.scalar(select(func.count(Addendum.id))) == 1
        assert db.session.scalar(select(func.count(Question.id)).where(
            Question.answer.is_not(None))) == 2
        roles = set(db.session.scalars(select(User.role)))
        assert roles == set(Role)
    # An RFR in evaluation: a panel part-way through scoring, a parent among its members,
    # so the panelist signs in to work waiting.
    from tests.conftest import Client
    panelist = Client(app)
    signed_in = panelist.login("panelist@agency.example.org", "procure-demo-2026")
    assert signed_in.headers["Location"].endswith("/evaluation/mine")
    mine = panelist.get("/evaluation/mine").get_data(as_text=True)
    assert "Family support panel" in mine and "family representative" in mine
    assert "In progress" in mine and "Assigned" in mine
    chair = Client(app)
    chair.login("officer2@agency.example.org", "procure-demo-2026")
    page = chair.get("/evaluation/mine").get_data(as_text=True)
    family = page.split("Family support panel", 1)[1]      # officer2 chairs a finished panel too
    panel_url = family.split("the chair's page", 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    assert "4 of 9 scoresheets submitted" in chair.get(panel_url).get_data(as_text=True)


def test_demo_makes_every_user_the_readme_promises_and_a_closed_rfr_to_open(app, client):
    import re
    from pathlib import Path

    from procure.models import Response, ResponseStatus
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("| who | email |", 1)[1].split("\n\n", 1)[0]
    promised = set(re.findall(r"[\w.]+@[\w.]+\.example\.org", table))
    assert "officer2@agency.example.org" in promised
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert promised <= set(db.session.scalars(select(User.email)))
        closed = db.session.scalar(select(Solicitation).where(
            Solicitation.status == SolicitationStatus.closed,
            Solicitation.kind == SolicitationKind.RFR))
        sealed = db.session.scalars(select(Response).where(
            Response.solicitation_id == closed.id)).all()
        assert len(sealed) >= 2 and all(r.status is ResponseStatus.sealed for r in sealed)
        sid = closed.id
    for email in promised:
        c = type(client)(app)
        assert c.login(email, "procure-demo-2026").status_code == 302, email
    officer = type(client)(app)
    officer.login("officer2@agency.example.org", "procure-demo-2026")
    page = officer.get(f"/officer/solicitations/{sid}").get_data(as_text=True)
    assert f"/officer/solicitations/{sid}/responses" in page     # linked from the RFR page
    responses = officer.get(f"/officer/solicitations/{sid}/responses").get_data(as_text=True)
    assert "Yes, open responses now" in responses and "Bridgeways" not in responses
    officer.post(f"/officer/solicitations/{sid}/events/open", {})
    opened = officer.get(f"/officer/solicitations/{sid}/responses").get_data(as_text=True)
    assert "Bridgeways Family Services" in opened and "Harbor Light" in opened
    # just opened, none judged yet: the minimum's warning says to judge them first
    assert "2 still to judge</strong>: open each below and accept or reject it first" in opened


def test_demo_has_awarded_lots_with_contracts_and_draw_downs(app):
    from procure import clock
    from procure.models import (
        AwardStatus,
        Contract,
        ContractStatus,
        DrawDown,
        Protest,
        ProtestStatus,
    )
    from procure.workflows import award as award_flow
    from procure.workflows import contract as contract_flow
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    # every event of the story, panels' and awards' included, is filed under its procurement
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "intact" in verified.output, verified.output
    with app.app_context():
        session = db.session
        rfr = session.scalar(select(Solicitation).where(
            Solicitation.status == SolicitationStatus.awarded))
        awards = award_flow.awards_of(session, rfr)
        assert [a.status for a in awards] == [AwardStatus.final] * 3
        assert session.scalar(select(Protest.status)) is ProtestStatus.denied
        contracts = session.scalars(select(Contract).order_by(Contract.id)).all()
        assert [c.status for c in contracts] == [ContractStatus.active] * 3
        # $100,000 a year of lead-agency funding per area, from July 1
        assert [(len(c.area_offices), c.annual_maximum) for c in contracts] == [
            (2, 200000), (2, 200000), (1, 100000)]
        assert all(c.start_date.month == 7 and c.start_date.day == 1 for c in contracts)
        today = clock.today()
        if (today - contracts[0].start_date).days > 40:      # a month of draw-downs at least
            assert session.scalar(select(func.count(DrawDown.id))) >= 3
            warnings = [contract_flow.pace(c.encumbrances[0]).warning for c in contracts]
            assert [bool(w) for w in warnings] == [False, False, True], warnings


def test_demo_published_rfr_has_a_rate_card_the_bidder_prices(app):
    """The published joint RFR carries a rate card, so a bidder starting a response in the demo
    as shipped reaches "Your rates", saves them, and the check stops asking for them."""
    from tests.conftest import Client
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        rfr = db.session.scalar(select(Solicitation).where(
            Solicitation.status == SolicitationStatus.published,
            Solicitation.kind == SolicitationKind.RFR))
        sid, lot_id = rfr.id, rfr.lots[0].id
    bidder = Client(app)
    bidder.login("bidder@pioneervalley.example.org", "procure-demo-2026")
    url = bidder.respond(sid, lot_id)
    page = bidder.get(url).get_data(as_text=True)
    assert "Your rates" in page and "Lead-agency functions, per family served" in page
    line_ids = sorted(set(re.findall(r'name="rate-(\d+)"', page)))
    assert len(line_ids) == 3
    saved = bidder.post(url + "/rates", {f"rate-{i}": "95.00" for i in line_ids},
                        follow_redirects=True).get_data(as_text=True)
    assert "Your rates were saved with the response." in saved
    assert saved.count('value="95.00"') == 3


def test_demo_network_services_rfr_has_a_coverage_table(app):
    """RFR-014's one lot is network services for Springfield: its coverage check shows the area
    office in a table (it showed nothing: only lead-agency and resource-center lots counted)."""
    from tests.conftest import Client
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        rfr = db.session.scalar(select(Solicitation).where(
            Solicitation.number.like("%-RFR-014")))
        assert [lot.kind for lot in rfr.lots] == [LotKind.network_services]
        sid = rfr.id
    officer = Client(app)
    officer.login("officer@agency.example.org", "procure-demo-2026")   # on no panel
    page = officer.get(f"/awards/solicitations/{sid}")
    assert page.status_code == 200
    coverage = page.get_data(as_text=True).split('id="coverage"', 1)[1].split("</section>", 1)[0]
    assert "Network services by area office" in coverage and "<table" in coverage
    row = coverage.split('<th scope="row">Springfield</th>', 1)[1].split("</tr>", 1)[0]
    assert "Family support: Springfield" in row and "Uncovered: no award" in row
