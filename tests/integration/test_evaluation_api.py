"""The evaluation through the API with bearer tokens: the officer forms the panel, members
declare and score, the chair moves on, records consensus and reads the ranking; a member never
reads another's scoresheet, and a blind RFR's evaluators get bidder codes in every answer."""

from __future__ import annotations

import pytest

from procure import accounts
from procure.extensions import db
from procure.models import User
from tests.support.evaluation import ORG_C, opened_rfr
from tests.support.factories import EMAILS, ORG_A, ORG_B

PARENT = "parent@families.example.org"


@pytest.fixture
def api(app, people):
    with app.app_context():
        world = opened_rfr(db.session)
        tokens = {email: accounts.issue_token(db.session, db.session.scalar(
            db.select(User).where(User.email == email)), "test")
            for email in (EMAILS["officer"], EMAILS["officer2"], EMAILS["panelist"], PARENT,
                          EMAILS["bidder"])}
        db.session.commit()
        rfr_id = world.rfr.id
        technical = next(c.id for c in world.rfr.criteria if c.envelope.name == "technical")
    http = app.test_client()

    def call(method, url, who, json=None):
        answer = http.open("/api/v1/evaluation" + url, method=method, json=json,
                           headers={"Authorization": f"Bearer {tokens[who]}"})
        return answer.status_code, answer.get_json()
    return call, rfr_id, technical


def _through_scoring(call, rfr_id):
    officer, chair, panelist = EMAILS["officer"], EMAILS["officer2"], EMAILS["panelist"]
    status, panel = call("POST", f"/solicitations/{rfr_id}/panels", officer,
                         {"name": "Lot 1 panel", "lots": [1]})
    assert status == 201, panel
    pid = panel["id"]
    for email, kind, is_chair in [(chair, "agency_staff", True),
                                  (panelist, "external_reviewer", False),
                                  (PARENT, "family_representative", False)]:
        status, body = call("POST", f"/panels/{pid}/members", officer,
                            {"email": email, "kind": kind, "chair": is_chair})
        assert status == 201, body
    assert call("POST", f"/panels/{pid}/events/begin_declarations", officer, {})[0] == 200
    for who in (chair, panelist, PARENT):
        status, listed = call("GET", f"/panels/{pid}/declarations", who)
        assert status == 200 and len(listed) == 3 and not listed[0]["declared"]
        for entry in listed:
            status, _ = call("POST", f"/panels/{pid}/declarations", who,
                             {"bidder_index": entry["bidder_index"], "conflict": False})
            assert status == 201
    status, moved = call("POST", f"/panels/{pid}/events/begin_scoring", chair, {})
    assert status == 200 and moved["status"] == "scoring"
    return pid


def test_scoring_through_the_api(api):
    call, rfr_id, criterion = api
    chair, panelist = EMAILS["officer2"], EMAILS["panelist"]
    pid = _through_scoring(call, rfr_id)
    status, sheets = call("GET", "/scoresheets", panelist)
    assert status == 200 and len(sheets) == 3
    assert {s["bidder"] for s in sheets} == {ORG_A, ORG_B, ORG_C}
    status, theirs = call("GET", "/scoresheets", PARENT)
    assert call("GET", f"/scoresheets/{theirs[0]['id']}", panelist)[0] == 404
    assert call("GET", f"/panels/{pid}/ranking", chair)[0] == 409

    status, panel = call("GET", f"/panels/{pid}", chair)
    assert panel["submitted"] == 0 and panel["scoresheets"] == 9
    status, mine = call("GET", f"/panels/{pid}", panelist)
    assert status == 200 and mine["submitted"] is None

    for who in (chair, panelist, PARENT):
        for sheet in call("GET", "/scoresheets", who)[1]:
            status, saved = call("PUT", f"/scoresheets/{sheet['id']}", who, {"scores": [
                {"criterion_id": criterion, "points": "11", "comment": "Too many"}]})
            assert status == 409 and "from 0 to 10" in saved["message"]
            status, saved = call("PUT", f"/scoresheets/{sheet['id']}", who, {"scores": [
                {"criterion_id": criterion, "points": "6", "comment": "Sound design."}]})
            assert status == 200 and saved["scores"][0]["points"] == "6.00"
            assert call("POST", f"/scoresheets/{sheet['id']}/submit", who)[1]["status"] == \
                "submitted"
    status, returned = call("POST", f"/scoresheets/{sheets[0]['id']}/return", chair,
                            {"reason": "Cite the pages."})
    assert status == 200 and returned["status"] == "returned"
    assert call("GET", f"/scoresheets/{sheets[0]['id']}", panelist)[1]["returned_reason"] == \
        "Cite the pages."
    call("PUT", f"/scoresheets/{sheets[0]['id']}", panelist, {"scores": [
        {"criterion_id": criterion, "points": "6", "comment": "Pages 2-3."}]})
    call("POST", f"/scoresheets/{sheets[0]['id']}/submit", panelist)
    assert call("POST", f"/panels/{pid}/events/begin_consensus", chair, {})[0] == 200
    for sheet in sheets:
        status, _ = call("POST", f"/panels/{pid}/consensus", chair, {
            "response_id": sheet["response_id"], "criterion_id": criterion, "points": "6",
            "rationale": "Agreed."})
        assert status == 201
    assert call("POST", f"/panels/{pid}/events/finalize", chair, {})[0] == 409  # price missing
    assert call("GET", f"/panels/{pid}/ranking", EMAILS["bidder"])[0] == 403


def test_the_openapi_spec_lists_the_evaluation(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/evaluation/panels", "/api/v1/evaluation/scoresheets/{sheet_id}",
                 "/api/v1/evaluation/panels/{panel_id}/consensus",
                 "/api/v1/evaluation/panels/{panel_id}/ranking"):
        assert path in spec["paths"], path
