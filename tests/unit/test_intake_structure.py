"""Unit tests of procure.intake.structure: plain strings in, record parts out."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st_

from procure.intake import structure as st

SECTIONS = [
    {"id": "summary", "title": "Executive Summary", "aliases": ["Project Summary"], "page_limit": 1},
    {"id": "approach", "title": "Technical Approach", "aliases": ["Scope of Services"], "page_limit": 5},
    {"id": "budget", "title": "Budget", "aliases": ["Cost Proposal"], "page_limit": None},
    {"id": "refs", "title": "References", "aliases": [], "page_limit": 2},
]


@pytest.mark.parametrize("text,expected", [
    ("$1,234.50", "1234.50"), ("1234.50", "1234.50"), ("1,234", "1234.00"), ("$ 12", "12.00"),
    ("(1,000.00)", "-1000.00"), ("USD 5,000", "5000.00"), ("abc", None), ("", None), ("12,34", None),
])
def test_parse_amount(text, expected):
    assert st.fmt_amount(st.parse_amount(text)) == expected


def test_strict_amount_rejects_years():
    assert st.parse_amount("2026", strict=True) is None
    assert st.parse_amount("$2026", strict=True) == Decimal("2026.00")


@given(st_.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_amount_roundtrip(value):
    assert st.parse_amount(f"${value:,.2f}") == value
    assert st.parse_amount(f"{value:.2f}") == value


@pytest.mark.parametrize("line", [
    "1. Executive Summary", "Section 1: EXECUTIVE SUMMARY", "IV. Executive Summary", "executive summary",
    "A. Executive Summary", "1.0 Executive Summary", "Executive Summary:", "Section 2 - Executive Summary",
    "Project Summary",
])
def test_heading_variants_match(line):
    heads = st.find_headings([[line, "Some body text follows here."]], SECTIONS)
    assert [h["id"] for h in heads] == ["summary"]


def test_toc_is_not_a_section():
    toc = ["Table of Contents", "1. Executive Summary ........ 3", "2. Technical Approach 4", "3. Budget 6"]
    body = ["1. Executive Summary", "We deliver."]
    heads = st.find_headings([toc, body], SECTIONS)
    assert [(h["id"], h["page"]) for h in heads] == [("summary", 2)]


def test_dot_leaders_without_toc_title():
    heads = st.find_headings([["Budget .......... 7"], ["Budget", "Personnel $1.00"]], SECTIONS)
    assert [(h["id"], h["page"]) for h in heads] == [("budget", 2)]


def test_body_line_ending_with_title_word_is_not_heading():
    pages = [["1. Executive Summary", "the money comes from the", "budget.", "2. Budget", "Staff 100.00"]]
    rec = st.build_record(["\n".join(p) for p in pages], SECTIONS)
    assert [(s["id"]) for s in rec["sections"]] == ["summary", "budget"]


def _pages(*pages):
    return ["\n".join(p) for p in pages]


def test_section_ranges_words_and_problems():
    texts = _pages(
        ["Organization Name: Acme Inc.", "Total Price: $300.00"],
        ["1. Executive Summary", "one two three"],
        ["more summary words here"],
        ["2. Budget", "Personnel .... $100.00", "Travel 200.00", "Total $300.00"],
        ["Certification", "Authorized Signature: /s/ Jane Doe"],
    )
    rec = st.build_record(texts, SECTIONS)
    secs = {s["id"]: s for s in rec["sections"]}
    assert (secs["summary"]["start_page"], secs["summary"]["end_page"], secs["summary"]["pages"]) == (2, 3, 2)
    assert secs["summary"]["words"] == 7
    assert (secs["budget"]["start_page"], secs["budget"]["end_page"]) == (4, 4)  # signature page excluded
    assert rec["missing_sections"] == ["approach", "refs"]
    codes = [p["code"] for p in rec["problems"]]
    assert codes.count("missing_section") == 2 and "page_limit_exceeded" in codes
    assert rec["budget"] == {"lines": [{"description": "Personnel", "amount": "100.00"},
                                       {"description": "Travel", "amount": "200.00"}],
                             "total": "300.00", "stated_total": "300.00", "consistent": True}
    assert rec["signature"] == {"found": True, "page": 5}
    assert rec["cover"]["organization_name"] == "Acme Inc." and rec["cover"]["total_price"] == "300.00"
    assert "no_signature" not in codes


def test_section_starting_mid_page_shares_the_page():
    texts = _pages(["1. Executive Summary", "alpha beta", "2. Technical Approach", "gamma"], ["delta"])
    rec = st.build_record(texts, SECTIONS)
    secs = {s["id"]: s for s in rec["sections"]}
    assert (secs["summary"]["start_page"], secs["summary"]["end_page"], secs["summary"]["words"]) == (1, 1, 2)
    assert (secs["approach"]["start_page"], secs["approach"]["end_page"], secs["approach"]["words"]) == (1, 2, 2)


def test_two_column_text_order_still_finds_headings():
    # two columns extracted column by column; running header and footer on each page
    col1 = ["Acme - Response", "Page 2", "1. Executive Summary", "left column text", "2. Technical Approach", "x"]
    col2 = ["Acme - Response", "Page 3", "right column text", "3. References", "Ref A"]
    rec = st.build_record(_pages(col1, col2), SECTIONS)
    assert [(s["id"], s["start_page"]) for s in rec["sections"]] == [("summary", 1), ("approach", 1), ("refs", 2)]


def test_budget_from_tables_inconsistent_and_cover_mismatch():
    rows = st.budget_rows_from_tables([[["Item", "Notes", "Amount"], ["Staff", "", "$1,000.00"],
                                        ["Rent", "12 months", "500"], ["Subtotal", "", "1,500.00"],
                                        ["TOTAL", None, "$1,600.00"]]])
    budget, problems = st.build_budget(rows, "1500.00", True)
    assert budget["total"] == "1500.00" and budget["stated_total"] == "1600.00"
    assert budget["consistent"] is False
    assert [p["code"] for p in problems] == ["budget_inconsistent"]
    budget, problems = st.build_budget(rows, "1700.00", True)
    assert [p["code"] for p in problems] == ["budget_inconsistent", "budget_mismatch_cover"]


def test_budget_without_total_row_uses_cover():
    budget, problems = st.build_budget([("Staff", Decimal("10.00"))], "10.00", True)
    assert budget["stated_total"] == "10.00" and budget["consistent"] is True and problems == []
    budget, problems = st.build_budget([], None, False)
    assert budget == {"lines": [], "total": None, "stated_total": None, "consistent": None}


def test_cover_form_fields_win_over_text():
    fields = {"organization_name": "Form Org", "tax_id": "", "total_price": "$1,200"}
    cover = st.build_cover(fields, [["Organization Name: Text Org", "FEIN: 12-3456789",
                                     "Contact: Ann Lee", "E-mail: ann@example.org", "Lot: 2"]])
    assert cover == {"organization_name": "Form Org", "tax_id": "12-3456789", "contact_name": "Ann Lee",
                     "contact_email": "ann@example.org", "lot": "2", "total_price": "1200.00"}


def test_unsigned_signature_line_is_not_a_signature():
    sig = st.find_signature([["Authorized Signature: ____________", "Date: ______"]])
    assert sig == {"found": False, "page": None}
    assert st.find_signature([["Signature: Jane Doe"]]) == {"found": True, "page": 1}
    assert st.find_signature([["x"]], signed_field=True, signed_field_page=3) == {"found": True, "page": 3}


def test_record_keys():
    rec = st.build_record(["hello"], SECTIONS)
    assert set(rec) == {"pages", "cover", "form_fields", "sections", "missing_sections", "budget",
                        "signature", "problems", "sources", "notes"}
    assert set(rec["cover"]) == set(st.COVER_KEYS)
    assert {"code": "no_signature"}.items() <= rec["problems"][-1].items()


def test_budget_rows_add_up_decides_whether_tables_are_needed():
    rows = [("Staff", Decimal("1.00")), ("Rent", Decimal("2.00")), ("Total", Decimal("3.00"))]
    assert st.budget_rows_add_up(rows)
    assert not st.budget_rows_add_up(rows[:2])  # no total row
    assert not st.budget_rows_add_up(rows[:1] + rows[2:])  # does not add up
