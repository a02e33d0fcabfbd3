"""The rate card through the officer's pages and the API: the lines (service, unit, projected
units a year), each response's proposed rates, the evaluated cost they make (sum of rate x
units), price scored by the formula on it, and the card closing once price is scored."""

from __future__ import annotations

import re

import pytest

from procure import accounts
from procure.extensions import db
from procure.models import RateUnit, Solicitation, User
from procure.workflows import evaluation as flow
from procure.workflows import solicitation as solicitation_flow
from tests.support.evaluation import (
    agree_technical,
    declare_none,
    formed_panel,
    opened_rfr,
    submit_all,
)
from tests.support.factories import EMAILS, draft_rfr, response_ready_to_submit


def _to_consensus(app, rfr_id: int) -> str:
    """A panel over lot 1, every member scoring 6 on the technical criterion: in consensus,
    the technical consensus recorded; price not scored yet."""
    with app.app_context():
        from procure.models import Solicitation
        from tests.support.evaluation import Evaluation
        rfr = db.session.get(Solicitation, rfr_id)
        people = {u.email: u for u in db.session.query(User)}
        world = Evaluation(rfr=rfr, responses={}, officer=people[EMAILS["officer"]],
                           chair=people[EMAILS["officer2"]], evaluator=people[EMAILS["panelist"]],
                           family=people["parent@families.example.org"])
        panel = formed_panel(db.session, world)
        flow.fire(db.session, panel, "begin_declarations", world.officer)
        declare_none(db.session, panel, world.chair, world.evaluator, world.family)
        flow.fire(db.session, panel, "begin_scoring", world.chair)
        submit_all(db.session, panel)
        agree_technical(db.session, panel)
        db.session.commit()
        return panel.public_id


LINES = [("Residential care", RateUnit.per_diem, 3650),
         ("Family partner visits", RateUnit.hourly, 2000)]
PROPOSED = {"bidder": ("250.00", "40"), "other_bidder": ("240", "45.50"),
            "third_bidder": ("300", "35")}


@pytest.fixture
def draft(app, people):
    with app.app_context():
        rfr = draft_rfr(db.session, db.session.get(User, people["officer"]))
        db.session.commit()
        return rfr.id


