"""Small PDFs for the response tests (the varied, ground-truthed ones are in tests/fixtures)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas


def pdf_with_sections(*pages: list[str]) -> bytes:
    """One page per list of lines; a line written as-is (headings are plain lines)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=letter)
    for lines in pages:
        y = 720
        for line in lines:
            page.setFont("Helvetica-Bold" if line.isupper() or line[:2].rstrip(".").isdigit()
                         else "Helvetica", 12)
            page.drawString(72, y, line)
            y -= 18
        page.showPage()
    page.save()
    return buffer.getvalue()


def complete_response(org: str = "Alpha Care Collaborative") -> bytes:
    return pdf_with_sections(
        ["Organization Name: " + org, "FEIN: 04-1111111", "Lot: 1", "Total Price: $100,000.00"],
        ["1. Organizational Capacity", "We have run lead-agency functions since 1998."],
        ["2. Program Design", "Case planning teams meet weekly at the area office."],
        ["3. Budget", "Lead agency staff    $80,000.00", "Network development    $20,000.00",
         "Total    $100,000.00"],
        ["Authorized Signature", "Signed: Ann Alpha, Executive Director"],
    )


def missing_budget_response() -> bytes:
    return pdf_with_sections(
        ["1. Organizational Capacity", "We have run lead-agency functions since 1998."],
        ["2. Program Design", "Case planning teams meet weekly at the area office."],
    )
