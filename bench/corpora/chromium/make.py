#!/usr/bin/env python3
"""Independent corpus maker: bidder responses written as HTML and printed to PDF by Chromium.

Written from bench/corpora/SPEC.md alone. Each response is an HTML document with CSS
(fonts, heading styles, ruled/unruled tables, CSS columns, page breaks) printed by headless
Chromium through Playwright's page.pdf() (running headers/footers via Chromium's header and
footer templates). Chromium decides the page breaks, so the truth's page of each section is
found afterwards in the printed PDF: `pdftotext -raw` per page (form-feed separated), looking
for the maker's own heading string, which the maker makes unique in the body (it checks that
it occurs exactly once outside the contents page, else it fails loudly).

    .venv/bin/python bench/corpora/chromium/make.py --out DIR --seed N --count K
"""
from __future__ import annotations

import argparse
import html
import json
import random
import re
import subprocess
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"

SECTIONS = [
    ("summary", "Executive Summary", ["Project Summary"],
     ["Executive Summary and Overview", "Summary of Our Proposal"]),
    ("capacity", "Organizational Capacity", ["Organizational Experience"],
     ["Organizational Capacity and Experience", "Our Organizational Capacity"]),
    ("approach", "Technical Approach", ["Program Design", "Scope of Services"],
     ["Technical Approach and Work Plan", "Our Program Design and Service Model"]),
    ("staffing", "Staffing Plan", ["Key Personnel"],
     ["Our Staffing Plan and Key Personnel", "Staffing Plan and Supervision Structure"]),
    ("budget", "Budget", ["Cost Proposal", "Budget and Budget Narrative"],
     ["Budget and Cost Justification", "Proposed Program Budget"]),
    ("references", "References", ["Client References"],
     ["References from Partner Agencies", "Professional and Client References"]),
]
TITLE = {s[0]: s[1] for s in SECTIONS}

ORG_STEMS = ["Harbor & Hills", "Merrimack Valley", "Children's Friend", "Riverside, Pioneer",
             "Cape & Islands", "Berkshire Family", "Nashoba Valley", "O'Neill Community",
             "Mystic River", "Quinsigamond", "Blackstone & Charles", "St. Anne's",
             "Greater Lowell", "Pine Street", "Wachusett", "Neponset Valley"]
ORG_TAILS = ["Family Center, Inc.", "Family Services, LLC", "Community Partners, Inc.",
             "Youth & Family Services, Inc.", "Human Services Collaborative, LLC",
             "Family Support Network, Inc.", "Center for Children and Families",
             "Parent Aide Program, Inc."]
PEOPLE = ["Jane Doe", "Maria Santos", "Kevin O'Brien", "Aisha Rahman", "Thomas Nguyen",
          "Patricia Kelly", "Daniel Cohen", "Linh Tran", "Robert Fitzgerald", "Grace Okafor",
          "Samuel Ortiz", "Hannah Weiss"]
JOB_TITLES = ["Executive Director", "Chief Executive Officer", "Director of Programs",
              "Chief Financial Officer", "President"]
STREETS = ["12 Harbor Street", "450 Main Street, Suite 3", "88 Elm Avenue", "1 Mill Pond Road",
           "275 Washington Street, 2nd Floor", "9 Commonwealth Place"]
TOWNS = ["Lowell, MA 01852", "Worcester, MA 01608", "Springfield, MA 01103",
         "Boston, MA 02110", "Brockton, MA 02301", "Pittsfield, MA 01201"]
LOTS = {"1": "Region North", "2": "Region South", "3": "Boston Metro"}

LABELS = {
    "org": ["Legal Name of Organization", "Organization Name", "Applicant Organization",
            "Bidder", "Name of Agency"],
    "fein": ["FEIN", "Federal Tax ID (FEIN)", "Tax ID Number",
             "Federal Employer Identification Number"],
    "email": ["Email", "E-mail Address", "Contact Email"],
    "contact": ["Contact Person", "Authorized Contact", "Primary Contact", "Contact Name"],
    "phone": ["Phone", "Telephone", "Telephone Number"],
    "address": ["Address", "Mailing Address", "Street Address"],
    "lots": ["Lot(s) Bid", "Lots Proposed", "Lot(s)", "Service Region(s)"],
    "price": ["Total Price", "Total Proposed Price", "Total Price (all years)"],
}

