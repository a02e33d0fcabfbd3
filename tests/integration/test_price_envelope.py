"""The price envelope: a response's price (its budget section's pages, the cover page's total
price, its proposed rates, its evaluated cost) stays sealed to everyone who evaluates it (the
officer who chairs the panel included) until the panel's technical consensus is complete; then
the price step opens on the record and it shows. An officer off the panel sees it as before."""

from __future__ import annotations

import pytest

from procure import accounts
from procure.extensions import db
from procure.models import AuditEvent, ConsensusScore, Panel, RateUnit, Solicitation, User
from procure.workflows import evaluation as flow
from tests.support.evaluation import agree_technical, opened_rfr, scoring_panel, submit_all
from tests.support.factories import EMAILS


@pytest.fixture
def world(app, people):
    return _scoring(app)


@pytest.fixture
def priced(app, people):
    return _scoring(app, rates={"lines": [("Residential care", RateUnit.per_diem, 100)],
                                "bidder": ("212.50",), "other_bidder": ("200",),
                                "third_bidder": ("230",)})


def _scoring(app, rates=None):
    """Lot 1's panel (officer2 chairs it) scoring: scoresheets assigned, nothing scored."""
    with app.app_context():
        made = opened_rfr(db.session, rates=rates)
        panel = scoring_panel(db.session, made)
        db.session.commit()
        sheet = next(s for s in flow.live_scoresheets(panel)
                     if s.member.user_id == made.evaluator.id
                     and s.response_id == made.responses["bidder"].id)
        document = made.responses["bidder"].current_documents[0]
        tokens = {who: accounts.issue_token(db.session, db.session.scalar(
            db.select(User).where(User.email == EMAILS[who])), "test")
            for who in ("officer", "officer2")}
        db.session.commit()
        return {"rfr": made.rfr.id, "panel": panel.public_id, "sheet": sheet.public_id,
                "document": document.public_id, "tokens": tokens,
                "response": made.responses["bidder"].public_id}


def _technical_consensus(app, world) -> None:
    """Every member scores, the panel moves to consensus and records every technical score."""
    with app.app_context():
        panel = db.session.scalar(db.select(Panel).where(Panel.public_id == world["panel"]))
        submit_all(db.session, panel)
        db.session.commit()
        assert panel.price_opened_at is None            # consensus begun, price still sealed
        agree_technical(db.session, panel)
        db.session.commit()


def _rates(app, world, who):
    answer = app.test_client().get(
        f"/api/v1/evaluation/responses/{world['response']}/rates",
        headers={"Authorization": f"Bearer {world['tokens'][who]}"})
    return answer.status_code, answer.get_json()


