"""An RFR requires kinds of document (issue 19: a response holding only a cover sheet labelled
"budget" was submitted): the officer chooses them on the draft's page, bidders read them on the
RFR's page and in the completeness check, and a submit without one is refused, saying which."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from sqlalchemy import select

from procure.extensions import db
from procure.intake import jobs
from procure.models import Response, ResponseStatus, Solicitation
from procure.workflows import solicitation as flow
from tests.integration.test_every_form_as_rendered import fill, forms_of
from tests.support.factories import draft_rfr, user
from tests.support.pdfs import complete_response


def _seen(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def _status(app, sid: int) -> ResponseStatus:
    with app.app_context():
        return db.session.scalar(select(Response.status).where(Response.solicitation_id == sid))


def _require(app, officer, kinds: list[str]) -> int:
    """As the officer: choose the required kinds under Details (the form as rendered), save,
    publish."""
    with app.app_context():
        draft_id = draft_rfr(db.session, user(db.session, "officer"), days_open=31).id
        db.session.commit()
    url = f"/officer/solicitations/{draft_id}"
    details = next(f for f in forms_of(url, officer.get(url).get_data(as_text=True))
                   if urlsplit(f.action).path == url)
    assert any(f["name"] == "required_document_kinds" for f in details.fields)
    data = fill(details, 1)
    data["required_document_kinds"] = kinds
    assert officer.post(url, data, csrf=False).status_code == 302
    with app.app_context():
        row = db.session.get(Solicitation, draft_id)
        assert row.required_document_kinds == kinds
        flow.publish(db.session, row, user(db.session, "officer"))
        db.session.commit()
    return draft_id


def test_a_submit_without_a_required_kind_is_refused_saying_which(app, login):
    officer, bidder = login("officer"), login("bidder")
    sid = _require(app, officer, ["cover_sheet", "budget"])
    public = _seen(bidder.get(f"/solicitations/{sid}"))
    assert "Documents every response must hold" in public
    assert "Cover sheet" in public and "Budget" in public
    with app.app_context():
        lot = db.session.get(Solicitation, sid).lots[0].id
    url = bidder.respond(sid, lot)
    bidder.upload(url, complete_response(), "everything.pdf", kind="budget")
    jobs.wait_for_idle()
    check = _seen(bidder.get(url))
    assert "requires a document of each of these kinds: cover sheet." in check
    refused = bidder.post(url + "/events/submit", {})
    assert refused.status_code in (302, 409)
    told = _seen(bidder.get(url) if refused.status_code == 302 else refused)
    assert "requires a document of each of these kinds: cover sheet. Upload each one" in told
    assert _status(app, sid) is ResponseStatus.draft
    bidder.upload(url, complete_response(), "cover.pdf", kind="cover_sheet")
    jobs.wait_for_idle()
    assert "requires a document" not in _seen(bidder.get(url))
    assert bidder.post(url + "/events/submit", {}).status_code == 302
    assert _status(app, sid) is ResponseStatus.submitted


def test_the_api_reads_and_writes_the_rfi_link_and_the_required_kinds(app, people):
    from procure import accounts
    from procure.models import SolicitationKind
    with app.app_context():
        officer = user(db.session, "officer")
        draft = draft_rfr(db.session, officer)
        rfi = flow.create(db.session, officer, kind=SolicitationKind.RFI, agencies=["DCF"],
                          title="Program models", deadline=draft.deadline)
        flow.publish(db.session, rfi, officer)
        token = accounts.issue_token(db.session, officer, "test")
        db.session.commit()
        draft_id, rfi_id = draft.id, rfi.id
    http, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    changed = http.patch(f"/api/v1/solicitations/{draft_id}", headers=auth, json={
        "informed_by_id": rfi_id, "required_document_kinds": ["budget", "cover_sheet"]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["informed_by_id"] == rfi_id
    assert changed.get_json()["required_document_kinds"] == ["cover_sheet", "budget"]
    read = http.get(f"/api/v1/solicitations/{draft_id}", headers=auth).get_json()
    assert (read["informed_by_id"], read["required_document_kinds"]) == (
        rfi_id, ["cover_sheet", "budget"])
    wrong = http.patch(f"/api/v1/solicitations/{draft_id}", headers=auth,
                       json={"required_document_kinds": ["résumé"]})
    assert wrong.status_code == 422
    # An RFI id no database column can hold (the fuzz found it answered 500 on PostgreSQL)
    too_large = http.patch(f"/api/v1/solicitations/{draft_id}", headers=auth,
                           json={"informed_by_id": 370274234952034})
    assert too_large.status_code == 422
    assert "informed_by_id" in too_large.get_json()["errors"]["json"]
    cleared = http.patch(f"/api/v1/solicitations/{draft_id}", headers=auth,
                         json={"informed_by_id": None, "required_document_kinds": []})
    assert cleared.get_json()["informed_by_id"] is None
    assert cleared.get_json()["required_document_kinds"] == []