SENTENCES = [
    "Our family support workers meet parents where they are, in their homes and in community settings they already trust.",
    "We combine home visiting, peer mentoring and concrete assistance so that families can stabilize quickly.",
    "Each family receives an individualized service plan developed jointly with the caregiver within thirty days of referral.",
    "Referrals arrive from the area offices, schools, pediatric practices and self-referral through our warm line.",
    "We track outcomes with a validated protective factors survey administered at intake, at six months and at discharge.",
    "Our bilingual staff speak Spanish, Portuguese, Haitian Creole, Vietnamese and Khmer, reflecting the communities we serve.",
    "Parenting groups run in the evenings and on Saturdays, with child care and a shared meal provided at every session.",
    "The program builds on twenty years of partnership with local housing authorities, food pantries and health centers.",
    "Flexible funds help families with rent arrears, utility shut-off notices, car repairs and school supplies.",
    "Supervisors review every open case at least monthly and attend the first home visit for each new worker.",
    "We use a trauma-informed, strengths-based approach that treats caregivers as the experts on their own families.",
    "Families who complete the program report lower stress, stronger social connections and more confidence in parenting.",
    "Our quality improvement committee meets quarterly to review data, complaints and feedback from parent advisors.",
    "Services are available in all cities and towns of the lot, and workers travel to rural families at no cost to them.",
    "We coordinate closely with the family's social worker so that service plans and safety plans stay consistent.",
    "Our data system records every contact, referral and outcome and produces the monthly reports the Department requires.",
    "Transportation assistance, interpreters and accessible meeting spaces remove the usual barriers to participation.",
    "In the last fiscal year we served 412 families, and 87 percent met at least two of their service plan goals.",
    "New staff complete forty hours of orientation before carrying a caseload, including shadowing experienced workers.",
    "We hold an annual community forum where families help set priorities for the coming year.",
    "Caseloads are capped at twelve families per full-time worker so that visits can happen every week.",
    "Our board of directors includes three parents who have used family support services themselves.",
    "The agency is accredited by the Council on Accreditation and audited annually by an independent firm.",
    "Where a family needs more intensive help, we make a warm handoff to clinical or residential partners.",
]
SUBHEADS = {
    "summary": ["Who We Are", "Why This Matters", "Highlights"],
    "capacity": ["Our History", "Financial Management", "Accreditation and Licensing"],
    "approach": ["Service Model", "Outreach and Engagement", "Outcomes and Evaluation",
                 "Cultural and Linguistic Competence"],
    "staffing": ["Training", "Supervision", "Recruitment and Retention"],
    "budget": ["Budget Narrative", "Cost Assumptions"],
    "references": ["Reference Contacts"],
}

