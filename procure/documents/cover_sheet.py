"""A one-page fillable cover sheet (AcroForm) that bidders fill and put first in their response.

Field names are the keys of the intake record's ``cover``: organization_name, tax_id,
contact_name, contact_email, lot, total_price.
"""
from __future__ import annotations

import io

from reportlab.lib.colors import black, white
from reportlab.lib.pagesizes import letter
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
                     signer: str | None = None) -> None:
    """Draw the cover sheet on the current page of canvas ``c`` (fields filled from ``values``)."""
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
    if lots:
        c.setFont(font, 9)
        c.drawString(72, y, "Lots in this solicitation:")
        y -= 12
        for code, name in lots[:8]:
            c.drawString(84, y, f"{code}  {name}"[:100])
            y -= 12
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


def make_cover_sheet(solicitation_number: str, title: str, lots: list[tuple[str, str]]) -> bytes:
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=letter)
    c.setTitle(f"Bid cover sheet - {solicitation_number}")
    draw_cover_sheet(c, solicitation_number, title, lots)
    c.showPage()
    c.save()
    return buf.getvalue()
