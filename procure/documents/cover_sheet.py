"""A one-page fillable cover sheet (AcroForm) that bidders fill and put first in their response.

Field names are the keys of the intake record's ``cover``: organization_name, tax_id,
contact_name, contact_email, lot, total_price.
"""
from __future__ import annotations

import io

from reportlab.lib.colors import black, white
from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

FIELDS = [
    ("organization_name", "Organization name (legal name of the bidder)"),
    ("tax_id", "Federal tax ID (FEIN)"),
    ("contact_name", "Contact person"),
    ("contact_email", "Contact email"),
    ("lot", "Lot you are bidding on"),
    ("total_price", "Total price (US dollars, e.g. 125000.00)"),
]


def draw_cover_sheet(c, solicitation_number: str, title: str, lots: list[tuple[str, str]],
                     values: dict | None = None, font: str = "Helvetica",
                     signer: str | None = None) -> list[tuple[str, str]]:
    """Draw the cover sheet on the current page of canvas ``c`` (fields filled from ``values``);
    the lots that did not fit on it (to list on the next page)."""
    values = values or {}
    width, height = letter
    bold = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold", "Courier": "Courier-Bold"}.get(font, font)
    y = height - 72
    c.setFont(bold, 16)
    c.drawString(72, y, "Bid Cover Sheet")
    y -= 22
    c.setFont(font, 11)
    c.drawString(72, y, f"Solicitation {solicitation_number}")
    y -= 15
    c.drawString(72, y, title[:90])
    y -= 30
    form = c.acroForm
    for name, label in FIELDS:
        c.setFont(font, 10)
        c.drawString(72, y, label)
        form.textfield(name=name, tooltip=label, x=72, y=y - 24, width=width - 144, height=20,
                       borderStyle="inset", borderColor=black, fillColor=white, textColor=black,
                       forceBorder=True, fontSize=10, value=str(values.get(name) or ""))
        y -= 48
    rest = []
    if lots:
        c.setFont(font, 9)
        # Every lot is listed: in two columns when one does not fit above the signature, and
        # what still does not fit on a continuation page (`rest`, drawn by make_cover_sheet).
        rows = max(1, int((y - 12 - 160) // 12))
        columns = _columns(lots, rows, font)
        shown, rest = lots[:rows * columns], lots[rows * columns:]
        c.drawString(72, y, "Lots in this solicitation:" + (
            f" (lots {rest[0][0]} to {rest[-1][0]} on the next page)" if rest else ""))
        y -= 12
        y = _lot_list(c, shown, y, columns, rows, font)
    y -= 30
    c.setFont(font, 10)
    c.drawString(72, y, "By signing, I certify that the information in this bid is true and complete.")
    y -= 40
    c.line(72, y, 330, y)
    c.line(360, y, width - 72, y)
    if signer:
        c.setFont(font, 11)
        c.drawString(76, y + 4, f"/s/ {signer}")
    c.setFont(font, 9)
    c.drawString(72, y - 12, "Authorized signature")
    c.drawString(360, y - 12, "Date")
    return rest


def _label(lot: tuple[str, str]) -> str:
    return f"{lot[0]}  {lot[1]}"


def _columns(lots: list[tuple[str, str]], rows: int, font: str) -> int:
    """Two columns when one is too short and every lot's whole name fits in half the width."""
    half = (letter[0] - 156) / 2 - 8
    if len(lots) <= rows or any(stringWidth(_label(lot), font, 9) > half for lot in lots):
        return 1
    return 2


def _lot_list(c, lots: list[tuple[str, str]], y: float, columns: int, rows: int,
              font: str = "Helvetica") -> float:
    """Lots down one or two columns from y; the y under the longest column (a name longer
    than the whole line, over 90 characters or so, ends in an ellipsis)."""
    width = (letter[0] - 156) / columns
    for index, lot in enumerate(lots):
        column, row = divmod(index, rows)
        label = _label(lot)
        while stringWidth(label, font, 9) > width and len(label) > 10:
            label = label[:-2].rstrip("…") + "…"
        c.drawString(84 + column * width, y - row * 12, label)
    return y - min(len(lots), rows) * 12


def make_cover_sheet(solicitation_number: str, title: str, lots: list[tuple[str, str]]) -> bytes:
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=letter)
    c.setTitle(f"Bid cover sheet - {solicitation_number}")
    rest = draw_cover_sheet(c, solicitation_number, title, lots)
    c.showPage()
    while rest:
        c.setFont("Helvetica-Bold", 11)
        c.drawString(72, letter[1] - 72, f"Solicitation {solicitation_number}: lots (continued)")
        c.setFont("Helvetica", 9)
        rows = int((letter[1] - 144) // 12)
        columns = _columns(rest, rows, "Helvetica")
        _lot_list(c, rest[:rows * columns], letter[1] - 96, columns, rows)
        rest = rest[rows * columns:]
        c.showPage()
    c.save()
    return buf.getvalue()
