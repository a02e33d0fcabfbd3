"""Budgets and sections read by where things sit on the page, not by the order a producer drew
them: a table drawn column by column (every amount first, far right of its label), a page drawn
from the bottom up. Two-column prose still reads a column at a time."""
from __future__ import annotations

import io

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas as rl_canvas

from procure.intake.layout import reading_order
from procure.intake.pdf import parse_file

SECTIONS = [
    {"id": "summary", "title": "Executive Summary", "aliases": [], "page_limit": None},
    {"id": "budget", "title": "Budget", "aliases": ["Cost Proposal"], "page_limit": None},
    {"id": "references", "title": "References", "aliases": [], "page_limit": None},
]
ROWS = [("Program Director", "$165,258"), ("Family Support Workers", "$206,496"),
        ("Personnel Subtotal", "$371,754"), ("Program Supplies", "$40,823"),
        ("Less: In-kind Contribution", "($5,840)"), ("Total", "$406,737")]
PROSE = ("Our teams meet families where they are, in homes, schools and community centers "
         "across the region, and report monthly on referrals and outcomes.")


def _page(c, items):
    """Draw (x, y, size, text) items in the order given."""
    for x, y, size, text in items:
        c.setFont("Helvetica-Bold" if size > 11 else "Helvetica", size)
        c.drawString(x, y, text) if x < 400 else c.drawRightString(x, y, text)
    c.showPage()


def _response(amounts_first: bool, bottom_up: bool) -> bytes:
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=letter)
    _page(c, [(72, 700, 16, "Response to RFR-2026-014"), (72, 670, 11, "Organization Name: Harbor Family Center")])
    summary = [(72, 700, 14, "1. Executive Summary"), (72, 680, 10, PROSE[:90]), (72, 666, 10, PROSE[90:])]
    labels = [(72, 600 - 20 * k, 10, label) for k, (label, _) in enumerate(ROWS)]
    amounts = [(540, 600 - 20 * k, 10, amount) for k, (_, amount) in enumerate(ROWS)]
    budget = [(72, 640, 14, "2. Budget"), (72, 620, 10, "Line Item")]
    budget += (amounts + labels) if amounts_first else (labels + amounts)
    refs = [(72, 400, 14, "3. References"), (72, 380, 10, "Available on request from our board.")]
    items = summary + budget + refs
    _page(c, list(reversed(items)) if bottom_up else items)
    c.save()
    return buf.getvalue()


def _read(tmp_path, data: bytes) -> dict:
    path = tmp_path / "response.pdf"
    path.write_bytes(data)
    return parse_file(path, SECTIONS)


def test_a_budget_drawn_amounts_first_far_right_of_its_labels_is_read(tmp_path):
    record = _read(tmp_path, _response(amounts_first=True, bottom_up=False))
    assert record["budget"]["stated_total"] == "406737.00"
    assert record["budget"]["lines"] == [
        {"description": "Program Director", "amount": "165258.00"},
        {"description": "Family Support Workers", "amount": "206496.00"},
        {"description": "Program Supplies", "amount": "40823.00"},
        {"description": "Less: In-kind Contribution", "amount": "-5840.00"},
    ]
    assert record["budget"]["consistent"] is True  # a subtotal row is no line item
    assert [p["code"] for p in record["problems"] if p["code"].startswith("budget")] == []


def test_a_page_drawn_bottom_up_reads_top_down(tmp_path):
    record = _read(tmp_path, _response(amounts_first=True, bottom_up=True))
    assert [(s["id"], s["start_page"]) for s in record["sections"]] == \
        [("summary", 2), ("budget", 2), ("references", 2)]
    assert record["budget"]["stated_total"] == "406737.00"
    assert record["budget"]["consistent"] is True


def _line(text, x0, top, width=None, size=10.0):
    return {"text": text, "size": size, "bold": False, "x0": x0, "x1": x0 + (width or 5.0 * len(text)),
            "top": top, "bottom": top + size}


def test_reading_order_pairs_rows_at_any_distance_but_keeps_two_columns_a_column_at_a_time():
    table = [_line("$1,200", 500, 100, 40), _line("$3,400", 500, 120, 40),
             _line("Travel", 72, 100.5), _line("Supplies", 72, 120.4)]
    assert [ln["text"] for ln in reading_order(table, 612)] == ["Travel", "$1,200", "Supplies", "$3,400"]
    prose = "one two three four five six"
    columns = [_line(f"left {k} {prose}", 72, 100 + 14 * k, 220) for k in range(4)] + \
              [_line(f"right {k} {prose}", 320, 100 + 14 * k, 220) for k in range(4)]
    assert reading_order(columns, 612) == columns