SERIF = ["Liberation Serif", "DejaVu Serif"]
SANS = ["Liberation Sans", "DejaVu Sans"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
CENT = Decimal("0.01")


# ---------------------------------------------------------------- drawing the variations

def draw(rng: random.Random) -> dict:
    d: dict = {}
    d["pages_target"] = rng.choice([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 22, 24])
    big = d["pages_target"] >= 8
    d["serif"] = rng.random() < 0.5
    d["font"] = rng.choice(SERIF if d["serif"] else SANS)
    d["body_pt"] = rng.choice([10, 10.5, 11, 11.5, 12])
    d["heading_style"] = rng.choice(["num", "num0", "alpha", "section", "part", "roman", "bold"])
    d["caps"] = rng.random() < 0.3
    d["sentence_case"] = not d["caps"] and rng.random() < 0.25
    d["heading_larger"] = d["heading_style"] != "bold" and rng.random() < 0.75
    d["heading_bold"] = (not d["heading_larger"]) or rng.random() < 0.8
    d["cover_style"] = rng.choice(["colon", "table", "fixed_x"])
    d["cover_table_ruled"] = rng.random() < 0.5
    d["labels"] = {k: rng.choice(v) for k, v in LABELS.items()}
    d["cover_email"] = rng.random() < 0.9
    d["cover_price"] = rng.random() < 0.4
    d["contents"] = rng.choice([None, "dots", "plain", "nopages"]) if big else None
    d["contents_title"] = rng.choice(["Table of Contents", "Contents"])
    d["break_before_sections"] = big and rng.random() < 0.4
    d["two_column"] = rng.random() < 0.35
    d["header"] = rng.choice([None, "doc_title", "org_rfr"])
    d["footer"] = rng.choice([None, "page_of", "page_num", "org_page"])
    d["signature"] = big and rng.random() < 0.5
    n_missing = rng.choices([0, 1, 2], weights=[6, 3, 2])[0]
    ids = [s[0] for s in SECTIONS]
    missing = rng.sample(ids, n_missing)
    present = [i for i in ids if i not in missing]
    d["swapped"] = None
    if len(present) >= 3 and rng.random() < 0.25:
        k = rng.randrange(len(present) - 1)
        present[k], present[k + 1] = present[k + 1], present[k]
        d["swapped"] = (present[k + 1], present[k])
    d["order"] = present
    d["missing"] = [i for i in ids if i in missing]
    names = {}
    for sid, title, aliases, embellished in SECTIONS:
        r = rng.random()
        if r < 0.55:
            names[sid] = ("title", title)
        elif r < 0.8:
            names[sid] = ("alias", rng.choice(aliases))
        else:
            names[sid] = ("embellished", rng.choice(embellished))
    d["names"] = names
    d["subheads"] = rng.random() < 0.7
    d["cross_refs"] = rng.random() < 0.7
    d["budget"] = draw_budget(rng, long_table=big and rng.random() < 0.45)
    return d


def draw_budget(rng: random.Random, long_table: bool) -> dict:
    b: dict = {}
    b["format"] = rng.choice(["dollar_cents", "plain_cents", "whole_commas", "dollar_space"])
    b["whole"] = b["format"] in ("whole_commas", "dollar_space")
    b["negative"] = rng.choice(["parens", "minus"])
    b["tdc"] = rng.random() < 0.3
    b["total_label"] = "Total" if b["tdc"] else rng.choice(
        ["Total", "TOTAL", "Total Budget", "Grand Total", "Total Program Cost"])
    b["extra"] = rng.choice([None, None, "fte", "notes", "year2"])
    b["ruled"] = rng.random() < 0.5
    b["subtotals"] = rng.random() < 0.4
    b["offset"] = rng.random() < 0.6
    b["long"] = long_table
    personnel = ["Program Director", "Clinical Supervisor", "Case Manager", "Data Coordinator",
                 "Administrative Assistant", "Parent Partner"]
    rows = []  # (group, label, value Decimal, fte)
    n_workers = rng.randint(14, 26) if long_table else rng.randint(1, 3)
    for p in rng.sample(personnel, rng.randint(2, 4) if not long_table else 6):
        fte = rng.choice([Decimal("0.5"), Decimal("1.0"), Decimal("0.75"), Decimal("0.25")])
        rows.append(("Personnel", p, Decimal(rng.randint(3000000, 9500000)) / 100 * fte, fte))
    for w in range(n_workers):
        fte = rng.choice([Decimal("1.0"), Decimal("1.0"), Decimal("0.5")])
        label = f"Family Support Specialist {w + 1}" if n_workers > 1 else "Family Support Specialists"
        rows.append(("Personnel", label, Decimal(rng.randint(4200000, 5800000)) / 100 * fte, fte))
    personnel_sum = sum(r[2] for r in rows)
    rows.append(("Personnel", "Fringe Benefits", (personnel_sum * Decimal("0.24")).quantize(CENT), None))
    operating = ["Rent and Occupancy", "Utilities", "Staff Mileage and Travel", "Training",
                 "Office Supplies", "Flexible Family Funds", "Interpreter Services",
                 "Program Evaluation", "Insurance", "Telephone and Internet", "Audit",
                 "Parent Group Meals and Child Care", "Equipment"]
    nops = len(operating) if long_table else rng.randint(3, 7)
    for o in rng.sample(operating, nops):
        rows.append(("Operating", o, Decimal(rng.randint(120000, 6000000)) / 100, None))
    if b["offset"]:
        rows.append(("Operating", rng.choice(["Less: In-kind Contribution", "Program Income Offset",
                                              "Less: Other Funding"]),
                     -Decimal(rng.randint(5, 40) * 1000), None))
    rows = [(g, l, v.quantize(CENT, ROUND_HALF_UP), f) for g, l, v, f in rows]
    if not b["whole"]:
        rows = [(g, l, v if rng.random() < 0.5 else v.quantize(Decimal("1")) + 0, f)
                for g, l, v, f in rows]
    b["rows"] = rows
    b["indirect_rate"] = Decimal(rng.choice([8, 10, 12, 15]))
    return b


# ---------------------------------------------------------------- formatting

def fmt_amount(v: Decimal, fmt: str, negative: str) -> str:
    neg = v < 0
    a = -v if neg else v
    if fmt == "dollar_cents":
        s = f"${a:,.2f}"
    elif fmt == "plain_cents":
        s = f"{a:.2f}"
    elif fmt == "whole_commas":
        s = f"{a:,.0f}"
    else:
        s = f"$ {a:,.0f}"
    if neg:
        s = f"({s})" if negative == "parens" else f"-{s}"
    return s


def plain(v: Decimal) -> str:
    return f"{v:.2f}"


def heading_text(d: dict, n: int, name: str) -> str:
    st = d["heading_style"]
    if d["caps"]:
        name = name.upper()
    elif d["sentence_case"]:
        name = name[0] + name[1:].lower()
    if st == "num":
        return f"{n}. {name}"
    if st == "num0":
        return f"{n}.0 {name}"
    if st == "alpha":
        return f"{'ABCDEFGH'[n - 1]}. {name}"
    if st == "section":
        return f"{'SECTION' if d['caps'] else 'Section'} {n}: {name}"
    if st == "part":
        return f"{'PART' if d['caps'] else 'Part'} {n} \u2013 {name}"
    if st == "roman":
        return f"{ROMAN[n - 1]}. {name}"
    return name


def subhead_text(d: dict, n: int, k: int, name: str) -> str:
    if d["heading_style"] in ("num", "num0"):
        return f"{n}.{k} {name}"
    if d["heading_style"] == "alpha":
        return f"{'ABCDEFGH'[n - 1]}.{k} {name}"
    return name


# ---------------------------------------------------------------- building the HTML

def esc(s: str) -> str:
    return html.escape(s, quote=False)


def paragraph(rng: random.Random, d: dict, sid: str, allow_ref: bool) -> str:
    sents = rng.sample(SENTENCES, rng.randint(4, 6))
    if allow_ref and d["cross_refs"] and rng.random() < 0.35:
        others = [o for o in d["order"] if o != sid]
        if others:
            o = rng.choice(others)
            where = "below" if d["order"].index(o) > d["order"].index(sid) else "above"
            ref = rng.choice([
                f"Costs for this work are shown in the {TITLE[o]} section {where}.",
                f"As described in the {TITLE[o]} section {where}, this is central to our plan.",
                f"See the {TITLE[o]} section {where} for details.",
            ])
            sents.insert(rng.randrange(len(sents) + 1), ref)
    return "<p>" + esc(" ".join(sents)) + "</p>"


def budget_html(d: dict) -> tuple[str, dict]:
    b = d["budget"]
    fmt, negs = b["format"], b["negative"]
    f = lambda v: fmt_amount(v, fmt, negs)  # noqa: E731
    printed_lines: list[Decimal] = []
    cols = ["Line Item"]
    if b["extra"] == "fte":
        cols.append("FTE")
    if b["extra"] == "notes":
        cols.append("Notes")
    if b["extra"] == "year2":
        cols.append("FY2026 (current)")
    cols.append("FY2027 Request" if b["extra"] == "year2" else "Amount")
    body = []
    notes_bank = ["per salary survey", "12 months", "0.5 FTE each site", "at IRS rate",
                  "shared cost", "annual contract", ""]

    def row(label, value, fte=None, strong=False, idx=None):
        cells = [esc(label)]
        if b["extra"] == "fte":
            cells.append("" if fte is None else f"{fte:.2f}")
        if b["extra"] == "notes":
            cells.append("" if idx is None else esc(notes_bank[idx % len(notes_bank)]))
        if b["extra"] == "year2":
            prior = (value * Decimal("0.96")).quantize(CENT if not b["whole"] else Decimal("1"))
            cells.append(f(prior) if value >= 0 else f(value))
        cells.append(f(value))
        cls = ' class="strong"' if strong else ""
        tds = "".join(f"<td{' class=num' if i else ''}>{c}</td>" for i, c in enumerate(cells))
        body.append(f"<tr{cls}>{tds}</tr>")

    def shown(v: Decimal) -> Decimal:
        return v.quantize(Decimal("1"), ROUND_HALF_UP) if b["whole"] else v

    group = None
    group_sum = Decimal(0)
    exact_sum = Decimal(0)
    for i, (g, label, v, fte) in enumerate(b["rows"]):
        if b["subtotals"] and group is not None and g != group:
            row(f"{group} Subtotal", shown(group_sum), strong=True)
            group_sum = Decimal(0)
        group = g
        row(label, shown(v), fte, idx=i)
        printed_lines.append(shown(v))
        group_sum += v
        exact_sum += v
    if b["subtotals"]:
        row(f"{group} Subtotal", shown(group_sum), strong=True)
    if b["tdc"]:
        row("Total Direct Costs", shown(exact_sum), strong=True)
        ind = (exact_sum * b["indirect_rate"] / 100).quantize(CENT)
        ind = shown(ind)
        row(f"Indirect Costs ({b['indirect_rate']}%)", ind, idx=len(b["rows"]))
        printed_lines.append(ind)
        exact_sum += ind
    total = shown(exact_sum)
    row(b["total_label"], total, strong=True)
    head = "".join(f"<th{' class=num' if i else ''}>{esc(c)}</th>" for i, c in enumerate(cols))
    cls = "budget ruled" if b["ruled"] else "budget"
    table = f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    truth = {"total": plain(total), "lines": [plain(v) for v in printed_lines]}
    return table, truth


def css(d: dict) -> str:
    hb = "bold" if d["heading_bold"] else "normal"
    hsize = f"{d['body_pt'] + 5}pt" if d["heading_larger"] else f"{d['body_pt']}pt"
    return f"""
@page {{ size: Letter; }}
body {{ font-family: '{d['font']}'; font-size: {d['body_pt']}pt; line-height: 1.35; color: #111; margin: 0; }}
h1.cover {{ font-size: 22pt; margin: 0.6in 0 0.2in 0; }}
h2.sec {{ font-size: {hsize}; font-weight: {hb}; margin: 18pt 0 8pt 0; break-after: avoid; color: {'#1f3864' if d['heading_larger'] else '#000'}; }}
h3.sub {{ font-size: {d['body_pt'] + 1}pt; font-weight: bold; margin: 12pt 0 4pt 0; break-after: avoid; }}
p {{ margin: 0 0 8pt 0; text-align: {'justify' if d['serif'] else 'left'}; }}
.pb {{ break-before: page; }}
.cols {{ column-count: 2; column-gap: 0.35in; }}
.cols h2.sec {{ font-size: {d['body_pt'] + 7}pt; }}
table.budget {{ border-collapse: collapse; width: 100%; margin: 8pt 0; }}
table.budget th, table.budget td {{ padding: 3pt 6pt; text-align: left; }}
table.budget .num {{ text-align: right; }}
table.budget tr {{ break-inside: avoid; }}
table.budget thead {{ display: table-header-group; }}
table.ruled th, table.ruled td {{ border: 0.8pt solid #444; }}
table.budget th {{ border-bottom: 1pt solid #000; }}
tr.strong td {{ font-weight: bold; }}
table.cover {{ border-collapse: collapse; margin-top: 0.3in; }}
table.cover td {{ padding: 4pt 10pt 4pt 0; vertical-align: top; }}
table.cover.ruled td {{ border: 0.8pt solid #555; padding: 4pt 8pt; }}
.fx {{ margin: 5pt 0; }}
.fx .l {{ display: inline-block; width: 3.1in; }}
.toc p {{ margin: 6pt 0; text-align: left; }}
.toc .dots {{ display: flex; }}
.toc .dots .fill {{ flex: 1; border-bottom: 1.2pt dotted #333; margin: 0 4pt 4pt 4pt; }}
.sig {{ margin-top: 0.5in; }}
.sig .line {{ border-bottom: 1pt solid #000; width: 3.5in; height: 0.5in; }}
"""


def cover_html(d: dict, ctx: dict, budget_truth: dict | None) -> str:
    L = d["labels"]
    fields = [("org", ctx["org"]), ("fein", ctx["fein"])]
    if d["cover_email"]:
        fields.append(("email", ctx["email"]))
    fields += [("contact", f"{ctx['contact']}, {ctx['contact_title']}"), ("phone", ctx["phone"]),
               ("address", ctx["address"]),
               ("lots", ", ".join(f"Lot {n} ({LOTS[n]})" for n in ctx["lots"]))]
    if d["cover_price"] and budget_truth is not None:
        fields.append(("price", ctx["price_printed"]))
    title = ctx["cover_title"]
    out = [f'<h1 class="cover">{esc(title)}</h1>',
           f"<p>RFR-2026-014 \u2014 Community-based family support services</p>",
           f"<p>Submitted {esc(ctx['date'])}</p>"]
    if d["cover_style"] == "colon":
        out += [f"<p>{esc(L[k])}: {esc(v)}</p>" for k, v in fields]
    elif d["cover_style"] == "table":
        cls = "cover ruled" if d["cover_table_ruled"] else "cover"
        rows = "".join(f"<tr><td>{esc(L[k])}</td><td>{esc(v)}</td></tr>" for k, v in fields)
        out.append(f'<table class="{cls}">{rows}</table>')
    else:
        out += [f'<div class="fx"><span class="l">{esc(L[k])}</span>{esc(v)}</div>' for k, v in fields]
    return "\n".join(out)


def build_html(d: dict, ctx: dict, paras: dict, toc_pages: dict | None):
    """Return (html, heading strings by id, budget truth)."""
    parts = []
    budget_truth = None
    if "budget" in d["order"]:
        table, budget_truth = budget_html(d)
        b = d["budget"]
        ctx["price_printed"] = fmt_amount(Decimal(budget_truth["total"]), b["format"], b["negative"])
    parts.append(cover_html(d, ctx, budget_truth))
    headings = {}
    for n, sid in enumerate(d["order"], start=1):
        headings[sid] = heading_text(d, n, d["names"][sid][1])
    if d["contents"]:
        toc = [f'<div class="toc pb"><h2 class="toc-title" style="font-size:{d["body_pt"] + 4}pt">'
               f'{esc(d["contents_title"])}</h2>']
        for sid in d["order"]:
            pg = "" if toc_pages is None else str(toc_pages.get(sid, ""))
            if d["contents"] == "dots":
                toc.append(f'<p class="dots"><span>{esc(headings[sid])}</span><span class="fill"></span><span>{pg}</span></p>')
            elif d["contents"] == "plain":
                toc.append(f'<p>{esc(headings[sid])}&nbsp;&nbsp;&nbsp;&nbsp;{pg}</p>')
            else:
                toc.append(f'<p>{esc(headings[sid])}</p>')
        if d["signature"]:
            toc.append("<p>Attachment: Authorized Signature</p>")
        toc.append("</div>")
        parts.append("".join(toc))
    first = True
    srng = random.Random(ctx["text_seed"])
    for n, sid in enumerate(d["order"], start=1):
        cls = ' class="pb"' if d["break_before_sections"] or first else ""
        two = d["two_column"] and sid in ctx["two_col_ids"]
        sec = [f'<section{cls}>']
        if two:
            sec.append('<div class="cols">')
        sec.append(f'<h2 class="sec">{esc(headings[sid])}</h2>')
        k = 0
        for j in range(paras[sid]):
            if d["subheads"] and j > 0 and j % 2 == 1 and k < len(SUBHEADS[sid]):
                k += 1
                sec.append(f'<h3 class="sub">{esc(subhead_text(d, n, k, SUBHEADS[sid][k - 1]))}</h3>')
            sec.append(paragraph(srng, d, sid, allow_ref=True))
            if sid == "budget" and j == 0:
                if two:
                    sec.append("</div>")
                    two = False
                sec.append(table)
            if sid == "references" and j == 0:
                for r in range(3):
                    who = srng.choice(PEOPLE)
                    sec.append(f"<p><b>{esc(srng.choice(ORG_STEMS))} Public Schools</b><br>"
                               f"Contact: {esc(who)}, Director of Student Services<br>"
                               f"Phone: (617) 555-{srng.randint(1000, 9999)}</p>")
        if two:
            sec.append("</div>")
        sec.append("</section>")
        parts.append("\n".join(sec))
        first = False
    if d["signature"]:
        parts.append(f'<section class="pb"><h2 style="font-size:{d["body_pt"] + 3}pt">Certification</h2>'
                     f"<p>{esc('I certify that the information in this response is true and complete, and that I am authorized to bind the organization named on the cover.')}</p>"
                     f'<div class="sig"><div class="line"></div><p>Authorized Signature</p>'
                     f"<p>Name: {esc(ctx['contact'])}</p><p>Title: {esc(ctx['contact_title'])}</p>"
                     f"<p>Date: {esc(ctx['date'])}</p></div></section>")
    doc = (f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(ctx['cover_title'])}</title>"
           f"<style>{css(d)}</style></head><body>{''.join(parts)}</body></html>")
    return doc, headings, budget_truth


