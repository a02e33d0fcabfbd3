"""Held-out corpus of bidder responses typeset by groff (ms macros, tbl) to PDF (gropdf).

    .venv/bin/python bench/corpora/groff/make.py --out DIR --seed N --count K

Written from bench/corpora/SPEC.md alone (no procure/, no tests/, no parser read). groff decides
the line and page breaks; each heading's page is found afterwards with ``pdftotext -layout`` per
page, as a line equal to the maker's own heading string (body mentions sit inside sentences,
contents lines carry leaders and numbers). The scanned page is made with Pillow and put in with
pypdf after typesetting, so its page is known.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

SECTIONS = [
    ("summary", "Executive Summary", ["Project Summary"],
     ["Executive Summary and Overview", "Summary of Our Proposal"]),
    ("capacity", "Organizational Capacity", ["Organizational Experience"],
     ["Our Organizational Capacity", "Organizational Capacity and Experience"]),
    ("approach", "Technical Approach", ["Program Design", "Scope of Services"],
     ["Developing the Provider Network", "Managing Risk and Safety", "Our Technical Approach"]),
    ("staffing", "Staffing Plan", ["Key Personnel"],
     ["Our Staffing Plan and Key Personnel", "Who Will Do the Work"]),
    ("budget", "Budget", ["Cost Proposal", "Budget and Budget Narrative"],
     ["Program Budget", "Budget Request"]),
    ("references", "References", ["Client References"],
     ["Contacts Who Know Our Work", "Client References and Contacts"]),
]
LOTS = {"1": "Region North", "2": "Region South", "3": "Boston Metro"}
ORGS = ["Harbor & Hills Family Center, Inc.", "St. Brigid's Community Services, LLC",
        "Rivers, Roots & Wings Collaborative Inc.", "O'Connell & Ruiz Family Partners LLC",
        "Merrimack Valley Family Alliance, Inc.", "New Day Family Supports, LLC",
        "Three Rivers Children's Services Inc.", "Greater Boston Parents' Circle, Inc.",
        "Cape & Islands Home Visiting, LLC", "Lowell Families First, Inc.",
        "Brockton Area Kinship & Care LLC", "Neighbors' Hands, Inc.", "Mystic River Family Services LLC",
        "Quinsigamond Youth & Family, Inc.", "Blue Hills Parent Aides, LLC", "Nashoba Family Supports Inc."]
PEOPLE = ["Jane Doe", "Marcus Oyelaran", "Priya Raman", "Tomas Ferreira", "Aoife Brennan", "Keisha Lamothe",
          "Daniel Cho", "Rosa Medeiros", "Linh Tran", "Fatima Haddad"]
TITLES = ["Applicant Information Form", "Bidder Information Sheet", "Organization Information Form",
          "Response to RFR-2026-014", "Proposal for Community-based Family Support Services",
          "Contact Information and Proposal"]
LABELS = {
    "org": ["Legal Name of Organization", "Organization Name", "Applicant Organization", "Bidder",
            "Name of Agency", "Name of your organization"],
    "fein": ["FEIN", "Federal Tax ID (FEIN)", "Tax ID Number", "Federal Employer Identification Number",
             "Your FEIN"],
    "email": ["Email", "E-mail Address", "Contact Email"],
    "contact": ["Contact Person", "Authorized Contact"],
    "phone": ["Phone", "Telephone"],
    "address": ["Address", "Mailing Address"],
    "lots": ["Lot(s) Bid", "Lot you are bidding on", "Lot(s) you are applying for"],
}
WORDS = ("families children services community staff program outcomes referral support home visits "
         "caregivers safety partners training supervision region agency network youth parents plan "
         "quality data review engagement culturally responsive trauma informed practice case").split()
TOTAL_LABELS = ["Total", "TOTAL", "Total Budget", "Grand Total", "Total Program Cost"]
ITEMS = ["Program Director salary", "Family Partners (4.0 FTE)", "Clinician salaries", "Fringe benefits",
         "Travel and mileage", "Training", "Flexible family funds", "Occupancy", "Supplies",
         "Interpreter services", "Evaluation consultant", "Equipment", "Telephone and internet",
         "Insurance", "Audit", "Child care during groups", "Outreach materials", "Supervision"]


def esc(text: str) -> str:
    return "\\&" + text.replace("\\", "\\e")


def sentence(rng: random.Random, n: int | None = None) -> str:
    words = [rng.choice(WORDS) for _ in range(n or rng.randint(9, 18))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, k: int | None = None) -> str:
    return " ".join(sentence(rng) for _ in range(k or rng.randint(3, 6)))


def money(v: Decimal, style: str) -> str:
    neg = v < 0
    a = abs(v)
    if style == "dollar":
        s = f"${a:,.2f}"
    elif style == "plain":
        s = f"{a:.2f}"
    elif style == "whole":
        s = f"{a:,.0f}"
    else:  # "dollar space"
        s = f"$ {a:,.0f}"
    if neg:
        return f"({s})" if style in ("dollar", "whole") else "-" + s
    return s


class Doc:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.out: list[str] = []

    def req(self, line: str):
        self.out.append(line)

    def text(self, line: str):
        self.out.append(esc(line))


def heading(doc: Doc, text: str, style: str):
    if style == "bold":
        doc.req(".sp 1")
        doc.req(".ne 4")
        doc.req(f".LP\n\\fB{text.replace(chr(92), '')}\\fP")
    elif style == "large":
        doc.req(".sp 1")
        doc.req(".ne 4")
        doc.req(f".LP\n\\s+4\\fB{text}\\fP\\s-4")
    elif style == "underline":
        doc.req(".sp 1")
        doc.req(".ne 4")
        doc.req(".LP")
        doc.req(f".UL \"{text}\"")
    else:  # "sh": ms section heading
        doc.req(".SH")
        doc.text(text)
    doc.req(".PP")


def make_one(rng: random.Random, idx: int, out: Path, seed: int) -> dict:
    notes = []
    org = ORGS[(idx + seed) % len(ORGS)]
    fein = f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"
    person = rng.choice(PEOPLE)
    domain = re.sub(r"[^a-z]", "", org.lower().split(",")[0])[:12] + rng.choice([".org", ".net", ".com"])
    email = f"{person.split()[0][0].lower()}{person.split()[1].lower()}@{domain}"
    lot = rng.choice(list(LOTS))
    doc = Doc(rng)
    font = rng.choice(["T", "H", "P"])
    size = rng.choice([10, 11, 12])
    doc.req(f".nr PS {size}\n.nr VS {size + 2}\n.fam {font}\n.nr PO 1i\n.nr LL 6.5i")
    notes.append(f"font family {font} {size}pt")
    running = rng.random() < 0.5
    if running:
        doc.req(".ds LH RFR-2026-014\n.ds CH\n.ds RH " + org.replace('"', ""))
        doc.req(".ds CF Page %")
        notes.append("running header with the organisation and page footers")
    else:
        doc.req(".ds CH\n.ds CF %")

    # cover
    title = TITLES[(idx + seed) % len(TITLES)]
    notes.append(f"cover title {title!r}")
    doc.req(".LP\n.ce 1\n\\s+6\\fB" + title + "\\fP\\s-6\n.sp 2")
    fields = [("org", org), ("fein", fein), ("contact", person), ("email", email),
              ("phone", f"(617) 555-{rng.randint(1000, 9999)}"),
              ("address", f"{rng.randint(10, 999)} Main Street, Worcester, MA 016{rng.randint(10, 99)}"),
              ("lots", f"{lot} ({LOTS[lot]})")]
    labels = {k: rng.choice(v) for k, v in LABELS.items()}
    cover_style = rng.choice(["colon", "leader", "table", "boxes", "leader"])
    notes.append(f"cover {cover_style}, labels {[labels[k] for k in ('org', 'fein', 'email', 'lots')]}")
    if cover_style == "colon":
        for k, v in fields:
            doc.text(f"{labels[k]}: {v}")
            doc.req(".br")
    elif cover_style == "leader":
        filler = rng.choice([".", "_"])
        for k, v in fields:
            n = max(4, 48 - len(labels[k]))
            doc.text(f"{labels[k]} {filler * n} {v}")
            doc.req(".br")
    elif cover_style == "table":
        doc.req(".TS\n" + rng.choice(["box;", "allbox;", ""]) + "\nlB l.")
        for k, v in fields:
            doc.req(f"{labels[k]}\t{v}")
        doc.req(".TE")
    else:  # labels above values, in boxes
        doc.req(".TS\nallbox;\nl.")
        for k, v in fields:
            doc.req(f"T{{\n\\s-3{labels[k]}\\s+3\n.br\n{v}\nT}}")
        doc.req(".TE")
    cover_price = rng.random() < 0.3

    # sections
    order = list(range(6))
    if rng.random() < 0.25:
        i = rng.randint(0, 4)
        order[i], order[i + 1] = order[i + 1], order[i]
        notes.append("two sections swapped")
    missing = []
    if rng.random() < 0.4:
        for _ in range(rng.randint(1, 2)):
            m = rng.choice([1, 2, 3, 5])
            if m in order:
                order.remove(m)
                missing.append(SECTIONS[m][0])
        notes.append(f"missing {missing}")
    numbering = rng.choice(["none", "dot", "section", "roman", "letter"])
    hstyle = rng.choice(["bold", "large", "underline", "sh"])
    notes.append(f"headings {hstyle}, numbering {numbering}")
    romans = ["I", "II", "III", "IV", "V", "VI"]
    head_text = {}
    for n, si in enumerate(order, start=1):
        sid, title, aliases, own = SECTIONS[si]
        r = rng.random()
        if r < 0.35:
            name = rng.choice(own)
        elif r < 0.55:
            name = rng.choice(aliases)
        else:
            name = title if rng.random() < 0.8 else title.upper()
        if sid == "budget" and rng.random() < 0.5:
            name = "Program Budget"
        prefix = {"none": "", "dot": f"{n}. ", "section": f"Section {n}: ", "roman": f"{romans[n - 1]}. ",
                  "letter": f"{'ABCDEF'[n - 1]}. "}[numbering]
        head_text[sid] = prefix + name
    notes.append(f"headings {head_text}")

    contents = rng.random() < 0.35
    if contents:
        doc.req(".bp\n.LP\n.ce 1\n\\fBTable of Contents\\fP\n.sp 1")
        for si in order:
            sid = SECTIONS[si][0]
            doc.text(f"{head_text[sid]} {'.' * 30} {rng.randint(2, 12)}")
            doc.req(".br")
        notes.append("contents page")
    doc.req(".bp")
    # the first sections share one page (short), later ones flow and start mid-page or on a new page
    shared = rng.randint(2, 3)
    notes.append(f"first {shared} sections on one page")
    lines_total = None
    budget_lines: list[str] = []
    mention_done = False
    for n, si in enumerate(order):
        sid = SECTIONS[si][0]
        if n >= shared and rng.random() < 0.4:
            doc.req(".bp")
        heading(doc, head_text[sid], hstyle)
        if n < shared:
            doc.text(paragraph(rng, rng.randint(2, 3)))
        else:
            for _ in range(rng.randint(1, 4)):
                doc.text(paragraph(rng))
                doc.req(".PP")
        # a body sentence naming a later section's heading exactly
        later = [SECTIONS[sj][0] for sj in order[n + 1:]]
        if later and not mention_done and rng.random() < 0.5:
            target = rng.choice(later)
            doc.text(f"As described under {head_text[target]} later in this response, the plan is funded.")
            doc.req(".PP")
            mention_done = True
            notes.append(f"body names {target}'s heading early")
        if sid == "capacity" and rng.random() < 0.5:
            doc.req(".LP\n\\fIOur History\\fP\n.PP")
            doc.text(paragraph(rng))
        if sid == "budget":
            lines_total, budget_lines = budget(doc, rng, notes)

    # scanned page (image) and signature page, appended after typesetting
    scanned_refs = "references" in [SECTIONS[si][0] for si in order] and order[-1] == 5 and rng.random() < 0.35
    if scanned_refs:
        # take references out of the typeset text: it is drawn as a scanned page instead
        idx_ref = max(i for i, line in enumerate(doc.out) if head_text["references"] in line)
        cut = idx_ref
        while cut > 0 and doc.out[cut - 1].startswith((".sp", ".ne", ".LP", ".SH", ".bp")):
            cut -= 1
        doc.out = doc.out[:cut]
        notes.append("references on a scanned page")
    signature = rng.random() < 0.4
    if signature:
        doc.req(".bp\n.LP\n\\fBAuthorized Signature\\fP\n.sp 3\n.br")
        doc.text("______________________________")
        doc.req(".br")
        doc.text(f"{person}, Executive Director")
        doc.req(".br")
        doc.text("Date: June 3, 2026")
        notes.append("signature page")
    if cover_price and lines_total is not None:
        # put the cover's total price after the lot line
        k = next(i for i, line in enumerate(doc.out) if LOTS[lot] in line)
        if cover_style in ("table",):
            doc.out.insert(k + 1, f"Total Price\t{money(lines_total, 'dollar')}")
        elif cover_style == "boxes":
            doc.out.insert(k + 1, f"T{{\n\\s-3Total Price\\s+3\n.br\n{money(lines_total, 'dollar')}\nT}}")
        else:
            doc.out.insert(k + 1, esc(f"Total Price: {money(lines_total, 'dollar')}") + "\n.br")
        notes.append("total price on cover")

    src = "\n".join(doc.out) + "\n"
    pdf = subprocess.run(["groff", "-k", "-ms", "-t", "-Tpdf", "-P-pletter"], input=src.encode("utf-8"),
                         capture_output=True, check=True).stdout
    name = f"groff-{seed:03d}-{idx + 1:02d}"
    path = out / f"{name}.pdf"
    if scanned_refs:
        pdf = append_scan(pdf, head_text["references"], rng, before_last=signature)
    path.write_bytes(pdf)
    pages = page_texts(path)
    sections = []
    for si in order:
        sid = SECTIONS[si][0]
        if sid == "references" and scanned_refs:
            p = len(pages) - (1 if signature else 0)
        else:
            p = find_heading(pages, head_text[sid], start=2 if contents else 1)
        sections.append({"id": sid, "start_page": p})
    truth = {
        "kind": "response", "pages": len(pages), "sections": sections,
        "missing_sections": [s[0] for s in SECTIONS if s[0] not in [SECTIONS[i][0] for i in order]],
        "cover": {"organization_name": org, "tax_id": fein, "email": email},
        "budget": ({"total": f"{lines_total:.2f}", "lines": budget_lines} if lines_total is not None else None),
        "notes": "typeset by groff -ms -Tpdf; " + "; ".join(notes),
    }
    (out / f"{name}.truth.json").write_text(json.dumps(truth, indent=2))
    return truth


def budget(doc: Doc, rng: random.Random, notes: list) -> tuple[Decimal, list[str]]:
    whole = rng.random() < 0.4
    style = rng.choice(["whole", "dollar space"]) if whole else rng.choice(["dollar", "plain"])
    items = rng.sample(ITEMS, rng.randint(5, 16))
    amounts = []
    for _ in items:
        v = Decimal(rng.randint(2000, 400000)) + (Decimal(0) if whole else Decimal(rng.randint(0, 99)) / 100)
        amounts.append(v)
    if rng.random() < 0.3:
        items.append("Less: other revenue")
        amounts.append(-Decimal(rng.randint(5, 20) * 1000))
    total = sum(amounts)
    kind = rng.choice(["table", "leaders", "split", "request"])
    label = rng.choice(TOTAL_LABELS)
    notes.append(f"budget {kind}, {style}, {len(items)} lines, total label {label!r}")
    if kind == "leaders":
        for it, a in zip(items, amounts):
            doc.text(f"{it} {'.' * max(6, 44 - len(it))} {money(a, style)}")
            doc.req(".br")
        doc.text(f"{label} {'.' * max(6, 44 - len(label))} {money(total, style)}")
        doc.req(".br")
    elif kind == "split":
        half = max(2, len(items) // 2)
        doc.req(".TS\nbox;\nlB rB\nl r.\nLine item\tAmount\n_")
        for it, a in zip(items[:half], amounts[:half]):
            doc.req(f"{it}\t{money(a, style)}")
        doc.req(f"_\nSubtotal (page 1)\t{money(sum(amounts[:half]), style)}\n.TE")
        doc.req(".bp")
        doc.req(".TS\nbox;\nlB rB\nl r.\nLine item (continued)\tAmount\n_")
        doc.req(f"Carried forward\t{money(sum(amounts[:half]), style)}")
        for it, a in zip(items[half:], amounts[half:]):
            doc.req(f"{it}\t{money(a, style)}")
        doc.req(f"_\n{label}\t{money(total, style)}\n.TE")
    else:
        doc.req(".TS\n" + rng.choice(["box;", "allbox;", ""]) + "\nlB rB\nl r.\nLine item\tAmount\n_")
        for it, a in zip(items, amounts):
            doc.req(f"{it}\t{money(a, style)}")
        if kind == "table":
            doc.req(f"_\n{label}\t{money(total, style)}")
        doc.req(".TE")
        if kind == "request":
            doc.req(".sp 1\n.LP")
            doc.text(f"{rng.choice(['TOTAL REQUEST', 'Total Amount Requested'])}: {money(total, style)}")
    if rng.random() < 0.5:
        doc.req(".PP")
        doc.text(f"Family partners are billed at ${rng.randint(40, 65)}.00 per hour, and flexible funds are "
                 f"capped at most $500 per family a year; mileage is paid at $0.67 per mile.")
        notes.append("prose quoting rates after the budget")
    return total, [f"{a:.2f}" for a in amounts]


def append_scan(pdf: bytes, head: str, rng: random.Random, before_last: bool) -> bytes:
    from PIL import Image, ImageDraw, ImageFont
    from pypdf import PdfReader, PdfWriter

    img = Image.new("L", (1700, 2200), 255)
    d = ImageDraw.Draw(img)
    big = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 44)
    small = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 30)
    d.text((200, 220), head, font=big, fill=0)
    y = 340
    for i in range(3):
        for line in (f"Reference {i + 1}: {rng.choice(PEOPLE)}, Program Manager",
                     f"Agency: {rng.choice(['DCF Area Office', 'Mass General', 'Worcester Schools'])}",
                     f"Phone: (508) 555-{rng.randint(1000, 9999)}"):
            d.text((200, y), line, font=small, fill=0)
            y += 50
        y += 40
    for _ in range(300):
        d.point((rng.randint(0, 1699), rng.randint(0, 2199)), fill=rng.randint(60, 180))
    img = img.rotate(rng.uniform(-0.8, 0.8), fillcolor=255)
    buf = io.BytesIO()
    img.save(buf, "PDF", resolution=200)
    reader, scan = PdfReader(io.BytesIO(pdf)), PdfReader(io.BytesIO(buf.getvalue()))
    w = PdfWriter()
    pages = list(reader.pages)
    last = pages.pop() if before_last else None
    for p in pages:
        w.add_page(p)
    w.add_page(scan.pages[0])
    if last is not None:
        w.add_page(last)
    o = io.BytesIO()
    w.write(o)
    return o.getvalue()


def page_texts(path: Path) -> list[str]:
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(path)], capture_output=True,
                                                          text=True).stdout).group(1))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(path), "-"],
                           capture_output=True, text=True).stdout for i in range(1, n + 1)]


def find_heading(pages: list[str], head: str, start: int) -> int:
    want = " ".join(head.split())
    for i, text in enumerate(pages, start=1):
        if i < start:
            continue
        for line in text.splitlines():
            if " ".join(line.split()) == want:
                return i
    raise SystemExit(f"heading {head!r} not found on any page")


def hostile(out: Path, seed: int, good: Path, truth: dict):
    data = good.read_bytes()
    (out / f"hostile-{seed:03d}-junk.pdf").write_bytes(b"\x00\x17junk header from a mail gateway\n" + data)
    t = dict(truth)
    t.update({"kind": "hostile", "expect": "accepted"})
    (out / f"hostile-{seed:03d}-junk.truth.json").write_text(json.dumps(t, indent=2))
    (out / f"hostile-{seed:03d}-truncated.pdf").write_bytes(data[: len(data) // 3])
    (out / f"hostile-{seed:03d}-notpdf.pdf").write_bytes(b"PK\x03\x04 this is a zip file, renamed")
    for n in ("truncated", "notpdf"):
        (out / f"hostile-{seed:03d}-{n}.truth.json").write_text(json.dumps({"kind": "hostile",
                                                                           "expect": "rejected"}))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=16)
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(a.seed)
    first = None
    for i in range(a.count):
        t = make_one(random.Random(rng.random()), i, a.out, a.seed)
        first = first or (a.out / f"groff-{a.seed:03d}-{i + 1:02d}.pdf", t)
    hostile(a.out, a.seed, *first)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        main()
