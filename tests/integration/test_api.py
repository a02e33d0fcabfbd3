"""The JSON API: bearer tokens, schemas, the uniform events endpoint, the OpenAPI spec."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from procure import accounts, clock
from procure.extensions import db
from procure.intake import jobs
from procure.models import AreaOffice, SolicitationKind
from procure.workflows import solicitation as solicitation_flow
from tests.support.factories import ORG_A, draft_rfr, published_rfr, user
from tests.support.pdfs import complete_response, pdf_with_sections
from tests.support.world import build


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


# ---------------------------------------------------------------- the collections (issue 8)

def _pdf_part(data: bytes, name: str = "document.pdf") -> tuple:
    return (io.BytesIO(data), name, "application/pdf")


def test_officer_drafts_publishes_and_amends_through_the_api(app, token):
    officer, http = token("officer"), app.test_client()
    with app.app_context():
        area = db.session.scalars(select(AreaOffice).order_by(AreaOffice.name)).first().id
    deadline = clock.now() + timedelta(days=40)
    created = http.post("/api/v1/solicitations/", headers=officer, json={
        "kind": "RFR", "title": "Lead agencies", "agencies": ["DCF"],
        "deadline": deadline.isoformat()})
    sid = created.get_json()["id"]
    base = f"/api/v1/solicitations/{sid}"
    lot = http.post(f"{base}/lots", headers=officer, json={
        "kind": "lead_agency", "title": "Lead agency: Holyoke", "estimated_annual_value": 250000,
        "area_office_ids": [area]})
    assert lot.status_code == 201, lot.get_json()
    assert lot.get_json()["estimated_annual_value"] == "250000.00"
    refused = http.post(f"{base}/lots", headers=officer, json={
        "kind": "lead_agency", "title": "No area", "estimated_annual_value": 1})
    assert refused.status_code == 409
    assert "area office" in refused.get_json()["message"]
    for title in ("Program Design", "Budget"):
        assert http.post(f"{base}/sections", headers=officer, json={
            "title": title, "aliases": ["Approach"], "page_limit": 10}).status_code == 201
    assert http.get(f"{base}/sections").status_code == 404   # a draft: the agency's only
    budget = http.get(f"{base}/sections", headers=officer).get_json()[-1]
    assert http.delete(f"{base}/sections/{budget['id']}", headers=officer).status_code == 204
    for name, weight, envelope in (("Program design", 70, "technical"), ("Cost", 30, "price")):
        assert http.post(f"{base}/criteria", headers=officer, json={
            "name": name, "weight": weight, "envelope": envelope}).status_code == 201
    rfr_pdf = pdf_with_sections(["Request for Responses", "Lead agencies."])
    attached = http.post(f"{base}/documents", headers=officer, content_type="multipart/form-data",
                         data={"title": "The RFR", "file": _pdf_part(rfr_pdf, "rfr.pdf")})
    assert attached.status_code == 201, attached.get_json()
    changed = http.patch(base, headers=officer, json={"description": "Area-based lead agencies."})
    assert changed.get_json()["description"] == "Area-based lead agencies."
    assert changed.get_json()["allowed_events"] == ["cancel", "publish"]

    assert http.post(f"{base}/events/publish", headers=officer, json={}).status_code == 200
    shown = http.get(base).get_json()   # anyone, without a token
    assert [s["title"] for s in shown["sections"]] == ["Program Design"]
    assert [c["weight"] for c in shown["criteria"]] == [70, 30]
    assert shown["documents"][0]["filename"] == "rfr.pdf"
    download = http.get(f"{base}/documents/{shown['documents'][0]['id']}")
    assert download.status_code == 200 and download.data == rfr_pdf
    assert download.mimetype == "application/pdf"
    # Published: it changes only by addendum.
    assert http.patch(base, headers=officer, json={"title": "Changed"}).status_code == 409
    assert http.post(f"{base}/lots", headers=officer, json={
        "kind": "lead_agency", "title": "Late", "estimated_annual_value": 1,
        "area_office_ids": [area]}).status_code == 409
    new_deadline = deadline + timedelta(days=7)
    addendum = http.post(f"{base}/addenda", headers=officer, content_type="multipart/form-data",
                         data={"title": "Revised budget form", "body": "Use the new form.",
                               "new_deadline": new_deadline.isoformat(),
                               "file": _pdf_part(rfr_pdf, "budget-form.pdf")})
    assert addendum.status_code == 201, addendum.get_json()
    assert addendum.get_json()["number"] == 1
    assert addendum.get_json()["documents"][0]["filename"] == "budget-form.pdf"
    assert http.get(base).get_json()["deadline"] == new_deadline.isoformat()
    trail = http.get(f"{base}/audit?page_size=100", headers=officer).get_json()
    assert [e["event"] for e in trail][:3] == ["create", "add_lot", "add_section"]
    assert {"publish", "publish_addendum", "attach_document"} <= {e["event"] for e in trail}
    assert http.get(f"{base}/audit", headers=token("bidder")).status_code == 403


def test_questions_answers_and_rfi_comments_through_the_api(app, token):
    bidder, officer, http = token("bidder"), token("officer"), app.test_client()
    with app.app_context():
        officer_user = user(db.session, "officer")
        rfr = published_rfr(db.session, officer_user)
        rfi = solicitation_flow.create(db.session, officer_user, kind=SolicitationKind.RFI,
                                       agencies=["DCF"], title="Program models",
                                       deadline=clock.now() + timedelta(days=20))
        solicitation_flow.publish(db.session, rfi, officer_user)
        db.session.commit()
        rfr_id, rfi_id = rfr.id, rfi.id
    questions = f"/api/v1/solicitations/{rfr_id}/questions"
    asked = http.post(questions, headers=bidder, json={"body": "May one provider take two lots?"})
    assert asked.status_code == 201
    qid = asked.get_json()["id"]
    assert http.get(questions).get_json() == []                      # not published yet
    assert [q["id"] for q in http.get(questions, headers=bidder).get_json()] == [qid]  # mine
    assert [q["id"] for q in http.get(questions, headers=officer).get_json()] == [qid]
    assert http.get(questions, headers=token("other_bidder")).get_json() == []
    assert http.put(f"{questions}/{qid}/answer", headers=bidder,
                    json={"answer": "Yes."}).status_code == 403
    answered = http.put(f"{questions}/{qid}/answer", headers=officer, json={"answer": "Yes."})
    assert answered.status_code == 200
    public = http.get(questions).get_json()
    assert [(q["question"], q["answer"]) for q in public] == [
        ("May one provider take two lots?", "Yes.")]
    assert "Alpha" not in str(public) and "ann@" not in str(public)   # never the asker's name

    comments = f"/api/v1/solicitations/{rfi_id}/comments"
    sent = http.post(comments, headers=bidder, json={"body": "Fund the network per region."})
    assert sent.status_code == 201
    assert http.post(f"/api/v1/solicitations/{rfr_id}/comments", headers=bidder,
                     json={"body": "x"}).status_code == 409     # an RFR takes responses
    assert http.get(comments, headers=bidder).status_code == 403
    received = http.get(comments, headers=officer).get_json()
    assert [(c["organization"], c["body"]) for c in received] == [
        (ORG_A, "Fund the network per region.")]


def test_bidder_responds_through_the_api_and_it_stays_sealed(app, token):
    bidder, other, officer = token("bidder"), token("other_bidder"), token("officer")
    http = app.test_client()
    with app.app_context():
        rfr = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        lot_id, deadline = rfr.lots[0].id, rfr.deadline
    started = http.post("/api/v1/responses/", headers=bidder, json={"lot_id": lot_id})
    assert started.status_code == 201
    rid = started.get_json()["id"]
    assert started.get_json()["status"] == "draft"
    base = f"/api/v1/responses/{rid}"
    submit_early = http.post(f"{base}/events/submit", headers=bidder, json={})
    assert submit_early.status_code == 409
    assert "at least one document" in submit_early.get_json()["message"]

    content = complete_response()
    uploaded = http.post(f"{base}/documents", headers=bidder, content_type="multipart/form-data",
                         data={"kind": "narrative", "file": _pdf_part(content, "proposal.pdf")})
    assert uploaded.status_code == 201, uploaded.get_json()
    did = uploaded.get_json()["id"]
    jobs.wait_for_idle()
    document = http.get(f"{base}/documents/{did}", headers=bidder).get_json()
    assert document["intake_status"] == "parsed", document
    assert {s["title"] for s in document["record"]["sections"]} >= {"Program Design", "Budget"}
    assert http.get(f"{base}/documents/{did}/file", headers=bidder).data == content
    # Sealed: the other bidder and the agency find nothing, the same as for no response at all.
    for headers in (other, officer):
        for url in (base, f"{base}/documents", f"{base}/documents/{did}",
                    f"{base}/documents/{did}/file", f"{base}/receipts"):
            refused = http.get(url, headers=headers)
            # Receipts are a bidder's action: the agency is refused them for any id alike.
            expected = 403 if headers is officer and url.endswith("receipts") else 404
            assert refused.status_code == expected, (url, refused.status_code)
            assert "proposal.pdf" not in refused.get_data(as_text=True)
        assert http.post(f"{base}/events/submit", headers=headers, json={}).status_code == 404
        assert http.delete(f"{base}/documents/{did}", headers=headers).status_code in (403, 404)
    assert http.get("/api/v1/responses/", headers=other).get_json() == []

    submitted = http.post(f"{base}/events/submit", headers=bidder, json={})
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["allowed_events"] == ["withdraw"]
    receipts = http.get(f"{base}/receipts", headers=bidder).get_json()
    assert [(r["number"], r["files"][0]["filename"]) for r in receipts] == [(1, "proposal.pdf")]
    again = http.post(f"{base}/documents", headers=bidder, content_type="multipart/form-data",
                      data={"kind": "budget", "file": _pdf_part(content)})
    assert again.status_code == 409 and "withdraw it" in again.get_json()["message"]
    assert http.post(f"{base}/events/withdraw", headers=bidder, json={}).status_code == 200
    replaced = http.put(f"{base}/documents/{did}", headers=bidder,
                        content_type="multipart/form-data",
                        data={"kind": "narrative",
                              "file": _pdf_part(content + b"\n% v2", "proposal-v2.pdf")})
    assert replaced.status_code == 201, replaced.get_json()
    current = http.get(f"{base}/documents", headers=bidder).get_json()
    assert [d["filename"] for d in current] == ["proposal-v2.pdf"]
    new_id = current[0]["id"]
    assert http.delete(f"{base}/documents/{new_id}", headers=bidder).status_code == 204
    assert http.get(f"{base}/documents", headers=bidder).get_json() == []
    jobs.wait_for_idle()
    with time_machine.travel(deadline + timedelta(minutes=5)):
        late = http.post(f"{base}/documents", headers=bidder, content_type="multipart/form-data",
                         data={"kind": "narrative", "file": _pdf_part(content)})
        assert late.status_code == 409 and "deadline" in late.get_json()["message"]


def test_the_agency_reads_and_judges_responses_after_the_opening(app):
    world = build(app, opened=True, evaluated=False)
    officer = {"Authorization": f"Bearer {world.tokens['officer']}"}
    http = app.test_client()
    base = f"/api/v1/responses/{world.ids['response']}"
    with time_machine.travel(world.deadline + timedelta(minutes=5)):
        shown = http.get(base, headers=officer).get_json()
        assert shown["status"] == "opened" and shown["allowed_events"] == ["accept", "reject"]
        record = http.get(f"{base}/documents/{world.ids['document']}", headers=officer).get_json()
        assert record["record"] is not None
        assert http.get(f"{base}/receipts", headers=officer).status_code == 403  # the bidder's
        no_reason = http.post(f"{base}/events/reject", headers=officer, json={})
        assert no_reason.status_code == 409 and "Say why" in no_reason.get_json()["message"]
        accepted = http.post(f"{base}/events/accept", headers=officer, json={})
        assert accepted.get_json()["status"] == "accepted"


def test_refusals_answer_in_the_documented_shape(app, token):
    http = app.test_client()
    spec = http.get("/api/v1/openapi.json").get_json()
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"code", "status", "message"}
    lots = spec["paths"]["/api/v1/solicitations/{solicitation_id}/lots"]["post"]["responses"]
    assert {"400", "403", "404", "409", "422"} <= set(lots)
    upload = spec["paths"]["/api/v1/responses/{response_id}/documents"]["post"]
    assert "413" in upload["responses"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    bad_json = http.post("/api/v1/solicitations/", headers={**token("officer"),
                         "Content-Type": "application/json"}, data="{not json")
    assert bad_json.status_code == 400 and set(bad_json.get_json()) >= {"code", "message"}


def test_a_file_too_large_is_refused_with_413_and_nothing_changes(app, token):
    bidder, http = token("bidder"), app.test_client()
    with app.app_context():
        rfr = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        lot_id = rfr.lots[0].id
    rid = http.post("/api/v1/responses/", headers=bidder, json={"lot_id": lot_id}).get_json()["id"]
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        refused = http.post(f"/api/v1/responses/{rid}/documents", headers=bidder,
                            content_type="multipart/form-data",
                            data={"kind": "narrative", "file": _pdf_part(b"%PDF-" + b"x" * 8192)})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert refused.status_code == 413
    assert {"code", "status", "message"} <= set(refused.get_json())
    assert "Nothing was stored" in refused.get_json()["message"]
    assert http.get(f"/api/v1/responses/{rid}/documents", headers=bidder).get_json() == []


def test_the_storage_quota_holds_through_the_api_too(app, token, monkeypatch):
    """The quota is the upload use case's: a client of the API meets it as a page user does."""
    bidder = token("bidder")
    http = app.test_client()
    with app.app_context():
        rfr = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        lot_id = rfr.lots[0].id
    rid = http.post("/api/v1/responses/", headers=bidder, json={"lot_id": lot_id}).get_json()["id"]
    content = complete_response()
    monkeypatch.setitem(app.config, "ORGANIZATION_STORAGE_BYTES", len(content) + 100)
    base = f"/api/v1/responses/{rid}/documents"
    first = http.post(base, headers=bidder, content_type="multipart/form-data",
                      data={"kind": "narrative", "file": _pdf_part(content, "one.pdf")})
    assert first.status_code == 201
    second = http.post(base, headers=bidder, content_type="multipart/form-data",
                       data={"kind": "budget", "file": _pdf_part(content + b"%2", "two.pdf")})
    assert second.status_code == 409
    assert "storage" in second.get_json()["message"]
    assert [d["filename"] for d in http.get(base, headers=bidder).get_json()] == ["one.pdf"]


def test_officer_changes_a_part_in_place_on_a_draft_and_by_addendum_once_published(app, token):
    officer = token("officer")
    http = app.test_client()
    with app.app_context():
        rfr = draft_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        rid, lot_id = rfr.id, rfr.lots[0].id
    base = f"/api/v1/solicitations/{rid}/lots/{lot_id}"
    changed = http.patch(base, headers=officer, json={"title": "Lead agency: Holyoke and Chicopee"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["title"] == "Lead agency: Holyoke and Chicopee"
    assert http.post(f"/api/v1/solicitations/{rid}/events/publish", headers=officer,
                     json={}).status_code == 200
    refused = http.patch(base, headers=officer, json={"max_awards": 2})
    assert refused.status_code == 409
    assert "only by addendum" in refused.get_json()["message"]
    amended = http.patch(base, headers=officer,
                         json={"max_awards": 2, "addendum_title": "Two awards in Holyoke"})
    assert amended.status_code == 200 and amended.get_json()["max_awards"] == 2
    addenda = http.get(f"/api/v1/solicitations/{rid}/addenda", headers=officer).get_json()
    assert [a["title"] for a in addenda] == ["Two awards in Holyoke"]