def test_an_officer_sets_the_rate_card_while_drafting_and_the_public_page_shows_it(
        app, draft, login, client):
    officer, rid = login("officer"), draft
    page = officer.get(f"/officer/solicitations/{rid}").get_data(as_text=True)
    assert f'href="/evaluation/solicitations/{rid}/rates"' in page
    page = officer.get(f"/evaluation/solicitations/{rid}/rates").get_data(as_text=True)
    assert "No rate card yet" in page and "Add to the rate card" in page

    # A wrong figure is told on the form, with what was typed kept.
    bad = officer.post(f"/evaluation/solicitations/{rid}/rates",
                       {"service": "Residential care", "unit": "per_diem",
                        "projected_units": "12.5"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Rate card:" in text and "whole number" in text and 'value="Residential care"' in text
    for service, unit, units in LINES:
        added = officer.post(f"/evaluation/solicitations/{rid}/rates",
                             {"service": service, "unit": unit.name,
                              "projected_units": str(units)})
        assert added.status_code == 302, added.get_data(as_text=True)
    page = officer.get(f"/evaluation/solicitations/{rid}/rates").get_data(as_text=True)
    assert "Residential care" in page and "3,650" in page and "Hourly" in page

    with app.app_context():
        solicitation_flow.publish(db.session, db.session.get(Solicitation, rid),
                                  db.session.get(User, officer_id(app)))
        db.session.commit()
    public = client.get(f"/solicitations/{rid}").get_data(as_text=True)
    assert "Rate card" in public and "Family partner visits" in public and "3,650" in public

    # Published: the card no longer changes.
    page = officer.get(f"/evaluation/solicitations/{rid}/rates").get_data(as_text=True)
    assert "published with the RFR" in page and "Add to the rate card" not in page
    late = officer.post(f"/evaluation/solicitations/{rid}/rates",
                        {"service": "Respite", "unit": "hourly", "projected_units": "10"})
    assert late.status_code == 409 and "set while the RFR is a draft" in late.get_data(
        as_text=True)


def officer_id(app) -> int:
    return db.session.scalar(db.select(User.id).where(User.email == EMAILS["officer"]))


def test_a_bidder_enters_its_rates_in_its_response_before_submitting(app, draft, login,
                                                                     tmp_path):
    with app.app_context():
        rfr = db.session.get(Solicitation, draft)
        officer = db.session.get(User, officer_id(app))
        for service, unit, units in LINES:
            flow.add_rate_line(db.session, rfr, officer, service=service, unit=unit,
                               projected_units=units)
        solicitation_flow.publish(db.session, rfr, officer)
        bidder = db.session.scalar(db.select(User).where(User.email == EMAILS["bidder"]))
        response = response_ready_to_submit(db.session, bidder, rfr.lots[0], tmp_path)
        rid = response.public_id
        tokens = {who: accounts.issue_token(db.session, db.session.scalar(
            db.select(User).where(User.email == EMAILS[who])), "test")
            for who in ("bidder", "other_bidder", "officer")}
        db.session.commit()
    bidder_page = login("bidder")
    page = bidder_page.get(f"/bidder/responses/{rid}").get_data(as_text=True)
    assert "Your rates" in page and "Family partner visits" in page
    lines = list(dict.fromkeys(re.findall(r'name="rate-(\d+)"', page)))
    assert len(lines) == 2
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    # Submitting before every rate is in is refused, saying which.
    refused = bidder_page.post(f"/bidder/responses/{rid}/events/submit", {"csrf_token": token})
    assert refused.status_code == 302            # told on the response's own page
    told = bidder_page.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Enter your rate for every service of the rate card before submitting: " \
        "Residential care, Family partner visits." in told

    # A wrong rate is told beside the rates, what was typed kept.
    bad = bidder_page.post(f"/bidder/responses/{rid}/rates",
                           {"csrf_token": token, f"rate-{lines[0]}": "-5",
                            f"rate-{lines[1]}": "40"})
    assert bad.status_code == 409
    text = bad.get_data(as_text=True)
    assert "Residential care: a rate is an amount of $0 or more." in text and 'value="-5"' in text
    saved = bidder_page.post(f"/bidder/responses/{rid}/rates",
                             {"csrf_token": token, f"rate-{lines[0]}": "$1,250.00",
                              f"rate-{lines[1]}": "40"})
    assert saved.status_code == 302
    page = bidder_page.get(saved.headers["Location"]).get_data(as_text=True)
    assert 'value="1250.00"' in page and 'value="40.00"' in page

    # The API: the bidder's own rates; sealed to everyone else before the opening.
    http = app.test_client()

    def call(method, who, json=None):
        answer = http.open(f"/api/v1/responses/{rid}/rates", method=method, json=json,
                           headers={"Authorization": f"Bearer {tokens[who]}"})
        return answer.status_code, answer.get_json()

    status, body = call("GET", "bidder")
    assert status == 200 and body["missing"] == []
    assert [(r["service"], r["rate"]) for r in body["rates"]] == [
        ("Residential care", "1250.00"), ("Family partner visits", "40.00")]
    status, body = call("PUT", "bidder", {"rates": [{"line_id": int(lines[1]), "rate": None}]})
    assert status == 200 and body["missing"] == ["Family partner visits"]
    status, body = call("PUT", "bidder", {"rates": [{"line_id": int(lines[1]), "rate": "42.5"}]})
    assert status == 200 and body["missing"] == []
    assert call("GET", "other_bidder")[0] == 404
    assert call("GET", "officer")[0] == 403          # a bidder's action, whatever the id

    submitted = bidder_page.post(f"/bidder/responses/{rid}/events/submit", {"csrf_token": token})
    assert submitted.status_code == 302, submitted.get_data(as_text=True)
    status, body = call("PUT", "bidder", {"rates": [{"line_id": int(lines[1]), "rate": "1"}]})
    assert status == 409 and "submitted" in body["message"]
    page = bidder_page.get(f"/bidder/responses/{rid}").get_data(as_text=True)
    assert "Save your rates" not in page and 'value="42.50"' in page


def test_price_is_scored_on_the_rates_the_bidders_entered(app, people, login):
    with app.app_context():
        made = opened_rfr(db.session, rates={"lines": LINES, **PROPOSED})
        db.session.commit()
        rid = made.rfr.id
    officer = login("officer")
    page = officer.get(f"/evaluation/solicitations/{rid}/rates").get_data(as_text=True)
    assert "rates-missing" not in page and "Save the rates" not in page
    assert "$250.00" in page and "$45.50" in page
    expected = {"bidder": "$992,500.00", "other_bidder": "$967,000.00",
                "third_bidder": "$1,165,000.00"}
    page = officer.get(f"/evaluation/solicitations/{rid}").get_data(as_text=True)
    for amount in expected.values():
        assert amount in page
    assert "Proposed rates x projected units" in page

    # Price is scored by the formula on those costs: the lowest gets every point.
    panel_id = _to_consensus(app, rid)
    chair = login("officer2")
    matrix = chair.get(f"/evaluation/panels/{panel_id}/matrix").get_data(as_text=True)
    assert "Every technical consensus score is recorded" in matrix
    assert chair.post(f"/evaluation/panels/{panel_id}/price", {}).status_code == 302
    matrix = chair.get(f"/evaluation/panels/{panel_id}/matrix").get_data(as_text=True)
    # 967,000 / 992,500 x 10 = 9.74; 967,000 / 1,165,000 x 10 = 8.30
    assert "Formula <strong>10</strong>" in matrix
    assert "Formula <strong>9.74</strong>" in matrix
    assert "Formula <strong>8.3</strong>" in matrix

    # Every step is on the RFR's own audit trail, panel events included; the rates' figures
    # stay out of it.
    trail = officer.get(f"/officer/solicitations/{rid}/audit").get_data(as_text=True)
    for event in ("add rate line", "set proposed rates", "open price", "record consensus",
                  "declare", "add member", "(scoresheet)"):
        assert event in trail, event
    assert "45.50" not in trail


def test_the_rate_card_through_the_api(app, draft):
    with app.app_context():
        tokens = {who: accounts.issue_token(db.session, db.session.scalar(
            db.select(User).where(User.email == EMAILS[who])), "test")
            for who in ("officer", "panelist")}
        db.session.commit()
    http = app.test_client()

    def call(method, url, who="officer", json=None):
        answer = http.open("/api/v1/evaluation" + url, method=method, json=json,
                           headers={"Authorization": f"Bearer {tokens[who]}"})
        return answer.status_code, answer.get_json()

    rid = draft
    status, card = call("PUT", f"/solicitations/{rid}/rates", json={"lines": [
        {"service": "Residential care", "unit": "per_diem", "projected_units": 3650},
        {"service": "Family partner visits", "unit": "hourly", "projected_units": 2000}]})
    assert status == 200 and [line["unit"] for line in card["lines"]] == ["per_diem", "hourly"]
    assert card["locked"] is None
    day, _hour = (line["id"] for line in card["lines"])
    assert call("PUT", f"/solicitations/{rid}/rates", json={"lines": [
        {"service": "Residential care", "unit": "weekly", "projected_units": 1}]})[0] == 422
    assert call("GET", f"/solicitations/{rid}/rates", "panelist")[0] == 403

    # Leaving a line out removes it.
    status, card = call("PUT", f"/solicitations/{rid}/rates", json={"lines": [
        {"id": day, "service": "Residential care", "unit": "per_diem",
         "projected_units": 3000}]})
    assert status == 200 and len(card["lines"]) == 1 and card["lines"][0]["projected_units"] == 3000
    with app.app_context():
        solicitation_flow.publish(db.session, db.session.get(Solicitation, rid),
                                  db.session.get(User, officer_id(app)))
        db.session.commit()
    status, card = call("GET", f"/solicitations/{rid}/rates")
    assert status == 200 and "published with the RFR" in card["locked"]
    status, body = call("PUT", f"/solicitations/{rid}/rates", json={"lines": []})
    assert status == 409 and "draft" in body["message"]
