"""Words a producer draws in pieces (groff's gropdf moves to each kerned piece of a word, a
little off) read as one word: the text layer's invented space inside ``Greater`` goes, while
real word spaces, columns and producers that draw every word on its own keep theirs."""
from __future__ import annotations

import io

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas as rl_canvas

from procure.intake.pdf import parse_file

SECTIONS = [{"id": "summary", "title": "Executive Summary", "aliases": [], "page_limit": None}]
SIZE = 11.0


def _pieces(c, x, y, pieces, font="Times-Roman"):
    """Draw text pieces one after the other, each ``(text, extra gap in em before it)``."""
    c.setFont(font, SIZE)
    for text, gap in pieces:
        x += gap * SIZE
        c.drawString(x, y, text)
        x += c.stringWidth(text, font, SIZE)


def _response(tmp_path) -> dict:
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=letter)
    c.setFont("Times-Bold", 17)
    c.drawString(72, 720, "Response to RFR-2026-014")
    c.setFont("Times-Bold", SIZE)
    c.drawString(72, 690, "Organization Name")
    # the value's first piece set a fifth of an em off, as gropdf does after a column of spaces
    _pieces(c, 200, 690, [("Gr", 0), ("eater Boston Parents' Circle, Inc.", 0.2)])
    c.setFont("Times-Bold", SIZE)
    c.drawString(72, 674, "Contact Email")
    _pieces(c, 200, 674, [("intake@greaterboston.example.org", 0)])
    # every word drawn on its own a word space apart, no space characters at all: words stay words
    _pieces(c, 72, 640, [("Executive", 0), ("Summary", 0.25)], font="Times-Bold")
    _pieces(c, 72, 620, [(w, 0.25 if k else 0) for k, w in enumerate(
        "Nashoba Family Supports serves every town of the region".split())])
    # a real line with its spaces and a second column a word space and a half away
    _pieces(c, 72, 600, [("Family partners visit each home", 0), ("weekly", 0.4)])
    c.showPage()
    c.save()
    path = tmp_path / "response.pdf"
    path.write_bytes(buf.getvalue())
    return parse_file(path, SECTIONS)


def test_a_word_drawn_in_pieces_reads_as_one_word(tmp_path):
    record = _response(tmp_path)
    assert record["cover"]["organization_name"] == "Greater Boston Parents' Circle, Inc."


def test_word_spaces_without_space_characters_and_columns_are_kept(tmp_path):
    record = _response(tmp_path)
    assert [s["id"] for s in record["sections"]] == ["summary"]
    # "Nashoba Family Supports ... region" (9) and "Family partners visit each home" "weekly" (6)
    assert record["sections"][0]["words"] == 15


def test_a_value_hyphenated_over_two_lines_of_its_box_reads_whole(tmp_path):
    """Labels above values in boxes: the organisation's name wraps in its box, broken at a
    hyphen (``Ser-`` / ``vices``), and reads as one name with the word whole."""
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=letter)
    c.setFont("Times-Bold", 17)
    c.drawString(72, 720, "Applicant Information")
    rows = [("Organization", ["Blackstone Valley Family Ser-", "vices Collaborative, Inc."]),
            ("Federal Tax ID", ["04-1234567"]), ("Email", ["grants@blackstone.example.org"])]
    y = 690
    for label, value in rows:
        top = y
        c.setFont("Times-Roman", 8)
        c.drawString(76, y, label)
        c.setFont("Times-Roman", SIZE)
        for line in value:
            y -= 13
            c.drawString(76, y, line)
        y -= 8
        c.rect(72, y, 200, top + 10 - y)
        y -= 12
    c.showPage()
    c.save()
    path = tmp_path / "response.pdf"
    path.write_bytes(buf.getvalue())
    record = parse_file(path, SECTIONS)
    assert record["cover"]["organization_name"] == "Blackstone Valley Family Services Collaborative, Inc."
    assert record["cover"]["tax_id"] == "04-1234567"
    assert record["cover"]["contact_email"] == "grants@blackstone.example.org"
