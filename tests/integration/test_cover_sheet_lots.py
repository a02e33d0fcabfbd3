"""The fillable cover sheet names every lot of the RFR (issue 19: it listed the first 8 of 24),
as a bidder downloads it from the public page."""

from __future__ import annotations

import io

from decimal import Decimal

import pypdfium2
from sqlalchemy import select

from procure.extensions import db
from procure.models import AreaOffice, LotKind
from procure.workflows import solicitation as flow
from tests.support.factories import draft_rfr, user


def _text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_the_cover_sheet_lists_all_24_lots(app, client, people):
    with app.app_context():
        officer = user(db.session, "officer")
        rfr = draft_rfr(db.session, officer)
        areas = db.session.scalars(select(AreaOffice).order_by(AreaOffice.name)).all()
        for number in range(len(rfr.lots) + 1, 25):
            flow.add_lot(db.session, rfr, officer, kind=LotKind.lead_agency,
                         title=f"Area lot number {number} (joined offices)",
                         estimated_annual_value=Decimal("100000"),
                         area_office_ids=[areas[number].id])
        flow.publish(db.session, rfr, officer)
        db.session.commit()
        rid, titles = rfr.id, [lot.title for lot in rfr.lots]
    assert len(titles) == 24
    answer = client.get(f"/solicitations/{rid}/cover-sheet.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = _text(answer.data)
    missing = [t for t in titles if t not in text.replace("\r", "")]
    assert missing == []
    first_page = _text(answer.data).split("Authorized signature")[0]
    assert "Organization name" in first_page
