"""The JSON API: bearer tokens, schemas, the uniform events endpoint, the OpenAPI spec."""

from __future__ import annotations

from datetime import timedelta

import pytest

from procure import accounts, clock
from procure.extensions import db
from tests.support.factories import draft_rfr, published_rfr, user


@pytest.fixture
def token(app, people):
    def issue(who: str) -> dict:
        with app.app_context():
            value = accounts.issue_token(db.session, user(db.session, who), "test")
            db.session.commit()
        return {"Authorization": f"Bearer {value}"}
    return issue


def test_openapi_spec_lists_the_endpoints(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "procure"
    assert "/api/v1/solicitations/{solicitation_id}/events/{event}" in spec["paths"]
    assert "/api/v1/responses/{response_id}" in spec["paths"]


def test_public_list_shows_published_only(app, people):
    with app.app_context():
        officer = user(db.session, "officer")
        published_rfr(db.session, officer, title="Open one")
        draft_rfr(db.session, officer, title="Secret draft")
        db.session.commit()
    body = app.test_client().get("/api/v1/solicitations/").get_json()
    assert [s["title"] for s in body] == ["Open one"]


def test_officer_creates_and_fires_events_with_token(app, token):
    headers = token("officer")
    http = app.test_client()
    created = http.post("/api/v1/solicitations/", headers=headers, json={
        "kind": "RFI", "title": "Network services models", "agencies": ["DCF"],
        "deadline": (clock.now() + timedelta(days=20)).isoformat()})
    assert created.status_code == 201, created.get_json()
    sid = created.get_json()["id"]
    assert created.get_json()["allowed_events"] == ["cancel", "publish"]
    wrong = http.post(f"/api/v1/solicitations/{sid}/events/open", headers=headers, json={})
    assert wrong.status_code == 409
    assert wrong.get_json()["allowed"] == ["cancel", "publish"]
    ok = http.post(f"/api/v1/solicitations/{sid}/events/publish", headers=headers, json={})
    assert ok.status_code == 200 and ok.get_json()["status"] == "published"
    cancelled = http.post(f"/api/v1/solicitations/{sid}/events/cancel", headers=headers,
                          json={"cancel_reason": "no_need", "reason": "Input gathered."})
    assert cancelled.get_json()["status"] == "cancelled"


def test_invalid_body_gives_field_errors(app, token):
    response = app.test_client().post("/api/v1/solicitations/", headers=token("officer"),
                                      json={"kind": "XYZ", "agencies": []})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert set(errors) >= {"kind", "title", "agencies"}


def test_bidder_token_cannot_create_and_session_cookie_is_not_api_auth(app, token, login):
    http = app.test_client()
    assert http.post("/api/v1/solicitations/", headers=token("bidder"), json={
        "kind": "RFI", "title": "x", "agencies": ["DCF"]}).status_code == 403
    officer = login("officer")   # signed in by cookie: the API does not accept it (no CSRF there)
    assert officer.http.post("/api/v1/solicitations/", json={
        "kind": "RFI", "title": "x", "agencies": ["DCF"]}).status_code == 403


def test_drafts_are_hidden_from_the_public_api(app, people):
    with app.app_context():
        row = draft_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        sid = row.id
    assert app.test_client().get(f"/api/v1/solicitations/{sid}").status_code == 404
