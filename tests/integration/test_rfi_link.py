"""An RFR names the RFI that informed it: each page links to the other, and the officer reads
the RFI's comments while drafting the RFR."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import select

from procure import clock
from procure.extensions import db
from procure.models import Solicitation, SolicitationKind, SolicitationStatus
from procure.workflows import solicitation as flow
from tests.support.factories import user


def _text(response) -> str:
    """What a person reads: the page without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(response.get_data(as_text=True))).split())


def test_rfr_names_its_rfi_and_the_officer_reads_the_comments_while_drafting(app, login):
    with app.app_context():
        officer = user(db.session, "officer")
        rfi = flow.create(db.session, officer, kind=SolicitationKind.RFI, agencies=["DCF"],
                          title="Program models for family networks",
                          deadline=clock.now() + timedelta(days=20))
        flow.publish(db.session, rfi, officer)
        flow.comment_on_rfi(db.session, rfi, user(db.session, "bidder"),
                            "Respite needs an hourly rate; per diem does not fit.")
        db.session.commit()
        rfi_id, rfi_number = rfi.id, rfi.number
    officer = login("officer")
    new = _text(officer.get("/officer/solicitations/new"))
    assert f"{rfi_number}: Program models for family networks" in new
    created = officer.post("/officer/solicitations/new", {
        "kind": "RFR", "title": "Family networks", "agencies": ["DCF"],
        "informed_by": str(rfi_id),
        "deadline": clock.local(clock.now() + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")})
    assert created.status_code == 302
    page = _text(officer.get(created.headers["Location"]))
    assert f"Informed by {rfi_number}: Program models" in page
    assert "What providers said in" in page
    assert "Respite needs an hourly rate" in page and "Alpha Care Collaborative" in page
    with app.app_context():
        rfr = db.session.scalar(select(Solicitation).where(Solicitation.title == "Family networks"))
        rfr_id, rfr_number = rfr.id, rfr.number
        assert rfr.informed_by_id == rfi_id
    assert f"This RFI informed: {rfr_number}" in _text(officer.get(f"/officer/solicitations/{rfi_id}"))
    # The public sees the link only once the RFR itself is public.
    visitor = login("anonymous")
    assert "informed" not in _text(visitor.get(f"/solicitations/{rfi_id}")).lower()
    with app.app_context():
        row = db.session.get(Solicitation, rfr_id)
        row.status, row.published_at = SolicitationStatus.published, clock.now()
        db.session.commit()
    assert f"Informed by the comments on {rfi_number}" in _text(visitor.get(f"/solicitations/{rfr_id}"))
    assert f"informed {rfr_number}: Family networks" in _text(visitor.get(f"/solicitations/{rfi_id}"))
    # An RFI cannot name an RFI.
    refused = officer.post("/officer/solicitations/new", {
        "kind": "RFI", "title": "Another", "agencies": ["DCF"], "informed_by": str(rfi_id)})
    assert refused.status_code == 409 and "Only an RFR names the RFI" in _text(refused)
