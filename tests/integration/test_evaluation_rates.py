"""The rate card through the officer's pages and the API: the lines (service, unit, projected
units a year), each response's proposed rates, the evaluated cost they make (sum of rate x
units), price scored by the formula on it, and the card closing once price is scored."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from procure import accounts
from procure.extensions import db
from procure.models import Panel, Response, User
from procure.workflows import evaluation as flow
from tests.support.evaluation import declare_none, formed_panel, opened_rfr
from tests.support.factories import EMAILS


@pytest.fixture
def world(app, people):
    with app.app_context():
        made = opened_rfr(db.session)
        db.session.commit()
        return {"rfr": made.rfr.id,
                "responses": {k: r.public_id for k, r in made.responses.items()}}


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
        technical = flow.technical_criteria(panel)[0]
        for sheet in flow.live_scoresheets(panel):
            flow.save_scores(db.session, sheet, sheet.member.user,
                             {technical.id: (Decimal(6), "Sound.")})
            flow.submit(db.session, sheet, sheet.member.user)
        flow.fire(db.session, panel, "begin_consensus", world.chair)
        for response in flow.responses_of(panel):
            flow.record_consensus(db.session, panel, world.chair, response=response,
                                  criterion=technical, points=Decimal(6), rationale="Agreed.")
        db.session.commit()
        return panel.public_id


def test_an_officer_sets_the_rate_card_and_each_responses_rates_and_price_is_scored_on_them(
        app, world, login):
    officer, rid = login("officer"), world["rfr"]
    page = officer.get(f"/evaluation/solicitations/{rid}").get_data(as_text=True)
    assert "No rate card" in page and "Set a rate card" in page
    page = officer.get(f"/evaluation/solicitations/{rid}/rates").get_data(as_text=True)
    assert "No rate card yet" in page and "Add to the rate card" in page

    # A wrong figure is told on the form, with what was typed kept.
    bad = officer.post(f"/evaluation/solicitations/{rid}/rates",
                       {"service": "Residential care", "unit": "per_diem",
                        "projected_units": "12.5"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Rate card:" in text and "whole number" in text and 'value="Residential care"' in text
    for service, unit, units in [("Residential care", "per_diem", "3650"),
                                 ("Family partner visits", "hourly", "2000")]:
        added = officer.post(f"/evaluation/solicitations/{rid}/rates",
                             {"service": service, "unit": unit, "projected_units": units})
        assert added.status_code == 302, added.get_data(as_text=True)
    page = officer.get(f"/evaluation/solicitations/{rid}/rates").get_data(as_text=True)
    assert "Residential care" in page and "3,650" in page and "Hourly" in page
    assert "3 responses have no evaluated cost yet." in page       # the card took over the cost
    assert "Per diem" in page and "Proposed rates" in page
    lines = list(dict.fromkeys(re.findall(r'name="rate-(\d+)"', page)))
    assert len(lines) == 2
    assert set(re.findall(r'action="/evaluation/responses/([^/"]+)/rates"', page)) == set(
        world["responses"].values())

    # Each response's rates, as its budget states them.
    proposed = {"bidder": ("250.00", "40"), "other_bidder": ("240", "45.50"),
                "third_bidder": ("300", "35")}
    expected = {"bidder": "$992,500.00", "other_bidder": "$967,000.00",
                "third_bidder": "$1,165,000.00"}
    refused = officer.post(f"/evaluation/responses/{world['responses']['bidder']}/rates",
                           {f"rate-{lines[0]}": "-5", f"rate-{lines[1]}": "40"})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "Residential care: a rate is an amount of $0 or more." in text and 'value="-5"' in text
    for key, (first, second) in proposed.items():
        saved = officer.post(f"/evaluation/responses/{world['responses'][key]}/rates",
                             {f"rate-{lines[0]}": first, f"rate-{lines[1]}": second})
        assert saved.status_code == 302, saved.get_data(as_text=True)
        shown = officer.get(saved.headers["Location"]).get_data(as_text=True)
        assert f"evaluated cost {expected[key]}" in shown           # the flash says it
    assert "rates-missing" not in shown                             # every rate is in
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
    assert "Consensus <strong>10</strong>" in matrix
    assert "Consensus <strong>9.74</strong>" in matrix
    assert "Consensus <strong>8.3</strong>" in matrix

    # Once price is scored on them, the card and the rates no longer change.
    page = officer.get(f"/evaluation/solicitations/{rid}/rates").get_data(as_text=True)
    assert "has scored price on this rate card" in page
    assert "Add to the rate card" not in page and "Save the rates of" not in page
    late = officer.post(f"/evaluation/solicitations/{rid}/rates",
                        {"service": "Respite", "unit": "hourly", "projected_units": "10"})
    assert late.status_code == 409 and "has scored price" in late.get_data(as_text=True)

    # Every step is on the RFR's own audit trail, panel events included.
    trail = officer.get(f"/officer/solicitations/{rid}/audit").get_data(as_text=True)
    for event in ("add rate line", "set proposed rates", "record consensus", "declare",
                  "add member", "(scoresheet)"):
        assert event in trail, event


def test_the_rate_card_through_the_api(app, world):
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

    rid, ids = world["rfr"], world["responses"]
    status, card = call("PUT", f"/solicitations/{rid}/rates", json={"lines": [
        {"service": "Residential care", "unit": "per_diem", "projected_units": 3650},
        {"service": "Family partner visits", "unit": "hourly", "projected_units": 2000}]})
    assert status == 200 and [line["unit"] for line in card["lines"]] == ["per_diem", "hourly"]
    assert card["locked"] is None
    day, hour = (line["id"] for line in card["lines"])
    assert call("PUT", f"/solicitations/{rid}/rates", json={"lines": [
        {"service": "Residential care", "unit": "weekly", "projected_units": 1}]})[0] == 422
    assert call("GET", f"/solicitations/{rid}/rates", "panelist")[0] == 403

    status, body = call("PUT", f"/responses/{ids['bidder']}/rates", json={"rates": [
        {"line_id": day, "rate": "250.00"}, {"line_id": hour, "rate": "40"}]})
    assert status == 200, body
    assert body["evaluated_cost"] == {"response_id": ids["bidder"], "amount": "992500.00",
                                      "source": "rate_card", "reason": ""}
    status, body = call("PUT", f"/responses/{ids['other_bidder']}/rates", json={"rates": [
        {"line_id": day, "rate": "240.001"}]})
    assert status == 409 and "dollars and cents" in body["message"]
    status, body = call("GET", f"/responses/{ids['other_bidder']}/rates")
    assert status == 200 and body["evaluated_cost"]["amount"] is None   # a rate is missing

    # Leaving a line out removes it with its rates; the cost follows.
    status, card = call("PUT", f"/solicitations/{rid}/rates", json={"lines": [
        {"id": day, "service": "Residential care", "unit": "per_diem",
         "projected_units": 3000}]})
    assert status == 200 and len(card["lines"]) == 1 and card["lines"][0]["projected_units"] == 3000
    status, body = call("GET", f"/responses/{ids['bidder']}/rates")
    assert body["evaluated_cost"]["amount"] == "750000.00"
    assert [r["service"] for r in body["rates"]] == ["Residential care"]
    with app.app_context():
        response = db.session.scalar(db.select(Response).where(
            Response.public_id == ids["bidder"]))
        assert flow.evaluated_cost(db.session, response).amount == Decimal("750000.00")
        assert db.session.query(Panel).count() == 0
