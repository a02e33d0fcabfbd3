"""Corpus maker: bidder responses written as Word documents (python-docx), printed to PDF
by LibreOffice headless, the way a bidder's office makes them.

Written from bench/corpora/SPEC.md alone. Run from the repository root:

    .venv/bin/python bench/corpora/docx/make.py --out DIR --seed N --count K

Truth: section start pages are found in the converted PDF by looking for the maker's own
heading string (pdftotext, one page at a time, form-feed separated) on the body pages,
never on the contents page; each heading string must occur exactly once there.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

SOLICITATION = "RFR-2026-014"
SOL_TITLE = "Community-based family support services"
LOTS = {"1": "Region North", "2": "Region South", "3": "Boston Metro"}

SECTIONS = [
    ("summary", "Executive Summary", ["Project Summary"], "Executive Summary and Overview"),
    ("capacity", "Organizational Capacity", ["Organizational Experience"],
     "Our Organizational Capacity and Experience"),
    ("approach", "Technical Approach", ["Program Design", "Scope of Services"],
     "Technical Approach and Work Plan"),
    ("staffing", "Staffing Plan", ["Key Personnel"], "Our Staffing Plan and Key Personnel"),
    ("budget", "Budget", ["Cost Proposal", "Budget and Budget Narrative"],
     "Proposed Budget and Cost Justification"),
    ("references", "References", ["Client References"], "References from Partner Agencies"),
]
SEC_BY_ID = {s[0]: s for s in SECTIONS}

ORG_LABELS = ["Legal Name of Organization", "Organization Name", "Applicant Organization",
              "Bidder", "Name of Agency"]
FEIN_LABELS = ["FEIN", "Federal Tax ID (FEIN)", "Tax ID Number",
               "Federal Employer Identification Number"]
EMAIL_LABELS = ["Email", "E-mail Address", "Contact Email"]
CONTACT_LABELS = ["Contact Person", "Authorized Representative", "Primary Contact"]
PHONE_LABELS = ["Phone", "Telephone", "Phone Number"]
ADDRESS_LABELS = ["Address", "Mailing Address", "Business Address"]
LOT_LABELS = ["Lot(s) Bid", "Lots Proposed", "Lot(s)"]
PRICE_LABELS = ["Total Price", "Total Proposed Price", "Total Price (all lots)"]

ORG_FIRST = ["Harbor & Hills", "St. Mary's", "Riverbend", "O'Connell & Reyes", "Bright Path",
             "North Shore", "Commonwealth", "Elm Street", "Merrimack Valley", "Kin & Kith",
             "Cape Ann", "Blue Heron", "Maple, Oak & Pine", "Pioneer Valley", "Greenfield"]
ORG_MID = ["Family Center", "Community Services", "Youth and Family Services",
           "Family Partners", "Human Services Collaborative", "Parent Aid Network",
           "Family Resource Alliance", "Children's Services"]
ORG_SUFFIX = [", Inc.", " Inc.", ", LLC", " LLC", "", ", Inc."]
FIRST_NAMES = ["Jane", "Luis", "Priya", "Tom", "Aisha", "Mei", "Sean", "Rosa", "Daniel",
               "Fatima", "Kevin", "Grace"]
LAST_NAMES = ["Doe", "Alvarez", "Raman", "O'Brien", "Okafor", "Chen", "Murphy", "Santos",
              "Levine", "Haddad", "Nguyen", "Whitfield"]
TOWNS = ["Lowell", "Worcester", "Springfield", "Boston", "Salem", "Brockton", "Lynn",
         "Fall River", "Pittsfield", "Framingham"]
STREETS = ["Main Street", "Washington Street", "Elm Street", "Harbor Way", "Summer Street",
           "Pleasant Street"]

FONTS = [("Liberation Serif", "serif"), ("Liberation Sans", "sans"),
         ("DejaVu Serif", "serif"), ("DejaVu Sans", "sans")]

SENTENCES = [
    "{org} has delivered home-based family support in {region} since {year}.",
    "Our family partners meet parents where they are, at home, at school and in the community.",
    "Each family receives an individual support plan written with the parent within ten days of referral.",
    "We coordinate closely with the Department's area offices, schools and pediatric practices.",
    "Services are offered in English, Spanish, Portuguese and Haitian Creole.",
    "Our outcomes show that most families complete their plan goals within six months.",
    "Weekly group sessions give parents a place to learn from one another and from our staff.",
    "We track referrals, visits and outcomes in a secure case management system.",
    "Family partners carry a caseload of no more than twelve families at any time.",
    "Evening and weekend hours make the program available to working parents.",
    "Transportation assistance and child care are provided so that parents can attend sessions.",
    "Our quality committee reviews a sample of case records every quarter.",
    "We will hire locally and recruit staff who reflect the communities we serve.",
    "Parents who complete the program are invited to serve on our family advisory council.",
    "The program links families to housing, food, health and legal resources as needed.",
    "Crisis response is available by telephone twenty-four hours a day, seven days a week.",
    "Our board of directors includes parents, clinicians and community leaders.",
    "We will report monthly to the Department on referrals, enrollment and completion.",
    "Staff receive forty hours of orientation before they work with families on their own.",
    "A licensed clinician is on call to consult on every case that raises a safety concern.",
    "In the past fiscal year we served {n} families across {towns} towns.",
    "Our approach draws on the Strengthening Families protective factors framework.",
    "Referral to first visit takes on average {days} days.",
    "We partner with local libraries and community centers for group meeting space.",
    "Each site has a program manager who supervises no more than six family partners.",
    "Data on every visit is entered within two business days.",
    "Families rate our services highly in the annual satisfaction survey.",
    "We will start services within thirty days of the contract start date.",
]
CROSS_REFS = [
    "The cost of this model is set out in the {t} section below.",
    "As described in the {t} section, the positions are filled before services start.",
    "Further detail is given under {t}.",
    "See the {t} section for how these activities are staffed and paid for.",
]
SUBHEADS = {
    "summary": ["Our Mission", "Why Us"],
    "capacity": ["Our History", "Financial Stability", "Prior Contracts"],
    "approach": ["Service Model", "Outreach and Referral", "Quality Assurance", "Work Plan"],
    "staffing": ["Training", "Supervision", "Recruitment"],
    "budget": ["Budget Narrative", "Cost Allocation"],
    "references": [],
}

PERSONNEL = ["Program Director", "Program Manager", "Family Partner", "Family Partner II",
             "Clinical Supervisor", "Parent Educator", "Outreach Coordinator",
             "Data Specialist", "Administrative Assistant", "Bilingual Family Advocate"]
OTHER_LINES = ["Fringe Benefits", "Staff Travel and Mileage", "Training and Conferences",
               "Program Supplies", "Family Flexible Funds", "Occupancy and Rent",
               "Telephone and Internet", "Printing and Outreach Materials",
               "Interpreter Services", "Child Care for Group Sessions", "Audit and Accounting",
               "Insurance", "Equipment (laptops)", "Case Management Software",
               "Transportation Assistance", "Food for Family Events", "Consultants",
               "Background Checks", "Postage", "Evaluation Services"]
OFFSETS = ["Less: In-kind Contribution", "Less: Program Income", "Less: Matching Funds"]


def roman(n: int) -> str:
    vals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", s).strip()


# ---------------------------------------------------------------- money formatting


def money(cents: int, fmt: str, neg: str = "minus") -> tuple[str, str]:
    """Return (printed, truth) for an amount in cents in a format."""
    whole = fmt in ("comma0", "dollarsp0")
    value = Decimal(cents) / 100
    if whole:
        value = value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    mag = abs(value)
    if fmt == "dollar2":
        body = f"${mag:,.2f}"
    elif fmt == "plain2":
        body = f"{mag:.2f}"
    elif fmt == "comma0":
        body = f"{mag:,.0f}"
    else:
        body = f"$ {mag:,.0f}"
    if value < 0:
        printed = f"({body})" if neg == "parens" else f"-{body}"
    else:
        printed = body
    return printed, f"{value:.2f}"


# ---------------------------------------------------------------- drawing the plan


def deck(rng: random.Random, options: list, count: int) -> list:
    """Spread options over count documents so that each appears when count allows."""
    out: list = []
    while len(out) < count:
        chunk = list(options)
        rng.shuffle(chunk)
        out.extend(chunk)
    return out[:count]


def draw_plans(seed: int, count: int) -> list[dict]:
    crng = random.Random(f"docx-corpus-{seed}")
    n = count
    decks = {
        "cover_style": deck(crng, ["label_colon", "table_ruled", "table_unruled", "tabstop"], n),
        "org_label": deck(crng, ORG_LABELS, n),
        "fein_label": deck(crng, FEIN_LABELS, n),
        "email_label": deck(crng, EMAIL_LABELS, n),
        "numbering": deck(crng, ["1.", "1.0", "A.", "Section N:", "Part N –", "III.", "none"], n),
        "case": deck(crng, ["title", "upper", "sentence", "title"], n),
        "head_para": deck(crng, ["Heading 1", "custom", "bold_body", "bold_large", "Heading 1"], n),
        "names": deck(crng, ["titles", "aliases", "embellished", "mixed"], n),
        "toc": deck(crng, ["none", "dots", "nodots", "nonumbers", "none"], n),
        "two_col": deck(crng, [True, False, False], n),
        "breaks": deck(crng, [True, False], n),
        "header": deck(crng, ["none", "doc", "section", "doc"], n),
        "footer": deck(crng, ["page_of", "page", "none", "page_of"], n),
        "missing": deck(crng, [0, 0, 1, 0, 2, 1, 0, 0], n),
        "swap": deck(crng, [False, True, False, False], n),
        "amount": deck(crng, ["dollar2", "plain2", "comma0", "dollarsp0"], n),
        "neg": deck(crng, ["parens", "minus", "none", "parens"], n),
        "total_label": deck(crng, ["Total", "TOTAL", "Total Budget", "Grand Total",
                                   "Total Program Cost", "Total Direct Costs"], n),
        "extra_col": deck(crng, ["none", "fte", "notes", "year2", "none"], n),
        "ruled": deck(crng, [True, False], n),
        "long_table": deck(crng, [False, True, False], n),
        "subtotals": deck(crng, [False, True, False], n),
        "signature": deck(crng, [True, False], n),
        "font": deck(crng, FONTS, n),
        "size": deck(crng, [10, 10.5, 11, 12], n),
        "cover_price": deck(crng, [True, False, False], n),
        "pages": deck(crng, [3, 4, 5, 6, 8, 10, 12, 14, 16, 18, 20, 22, 25, 7, 9, 11], n),
    }
    plans = []
    for i in range(n):
        rng = random.Random(f"docx-doc-{seed}-{i}")
        p = {k: v[i] for k, v in decks.items()}
        p["index"] = i
        p["rng_seed"] = f"docx-doc-{seed}-{i}"
        # bidder
        org = rng.choice(ORG_FIRST) + " " + rng.choice(ORG_MID) + rng.choice(ORG_SUFFIX)
        p["org"] = org
        p["fein"] = f"{rng.randint(1, 99):02d}-{rng.randint(0, 9999999):07d}"
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        p["contact"] = f"{first} {last}"
        p["contact_title"] = rng.choice(["Executive Director", "Chief Executive Officer",
                                         "Director of Programs", "President"])
        domain = re.sub(r"[^a-z]", "", org.lower().split()[0] + org.lower().split()[1])[:14]
        p["email"] = f"{first[0].lower()}{re.sub('[^a-z]', '', last.lower())}@{domain}.org"
        p["phone"] = f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
        p["address"] = f"{rng.randint(10, 999)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}, MA 0{rng.randint(1000, 2799)}"
        lots = sorted(rng.sample(list(LOTS), rng.choice([1, 1, 2, 3])))
        p["lots"] = lots
        # sections: missing and order
        ids = [s[0] for s in SECTIONS]
        missing = sorted(rng.sample(ids, p["missing"]), key=ids.index) if p["missing"] else []
        present = [x for x in ids if x not in missing]
        if p["swap"]:
            j = rng.randrange(len(present) - 1)
            present[j], present[j + 1] = present[j + 1], present[j]
        p["order"] = present
        p["missing_ids"] = missing
        # breaks need room
        if p["pages"] < 9:
            p["breaks"] = False
        if p["header"] == "section" and not p["breaks"]:
            p["header"] = "doc"
        if p["pages"] == 3:
            p["signature"] = False
        if p["pages"] <= 4:
            p["long_table"] = False
            p["toc"] = "none" if p["pages"] == 3 else p["toc"]
        p["two_col_ids"] = (rng.sample([x for x in present if x in ("summary", "capacity", "approach", "staffing")],
                                       k=min(2, len([x for x in present if x in ("summary", "capacity", "approach", "staffing")])))
                            if p["two_col"] else [])
        # names per section
        names = {}
        for sid, title, aliases, emb in SECTIONS:
            mode = p["names"]
            if mode == "mixed":
                mode = rng.choice(["titles", "aliases", "embellished"])
            if mode == "aliases":
                names[sid] = rng.choice(aliases)
            elif mode == "embellished" and rng.random() < 0.7:
                names[sid] = emb
            else:
                names[sid] = title
        for sid in p["two_col_ids"]:
            if rng.random() < 0.8:
                names[sid] = SEC_BY_ID[sid][3]  # long embellished title: wraps in a column
        p["names_by_id"] = names
        p["seed_budget"] = rng.randrange(10**9)
        p["seed_text"] = rng.randrange(10**9)
        p["scale"] = 1.0
        plans.append(p)
    return plans


def heading_text(p: dict, sid: str, k: int) -> str:
    name = p["names_by_id"][sid]
    if p["case"] == "upper":
        name = name.upper()
    elif p["case"] == "sentence":
        name = name[0] + name[1:].lower()
    num = p["numbering"]
    if num == "1.":
        return f"{k}. {name}"
    if num == "1.0":
        return f"{k}.0 {name}"
    if num == "A.":
        return f"{'ABCDEFGH'[k - 1]}. {name}"
    if num == "Section N:":
        return f"Section {k}: {name}"
    if num == "Part N –":
        return f"Part {k} – {name}"
    if num == "III.":
        return f"{roman(k)}. {name}"
    return name


def subhead_text(p: dict, k: int, j: int, text: str) -> str:
    if p["numbering"] in ("1.", "1.0", "Section N:", "Part N –"):
        return f"{k}.{j} {text}"
    return text


# ---------------------------------------------------------------- budget


def draw_budget(p: dict) -> dict:
    rng = random.Random(p["seed_budget"])
    fmt, neg = p["amount"], p["neg"]
    whole = fmt in ("comma0", "dollarsp0")
    n_pers = rng.randint(3, 5) if not p["long_table"] else rng.randint(8, 10)
    n_other = rng.randint(4, 7) if not p["long_table"] else rng.randint(22, 28)
    if p["pages"] <= 4:
        n_pers, n_other = 2, 3

    def amount(lo, hi):
        dollars = rng.randint(lo, hi)
        cents = rng.choice([0, 0, 25, 50, 60, 75, 40]) if not whole else rng.choice([20, 40, 50, 60, 70, 80, 55])
        return dollars * 100 + cents

    rows = []  # (kind, label, cents, fte)
    pers = rng.sample(PERSONNEL, min(n_pers, len(PERSONNEL)))
    for label in pers:
        fte = rng.choice(["1.00", "0.50", "2.00", "0.75", "3.00"])
        rows.append(("line", label, amount(28000, 190000), fte))
    pers_end = len(rows)
    others = [rng.choice(OTHER_LINES) for _ in range(n_other)] if n_other > len(OTHER_LINES) else rng.sample(OTHER_LINES, n_other)
    seen: dict[str, int] = {}
    for label in others:
        seen[label] = seen.get(label, 0) + 1
        shown = label if seen[label] == 1 else f"{label} ({['', '', 'Site B', 'Site C', 'Site D'][min(seen[label], 4)]})"
        rows.append(("line", shown, amount(900, 60000), ""))
    if neg != "none":
        rows.append(("line", rng.choice(OFFSETS), -rng.randint(3, 30) * 100000 // 1, ""))
    # subtotal rows
    out = []
    if p["subtotals"]:
        out.extend(rows[:pers_end])
        out.append(("sub", "Personnel Subtotal", sum(r[2] for r in rows[:pers_end]), ""))
        out.extend(rows[pers_end:])
        out.append(("sub", "Other Costs Subtotal", sum(r[2] for r in rows[pers_end:]), ""))
    else:
        out = rows
    exact_sum = sum(r[2] for r in rows)
    if p["total_label"] == "Total Direct Costs":
        out.append(("sub", "Total Direct Costs", exact_sum, ""))
        indirect = int(Decimal(exact_sum) * Decimal("0.10"))
        out.append(("line", "Indirect Costs (10%)", indirect, ""))
        exact_sum += indirect
        out.append(("total", rng.choice(["Total", "TOTAL", "Total Budget"]), exact_sum, ""))
    else:
        out.append(("total", p["total_label"], exact_sum, ""))
    # year-2 column: the rightmost money column (two-year total) is the amount. Year-2 figures
    # are drawn per line; subtotal and total rows are sums of the lines above them.
    year2 = p["extra_col"] == "year2"
    final = []
    acc = {"all": [0, 0], "block": [0, 0]}
    for kind, label, cents, fte in out:
        if kind == "line":
            y1 = cents
            y2 = int(Decimal(cents) * Decimal("1.03")) if year2 else 0
            for a in acc.values():
                a[0] += y1
                a[1] += y2
        elif label in ("Personnel Subtotal", "Other Costs Subtotal"):
            y1, y2 = acc["block"]
            acc["block"] = [0, 0]
        else:
            y1, y2 = acc["all"]
        assert y1 == cents, (label, y1, cents)
        if year2:
            final.append((kind, label, y1 + y2, fte, y1, y2))
        else:
            final.append((kind, label, cents, fte, None, None))
    # subtotals and totals of year2 must be sums of the shown parts
    lines_truth = []
    total_truth = None
    printed_rows = []
    for kind, label, cents, fte, y1, y2 in final:
        amt_p, amt_t = money(cents, fmt, neg)
        extra = {}
        if year2:
            extra["y1"] = money(y1, fmt, neg)[0]
            extra["y2"] = money(y2, fmt, neg)[0]
        printed_rows.append((kind, label, amt_p, fte, extra))
        if kind == "line":
            lines_truth.append(amt_t)
        elif kind == "total":
            total_truth = amt_t
    total_cents = final[-1][2]
    cover_price = money(total_cents, "dollar2")[0] if not whole else money(total_cents, "dollarsp0")[0].replace("$ ", "$")
    return {"rows": printed_rows, "lines": lines_truth, "total": total_truth,
            "cover_price": cover_price}


# ---------------------------------------------------------------- docx helpers


def set_font(style_or_run_font, name: str, size=None, bold=None, color=None):
    f = style_or_run_font
    f.name = name
    if size is not None:
        f.size = Pt(size)
    if bold is not None:
        f.bold = bold
    if color is not None:
        f.color.rgb = color


def strip_theme_fonts(style, name: str):
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for a in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if rfonts.get(qn(a)) is not None:
            del rfonts.attrib[qn(a)]
    for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(a), name)


def add_field(run, instr: str):
    for kind, text in (("begin", None), ("instr", instr), ("separate", None), ("text", "1"), ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)


def set_cols(section, num: int):
    sectPr = section._sectPr
    cols = sectPr.find(qn("w:cols"))
    if cols is None:
        cols = OxmlElement("w:cols")
        sectPr.append(cols)
    cols.set(qn("w:num"), str(num))
    cols.set(qn("w:space"), "540")


def table_borders(table, on: bool):
    tbl = table._tbl
    tblPr = tbl.tblPr
    b = tblPr.find(qn("w:tblBorders"))
    if b is not None:
        tblPr.remove(b)
    b = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "single" if on else "nil")
        if on:
            e.set(qn("w:sz"), "4")
            e.set(qn("w:space"), "0")
            e.set(qn("w:color"), "000000")
        b.append(e)
    tblPr.append(b)


def repeat_header(row):
    trPr = row._tr.get_or_add_trPr()
    h = OxmlElement("w:tblHeader")
    h.set(qn("w:val"), "true")
    trPr.append(h)


def cell_text(cell, text: str, bold=False, align=None, size=None):
    para = cell.paragraphs[0]
    run = para.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if align:
        para.alignment = align
    para.paragraph_format.space_after = Pt(1)
    para.paragraph_format.space_before = Pt(1)


# ---------------------------------------------------------------- building a document


class Builder:
    def __init__(self, p: dict, toc_pages: dict | None):
        self.p = p
        self.rng = random.Random(p["seed_text"])
        self.toc_pages = toc_pages or {}
        self.doc = Document()
        self.font = p["font"][0]
        self.size = p["size"]
        self.headings: dict[str, str] = {}
        self.region = ", ".join(LOTS[x] for x in p["lots"])
        self.notes: list[str] = []
        self.budget = draw_budget(p) if "budget" in p["order"] else None

    # styles -------------------------------------------------------------
    def setup_styles(self):
        d, p = self.doc, self.p
        for sec in d.sections:
            sec.left_margin = sec.right_margin = Inches(1)
            sec.top_margin = sec.bottom_margin = Inches(0.9)
            sec.page_width, sec.page_height = Inches(8.5), Inches(11)
        normal = d.styles["Normal"]
        strip_theme_fonts(normal, self.font)
        normal.font.size = Pt(self.size)
        normal.paragraph_format.space_after = Pt(6)
        color = RGBColor(0x1F, 0x3A, 0x5F) if self.rng.random() < 0.5 else RGBColor(0, 0, 0)
        for name, size in (("Heading 1", self.size + 5), ("Heading 2", self.size + 1.5),
                           ("Title", 22)):
            st = d.styles[name]
            strip_theme_fonts(st, self.font)
            st.font.size = Pt(size)
            st.font.bold = True
            st.font.color.rgb = color
        custom = d.styles.add_style("Proposal Section", 1)
        custom.base_style = normal
        strip_theme_fonts(custom, self.font)
        custom.font.size = Pt(self.size + 3)
        custom.font.bold = True
        custom.font.small_caps = False
        custom.paragraph_format.space_before = Pt(14)
        custom.paragraph_format.space_after = Pt(8)
        custom.paragraph_format.keep_with_next = True

    def para(self, text="", style=None, bold=False, size=None, align=None, after=None):
        para = self.doc.add_paragraph(style=style)
        if text:
            r = para.add_run(text)
            r.bold = bold or None
            if size:
                r.font.size = Pt(size)
        if align is not None:
            para.alignment = align
        if after is not None:
            para.paragraph_format.space_after = Pt(after)
        return para

    def page_break(self):
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # header / footer ----------------------------------------------------
    def doc_header_text(self):
        return f"{self.p['org']} | Response to {SOLICITATION}"

    def fill_header(self, section, text):
        section.header.is_linked_to_previous = False
        hp = section.header.paragraphs[0]
        hp.text = ""
        r = hp.add_run(text)
        r.italic = True
        r.font.size = Pt(8.5)
        hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    def fill_footer(self, section):
        mode = self.p["footer"]
        if mode == "none":
            return
        section.footer.is_linked_to_previous = False
        fp = section.footer.paragraphs[0]
        fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if mode == "page_of":
            fp.add_run("Page ").font.size = Pt(9)
            add_field(fp.add_run(), "PAGE")
            fp.add_run(" of ").font.size = Pt(9)
            add_field(fp.add_run(), "NUMPAGES")
        else:
            fp.add_run(f"{SOLICITATION} proposal  -  ").font.size = Pt(9)
            add_field(fp.add_run(), "PAGE")

    # cover --------------------------------------------------------------
    def cover(self):
        p = self.p
        self.para(f"Response to Request for Response {SOLICITATION}", style="Title")
        self.para("Community-Based Family Support Services"
                  if self.rng.random() < 0.5 else SOL_TITLE, size=self.size + 4, bold=True, after=4)
        self.para(f"Submitted to the Department of Human Services, {self.rng.choice(['March', 'April', 'May'])} "
                  f"{self.rng.randint(2, 27)}, 2026", after=18)
        fields = [
            (p["org_label"], p["org"]),
            (p["fein_label"], p["fein"]),
            (self.rng.choice(CONTACT_LABELS), f"{p['contact']}, {p['contact_title']}"),
            (self.rng.choice(PHONE_LABELS), p["phone"]),
            (p["email_label"], p["email"]),
            (self.rng.choice(ADDRESS_LABELS), p["address"]),
            (self.rng.choice(LOT_LABELS), ", ".join(f"Lot {x} ({LOTS[x]})" for x in p["lots"])),
        ]
        if p["cover_price"] and self.budget:
            fields.append((self.rng.choice(PRICE_LABELS), self.budget["cover_price"]))
        style = p["cover_style"]
        if style == "label_colon":
            for label, value in fields:
                para = self.para(after=3)
                para.add_run(f"{label}: ").bold = self.rng.random() < 0.5 or None
                para.add_run(value)
        elif style.startswith("table"):
            t = self.doc.add_table(rows=0, cols=2)
            table_borders(t, style == "table_ruled")
            for label, value in fields:
                row = t.add_row()
                cell_text(row.cells[0], label, bold=True)
                cell_text(row.cells[1], value)
            for row in t.rows:
                row.cells[0].width = Inches(2.4)
                row.cells[1].width = Inches(4.1)
        else:
            for label, value in fields:
                para = self.para(after=3)
                para.paragraph_format.tab_stops.add_tab_stop(Inches(3.0))
                para.add_run(label).bold = True
                para.add_run("\t" + value)
        self.notes.append(f"cover={style}")

    # contents -----------------------------------------------------------
    def contents(self):
        p = self.p
        self.page_break()
        title = self.rng.choice(["Table of Contents", "Contents", "TABLE OF CONTENTS"])
        self.para(title, style="Heading 1" if self.rng.random() < 0.5 else None, bold=True,
                  size=self.size + 4)
        entries = [(sid, self.headings[sid]) for sid in p["order"]]
        if p["signature"]:
            entries.append((None, "Authorized Signature"))
        for sid, text in entries:
            para = self.para(after=4)
            if p["toc"] != "nonumbers":
                leader = WD_TAB_LEADER.DOTS if p["toc"] == "dots" else WD_TAB_LEADER.SPACES
                para.paragraph_format.tab_stops.add_tab_stop(Inches(6.5), WD_TAB_ALIGNMENT.RIGHT, leader)
                page = self.toc_pages.get(sid or "_sig", 0)
                para.add_run(f"{text}\t{page if page else 88}")
            else:
                para.add_run(text)
        self.notes.append(f"contents={p['toc']}")

    # sections -----------------------------------------------------------
    def heading(self, sid: str, text: str):
        hp = self.p["head_para"]
        if hp == "Heading 1":
            self.doc.add_paragraph(text, style="Heading 1")
        elif hp == "custom":
            self.doc.add_paragraph(text, style="Proposal Section")
        else:
            para = self.doc.add_paragraph()
            r = para.add_run(text)
            r.bold = True
            if hp == "bold_large":
                r.font.size = Pt(self.size + 2)
            para.paragraph_format.keep_with_next = True
            para.paragraph_format.space_before = Pt(10)

    def subheading(self, text: str):
        if self.p["head_para"] in ("Heading 1", "custom") and self.rng.random() < 0.7:
            self.doc.add_paragraph(text, style="Heading 2")
        else:
            para = self.doc.add_paragraph()
            r = para.add_run(text)
            r.bold = True
            r.italic = self.rng.random() < 0.5 or None
            para.paragraph_format.keep_with_next = True

    def sentence(self, s: str):
        return s.format(org=self.p["org"], region=self.region, year=self.rng.randint(1978, 2012),
                        n=self.rng.randint(120, 2400), towns=self.rng.randint(4, 30),
                        days=self.rng.randint(3, 14))

    def body_para(self, sid: str, cross: bool = False):
        picks = self.rng.sample(range(len(SENTENCES)), self.rng.randint(4, 7))
        sents = [self.sentence(SENTENCES[x]) for x in picks]
        if cross:
            others = [x for x in self.p["order"] if x != sid]
            if others:
                o = self.rng.choice(others)
                sents.insert(self.rng.randrange(len(sents)),
                             self.rng.choice(CROSS_REFS).format(t=SEC_BY_ID[o][1]))
        self.para(" ".join(sents))

    def n_paras(self, sid: str) -> int:
        p = self.p
        pages = p["pages"]
        fixed = 1 + (1 if p["toc"] != "none" else 0) + (1 if p["signature"] else 0)
        body_pages = max(1.0, pages - fixed - (1.0 if p["long_table"] else 0.5))
        per_page = {10: 6.0, 10.5: 5.5, 11: 5.0, 12: 4.2}[self.size]
        total = max(len(p["order"]), body_pages * per_page * p["scale"])
        weights = {"summary": 1, "capacity": 1.5, "approach": 2.5, "staffing": 1.5,
                   "budget": 0.7, "references": 0.5}
        wsum = sum(weights[x] for x in p["order"])
        n = total * weights[sid] / wsum
        return max(1, int(round(n)))

    def budget_table(self):
        p, b = self.p, self.budget
        extra = p["extra_col"]
        cols = ["Line Item"]
        if extra == "fte":
            cols += ["FTE", "Amount"]
        elif extra == "notes":
            cols += ["Amount", "Notes"]
        elif extra == "year2":
            cols += ["Year 1", "Year 2", "Two-Year Total"]
        else:
            cols += [self.rng.choice(["Amount", "Cost", "Annual Amount", "Requested"])]
        t = self.doc.add_table(rows=1, cols=len(cols))
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        table_borders(t, p["ruled"])
        for c, name in zip(t.rows[0].cells, cols):
            cell_text(c, name, bold=True,
                      align=None if name in ("Line Item", "Notes") else WD_ALIGN_PARAGRAPH.RIGHT)
        repeat_header(t.rows[0])
        notes_pool = ["per quote", "0.5 FTE share", "est.", "see narrative", "", "", "annual"]
        for kind, label, amt, fte, ex in b["rows"]:
            row = t.add_row()
            bold = kind != "line"
            vals = [label]
            if extra == "fte":
                vals += [fte if kind == "line" else "", amt]
            elif extra == "notes":
                vals += [amt, self.rng.choice(notes_pool) if kind == "line" else ""]
            elif extra == "year2":
                vals += [ex["y1"], ex["y2"], amt]
            else:
                vals += [amt]
            for ci, (c, v) in enumerate(zip(row.cells, vals)):
                right = ci > 0 and cols[ci] != "Notes"
                cell_text(c, v, bold=bold, align=WD_ALIGN_PARAGRAPH.RIGHT if right else None)
        self.notes.append(
            f"budget: amounts={p['amount']} neg={p['neg']} total_label={p['total_label']} "
            f"extra_col={extra} ruled={p['ruled']} long={p['long_table']} subtotals={p['subtotals']} "
            f"rows={len(b['rows'])}" + (" (amounts = rightmost Two-Year Total column)" if extra == "year2" else ""))

    def references_body(self):
        refs = [("Lowell Public Schools", "Maria Costa", "Director of Student Services"),
                ("Greater Boston Food Bank", "Alan Price", "Program Officer"),
                ("City of Worcester Health Department", "Nadia Farah", "Deputy Commissioner"),
                ("Springfield Housing Authority", "Carl Jensen", "Resident Services Manager")]
        chosen = self.rng.sample(refs, 3)
        if self.rng.random() < 0.5:
            t = self.doc.add_table(rows=1, cols=3)
            table_borders(t, self.p["ruled"])
            for c, name in zip(t.rows[0].cells, ["Agency", "Contact", "Telephone"]):
                cell_text(c, name, bold=True)
            for ag, who, title in chosen:
                row = t.add_row()
                cell_text(row.cells[0], ag)
                cell_text(row.cells[1], f"{who}, {title}")
                cell_text(row.cells[2], f"(617) {self.rng.randint(200, 999)}-{self.rng.randint(0, 9999):04d}")
        else:
            for j, (ag, who, title) in enumerate(chosen, 1):
                self.para(f"Reference {j}: {ag}. Contact: {who}, {title}, "
                          f"(508) {self.rng.randint(200, 999)}-{self.rng.randint(0, 9999):04d}.")

    def build(self) -> Document:
        p, d = self.p, self.doc
        self.setup_styles()
        for k, sid in enumerate(p["order"], 1):
            self.headings[sid] = heading_text(p, sid, k)
        first = d.sections[0]
        if p["header"] != "none":
            first.different_first_page_header_footer = True
            self.fill_header(first, self.doc_header_text())
        self.fill_footer(first)
        self.cover()
        if p["toc"] != "none":
            self.contents()
        if not p["breaks"]:
            self.page_break()
        cross_done = 0
        for k, sid in enumerate(p["order"], 1):
            two = sid in p["two_col_ids"]
            if p["breaks"]:
                sec = d.add_section(WD_SECTION.NEW_PAGE)
                sec.different_first_page_header_footer = False
                set_cols(sec, 2 if two else 1)
                if p["header"] == "section":
                    self.fill_header(sec, f"{p['org']} | {SEC_BY_ID[sid][1]}")
            elif two:
                sec = d.add_section(WD_SECTION.CONTINUOUS)
                sec.different_first_page_header_footer = False
                set_cols(sec, 2)
            self.heading(sid, self.headings[sid])
            n = self.n_paras(sid)
            subs = list(SUBHEADS[sid])
            self.rng.shuffle(subs)
            n_subs = min(len(subs), max(0, (n - 1) // 2), self.rng.randint(0, 2))
            sub_at = sorted(self.rng.sample(range(1, n), n_subs)) if n_subs and n > 1 else []
            if sid == "references":
                self.references_body()
                n = max(0, n - 2)
            j = 0
            for i in range(n):
                if i in sub_at:
                    j += 1
                    self.subheading(subhead_text(p, k, j, subs[j - 1]))
                cross = cross_done < 2 and self.rng.random() < 0.35
                cross_done += cross
                self.body_para(sid, cross=cross)
            if sid == "budget":
                self.para("The table below shows the annual budget for the first contract year.")
                self.budget_table()
                self.para("All costs are allocated to this program only.", after=8)
            if two and not p["breaks"]:
                sec = d.add_section(WD_SECTION.CONTINUOUS)
                set_cols(sec, 1)
        if p["signature"]:
            if p["breaks"]:
                sec = d.add_section(WD_SECTION.NEW_PAGE)
                set_cols(sec, 1)
            else:
                self.page_break()
            self.para("Authorized Signature", bold=True, size=self.size + 3, after=12)
            self.para(f"I certify that the information in this response is true and complete and that "
                      f"I am authorized to bind {p['org']}.", after=30)
            self.para("_______________________________________", after=0)
            self.para("Authorized Signature", after=12)
            self.para(f"Name: {p['contact']}")
            self.para(f"Title: {p['contact_title']}")
            self.para(f"Date: {self.rng.randint(1, 28)} April 2026")
        self.notes[:0] = [
            f"font={self.font} {self.size}pt", f"headings={p['numbering']} case={p['case']} "
            f"style={p['head_para']} names={p['names']}",
            f"order={','.join(p['order'])} missing={','.join(p['missing_ids']) or '-'} swap={p['swap']}",
            f"breaks_before_sections={p['breaks']} two_columns={','.join(p['two_col_ids']) or '-'}",
            f"header={p['header']} footer={p['footer']} signature={p['signature']} "
            f"cover_price={bool(p['cover_price'] and self.budget)} target_pages={p['pages']}",
            f"labels: {p['org_label']} / {p['fein_label']} / {p['email_label']}",
        ]
        return d


# ---------------------------------------------------------------- PDF reading (own strings)


def pdf_pages_text(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                         capture_output=True).stdout.decode("utf-8")
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    return pages


def page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def find_line(page_text: str, target: str) -> int:
    """Number of consecutive lines (1-3) of the page that make up target exactly, or 0."""
    lines = [norm(x) for x in page_text.splitlines() if x.strip()]
    t = norm(target)
    for i in range(len(lines)):
        acc = ""
        for k in range(3):
            if i + k >= len(lines):
                break
            acc = (acc + " " + lines[i + k]).strip()
            if acc == t:
                return k + 1
            if not t.startswith(acc):
                break
    return 0


def locate(pdf: Path, headings: dict, first_body: int, extra: dict) -> dict:
    pages = pdf_pages_text(pdf)
    found = {}
    for key, text in list(headings.items()) + list(extra.items()):
        hits = [i + 1 for i, pt in enumerate(pages) if i + 1 >= first_body and find_line(pt, text)]
        found[key] = hits
    return found


def convert(docx_files: list[Path], outdir: Path, profile: Path):
    cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
           "--convert-to", "pdf", "--outdir", str(outdir)] + [str(x) for x in docx_files]
    subprocess.run(cmd, check=True, capture_output=True, timeout=1800)
    for f in docx_files:
        if not (outdir / (f.stem + ".pdf")).exists():
            raise SystemExit(f"LibreOffice did not convert {f.name}")


# ---------------------------------------------------------------- main


def make(out: Path, seed: int, count: int, keep_docx: bool = False):
    out.mkdir(parents=True, exist_ok=True)
    plans = draw_plans(seed, count + 1)  # the last one becomes the junk-prefixed hostile file
    names = [f"response-{i + 1:02d}" for i in range(count)] + ["hostile-junk-before-header"]
    work = Path(tempfile.mkdtemp(prefix="docx-corpus-"))
    try:
        _make(out, seed, count, keep_docx, plans, names, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _make(out, seed, count, keep_docx, plans, names, work):
    profile = work / "lo-profile"
    results: dict[int, dict] = {}
    toc_pages: dict[int, dict] = {}
    pending = list(range(len(plans)))
    for rnd in range(5):
        builders = {}
        for i in pending:
            b = Builder(plans[i], toc_pages.get(i))
            doc = b.build()
            doc.save(work / f"{names[i]}.docx")
            builders[i] = b
        convert([work / f"{names[i]}.docx" for i in pending], work, profile)
        again = []
        for i in pending:
            p, b = plans[i], builders[i]
            pdf = work / f"{names[i]}.pdf"
            n = page_count(pdf)
            first_body = 3 if p["toc"] != "none" else 2
            extra = {"_sig": "Authorized Signature"} if p["signature"] else {}
            hits = locate(pdf, b.headings, first_body, extra)
            bad = [(k, v) for k, v in hits.items() if k != "_sig" and len(v) != 1]
            if bad:
                raise SystemExit(f"{names[i]}: heading not found exactly once on body pages: {bad} "
                                 f"{ {k: b.headings.get(k) for k, _ in bad} }")
            pages_of = {k: v[0] for k, v in hits.items() if v}
            if "_sig" in pages_of:
                pages_of["_sig"] = hits["_sig"][0]
            need = False
            if rnd < 2 and abs(n - p["pages"]) > max(1, 0.2 * p["pages"]):
                p["scale"] *= min(1.8, max(0.5, (p["pages"] - 1.5) / max(1.0, n - 1.5)))
                need = True
            elif n > 25 or n < 3:
                p["scale"] *= min(1.6, max(0.5, (p["pages"] if 3 <= p["pages"] <= 25 else 14) / n))
                if n < 3:
                    p["scale"] = max(p["scale"], 1.3)
                need = True
            if p["toc"] in ("dots", "nodots") and toc_pages.get(i) != pages_of:
                toc_pages[i] = pages_of
                need = True
            if need and rnd < 4:
                again.append(i)
                continue
            if need:
                raise SystemExit(f"{names[i]}: {n} pages or contents page numbers did not settle")
            results[i] = {"pdf": pdf, "pages": n, "starts": pages_of, "builder": b}
        pending = again
        if not pending:
            break
    if pending:
        raise SystemExit(f"did not settle: {[names[i] for i in pending]}")

    for i, r in sorted(results.items()):
        p, b = plans[i], r["builder"]
        # verification: each heading on its truth page, document order increasing
        texts = pdf_pages_text(r["pdf"])
        starts = [r["starts"][sid] for sid in p["order"]]
        assert starts == sorted(starts), (names[i], starts)
        wrapped = []
        for sid in p["order"]:
            k = find_line(texts[r["starts"][sid] - 1], b.headings[sid])
            assert k, (names[i], sid)
            if k > 1:
                wrapped.append(f"{sid} ({k} lines)")
        b.notes.append(f"wrapped_headings={','.join(wrapped) or '-'}")
        # pdftotext may order the pieces of a wrapped table cell oddly: check the words
        cover_words = norm(texts[0]).split()
        for v in (p["org"], p["fein"], p["email"]):
            if any(cover_words.count(w) < norm(v).split().count(w) for w in norm(v).split()):
                raise SystemExit(f"{names[i]}: cover value {v!r} not on page 1:\n{texts[0]}")
        truth = {
            "kind": "response",
            "pages": r["pages"],
            "sections": [{"id": sid, "start_page": r["starts"][sid]} for sid in p["order"]],
            "missing_sections": p["missing_ids"],
            "cover": {"organization_name": p["org"], "tax_id": p["fein"], "email": p["email"]},
            "budget": ({"total": b.budget["total"], "lines": b.budget["lines"]} if b.budget else None),
            "notes": "; ".join(b.notes + [f"headings: " + " | ".join(b.headings[s] for s in p["order"]),
                                          "producer=python-docx + LibreOffice headless"]),
        }
        name = names[i]
        if i < count:
            shutil.copy(r["pdf"], out / f"{name}.pdf")
            (out / f"{name}.truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")
        else:
            data = r["pdf"].read_bytes()
            junk = random.Random(f"junk-{seed}").randbytes(37) + b"\r\nX-Mailer-Junk\r\n"
            (out / f"{name}.pdf").write_bytes(junk + data)
            truth = {"kind": "hostile", "expect": "accepted", **{k: v for k, v in truth.items() if k != "kind"}}
            truth["notes"] = "junk bytes before %PDF- header; " + truth["notes"]
            (out / f"{name}.truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")
        if keep_docx:
            shutil.copy(work / f"{name}.docx", out / f"{name}.docx")

    # rejected hostile files
    hrng = random.Random(f"hostile-{seed}")
    src = out / f"{names[hrng.randrange(count)]}.pdf"
    data = src.read_bytes()
    cut = int(len(data) * hrng.uniform(0.35, 0.6))
    (out / "hostile-truncated.pdf").write_bytes(data[:cut])
    (out / "hostile-zero-bytes.pdf").write_bytes(b"")
    from pypdf import PdfReader, PdfWriter
    w = PdfWriter(clone_from=PdfReader(str(out / f"{names[hrng.randrange(count)]}.pdf")))
    w.encrypt(user_password=f"secret{seed}", owner_password=f"owner{seed}", algorithm="AES-128")
    with open(out / "hostile-encrypted.pdf", "wb") as fh:
        w.write(fh)
    rejected = {"hostile-truncated": f"first {cut} of {len(data)} bytes of {src.name}",
                "hostile-zero-bytes": "empty file",
                "hostile-encrypted": "encrypted with a user password (AES-128)"}
    for name, note in rejected.items():
        (out / f"{name}.truth.json").write_text(json.dumps(
            {"kind": "hostile", "expect": "rejected", "notes": note}, indent=2) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--keep-docx", action="store_true", help="also keep the .docx sources")
    a = ap.parse_args(argv)
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        raise SystemExit("needs soffice (libreoffice-writer-nogui) and pdftotext (poppler-utils)")
    t0 = time.monotonic()
    make(a.out, a.seed, a.count, a.keep_docx)
    print(f"wrote {a.count} responses + 4 hostile files to {a.out} in {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    main()