def templates(d: dict, ctx: dict) -> tuple[str, str]:
    style = f"font-family:'{d['font']}';font-size:8pt;color:#555;width:100%;margin:0 0.75in;"
    hdr = "<span></span>"
    if d["header"] == "doc_title":
        hdr = f"<div style=\"{style}\">{esc(ctx['cover_title'])} \u2014 RFR-2026-014</div>"
    elif d["header"] == "org_rfr":
        hdr = (f"<div style=\"{style}display:flex;justify-content:space-between;\"><span>{esc(ctx['org'])}</span>"
               f"<span>Response to RFR-2026-014</span></div>")
    ftr = "<span></span>"
    if d["footer"] == "page_of":
        ftr = f"<div style=\"{style}text-align:center;\">Page <span class=pageNumber></span> of <span class=totalPages></span></div>"
    elif d["footer"] == "page_num":
        ftr = f"<div style=\"{style}text-align:right;\"><span class=pageNumber></span></div>"
    elif d["footer"] == "org_page":
        ftr = (f"<div style=\"{style}display:flex;justify-content:space-between;\"><span>{esc(ctx['org'])} "
               f"\u2014 Confidential</span><span>Page <span class=pageNumber></span></span></div>")
    return hdr, ftr


# ---------------------------------------------------------------- reading pages back (truth)

