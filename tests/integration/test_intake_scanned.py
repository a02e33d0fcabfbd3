"""Scanned pages are documents too: a scanned, signed page uploads, shows its picture, and
(with Tesseract) its text is read by OCR in the parse child; without Tesseract the record says
the text was not read."""
from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from procure.extensions import db
from procure.intake import jobs
from procure.intake.pdf import parse_file
from tests.conftest import require_or_skip
from tests.support.factories import published_rfr, user

SECTIONS = [{"id": "budget", "title": "Budget", "aliases": [], "page_limit": None}]
LINES = ["Certification and Signature", "", "Organization Name: Harbor Family Center",
         "Federal Tax ID (FEIN): 04-1234567", "", "Authorized Signature: /s/ Jane Doe",
         "Title: Executive Director"]


def _scan(lines: list[str]) -> Image.Image:
    """A letter page as a scanner makes it: one picture (200 dpi), no text layer."""
    image = Image.new("L", (1700, 2200), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("DejaVuSans.ttf", 44)
    y = 200
    for line in lines:
        draw.text((160, y), line, fill=0, font=font)
        y += 90
    return image


def scanned_signed_page() -> bytes:
    image = _scan(LINES)
    ImageDraw.Draw(image).line((160, 1000, 900, 960), fill=0, width=5)  # the pen stroke
    out = io.BytesIO()
    image.save(out, "PDF", resolution=200.0)
    return out.getvalue()


RESPONSE_SECTIONS = [
    {"id": "summary", "title": "Executive Summary", "aliases": [], "page_limit": None},
    {"id": "approach", "title": "Technical Approach", "aliases": [], "page_limit": None},
    {"id": "budget", "title": "Budget", "aliases": ["Cost Proposal"], "page_limit": None},
    {"id": "references", "title": "References", "aliases": [], "page_limit": None},
]
BODY = ["We serve families in every town of the", "region with trained staff and partners."]


def scanned_response() -> bytes:
    """A whole response scanned from paper, its headings as OCR reads them at their worst: in
    capitals with a speck after the title, a number misread, a letter dropped or doubled."""
    pages = [
        ["Response to RFR-2026-014", "Organization Name: Harbor Family Center"],
        ["EXECUTIVE SUMMARY.", *BODY],
        ["2, Technical Aproach", *BODY],
        ["Budgett", "Personnel $120,000.00", "Supplies $30,500.00", "Total $150,500.00"],
        ["4. References:", "Available on request."],
    ]
    images = [_scan(lines) for lines in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=200.0, save_all=True, append_images=images[1:])
    return out.getvalue()


@pytest.fixture
def rfr(app, people):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        db.session.commit()
        return {"id": row.id, "lot": row.lots[0].id}


def test_scanned_signed_page_uploads_with_its_picture_and_text(app, login, rfr):
    require_or_skip(shutil.which("tesseract") is not None,
                    "tesseract is not installed (apt-get install tesseract-ocr)")
    bidder = login("bidder")
    url = bidder.respond(rfr["id"], rfr["lot"])
    assert bidder.upload(url, scanned_signed_page(), "signed-certification.pdf").status_code == 302
    jobs.wait_for_idle()
    with app.app_context():
        from procure.models import Document
        document = db.session.scalar(select(Document))
        record, document_id, images = document.record, document.public_id, len(document.page_images)
    assert images == 1
    assert [n["code"] for n in record["notes"]] == ["ocr"] and record["notes"][0]["pages"] == [1]
    assert "Harbor Family Center" in record["notes"][0]["text"]["1"]
    assert record["cover"]["organization_name"] == "Harbor Family Center"
    assert record["cover"]["tax_id"] == "04-1234567"
    assert record["signature"] == {"found": True, "page": 1}
    page = bidder.get(f"/bidder/documents/{document_id}").get_data(as_text=True)
    assert "text read by OCR" in page and "Harbor Family Center" in page
    image = bidder.get(f"/bidder/documents/{document_id}/pages/1.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")


def test_without_tesseract_the_scan_is_accepted_and_says_ocr_is_off(tmp_path, monkeypatch):
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_signed_page())
    monkeypatch.setenv("PROCURE_TESSERACT", str(tmp_path / "no-tesseract-here"))
    record = parse_file(path, SECTIONS)
    assert record["pages"] == 1
    assert [n["code"] for n in record["notes"]] == ["scanned_not_read"]
    assert "text not read (OCR is off" in record["notes"][0]["message"]
    assert record["cover"]["organization_name"] is None


def test_a_scanned_response_finds_its_sections_through_ocr_noise(tmp_path):
    require_or_skip(shutil.which("tesseract") is not None,
                    "tesseract is not installed (apt-get install tesseract-ocr)")
    path = tmp_path / "scanned-response.pdf"
    path.write_bytes(scanned_response())
    record = parse_file(path, RESPONSE_SECTIONS)
    assert record["notes"][0]["code"] == "ocr" and record["notes"][0]["pages"] == [1, 2, 3, 4, 5]
    assert [(s["id"], s["start_page"]) for s in record["sections"]] == \
        [("summary", 2), ("approach", 3), ("budget", 4), ("references", 5)]
    assert record["missing_sections"] == []
    assert record["budget"]["stated_total"] == "150500.00" and record["budget"]["consistent"] is True
