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
                             "total": "300.00", "stated_total": "300.00", "consistent": True,
                             "simple_total": "300.00"}
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


def _ln(text, size=10.0, bold=False, top=None):
    return {"text": text, "size": size, "bold": bold, "x0": 72.0, "x1": 300.0,
            "top": top, "bottom": None if top is None else top + size}


def _page(*lines):
    """Lines laid out down a letter page, 14 pt apart, from y = 72."""
    out = []
    for i, (text, size, bold) in enumerate(lines):
        out.append(_ln(text, size, bold, 72.0 + 14 * i))
    return out


BODY = ("We serve families in every town of the region with trained staff and partners.", 10.0, False)


def test_headings_by_layout_embellished_and_styled():
    pages = [
        _page(("Our Executive Summary and Overview", 14.0, True), BODY, BODY,
              ("PART 2 \u2013 ORGANISATIONAL CAPACITY", 14.0, True), BODY,
              ("Staffing", 10.0, True), BODY),  # a bold sub-heading: not the Staffing Plan
        _page(("See the Budget section below for the costs of the program we propose.", 10.0, False), BODY,
              ("Our Staffing Plan and Key Personnel", 14.0, True), BODY, BODY),
        _page(("Cost", 14.0, True), ("Proposal", 14.0, True), BODY, BODY),   # a heading on two lines
    ]
    heads = st.find_headings(pages, SECTIONS + [
        {"id": "capacity", "title": "Organizational Capacity", "aliases": [], "page_limit": None},
        {"id": "staffing", "title": "Staffing Plan", "aliases": ["Key Personnel"], "page_limit": None}])
    assert [(h["id"], h["page"]) for h in heads] == [("summary", 1), ("capacity", 1), ("staffing", 2),
                                                      ("budget", 3)]


def test_contents_list_sharing_a_page_with_the_text():
    pages = [_page(("Table of Contents", 14.0, True), ("Executive Summary", 10.0, False),
                   ("Technical Approach", 10.0, False), ("Budget", 10.0, False),
                   ("Executive Summary", 14.0, True), BODY, ("Technical Approach", 14.0, True), BODY),
             _page(("Budget", 14.0, True), BODY)]
    heads = st.find_headings(pages, SECTIONS)
    assert [(h["id"], h["page"], h["line"]) for h in heads] == [("summary", 1, 4), ("approach", 1, 6),
                                                                 ("budget", 2, 0)]


def test_running_header_naming_a_section_is_not_its_heading():
    header = ("Technical Approach", 8.0, False)
    pages = [_page(header, ("Executive Summary", 14.0, True), BODY, BODY) + [_ln("Page 1 of 3", 8.0, False, 740)],
             _page(header, BODY, ("Technical Approach", 14.0, True), BODY) + [_ln("Page 2 of 3", 8.0, False, 740)],
             _page(header, BODY, BODY, BODY) + [_ln("Page 3 of 3", 8.0, False, 740)]]
    heads = st.find_headings(pages, SECTIONS)
    assert [(h["id"], h["page"], h["line"]) for h in heads] == [("summary", 1, 1), ("approach", 2, 2)]


@pytest.mark.parametrize("lines,expected", [
    (["Legal Name of Organization Harbor & Hills Family Center, Inc.", "Federal Tax ID (FEIN) 04-1234567",
      "E-mail Address jdoe@harborhills.org"],
     ("Harbor & Hills Family Center, Inc.", "04-1234567", "jdoe@harborhills.org")),
    (["Applicant Organization:", "O'Neil Youth Services, LLC", "Tax ID Number: 22-7654321",
      "Contact Email: Pat@oneil.org"], ("O'Neil Youth Services, LLC", "22-7654321", "Pat@oneil.org")),
    (["Name of Agency   Bridgeways, Inc.", "Federal Employer Identification Number 11-2223334"],
     ("Bridgeways, Inc.", "11-2223334", None)),
    (["Response to RFR-2026-014", "Bidder Pioneer Valley Services", "Our FEIN is 33-4445556.",
      "Write to info@pvs.org"], ("Pioneer Valley Services", "33-4445556", "info@pvs.org")),
])
def test_cover_labels_and_value_shapes(lines, expected):
    cover, where = st.cover_from_text([lines])
    assert (cover["organization_name"], cover["tax_id"], cover["contact_email"]) == expected
    if expected[1]:
        assert where["tax_id"]["page"] == 1 and expected[1] in where["tax_id"]["words"]


def test_budget_final_total_after_direct_costs_negative_offset_and_rounding():
    lines = ["Personnel $1,200,000", "Program Supplies 671,775", "Revenue offset ($12,000)",
             "Total Direct Costs $1,859,775", "Indirect (13.7%) 254,789", "Total $2,114,566"]
    rows = st.budget_rows_from_lines(lines)
    budget, problems = st.build_budget(rows, None, True)
    assert budget["stated_total"] == "2114566.00" and budget["total"] == "2114564.00"
    assert [l["amount"] for l in budget["lines"]] == ["1200000.00", "671775.00", "-12000.00", "254789.00"]
    assert budget["consistent"] is True and problems == []  # 2 dollars off: rounding of whole dollars
    budget, problems = st.build_budget(rows[:-1] + [("Grand Total", Decimal("2114600.00"))], None, True)
    assert [p["code"] for p in problems] == ["budget_inconsistent"]