def page_texts(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
                         check=True, capture_output=True).stdout.decode("utf-8")
    pages = out.split("\f")
    if pages and pages[-1].strip() == "":
        pages = pages[:-1]
    return pages


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def find_heading_pages(pages: list[str], headings: dict, skip: set[int]) -> dict:
    """1-based page of each heading string: a run of 1-5 whole lines equal to it (ignoring
    whitespace); it must occur exactly once outside the skipped (contents) pages."""
    found = {}
    for sid, h in headings.items():
        target = squash(h)
        hits = []
        for pno, text in enumerate(pages, start=1):
            if pno in skip:
                continue
            lines = [squash(x) for x in text.split("\n")]
            for i in range(len(lines)):
                acc = ""
                for j in range(i, min(i + 5, len(lines))):
                    acc += lines[j]
                    if acc == target:
                        hits.append(pno)
                        break
                    if not target.startswith(acc):
                        break
        if len(set(hits)) != 1 or len(hits) != 1:
            raise RuntimeError(f"heading {h!r} found on pages {hits}")
        found[sid] = hits[0]
    return found


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


# ---------------------------------------------------------------- one response

def make_context(rng: random.Random) -> dict:
    org = f"{rng.choice(ORG_STEMS)} {rng.choice(ORG_TAILS)}"
    contact = rng.choice(PEOPLE)
    first, last = contact.split(" ", 1)
    domain = re.sub(r"[^a-z]", "", org.lower().split(" ")[0])[:12] + rng.choice(["family", "fs", "cp", ""])
    email = rng.choice([f"{first[0]}{last}", f"{first}.{last}", "rfp", "contracts"]).lower()
    email = re.sub(r"[^a-z.]", "", email) + f"@{domain}.org"
    lots = sorted(rng.sample(list(LOTS), rng.randint(1, 3)))
    return {
        "org": org, "fein": f"{rng.randint(1, 98):02d}-{rng.randint(0, 9999999):07d}",
        "email": email, "contact": contact, "contact_title": rng.choice(JOB_TITLES),
        "phone": f"({rng.choice([413, 508, 617, 781, 978])}) 555-{rng.randint(1000, 9999)}",
        "address": f"{rng.choice(STREETS)}, {rng.choice(TOWNS)}", "lots": lots,
        "date": f"{rng.choice(['March', 'April'])} {rng.randint(1, 28)}, 2026",
        "cover_title": rng.choice(["Response to RFR-2026-014", "Proposal for Community-Based Family Support Services",
                                   "Technical and Cost Proposal", "Application: Community-based Family Support"]),
        "text_seed": rng.randrange(1 << 30),
    }


