"""A record the bidder confirms (issue 20): what intake read is shown beside the page pictures,
the bidder corrects a section's start page, the budget's total and a cover field, on the page
(the form as rendered) and through the API; corrections are kept beside what was read, audited,
shown, and used by the completeness check, the cover cross-checks and the evaluated cost."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from procure import accounts
from procure.extensions import db
from procure.intake import jobs
from procure.models import AuditEvent, Document, Response
from procure.workflows import evaluation as evaluation_flow
from tests.support.factories import published_rfr, user
from tests.support.pdfs import pdf_with_sections


def _seen(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def misread_response() -> bytes:
    """The budget under a heading of the bidder's own that names no section, a cover whose
    organisation line reads wrong: what a bidder would need to correct."""
    return pdf_with_sections(
        ["Organization Name: Alpha Care Collaborative", "FEIN: 04-1111111", "Lot: 1"],
        ["1. Organizational Capacity", "We have run lead-agency functions since 1998."],
        ["2. Program Design", "Case planning teams meet weekly at the area office."],
        ["3. WHAT IT WILL TAKE", "Lead agency staff    $80,000.00", "Network development    $20,000.00"],
        ["Authorized Signature", "Signed: Ann Alpha, Executive Director"],
    )


def _form(html: str, action_part: str) -> tuple[str, dict[str, str]]:
    """The fields of the page's form whose action contains action_part, as rendered."""
    form = next(m for m in re.finditer(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", html, re.S)
                if action_part in m.group(1))
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form.group(2)):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return unescape(form.group(1)), fields


@pytest.fixture
def uploaded(app, login):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        db.session.commit()
        sid, lot = row.id, row.lots[0].id
        budget_id = next(s.id for s in row.sections if s.title == "Budget")
    bidder = login("bidder")
    url = bidder.respond(sid, lot)
    bidder.upload(url, misread_response())
    jobs.wait_for_idle()
    with app.app_context():
        document = db.session.scalars(select(Document)).one()
        doc_id, response_id = document.public_id, document.response.public_id
    return bidder, url, doc_id, response_id, budget_id


def test_the_bidder_corrects_what_was_read_on_the_page(app, uploaded, login):
    bidder, url, doc_id, _, budget_id = uploaded
    assert "No document has the required section “Budget”." in _seen(bidder.get(url))
    page = bidder.get(f"/bidder/documents/{doc_id}")
    assert page.status_code == 200
    seen = _seen(page)
    assert "Check what was read" in seen and "Budget: starts on page" in seen
    assert "The page of this PDF (1 to 5, as numbered beside the pictures); leave it empty if " \
           "the section is not in this document." in seen
    action, fields = _form(page.get_data(as_text=True), "/corrections")
    assert fields[f"section_{budget_id}"] == ""          # not found: the box is empty
    assert fields["cover_organization_name"] == "Alpha Care Collaborative"
    fields.update({f"section_{budget_id}": "4", "budget_total": "$100,000.00",
                   "cover_tax_id": "04-2222222", "cover_contact_name": "Dana Whitfield"})
    done = bidder.post(action, fields, follow_redirects=True)
    assert done.status_code == 200
    seen = _seen(done)
    assert "Your corrections are saved" in seen
    assert "start page corrected by the bidder; read: not found" in seen
    assert "total corrected by the bidder; read: nothing" in seen
    assert "Tax ID (FEIN) 04-2222222 (corrected by the bidder; read: 04-1111111)" in seen
    assert "Contact Dana Whitfield (corrected by the bidder; read: " in seen   # a walker's ask
    # the completeness check uses the correction: the budget is no longer missing, and the FEIN
    # the bidder typed is the one checked against the organisation's
    response_page = _seen(bidder.get(url))
    assert "required section “Budget”" not in response_page
    assert "gives FEIN 04-2222222" in response_page
    with app.app_context():
        document = db.session.scalars(select(Document)).one()
        assert document.record["missing_sections"] == [str(budget_id)]      # what was read stays
        assert document.corrections["sections"][str(budget_id)]["value"] == 4
        assert document.corrections["budget_total"] == {**document.corrections["budget_total"],
                                                         "value": "100000.00", "read": None}
        cost, _ = evaluation_flow._cost_from_response(db.session, db.session.get(Response, document.response_id))
        assert cost == Decimal("100000.00")
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "correct_record")).one()
        assert event.data["changes"]["budget total"] == "100000.00"


def test_a_bad_correction_is_refused_with_a_message_and_nothing_changes(app, uploaded):
    bidder, _, doc_id, _, budget_id = uploaded
    action, fields = _form(bidder.get(f"/bidder/documents/{doc_id}").get_data(as_text=True), "/corrections")
    fields.update({f"section_{budget_id}": "40"})
    refused = bidder.post(action, fields)
    assert refused.status_code == 400
    assert "A page of this document: 1 to 5." in _seen(refused)
    fields.update({f"section_{budget_id}": "4", "budget_total": "a lot"})
    refused = bidder.post(action, fields)
    assert refused.status_code == 409
    assert "The budget total must be an amount in dollars" in _seen(refused)
    with app.app_context():
        assert db.session.scalars(select(Document)).one().corrections is None


def test_the_api_corrects_the_record(app, uploaded, people):
    _, _, doc_id, response_id, budget_id = uploaded
    with app.app_context():
        value = accounts.issue_token(db.session, user(db.session, "bidder"), "test")
        db.session.commit()
    api = app.test_client()
    auth = {"Authorization": f"Bearer {value}"}
    url = f"/api/v1/responses/{response_id}/documents/{doc_id}/corrections"
    done = api.put(url, json={"sections": {str(budget_id): 4}, "budget_total": "100000",
                              "cover": {"organization_name": "Alpha Care Collaborative, Inc."}}, headers=auth)
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["record"]["missing_sections"] == [str(budget_id)]
    assert body["confirmed_record"]["missing_sections"] == []
    assert body["confirmed_record"]["budget"]["stated_total"] == "100000.00"
    assert body["confirmed_record"]["cover"]["organization_name"] == "Alpha Care Collaborative, Inc."
    assert body["corrections"]["cover"]["organization_name"]["read"] == "Alpha Care Collaborative"
    # taking a correction back
    back = api.put(url, json={"cover": {"organization_name": ""}}, headers=auth).get_json()
    assert "cover" not in (back["corrections"] or {})
    refused = api.put(url, json={"sections": {str(budget_id): 9}}, headers=auth)
    assert refused.status_code == 409
    assert "between 1 and 5" in refused.get_json()["message"]
    invalid = api.put(url, json={"cover": {"colour": "red"}}, headers=auth)
    assert invalid.status_code == 422
    # another organisation's bidder cannot correct it (sealed: not found)
    with app.app_context():
        other = accounts.issue_token(db.session, user(db.session, "other_bidder"), "test")
        db.session.commit()
    assert api.put(url, json={"budget_total": "1"}, headers={"Authorization": f"Bearer {other}"}).status_code == 404
