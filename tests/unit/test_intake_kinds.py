"""The kinds of document issue 20 found still defeated intake, each as the bidder would see it
in the record: cover titles with label words, dot-leader and retyped labels, headings in the
bidder's own words, carried-forward rows and quoted rates in budgets, and the record saying so
where the structured reading disagrees with the obvious one."""
from procure.intake import structure as st

SECTIONS = [
    {"id": "summary", "title": "Executive Summary", "aliases": ["Project Summary"]},
    {"id": "capacity", "title": "Organizational Capacity", "aliases": ["Organizational Experience"]},
    {"id": "approach", "title": "Technical Approach", "aliases": ["Program Design", "Scope of Services"]},
    {"id": "staffing", "title": "Staffing Plan", "aliases": ["Key Personnel"]},
    {"id": "budget", "title": "Budget", "aliases": ["Cost Proposal"]},
    {"id": "references", "title": "References", "aliases": ["Client References"]},
]
BODY = ("We serve families in every town of the region with trained staff and partners.", 10.0, False)


def _page(*lines):
    return [{"text": t, "size": size, "bold": bold, "x0": 72.0, "x1": 72.0 + 5 * len(t),
             "top": 72.0 + 14 * i, "bottom": 82.0 + 14 * i} for i, (t, size, bold) in enumerate(lines)]


def test_a_cover_title_with_label_words_is_not_the_organisation():
    cover, _ = st.cover_from_text([[{"text": t} for t in (
        "Applicant Information Form", "Name of your organization: Harbor & Hills, Inc.",
        "Your FEIN: 04-1234567", "Lot you are bidding on: 2 (Region South)")]])
    assert cover["organization_name"] == "Harbor & Hills, Inc."
    assert cover["tax_id"] == "04-1234567"
    assert cover["lot"] == "2 (Region South)"


def test_dot_leader_cover_values_lose_their_dots():
    cover, _ = st.cover_from_text([[{"text": "Organization Name .................. Harbor & Hills, Inc."},
                                    {"text": "Contact Email ______________ jdoe@harborhills.org"}]])
    assert cover["organization_name"] == "Harbor & Hills, Inc."
    assert cover["contact_email"] == "jdoe@harborhills.org"


def test_headings_in_the_bidders_own_words_find_their_sections():
    pages = [
        _page(("Overview of Our Proposal", 14.0, True), BODY, ("Organizational Capacity", 14.0, True), BODY),
        _page(("Developing the Provider Network", 14.0, True), BODY, ("Who Will Do the Work", 14.0, True), BODY),
        _page(("Program Budget", 14.0, True), BODY, ("Contacts Who Know Our Work", 14.0, True), BODY),
    ]
    found = {h["id"]: h["page"] for h in st.find_headings(pages, SECTIONS)}
    assert found == {"summary": 1, "capacity": 1, "approach": 2, "staffing": 2, "budget": 3, "references": 3}


def test_a_sub_heading_in_the_sections_words_does_not_move_the_section():
    pages = [
        _page(("1. Organizational Capacity", 14.0, True), BODY, ("1.1 Who We Are", 14.0, True), BODY,
              ("Financial Management", 14.0, True), BODY),
        _page(("2. Staffing Plan", 14.0, True), BODY, ("3. Budget", 14.0, True), BODY),
    ]
    found = {h["id"]: h["page"] for h in st.find_headings(pages, SECTIONS)}
    assert found == {"capacity": 1, "staffing": 2, "budget": 2}


def test_underlined_heading_counts_as_styled():
    pages = [_page(("Executive Summary", 10.0, False), BODY, BODY),
             _page(BODY, ("Budget Summary", 10.0, False), BODY)]
    pages[1][1]["underline"] = True
    found = {h["id"]: h["page"] for h in st.find_headings(pages, SECTIONS)}
    assert found["budget"] == 2


def test_carried_forward_rows_and_quoted_rates_are_not_budget_lines():
    rows = st.budget_rows_from_lines([
        "Personnel $100,000.00", "Subtotal (page 1) $100,000.00", "Carried forward $100,000.00",
        "Travel $20,000.00", "Total ........ $120,000.00",
        "Family partners are billed at $52.00 per hour, with flexible funds of at most $500",
    ])
    budget, problems = st.build_budget(rows, None, True)
    assert [line["amount"] for line in budget["lines"]] == ["100000.00", "20000.00"]
    assert budget["stated_total"] == "120000.00" and budget["consistent"] is True
    assert problems == []


def test_a_total_that_disagrees_with_the_last_total_line_is_kept_and_said():
    texts = ["Organization Name: Acme Inc.",
             "1. Executive Summary\nWe serve families.",
             "2. Budget\nPersonnel $100.00\nTravel $200.00\nTotal $300.00",
             "3. References\nCity of Lowell, grant total $350.00"]
    rec = st.build_record(texts, SECTIONS)
    assert rec["budget"]["stated_total"] == "300.00" and rec["budget"]["simple_total"] == "350.00"
    assert any(p["code"] == "budget_total_disagrees" and "$350.00" in p["message"] for p in rec["problems"])
    assert rec["sources"]["budget_total"]["confidence"] == "low"