def render(page, html_doc: str, pdf: Path, d: dict, ctx: dict) -> None:
    page.set_content(html_doc, wait_until="load")
    hdr, ftr = templates(d, ctx)
    show = d["header"] is not None or d["footer"] is not None
    m = ctx["margin"]
    page.pdf(path=str(pdf), format="Letter", print_background=True, display_header_footer=show,
             header_template=hdr, footer_template=ftr,
             margin={"top": m, "bottom": m, "left": m, "right": m})
    # Same seed, same bytes: Chromium stamps the print time; pin its digits (same length,
    # so the cross-reference offsets stay valid).
    data = re.sub(rb"(/(?:CreationDate|ModDate) \(D:)\d{14}", rb"\g<1>20260315120000", pdf.read_bytes())
    pdf.write_bytes(data)


def make_one(page, rng: random.Random, pdf: Path) -> dict:
    d = draw(rng)
    ctx = make_context(rng)
    ctx["margin"] = rng.choice(["0.75in", "0.9in", "1in"])
    present = d["order"]
    ctx["two_col_ids"] = set(rng.sample(present, min(len(present), rng.randint(1, 3))))
    fixed = 1 + (1 if d["contents"] else 0) + (1 if d["signature"] else 0)
    per_page = 4.2 if d["body_pt"] <= 11 else 3.4
    paras_total = max(len(present), int((d["pages_target"] - fixed - (1.5 if d["budget"]["long"] else 0.3)) * per_page))
    for attempt in range(6):
        weights = {s: (2 if s == "approach" else 1) for s in present}
        wsum = sum(weights.values())
        paras = {s: max(1, round(paras_total * weights[s] / wsum)) for s in present}
        doc, headings, budget_truth = build_html(d, ctx, paras, None)
        render(page, doc, pdf, d, ctx)
        n = pdf_pages(pdf)
        if n > 25:
            paras_total = max(len(present), int(paras_total * 22 / n))
            continue
        if n < 3:
            paras_total += 5
            continue
        break
    else:
        raise RuntimeError(f"could not fit {pdf.name} in 3-25 pages")
    skip = {2} if d["contents"] else set()
    found = find_heading_pages(page_texts(pdf), headings, skip)
    if d["contents"] in ("dots", "plain"):
        doc2, _, _ = build_html(d, ctx, paras, found)
        render(page, doc2, pdf, d, ctx)
        again = find_heading_pages(page_texts(pdf), headings, skip)
        if again != found or pdf_pages(pdf) != n:
            raise RuntimeError(f"{pdf.name}: pages moved when the contents got numbers")
    sections = sorted(({"id": s, "start_page": p} for s, p in found.items()),
                      key=lambda x: (x["start_page"], present.index(x["id"])))
    if [s["id"] for s in sections] != present:
        raise RuntimeError(f"{pdf.name}: sections out of layout order {sections}")
    cover = {"organization_name": ctx["org"], "tax_id": ctx["fein"]}
    if d["cover_email"]:
        cover["email"] = ctx["email"]
    b = d["budget"]
    notes = [
        f"pages_target={d['pages_target']}", f"font={d['font']} {d['body_pt']}pt",
        f"heading_style={d['heading_style']}{' caps' if d['caps'] else ''}{' sentence_case' if d['sentence_case'] else ''}"
        f"{' larger' if d['heading_larger'] else ''}{' bold' if d['heading_bold'] else ''}",
        "names=" + ",".join(f"{s}:{d['names'][s][0]}" for s in present),
        f"cover={d['cover_style']}{'(ruled)' if d['cover_style'] == 'table' and d['cover_table_ruled'] else ''}"
        f" labels={d['labels']['org']}/{d['labels']['fein']}/{d['labels']['email'] if d['cover_email'] else 'no email'}"
        f"{' cover_total_price' if d['cover_price'] and 'budget' in present else ''}",
        f"contents={d['contents']}", f"break_before_sections={d['break_before_sections']}",
        f"two_column={sorted(ctx['two_col_ids']) if d['two_column'] else None}",
        f"header={d['header']} footer={d['footer']}", f"signature={d['signature']}",
        f"missing={d['missing']} swapped={d['swapped']}", f"subheads={d['subheads']} cross_refs={d['cross_refs']}",
    ]
    if "budget" in present:
        notes.append(f"budget format={b['format']} negative={b['negative'] if b['offset'] else None} "
                     f"total_label={b['total_label']} tdc={b['tdc']} extra={b['extra']} ruled={b['ruled']} "
                     f"subtotals={b['subtotals']} long={b['long']} whole_rounded={b['whole']}")
    notes.append("headings=" + json.dumps(headings, ensure_ascii=False))
    return {
        "kind": "response", "pages": n, "sections": sections, "missing_sections": d["missing"],
        "cover": cover, "budget": budget_truth, "notes": "; ".join(notes),
    }