@pytest.mark.parametrize("line,expected", [
    ("Program Supplies $671,775.25", ("Program Supplies", "671775.25")),
    ("Case Manager 2.50 $90,000.00", ("Case Manager", "90000.00")),
    ("Travel .......... $ 1,234", ("Travel", "1234.00")),
    ("Offset -12,000.00", ("Offset", "-12000.00")),
    ("Training 1234.50", ("Training", "1234.50")),
    ("In 2026 we will serve 1,200 families across the region, as the plan shows.", None),
    ("Page 3 of 12", None),
])
def test_budget_row_shapes(line, expected):
    row = st.budget_row(line)
    assert (row and (row[0], st.fmt_amount(row[1]))) == (expected or None)


def test_words_run_together_and_numbered_sub_headings():
    sections = SECTIONS + [{"id": "staffing", "title": "Staffing Plan", "aliases": [], "page_limit": None}]
    pages = [
        _page(("SECTION 2: TECHNICALAPPROACH AND WORK PLAN", 14.0, True), BODY, ("D. Staffing Plan", 14.0, True),
              BODY, ("Work Plan", 14.0, True), BODY),
        _page(BODY, ("E.1 Budget Narrative", 14.0, True), BODY),
        _page(BODY, ("E. Budget", 20.0, True), BODY),
    ]
    heads = st.find_headings(pages, sections)
    assert [(h["id"], h["page"]) for h in heads] == [("approach", 1), ("staffing", 1), ("budget", 3)]


def test_wrapped_cover_cells():
    rows = [_ln("Legal Name of Berkshire Family Services, LLC", 10, False, 100),
            _ln("Organization", 10, False, 112),
            _ln("FEIN 90-4041408", 10, False, 130),
            _ln("Applicant Organization Merrimack Valley Youth and Family", 10, False, 150),
            _ln("Services, Inc.", 10, False, 162)]
    cover, where = st.cover_from_text([rows[:3]])
    assert cover["organization_name"] == "Berkshire Family Services, LLC"
    cover, where = st.cover_from_text([rows[2:]])
    assert cover["organization_name"] == "Merrimack Valley Youth and Family Services, Inc."
    assert where["organization_name"]["words"].endswith("/ Services, Inc.")


def _ocr_page(*texts):
    """A scanned page's lines as OCR gives them: text only, no size, weight or box."""
    return [dict(st.as_line(t), ocr=True) for t in texts]


def test_ocr_pages_find_headings_despite_ocr_noise():
    body = "We serve families in every town of the region with trained staff and partners."
    pages = [
        _page(("Executive Summary", 14.0, True), BODY, BODY),
        _ocr_page("2, TECHNlCAL APPR0ACH.", body, body),           # numbering, l for I, 0 for O, a speck
        _ocr_page("budgct:", "Personnel $120,000.00", "Total $120,000.00"),
        _ocr_page("Referenecs", body),                               # two letters swapped
    ]
    heads = st.find_headings(pages, SECTIONS)
    assert [(h["id"], h["page"]) for h in heads] == [("summary", 1), ("approach", 2), ("budget", 3), ("refs", 4)]


@pytest.mark.parametrize("line", [
    "Budget narrative follows on the next page of this response.",  # a sentence
    "Bridget",                                                      # two letters off a six-letter name
    "Technical Support",                                            # a different title
])
def test_ocr_lines_that_are_not_a_section_heading(line):
    assert st.find_headings([_ocr_page(line, "Some text.")], SECTIONS) == []


def test_text_pages_still_need_the_exact_spelling_or_a_heading_style():
    assert st.find_headings([[st.as_line("budgct"), st.as_line("Some text.")]], SECTIONS) == []


def _cell(text, x0, top, size=10.0, width=None):
    return {"text": text, "size": size, "bold": size > 12, "x0": x0, "x1": x0 + (width or 5.0 * len(text)),
            "top": top, "bottom": top + 0.8 * size}


def _spaced(text, x0, top):
    """Letter-spaced text as some producers' text layers give it: a piece per character."""
    return [_cell(ch, x0 + 6.0 * k, top, width=5.5) for k, ch in enumerate(text) if ch != " "]


def test_budget_table_read_by_position_letter_spaced_and_wrapped_labels():
    body = [_cell("We serve families in every town of the region with trained staff and partners.", 72, 100 + 14 * k,
                  width=440) for k in range(3)]
    page1 = [_cell("Executive Summary", 72, 72, size=14)] + body + [_cell("Budget", 72, 200, size=14)] + \
        [_cell("Program costs by line.", 72, 220, width=120)] + \
        [_cell("Page 1", 290, 760, width=30)]
    page2 = (_spaced("Program Director", 72, 60) + _spaced("$36,768.23", 480, 60)  # first row at the top edge
             + [_cell("Other Costs", 72, 80), _cell("$1,000.00", 480, 80), _cell("Subtotal", 72, 89.5)]
             + [_cell("Outreach", 72, 110), _cell("$1,000.00", 480, 110)]
             + [_cell("Total", 72, 130), _cell("$37,768.23", 480, 130)]
             + body[:1] + [_cell("Page 2", 290, 760, width=30)])
    page3 = [_cell("References", 72, 72, size=14)] + body + [_cell("Page 3", 290, 760, width=30)]
    record = st.build_record(["", "", ""], SECTIONS, layout=[page1, page2, page3])
    assert record["budget"]["lines"] == [{"description": "Program Director", "amount": "36768.23"},
                                         {"description": "Outreach", "amount": "1000.00"}]
    assert record["budget"]["stated_total"] == "37768.23" and record["budget"]["consistent"] is True
