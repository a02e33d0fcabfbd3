"""A scanned attachment on a blind evaluation: listed on the scoring page with a picture the
panelist can open (not a 404), and the text OCR read from it shown beside the picture; a page
where the intake read the bidder's name stays hidden from the blind panel."""

from __future__ import annotations

import io
import re
import shutil

from PIL import Image, ImageDraw, ImageFont

from procure.extensions import db
from procure.workflows import evaluation as flow
from tests.conftest import require_or_skip
from tests.support.evaluation import opened_rfr, scoring_panel


def _scanned(lines: list[str]) -> bytes:
    """One page as a scanner makes it: a picture (200 dpi), no text layer."""
    image = Image.new("L", (1700, 2200), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("DejaVuSans.ttf", 48)
    for number, line in enumerate(lines):
        draw.text((160, 200 + 100 * number), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=200.0)
    return out.getvalue()


def test_a_blind_panelist_opens_a_scanned_attachment_and_reads_its_ocr_text(
        app, people, login):
    require_or_skip(shutil.which("tesseract") is not None,
                    "no Tesseract (apt-get install -y tesseract-ocr)")
    letter = _scanned(["Letter of support", "The school district refers", "families every week."])
    with app.app_context():
        made = opened_rfr(db.session, attachment=letter)
        flow.set_plan(db.session, made.rfr, made.officer, blind=True, half_points=False)
        panel = scoring_panel(db.session, made)
        db.session.commit()
        sheet = next(s for s in flow.live_scoresheets(panel)
                     if s.member.user_id == made.evaluator.id)
        sheet_id = sheet.public_id
    panelist = login("panelist")
    page = panelist.get(f"/evaluation/scoresheets/{sheet_id}").get_data(as_text=True)
    assert "Proposal file 2" in page                                # the attachment, by number
    pictures = re.findall(r'src="(/evaluation/documents/[^"]+/pages/\d+\.png)"', page)
    assert pictures
    for url in pictures:                                             # every picture listed opens
        assert panelist.get(url).status_code == 200, url
    ocr = re.search(r'<details class="small mb-2 ocr-text">.*?<p>(.*?)</p>', page, re.S)
    assert ocr and "school district" in ocr.group(1).lower()