def write_truth(path: Path, truth: dict) -> None:
    path.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def make_hostile(page, rng: random.Random, out: Path) -> None:
    chosen = ["junk_prefix", "encrypted"] + rng.sample(["truncated", "text", "zero_pages"], 2)
    base = out / "_tmp_hostile.pdf"
    truth = make_one(page, random.Random(rng.randrange(1 << 30)), base)
    data = base.read_bytes()
    for k in chosen:
        name = out / f"hostile-{k.replace('_', '-')}.pdf"
        tpath = out / f"hostile-{k.replace('_', '-')}.truth.json"
        if k == "junk_prefix":
            junk = b"Content-Type: application/pdf\r\nX-Scanned-By: mailgate 4.2\r\n\r\n" + bytes(rng.randrange(256) for _ in range(37))
            name.write_bytes(junk.replace(b"%PDF-", b"%PDX-") + data)
            t = dict(truth)
            t["kind"] = "hostile"
            t["expect"] = "accepted"
            t["notes"] = "junk bytes (mail headers + binary) before %PDF-; " + truth["notes"]
            write_truth(tpath, {"kind": "hostile", "expect": "accepted",
                                **{k2: v for k2, v in t.items() if k2 not in ("kind", "expect")}})
            continue
        if k == "truncated":
            name.write_bytes(data[: int(len(data) * rng.uniform(0.3, 0.6))])
        elif k == "text":
            name.write_bytes(b"Dear Procurement Office,\n\nPlease find our response attached.\n"
                             b"Executive Summary\nWe propose to serve families in Region North.\n")
        elif k == "encrypted":
            from pypdf import PdfReader, PdfWriter
            w = PdfWriter(clone_from=PdfReader(str(base)))
            w.encrypt(user_password="bidder-2026", owner_password="owner-2026")
            with open(name, "wb") as fh:
                w.write(fh)
        elif k == "zero_pages":
            from pypdf import PdfWriter
            with open(name, "wb") as fh:
                PdfWriter().write(fh)
        why = {"truncated": "a response PDF cut off part-way (no trailer, no xref)",
               "text": "a plain-text e-mail saved with a .pdf name",
               "encrypted": "a response PDF encrypted with a user password (bidder-2026, RC4-128, pypdf)",
               "zero_pages": "a well-formed PDF with zero pages (pypdf)"}[k]
        write_truth(tpath, {"kind": "hostile", "expect": "rejected", "notes": why})
    base.unlink()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", required=True, type=int)
    ap.add_argument("--count", required=True, type=int)
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright
    t0 = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        for i in range(a.count):
            rng = random.Random(f"chromium-{a.seed}-{i}")
            pdf = a.out / f"response-{a.seed:03d}-{i + 1:02d}.pdf"
            truth = make_one(page, rng, pdf)
            write_truth(a.out / f"{pdf.stem}.truth.json", truth)
            print(f"{pdf.name}: {truth['pages']} pages, sections {[(s['id'], s['start_page']) for s in truth['sections']]}",
                  file=sys.stderr)
        make_hostile(page, random.Random(f"chromium-{a.seed}-hostile"), a.out)
        browser.close()
    print(f"{a.count} responses + hostile files in {a.out} ({time.monotonic() - t0:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
