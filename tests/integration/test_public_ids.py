"""Responses, documents and receipts are named by unguessable ids (UUID4), never by their
database keys: a bidder whose response is the seventh must not learn that six came before."""

from __future__ import annotations

import re
import uuid

import flask_migrate
from sqlalchemy import select

from procure.extensions import db
from procure.intake import jobs
from procure.models import Document, Receipt, Response
from tests.support.factories import published_rfr, user
from tests.support.pdfs import complete_response

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def _rfr(app):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        db.session.commit()
        return row.id, row.lots[0].id


def test_urls_pages_and_api_name_responses_by_uuid_not_by_count(app, login):
    rfr_id, lot_id = _rfr(app)
    login("other_bidder").respond(rfr_id, lot_id)        # someone started before her
    bidder = login("bidder")
    url = bidder.respond(rfr_id, lot_id)
    last = url.rsplit("/", 1)[1]
    assert uuid.UUID(last).version == 4, url
    bidder.upload(url, complete_response())
    jobs.wait_for_idle()
    page = bidder.get(url).get_data(as_text=True)
    # Every response and document address on her page carries a UUID, no integer.
    addresses = re.findall(r'(?:href|action|data-progress-url)="(/bidder/(?:responses|documents)/[^"]*)"',
                           page)
    assert addresses
    for address in addresses:
        assert re.match(rf"/bidder/(responses|documents)/{UUID_RE}", address), address
    progress = bidder.get(url + "/progress").get_json()
    assert all(re.fullmatch(UUID_RE, d["id"]) for d in progress["documents"])
    # Counting guesses find nothing, and are never a server error.
    bearer = {"Authorization": f"Bearer {_token(app, 'bidder')}"}
    for guess in ("1", "2", "3", "00000000-0000-4000-8000-000000000001", "not-an-id"):
        assert bidder.get(f"/bidder/responses/{guess}").status_code == 404
        assert bidder.http.get(f"/api/v1/responses/{guess}", headers=bearer).status_code == 404
    bidder.post(url + "/events/submit", {})
    receipt = bidder.get(url + "/receipt").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(Response).where(Response.public_id == last))
        assert row.last_receipt.public_id in receipt
        assert str(row.id) != last
    mine = bidder.http.get("/api/v1/responses/", headers=bearer).get_json()
    assert [r["id"] for r in mine] == [last]
    assert all(re.fullmatch(UUID_RE, d["id"]) for d in mine[0]["documents"])


def _token(app, role: str) -> str:
    from procure import accounts
    with app.app_context():
        token = accounts.issue_token(db.session, user(db.session, role), "test")
        db.session.commit()
        return token


def test_the_migration_gives_existing_rows_distinct_public_ids(app, login):
    rfr_id, lot_id = _rfr(app)
    for role in ("bidder", "other_bidder"):
        c = login(role)
        url = c.respond(rfr_id, lot_id)
        c.upload(url, complete_response())
        jobs.wait_for_idle()
        c.get(url)
        c.post(url + "/events/submit", {})
    with app.app_context():
        before = {m: set(db.session.scalars(select(m.public_id))) for m in (Response, Document, Receipt)}
        db.session.remove()
        flask_migrate.downgrade(revision="4c1b61e65fe5")
        flask_migrate.upgrade()
        for model in (Response, Document, Receipt):
            ids = list(db.session.scalars(select(model.public_id)))
            assert len(ids) == len(set(ids)) == len(before[model]) == 2
            assert all(uuid.UUID(i).version == 4 for i in ids)
            assert not set(ids) & before[model]     # new, random ones
