"""Everything a person reads is in plain words (issue 9): "1 line" and "2 lines", "page 2" and
"pages 2–5", sizes in bytes below a kilobyte, intake refusals named in words, never a code."""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import render_template_string

from procure.models import IntakeStatus

RECORD = '{% from "record.html" import record_view with context %}{{ record_view(d) }}'


def _seen(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _document(**changes):
    record = {"pages": 3, "sections": [
        {"id": "1", "title": "Program Design", "start_page": 2, "end_page": 2, "words": 1},
        {"id": "2", "title": "Budget", "start_page": 2, "end_page": 3, "words": 240}],
        "budget": {"lines": [{"description": "Staff", "amount": "1000"}], "total": "1000"},
        "signature": {"found": False}, "notes": [], "problems": []}
    values = dict(intake_status=IntakeStatus.parsed, record=record, rejection_code=None,
                  rejection_message=None, response=None)   # no response: no price sealed
    values.update(changes)
    return SimpleNamespace(**values)


def test_the_record_counts_in_words(app):
    with app.test_request_context():
        seen = _seen(render_template_string(RECORD, d=_document()))
    assert "Program Design (page 2, 1 word)" in seen
    assert "Budget (pages 2–3, 240 words)" in seen
    assert "1 line adding up to $1,000.00" in seen and "1 lines" not in seen


def test_an_intake_refusal_is_named_in_words(app):
    rejected = _document(intake_status=IntakeStatus.rejected, record=None,
                         rejection_code="not_pdf", rejection_message="This file is not a PDF.")
    with app.test_request_context():
        seen = _seen(render_template_string(RECORD, d=rejected))
    assert "Rejected: Not a PDF." in seen and "not_pdf" not in seen


def test_sizes_below_a_kilobyte_are_bytes(app):
    with app.test_request_context():
        sizes = render_template_string(
            "{{ 1|filesize }}|{{ 812|filesize }}|{{ 41165|filesize }}|{{ 3250586|filesize }}")
    assert sizes == "1 byte|812 bytes|40.2 KB|3.1 MB"


def test_money_rounds_half_a_cent_up(app):
    """$171,778.125 reads $171,778.13, as the agency rounds money (it read $171,778.12: Python
    rounds a Decimal to the even cent unless told otherwise)."""
    with app.test_request_context():
        seen = render_template_string(
            "{{ a|money }} {{ b|money }} {{ c|money }} {{ d|money }}",
            a="171778.125", b="0.005", c="-2.675", d="1234567.5")
    assert seen == "$171,778.13 $0.01 -$2.68 $1,234,567.50"