def test_the_cover_value_after_its_label_is_kept_when_the_structured_reading_differs():
    problems = st.simple_readings([["Organization Name: Acme Family Services, Inc."]],
                                  {"organization_name": "Acme"}, {"organization_name": {"page": 1}},
                                  {"lines": []}, {}, False)
    assert [p["code"] for p in problems] == ["cover_disagrees"]
    assert "Acme Family Services, Inc." in problems[0]["message"]


def test_a_wrapped_label_ending_in_a_small_word_is_still_a_budget_line():
    assert st.budget_row("Telephone and 32,054 33,016 65,070")[1] == 65070
    assert st.budget_row("most $500 per family a year; mileage at $0.67 per mile.") is None


def test_an_email_address_the_text_layer_split_is_read_whole():
    cover, _ = st.cover_from_text([[{"text": "Contact Email rmedeiros@merrimackv al.com"}]])
    assert cover["contact_email"] == "rmedeiros@merrimackval.com"


def test_a_short_responses_first_sections_on_its_cover_page_are_found():
    """Issue 20: the page holding the first sections' headings with their text was skipped. A
    body line starting like a cover label ("Contact with every family ...") below them made the
    whole page down to it read as the cover sheet."""
    pages = [
        _page(("Response to RFR-2026-014", 16.0, True), ("Organization Name: Harbor Family Center", 10.0, False),
              ("FEIN: 04-1234567", 10.0, False), ("Email: intake@harbor.example.org", 10.0, False),
              ("1. Executive Summary", 14.0, True), BODY,
              ("2. Organizational Capacity", 14.0, True), BODY,
              ("3. Technical Approach", 14.0, True),
              ("Our approach starts the day a family is referred to us by the", 10.0, False),
              ("Contact with every family begins within two days of referral", 10.0, False), BODY),
        _page(("4. Staffing Plan", 14.0, True), BODY, ("5. Budget", 14.0, True), BODY),
    ]
    found = {h["id"]: h["page"] for h in st.find_headings(pages, SECTIONS)}
    assert found == {"summary": 1, "capacity": 1, "approach": 1, "staffing": 2, "budget": 2}
    record = st.build_record(None, SECTIONS, layout=pages)
    assert record["missing_sections"] == ["references"]
    assert record["cover"]["organization_name"] == "Harbor Family Center"


def test_a_section_starting_mid_page_stays_on_its_page():
    """Issue 20: a section that starts mid-page was placed on the next page. Its references'
    "Contact:" and "Email:" lines read as a cover block on page 2, so the heading above them
    was skipped and the section's continued heading on page 3 taken instead."""
    pages = [
        _page(("Response to RFR-2026-014", 16.0, True), ("Organization Name: Harbor Family Center", 10.0, False),
              ("FEIN: 04-1234567", 10.0, False)),
        _page(("Budget", 14.0, True), ("Personnel $100,000.00", 10.0, False), ("Total $100,000.00", 10.0, False),
              BODY, BODY, ("References", 14.0, True), ("Reference 1: Jane Doe, Program Manager", 10.0, False),
              ("Contact: Jane Doe", 10.0, False), ("Email: jdoe@dcf.example.org", 10.0, False)),
        _page(("References (continued)", 14.0, True), ("Reference 2: Omar Diaz, Director", 10.0, False), BODY),
    ]
    record = st.build_record(None, SECTIONS, layout=pages)
    assert [(s["id"], s["start_page"], s["end_page"]) for s in record["sections"]] == \
        [("budget", 2, 2), ("references", 2, 3)]
    assert record["cover"]["organization_name"] == "Harbor Family Center"


def _glyphs(text, x0, baseline, size=10.0):
    """A row the text layer gave one character a line (as pdfium reads some Chromium pages):
    capitals and digits from the cap height to the baseline, a comma below the baseline."""
    out, x = [], x0
    for ch in text:
        if ch != " ":
            top, bottom = (baseline - 0.1 * size, baseline + 0.25 * size) if ch == "," else \
                (baseline - 0.7 * size, baseline)
            out.append({"text": ch, "size": size, "bold": False, "x0": x, "x1": x + 0.5 * size,
                        "top": top, "bottom": bottom})
        x += 0.5 * size
    return out


def test_a_budget_row_read_a_character_at_a_time_keeps_its_commas_in_the_amount():
    """Chromium's chars one a line, the comma's box below the digits': the comma stayed a row
    of its own, the amount fell apart (`26 839`) and the FTE column's `0.50` was read as the
    row's amount, so a budget that adds up was said not to."""
    head = [{"text": "Budget", "size": 14.0, "bold": True, "x0": 72.0, "x1": 130.0, "top": 60.0, "bottom": 74.0}]
    rows = [("Family Support Specialist", "0.50", "26,839", 100.0), ("Program Director", "1.00", "47,714", 120.0),
            ("Total", "", "74,553", 140.0)]
    page = head + [g for label, fte, amount, y in rows
                   for g in _glyphs(label, 72.0, y) + _glyphs(fte, 400.0, y) + _glyphs(amount, 480.0, y)]
    record = st.build_record(None, SECTIONS, layout=[page])
    assert [line["amount"] for line in record["budget"]["lines"]] == ["26839.00", "47714.00"]
    assert record["budget"]["stated_total"] == "74553.00" and record["budget"]["consistent"] is True
