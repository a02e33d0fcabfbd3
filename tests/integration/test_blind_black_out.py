"""A blind panel reads the proposal's section pages as pictures: where the bidder names itself in
its own narrative ("Alpha Care Collaborative has run lead-agency functions since 1998"), the
picture the panel gets has the name's line blacked out, edge to edge, and the rest of the page
still reads. Officers off the panel see the page as uploaded. (A new user found the demo's blind
panel reading every bidder's name this way.)"""

from __future__ import annotations

import io
import shutil
import subprocess

from PIL import Image

from procure.extensions import db
from procure.workflows import evaluation as flow
from tests.conftest import require_or_skip
from tests.support.evaluation import opened_rfr, scoring_panel
from tests.support.factories import ORG_A


def _read(png: bytes) -> str:
    """What a reader sees in the picture: Tesseract's words, spaces normalised."""
    done = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "6"], input=png,
                          capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def test_a_blind_panel_reads_the_narrative_with_the_bidders_name_blacked_out(
        app, people, login, tmp_path):
    require_or_skip(shutil.which("tesseract") is not None,
                    "no Tesseract (apt-get install -y tesseract-ocr)")
    with app.app_context():
        made = opened_rfr(db.session)
        flow.set_plan(db.session, made.rfr, made.officer, blind=True, half_points=False)
        panel = scoring_panel(db.session, made)
        db.session.commit()
        sheet = next(s for s in flow.live_scoresheets(panel)
                     if s.member.user_id == made.evaluator.id
                     and s.response_id == made.responses["bidder"].id)
        document = made.responses["bidder"].current_documents[0]
        capacity = next(s["start_page"] for s in document.record["sections"]
                        if s["title"] == "Organizational Capacity")
        sheet_id, document_id = sheet.public_id, document.public_id
    panelist = login("panelist")
    page = panelist.get(f"/evaluation/scoresheets/{sheet_id}").get_data(as_text=True)
    picture = f"/evaluation/documents/{document_id}/pages/{capacity}.png"
    assert picture in page and ORG_A not in page
    blind = panelist.get(picture)
    assert blind.status_code == 200 and blind.mimetype == "image/png"
    as_uploaded = login("officer").get(f"/officer/documents/{document_id}/pages/{capacity}.png")
    assert as_uploaded.status_code == 200

    officer_reads, panel_reads = _read(as_uploaded.data), _read(blind.data)
    (tmp_path / "blind.png").write_bytes(blind.data)      # to look at
    assert "Alpha Care" in officer_reads                  # the page names its bidder
    assert "Alpha" not in panel_reads and "Care Collaborative" not in panel_reads
    assert "Organizational Capacity" in panel_reads        # the rest of the page still reads
    with Image.open(io.BytesIO(blind.data)) as shown, \
            Image.open(io.BytesIO(as_uploaded.data)) as uploaded:
        assert shown.size == uploaded.size
        # What was painted: the pixels black on the panel's picture and light on the page as
        # uploaded. They run edge to edge, so the box does not tell how long the name is (a
        # walker matched three bidders' codes to their names by their boxes' widths).
        painted = Image.eval(uploaded.convert("L"), lambda v: 255 if v > 128 else 0)
        painted = Image.composite(painted, Image.new("L", shown.size, 0),
                                  Image.eval(shown.convert("L"), lambda v: 255 if v < 40 else 0))
        left, top, right, bottom = painted.getbbox()
        assert (left, right) == (0, shown.width) and bottom > top


def test_the_ocr_text_a_blind_panel_reads_says_the_bidder_for_its_name(app, people):
    with app.app_context():
        made = opened_rfr(db.session)
        document = made.responses["bidder"].current_documents[0]
        document.record = {**document.record, "notes": [{"code": "ocr", "text": {
            "3": f"Letter: {ORG_A.upper()}   has served Springfield. Call 04-1111111."}}]}
        assert flow.ocr_text(document, blind=True) == {
            3: "Letter: [the bidder]   has served Springfield. Call [the bidder]."}
        assert ORG_A.upper() in flow.ocr_text(document)[3]