def test_price_is_sealed_to_the_panel_during_technical_scoring_and_opens_after_consensus(
        app, world, login):
    panelist, chair, officer = login("panelist"), login("officer2"), login("officer")
    pictures = f"/evaluation/documents/{world['document']}/pages"

    # Technical scoring: the panelist reads the proposal, not its price.
    page = panelist.get(f"/evaluation/scoresheets/{world['sheet']}").get_data(as_text=True)
    assert "Page 4 carries the price" in page          # the Budget section's page
    assert f"{pictures}/4.png" not in page and f"{pictures}/3.png" in page
    assert panelist.get(f"{pictures}/3.png").status_code == 200
    assert panelist.get(f"{pictures}/4.png").status_code == 404     # the budget
    assert panelist.get(f"{pictures}/1.png").status_code == 404     # the cover's Total Price

    # The officer chairing the panel sees neither costs nor rates; the officer off it does.
    page = chair.get(f"/evaluation/solicitations/{world['rfr']}").get_data(as_text=True)
    assert "price sealed" in page and "$100,000.00" not in page
    assert "Correct the cost" not in page
    assert chair.get(f"{pictures}/4.png").status_code == 404
    page = officer.get(f"/evaluation/solicitations/{world['rfr']}").get_data(as_text=True)
    assert "$100,000.00" in page and "price sealed" not in page
    status, body = _rates(app, world, "officer2")
    assert status == 403 and "technical consensus" in body["message"]
    assert _rates(app, world, "officer") == (200, _rates(app, world, "officer")[1])
    assert _rates(app, world, "officer")[1]["evaluated_cost"]["amount"] == "100000.00"
    refused = chair.post(f"/evaluation/responses/{world['response']}/cost",
                         {"amount": "1", "reason": "Typo."})
    assert refused.status_code == 403

    _technical_consensus(app, world)

    # The price step opened, on the record; the price shows to the panel.
    with app.app_context():
        rfr = db.session.get(Solicitation, world["rfr"])
        opened = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.solicitation_id == rfr.id, AuditEvent.event == "open_price")).all()
        assert len(opened) == 1 and opened[0].actor_label
    assert panelist.get(f"{pictures}/4.png").status_code == 200
    assert panelist.get(f"{pictures}/1.png").status_code == 200
    page = panelist.get(f"/evaluation/scoresheets/{world['sheet']}").get_data(as_text=True)
    assert "carries the price" not in page and f"{pictures}/4.png" in page
    page = chair.get(f"/evaluation/solicitations/{world['rfr']}").get_data(as_text=True)
    assert "$100,000.00" in page and "price sealed" not in page
    status, body = _rates(app, world, "officer2")
    assert status == 200 and body["evaluated_cost"]["amount"] == "100000.00"
    trail = officer.get(f"/officer/solicitations/{world['rfr']}/audit").get_data(as_text=True)
    assert "open price" in trail
    # Having seen the prices, the panel cannot go back to rescore the technical proposals.
    panel_page = chair.get(f"/evaluation/panels/{world['panel']}").get_data(as_text=True)
    assert "Cannot go back: the prices are open" in panel_page
    assert "Return with a reason" not in panel_page and "Reopen scoring" not in panel_page
    # ... nor change the consensus it agreed before it saw them: no form, and a form sent
    # anyway is refused, the consensus as it was.
    matrix = chair.get(f"/evaluation/panels/{world['panel']}/matrix").get_data(as_text=True)
    assert "The technical consensus is final: the panel saw the prices on" in matrix
    assert "Record consensus for" not in matrix and "Score price by formula" in matrix
    with app.app_context():
        panel = db.session.scalar(db.select(Panel).where(Panel.public_id == world["panel"]))
        response = flow.responses_of(panel)[0]
        criterion = flow.technical_criteria(panel)[0]
        agreed = db.session.scalar(db.select(ConsensusScore.points).where(
            ConsensusScore.panel_id == panel.id, ConsensusScore.response_id == response.id,
            ConsensusScore.criterion_id == criterion.id))
        form = {"response": response.public_id, f"points-{criterion.id}": "0",
                f"rationale-{criterion.id}": "On reflection."}
        form.update({f"{k}-{c.id}": v for c in flow.technical_criteria(panel)[1:]
                     for k, v in (("points", "0"), ("rationale", "On reflection."))})
    refused = chair.post(f"/evaluation/panels/{world['panel']}/consensus", form)
    assert refused.status_code == 409
    assert "the technical consensus the panel agreed before it saw the prices is final" in \
        refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(ConsensusScore.points).where(
            ConsensusScore.panel_id == panel.id, ConsensusScore.response_id == response.id,
            ConsensusScore.criterion_id == criterion.id)) == agreed


def test_the_rate_card_page_withholds_the_rates_of_a_panel_still_scoring(app, priced, login):
    off_panel = login("officer").get(f"/evaluation/solicitations/{priced['rfr']}/rates")
    assert "$212.50" in off_panel.get_data(as_text=True)
    chair = login("officer2")
    text = chair.get(f"/evaluation/solicitations/{priced['rfr']}/rates").get_data(as_text=True)
    assert "$212.50" not in text and "$21,250.00" not in text
    assert "3 responses: The price envelope stays sealed" in text
    assert _rates(app, priced, "officer2")[0] == 403
    _technical_consensus(app, priced)
    text = chair.get(f"/evaluation/solicitations/{priced['rfr']}/rates").get_data(as_text=True)
    assert "$212.50" in text and "$21,250.00" in text and "price-sealed" not in text


def test_an_officer_on_the_panel_reads_the_response_without_its_price(app, world, login):
    document = world["document"]
    with app.app_context():
        token = accounts.issue_token(db.session, db.session.scalar(
            db.select(User).where(User.email == EMAILS["officer2"])), "record")
        db.session.commit()
    chair, officer = login("officer2"), login("officer")
    page = chair.get(f"/officer/documents/{document}").get_data(as_text=True)
    assert "Total price" not in page and "$100,000.00" not in page
    assert "Budget lines" not in page and "Page 4 carries the price" in page
    assert chair.get(f"/officer/documents/{document}/pages/4.png").status_code == 404
    assert chair.get(f"/officer/documents/{document}/pages/1.png").status_code == 404
    assert chair.get(f"/officer/documents/{document}/pages/3.png").status_code == 200
    assert chair.get(f"/officer/documents/{document}/file").status_code == 404
    api_file = f"/api/v1/responses/{world['response']}/documents/{document}/file"
    auth = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get(api_file, headers=auth).status_code == 404   # the API too
    body = app.test_client().get(f"/api/v1/responses/{world['response']}",
                                 headers=auth).get_json()
    record = body["documents"][0]["record"]
    assert "total_price" not in record["cover"] and "budget" not in record
    assert "100000" not in str(record)

    page = officer.get(f"/officer/documents/{document}").get_data(as_text=True)
    assert "Total price" in page and "$100,000.00" in page and "Budget lines" in page
    assert officer.get(f"/officer/documents/{document}/file").status_code == 200

    _technical_consensus(app, world)
    page = chair.get(f"/officer/documents/{document}").get_data(as_text=True)
    assert "Total price" in page and "$100,000.00" in page
    assert chair.get(f"/officer/documents/{document}/pages/4.png").status_code == 200
    assert app.test_client().get(api_file, headers=auth).status_code == 200


def test_the_audit_trail_keeps_a_cost_correction_sealed_to_the_panel(app, world, login):
    """An officer off the panel corrects the evaluated cost during technical scoring: the RFR's
    audit trail (page and API) shows the officer on the panel that a correction was made, not
    its figures or its reason, until the price opens; the officer off the panel reads it all."""
    officer, chair = login("officer"), login("officer2")
    officer.get("/")
    done = officer.post(f"/evaluation/responses/{world['response']}/cost",
                        {"amount": "98765.43", "reason": "Budget total misread QUAGGA-REASON."})
    assert done.status_code == 302
    needles = ("98765.43", "QUAGGA-REASON", "100000")
    trail = f"/officer/solicitations/{world['rfr']}/audit"
    api = f"/api/v1/solicitations/{world['rfr']}/audit?page_size=100"   # a page holds all

    def api_text(who):
        answer = app.test_client().get(api, headers={
            "Authorization": f"Bearer {world['tokens'][who]}"})
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    for text in (chair.get(trail).get_data(as_text=True), api_text("officer2")):
        assert "correct cost" in text.replace("_", " ")
        assert [n for n in needles if n in text] == []
        assert "sealed to you" in text
    assert "QUAGGA-REASON" in officer.get(trail).get_data(as_text=True)   # the page: the reason
    assert "98765.43" in api_text("officer") and "QUAGGA-REASON" in api_text("officer")

    _technical_consensus(app, world)
    assert "QUAGGA-REASON" in chair.get(trail).get_data(as_text=True)
    assert "98765.43" in api_text("officer2") and "QUAGGA-REASON" in api_text("officer2")
