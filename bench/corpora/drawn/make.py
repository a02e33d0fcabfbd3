"""Held-out corpus of bidder responses drawn directly with fpdf2 (see bench/corpora/SPEC.md).

    .venv/bin/python bench/corpora/drawn/make.py --out DIR --seed N --count K

Every page is laid out here (own line breaking, own pagination), so the page of each heading
is known from the layout itself. Pages are then drawn with fpdf2, sometimes in an order that
is not the reading order. Independent of procure/ and of the other makers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype")
FONTS = {
    "LibSerif": ("liberation/LiberationSerif-Regular.ttf", "liberation/LiberationSerif-Bold.ttf",
                 "liberation/LiberationSerif-Italic.ttf"),
    "LibSans": ("liberation/LiberationSans-Regular.ttf", "liberation/LiberationSans-Bold.ttf",
                "liberation/LiberationSans-Italic.ttf"),
    "DejaSans": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf", "dejavu/DejaVuSans-Oblique.ttf"),
    "DejaSerif": ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf", "dejavu/DejaVuSerif-Italic.ttf"),
    "LibNarrow": ("liberation/LiberationSansNarrow-Regular.ttf", "liberation/LiberationSansNarrow-Bold.ttf",
                  "liberation/LiberationSansNarrow-Italic.ttf"),
}
PT = 25.4 / 72  # mm per point

SECTIONS = [
    ("summary", "Executive Summary", ["Project Summary"], "Executive Summary and Overview"),
    ("capacity", "Organizational Capacity", ["Organizational Experience"],
     "Our Organizational Capacity and Experience"),
    ("approach", "Technical Approach", ["Program Design", "Scope of Services"],
     "Our Technical Approach and Program Design"),
    ("staffing", "Staffing Plan", ["Key Personnel"], "Our Staffing Plan and Key Personnel"),
    ("budget", "Budget", ["Cost Proposal", "Budget and Budget Narrative"], "Proposed Budget"),
    ("references", "References", ["Client References"], "Client References and Contacts"),
]
LOTS = {"1": "Region North", "2": "Region South", "3": "Boston Metro"}

ORG_NAMES = [
    "Harbor & Hills Family Center, Inc.", "St. Brigid's Community Services, LLC",
    "Rivers, Roots & Wings Collaborative Inc.", "Kids' Place Family Network, Inc.",
    "O'Connell & Ruiz Family Partners LLC", "Merrimack Valley Family Alliance, Inc.",
    "New Day Family Supports, LLC", "Three Rivers Children's Services Inc.",
    "Greater Boston Parents' Circle, Inc.", "Cape & Islands Home Visiting, LLC",
    "Pioneer Valley Family Resource Center", "Lowell Families First, Inc.",
    "Brockton Area Kinship & Care LLC", "Neighbors' Hands, Inc.",
    "Berkshire Family Link, Co-op, Inc.", "Mystic River Family Services LLC",
]
EMAIL_DOMAINS = ["harborhills.org", "stbrigids.org", "rrwings.org", "kidsplace.net", "ocr-family.com",
                 "mvfa.org", "newdayfs.org", "threerivers.org", "gbpc.org", "capehv.org",
                 "pvfrc.org", "lowellff.org", "bakc.org", "neighborshands.org", "bfl.coop", "mrfs.org"]
PEOPLE = [("Jane", "Doe"), ("Marcus", "Oyelaran"), ("Priya", "Raman"), ("Tomás", "Ferreira"),
          ("Aoife", "Brennan"), ("Keisha", "Lamothe"), ("Daniel", "Cho"), ("Rosa", "Medeiros"),
          ("Samuel", "Whitcomb"), ("Linh", "Tran"), ("Fatima", "Haddad"), ("Connor", "Walsh")]

LABELS = {
    "org": ["Legal Name of Organization", "Organization Name", "Applicant Organization", "Bidder",
            "Name of Agency"],
    "fein": ["FEIN", "Federal Tax ID (FEIN)", "Tax ID Number", "Federal Employer Identification Number"],
    "email": ["Email", "E-mail Address", "Contact Email"],
    "contact": ["Contact Person", "Authorized Contact", "Primary Contact"],
    "phone": ["Phone", "Telephone", "Contact Phone"],
    "address": ["Address", "Mailing Address", "Business Address"],
    "lots": ["Lot(s) Bid", "Lots Applied For", "Lot(s)"],
    "price": ["Total Price", "Total Proposed Price", "Total Price (all years)"],
}

SUBHEADS = {
    "summary": ["Who We Are", "Why Us"],
    "capacity": ["Our History", "Governance", "Financial Stability", "Service Area"],
    "approach": ["Service Model", "Outreach and Engagement", "Outcomes and Evaluation", "Quality Assurance"],
    "staffing": ["Training", "Supervision", "Recruitment and Retention"],
    "budget": ["Budget Narrative", "Cost Assumptions"],
    "references": [],
}

SENTENCES = [
    "Our teams meet families where they are, in homes, schools and community centers across the region.",
    "Each family works with a single family support worker who coordinates every service the family uses.",
    "We have delivered community-based family support under state contracts since 2009 without interruption.",
    "Caseloads are held at twelve families per worker so that visits can be weekly during the first quarter.",
    "Services are offered in English, Spanish, Portuguese, Haitian Creole and Vietnamese by bilingual staff.",
    "Referrals are accepted from the area office, schools, pediatric practices and families themselves.",
    "A family plan is written with the parents within thirty days and reviewed at least every ninety days.",
    "We measure progress with the Protective Factors Survey at intake, at six months and at discharge.",
    "Our board of directors includes parents who have used our services and local business leaders.",
    "Flexible funds help families with rent arrears, utility shut-off notices, car repairs and child care.",
    "Weekly group supervision is complemented by individual supervision of at least one hour every week.",
    "All staff complete forty hours of orientation, including mandated reporter and trauma-informed practice.",
    "We partner with food pantries, housing authorities and legal aid programs to close gaps quickly.",
    "Evening and Saturday hours are offered so that working parents can take part without losing wages.",
    "Data are entered in our case management system within two business days of every contact.",
    "The program director reports monthly to the agency on referrals, enrollments, outcomes and waitlists.",
    "Our audited financial statements for the last three years show no findings and a growing reserve.",
    "Parent cafés and peer mentoring give families a network that lasts beyond the end of services.",
]
CROSSREF = [
    "The cost of these activities is described in the {budget} section below.",
    "Staff qualifications are set out in the {staffing} section.",
    "As described in the {approach} section, every family receives a written plan.",
    "Further detail on our track record appears under {capacity}, and contacts are listed in {references}.",
    "See the {budget} for how supervision time is funded.",
]

BUDGET_ITEMS = {
    "Personnel": ["Program Director", "Family Support Workers", "Clinical Supervisor", "Parent Partners",
                  "Data and Quality Coordinator", "Administrative Assistant", "Bilingual Outreach Worker",
                  "Fringe Benefits", "Payroll Taxes"],
    "Operating": ["Mileage and Local Travel", "Staff Training", "Rent and Utilities", "Program Supplies",
                  "Flexible Family Funds", "Interpreter Services", "Evaluation Consultant", "Technology and Phones",
                  "Insurance", "Annual Audit", "Printing and Outreach", "Parent Group Meals", "Child Care Stipends"],
}
OFFSETS = ["Less: In-kind Contribution", "Less: MassHealth Revenue Offset", "Program Income (offset)",
           "Less: Foundation Match"]


# --------------------------------------------------------------------------- variation plan


class Plan:
    """Spreads each variation over the corpus: value i of a dimension goes to files in turn."""

    def __init__(self, seed: int, index: int):
        self.seed = seed
        self.index = index
        self.rng = random.Random(f"{seed}/{index}")
        self.drawn: dict[str, object] = {}

    def cycle(self, name: str, options: list):
        n = len(options)  # each block of n files gets every value once, in a seeded order
        order = random.Random(f"{self.seed}:{name}:{self.index // n}").sample(range(n), n)
        value = options[order[self.index % n]]
        self.drawn[name] = value
        return value


# --------------------------------------------------------------------------- layout model


@dataclass
class Op:
    kind: str  # text | line | rect | image
    args: tuple
    font: tuple = ("LibSans", "", 10.0, 0.0)  # family, style, size pt, char spacing pt
    layer: str = "body"  # body | hf
    col: int = 0
    tcol: int = 0


@dataclass
class Page:
    ops: list[Op] = field(default_factory=list)
    two_col: bool = False
    image: Image.Image | None = None
    section_at_top: str = ""


class Measure:
    def __init__(self):
        self.pdf = FPDF(unit="mm")
        add_fonts(self.pdf)

    def width(self, s: str, font: tuple) -> float:
        fam, style, size, cs = font
        self.pdf.set_font(fam, style, size)
        return self.pdf.get_string_width(s) + cs * PT * len(s)


def add_fonts(pdf: FPDF) -> None:
    for fam, (reg, bold, ital) in FONTS.items():
        pdf.add_font(fam, "", str(FONT_DIR / reg))
        pdf.add_font(fam, "B", str(FONT_DIR / bold))
        pdf.add_font(fam, "I", str(FONT_DIR / ital))


class Layout:
    def __init__(self, measure: Measure, size: tuple, margins: tuple, header_space: bool):
        self.m = measure
        self.W, self.H = size
        self.L, self.R, self.T, self.B = margins
        self.pages: list[Page] = []
        self.ncols = 1
        self.col = 0
        self.gutter = 8.0
        self.col_top = self.T
        self.current_section = ""
        self.header_space = header_space

    # geometry
    @property
    def bottom(self) -> float:
        return self.H - self.B

    def col_x(self) -> float:
        if self.ncols == 1:
            return self.L
        return self.L + self.col * (self.col_w() + self.gutter)

    def col_w(self) -> float:
        full = self.W - self.L - self.R
        return full if self.ncols == 1 else (full - self.gutter) / 2

    def new_page(self) -> None:
        self.pages.append(Page(section_at_top=self.current_section))
        self.y = self.T
        self.col = 0
        self.col_top = self.T
        if self.ncols == 2:
            self.pages[-1].two_col = True

    @property
    def page_no(self) -> int:
        return len(self.pages)

    def need(self, h: float) -> None:
        if self.y + h <= self.bottom:
            return
        if self.ncols == 2 and self.col == 0:
            self.col = 1
            self.y = self.col_top
            return
        self.new_page()

    def start_columns(self) -> None:
        if self.y > self.bottom - 40:
            self.new_page()
        self.ncols, self.col, self.col_top = 2, 0, self.y
        self.pages[-1].two_col = True

    def end_columns(self) -> None:
        if self.ncols == 2 and self.col == 1:
            self.ncols = 1
            self.new_page()
        self.ncols, self.col = 1, 0

    def emit(self, kind: str, *args, font=None, layer="body", tcol=0) -> None:
        op = Op(kind, args, font or ("LibSans", "", 10.0, 0.0), layer, self.col if self.ncols == 2 else 0, tcol)
        self.pages[-1].ops.append(op)

    # text
    def wrap(self, text: str, font: tuple, width: float) -> list[str]:
        lines, cur = [], ""
        for word in text.split():
            trial = f"{cur} {word}" if cur else word
            if cur and self.m.width(trial, font) > width:
                lines.append(cur)
                cur = word
            else:
                cur = trial
        if cur:
            lines.append(cur)
        return lines

    def paragraph(self, text: str, font: tuple, after: float = 2.5, indent: float = 0.0) -> None:
        lead = font[2] * PT * 1.3
        for line in self.wrap(text, font, self.col_w() - indent):
            self.need(lead)
            self.emit("text", self.col_x() + indent, self.y + font[2] * PT * 0.95, line, font=font)
            self.y += lead
        self.y += after

    def skip(self, h: float) -> None:
        self.y += h


# --------------------------------------------------------------------------- amounts


def to_cents_str(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    return f"{sign}{c // 100}.{c % 100:02d}"


def round_dollars(cents: int) -> int:
    d = (Decimal(cents) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(d) * 100


def fmt_amount(cents: int, style: str, neg: str) -> str:
    whole = style in ("comma_whole", "dollar_space_whole", "dollar_whole")
    c = abs(cents)
    if whole:
        body = f"{c // 100:,}"
    elif style == "plain_cents":
        body = f"{c // 100}.{c % 100:02d}"
    else:
        body = f"{c // 100:,}.{c % 100:02d}"
    prefix = {"dollar_cents": "$", "dollar_space_whole": "$ ", "dollar_whole": "$"}.get(style, "")
    if cents >= 0:
        return prefix + body
    if neg == "parens":
        return f"({prefix}{body})"
    return f"-{prefix}{body}"


# --------------------------------------------------------------------------- one response


def roman(n: int) -> str:
    return ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"][n - 1]


def heading_parts(style: str, n: int, title: str) -> tuple[str, str]:
    """(number run, title run); number run may be empty."""
    letter = "ABCDEFGH"[n - 1]
    return {
        "num_dot": (f"{n}.", title),
        "num_zero": (f"{n}.0", title),
        "letter": (f"{letter}.", title),
        "section_colon": (f"Section {n}:", title),
        "part_dash": (f"Part {n} \u2013", title),
        "roman": (f"{roman(n)}.", title),
        "plain": ("", title),
    }[style]


def sentence_case(s: str) -> str:
    words = s.split()
    return " ".join([words[0]] + [w.lower() for w in words[1:]])


class Response:
    def __init__(self, seed: int, index: int, measure: Measure):
        self.p = p = Plan(seed, index)
        rng = p.rng
        self.m = measure
        self.name = f"drawn-{seed:03d}-{index + 1:02d}"
        # bidder
        self.org = ORG_NAMES[(index + seed * 7) % len(ORG_NAMES)]
        first, last = rng.choice(PEOPLE)
        self.contact = f"{first} {last}"
        dom = EMAIL_DOMAINS[(index + seed * 7) % len(EMAIL_DOMAINS)]
        self.email = f"{first[0].lower()}{last.lower()}@{dom}".replace("á", "a").replace("ó", "o")
        self.email = self.email.encode("ascii", "ignore").decode()
        self.fein = f"{rng.randrange(10, 99)}-{rng.randrange(1000000, 9999999)}"
        self.phone = f"({rng.randrange(413, 990)}) {rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}"
        self.address = rng.choice(["12 Water Street, Lowell, MA 01852", "400 Main St., Suite 2, Brockton, MA 02301",
                                   "77 Elm Street, Springfield, MA 01103", "9 Harbor Way, Boston, MA 02110"])
        self.lots = sorted(rng.sample(list(LOTS), rng.randint(1, 2)))
        self.labels = {k: rng.choice(v) for k, v in LABELS.items()}
        p.drawn["cover_labels"] = "/".join(self.labels[k] for k in ("org", "fein", "email"))
        # document style
        self.body_font = p.cycle("body_font", ["LibSerif", "LibSans", "DejaSerif", "DejaSans", "LibSerif", "LibSans"])
        self.head_font = p.cycle("head_font", ["same", "LibSans", "DejaSans", "LibSerif"])
        if self.head_font == "same":
            self.head_font = self.body_font
        self.body_size = p.cycle("body_size", [10.0, 11.0, 12.0, 10.5])
        self.page_size = p.cycle("page_size", [(215.9, 279.4), (210.0, 297.0), (215.9, 279.4)])
        self.cover_style = p.cycle("cover_style", ["colon_lines", "table_ruled", "table_unruled", "fixed_x", "boxes"])
        self.head_style = p.cycle("heading_number", ["num_dot", "num_zero", "letter", "section_colon", "part_dash",
                                                     "roman", "plain"])
        self.head_case = p.cycle("heading_case", ["title", "upper", "sentence", "title"])
        self.head_look = p.cycle("heading_look", ["bold_larger", "bold_same", "larger_regular", "two_runs",
                                                  "letter_spaced", "mixed_size", "bold_larger", "two_runs"])
        self.naming = p.cycle("heading_naming", ["titles", "aliases", "embellished", "mixed"])
        self.contents = p.cycle("contents", ["none", "leaders", "numbers_only", "none", "no_numbers"])
        self.subheads = p.cycle("subheadings", [True, False, True])
        self.crossref = p.cycle("crossref_sentences", [True, True, False])
        self.running_header = p.cycle("running_header", ["none", "doc_title", "section_title", "none"])
        self.footer = p.cycle("page_numbers", ["page_x_of_y", "x", "page_x", "dash_x", "org_page", "none"])
        self.missing_n = p.cycle("missing_count", [0, 1, 0, 2, 1, 0])
        self.swap = p.cycle("swap", [False, False, True, False])
        self.two_col = p.cycle("two_columns", ["none", "capacity_approach", "summary", "none", "approach_heading_in_col"])
        self.break_before = p.cycle("section_breaks", ["every", "mid_page", "some"])
        self.draw_order = p.cycle("draw_order", ["reading", "footer_first", "right_first", "amounts_first",
                                                 "reverse_page"])
        self.amount_style = p.cycle("amount_format", ["dollar_cents", "plain_cents", "comma_whole",
                                                      "dollar_space_whole", "comma_cents", "dollar_whole"])
        self.neg_style = p.cycle("negative", ["parens", "minus", "parens"])
        self.n_negative = p.cycle("negative_lines", [1, 0, 1, 2])
        self.total_label = p.cycle("total_label", ["Total", "TOTAL", "Total Budget", "Grand Total",
                                                   "Total Program Cost", "Total Direct Costs"])
        self.extra_col = p.cycle("extra_column", ["none", "fte", "notes", "second_year", "none"])
        self.ruled = p.cycle("budget_ruled", [True, False])
        self.long_table = p.cycle("budget_long", [False, True, False])
        self.rounded = p.cycle("whole_dollar_rounding", [True, False])
        self.subtotals = p.cycle("subtotals", [False, True, False])
        self.cover_price = p.cycle("cover_price", [False, True])
        self.signature = p.cycle("signature_page", ["none", "text", "scanned", "scanned", "text"])
        self.target_pages = p.cycle("target_pages", [3, 5, 8, 11, 14, 18, 22, 25])
        if self.target_pages <= 4:
            self.contents = "none"
            self.signature = "none" if self.signature == "text" else self.signature
            self.long_table = False
            self.break_before = "mid_page"
            self.two_col = "none"
        p.drawn.update(body_font=self.body_font, head_font=self.head_font, contents=self.contents,
                       signature_page=self.signature, budget_long=self.long_table,
                       section_breaks=self.break_before, two_columns=self.two_col)
        # sections present and their order
        ids = [s[0] for s in SECTIONS]
        self.missing = sorted(rng.sample(ids, self.missing_n), key=ids.index)
        order = [i for i in ids if i not in self.missing]
        if self.swap:
            k = rng.randrange(len(order) - 1)
            order[k], order[k + 1] = order[k + 1], order[k]
            p.drawn["swapped"] = f"{order[k + 1]}<->{order[k]}"
        self.order = order
        self.heading_text = {}
        in_col = {"approach_heading_in_col": ["approach"], "capacity_approach": ["capacity", "approach"]}
        for sid, title, aliases, fancy in SECTIONS:
            mode = self.naming if self.naming != "mixed" else rng.choice(["titles", "aliases", "embellished"])
            if sid in in_col.get(self.two_col, []):
                mode = "embellished"  # a long heading in a narrow column: it wraps
            text = {"titles": title, "aliases": rng.choice(aliases), "embellished": fancy}[mode]
            if self.head_case == "upper":
                text = text.upper()
            elif self.head_case == "sentence":
                text = sentence_case(text)
            self.heading_text[sid] = text
        # content pools (fixed per file; density only takes more or fewer)
        self.paras = {sid: [self._para(sid) for _ in range(34)] for sid in ids}
        self.budget = self._budget()

    # ----------------------------------------------------------------- content
    def _para(self, sid: str) -> str:
        rng = self.p.rng
        sents = rng.sample(SENTENCES, rng.randint(3, 6))
        if self.crossref and rng.random() < 0.35:
            names = {s: t for s, t, _a, _f in SECTIONS}
            sents.insert(rng.randrange(len(sents)), rng.choice(CROSSREF).format(**names))
        return " ".join(sents)

    def _budget(self) -> dict:
        rng = self.p.rng
        whole = self.amount_style in ("comma_whole", "dollar_space_whole", "dollar_whole")
        n_pers = rng.randint(3, 5) if not self.long_table else 9
        n_oper = rng.randint(3, 6) if not self.long_table else 13
        groups = []
        for cat, n in (("Personnel", n_pers), ("Operating", n_oper)):
            items = []
            for label in BUDGET_ITEMS[cat][:n]:
                cents = rng.randrange(150_000, 38_000_000)
                if whole and not self.rounded:
                    cents = cents // 100 * 100
                fte = f"{rng.choice([0.5, 1.0, 1.0, 2.0, 3.5, 0.25]):.2f}" if cat == "Personnel" else ""
                items.append([label, cents, fte])
            groups.append([cat, items])
        negs = rng.sample(OFFSETS, self.n_negative)
        for label in negs:
            cents = -rng.randrange(500_000, 2_500_000)
            if whole and not self.rounded:
                cents = cents // 100 * 100
            groups[-1][1].append([label, cents, ""])
        shown = (lambda c: round_dollars(c)) if whole else (lambda c: c)
        rows = []  # (kind, label, printed cents, extra)
        lines = []
        true_sum = 0
        for cat, items in groups:
            if self.subtotals or self.long_table:
                rows.append(("category", cat, None, ""))
            gsum = 0
            for label, cents, fte in items:
                rows.append(("item", label, shown(cents), fte))
                lines.append(shown(cents))
                gsum += cents
            true_sum += gsum
            if self.subtotals:
                rows.append(("subtotal", f"{cat} Subtotal", shown(gsum), ""))
        if self.total_label == "Total Direct Costs":
            rate = rng.choice([8, 10, 12])
            rows.append(("subtotal", "Total Direct Costs", shown(true_sum), ""))
            indirect = true_sum * rate // 100
            if whole and not self.rounded:
                indirect = indirect // 100 * 100
            rows.append(("item", f"Indirect Costs ({rate}%)", shown(indirect), ""))
            lines.append(shown(indirect))
            true_sum += indirect
            rows.append(("total", "Total", shown(true_sum), ""))
        else:
            rows.append(("total", self.total_label, shown(true_sum), ""))
        total = shown(true_sum)
        if not whole or not self.rounded:
            assert total == sum(lines), (total, sum(lines))
        self.p.drawn["budget_rounding_gap"] = (total - sum(lines)) // 100 if whole else 0
        return {"rows": rows, "lines": lines, "total": total}

    def amt(self, cents: int) -> str:
        return fmt_amount(cents, self.amount_style, self.neg_style)

    # ----------------------------------------------------------------- layout
    def layout(self, density: int) -> Layout:
        rng = random.Random(f"layout/{self.p.seed}/{self.p.index}")
        lay = Layout(self.m, self.page_size, (22.0, 20.0, 24.0, 22.0), self.running_header != "none")
        self.head_pages: dict[str, int] = {}
        self.scanned_page = None
        self.budget_pages: list[int] = []
        self.p.drawn["headings_wrapped"] = []
        bf = (self.body_font, "", self.body_size, 0.0)
        lay.new_page()
        self.cover(lay)
        self.contents_page = None
        if self.contents != "none":
            lay.current_section = ""
            lay.new_page()
            self.contents_page = lay.page_no  # filled at render time
        first = True
        for n, sid in enumerate(self.order, start=1):
            brk = {"every": True, "mid_page": False, "some": rng.random() < 0.5}[self.break_before]
            cols = (self.two_col == "capacity_approach" and sid in ("capacity", "approach")) or \
                   (self.two_col == "summary" and sid == "summary") or \
                   (self.two_col == "approach_heading_in_col" and sid == "approach")
            lay.current_section = self.heading_text[sid]
            if first or brk:
                lay.ncols = 1
                lay.new_page()
            first = False
            if cols and self.two_col in ("approach_heading_in_col", "capacity_approach"):
                lay.start_columns()
                self.heading(lay, n, sid)
            else:
                self.heading(lay, n, sid)
                if cols:
                    lay.start_columns()
            self.section_body(lay, n, sid, density, bf, rng)
            if cols:
                lay.end_columns()
                lay.y += 4
        lay.ncols = 1
        if self.signature == "text":
            lay.current_section = ""
            lay.new_page()
            self.signature_text(lay, bf)
        elif self.signature == "scanned":
            lay.current_section = ""
            lay.new_page()
            lay.pages[-1].image = self.scanned_image()
            self.scanned_page = lay.page_no
        return lay

    def cover(self, lay: Layout) -> None:
        fam = self.head_font
        lay.emit("text", lay.L, 40, "Response to Request for Responses RFR-2026-014", font=(fam, "B", 17, 0))
        lay.emit("text", lay.L, 50, "Community-based family support services", font=(fam, "", 14, 0))
        lay.emit("line", lay.L, 55, lay.W - lay.R, 55)
        lots = ", ".join(f"Lot {k} ({LOTS[k]})" for k in self.lots)
        lab = self.labels
        fields = [(lab["org"], self.org), (lab["fein"], self.fein), (lab["contact"], self.contact),
                  (lab["email"], self.email), (lab["phone"], self.phone), (lab["address"], self.address),
                  (lab["lots"], lots)]
        if self.cover_price and "budget" in self.order:
            fields.append((lab["price"], self.amt(self.budget["total"])))
        size = 11.0
        lf = (self.body_font, "B" if self.cover_style != "boxes" else "", size, 0.0)
        vf = (self.body_font, "", size, 0.0)
        y = 70.0
        L, R = lay.L, lay.W - lay.R
        if self.cover_style == "colon_lines":
            for label, value in fields:
                lw = lay.m.width(label + ":", lf)
                lay.emit("text", L, y, label + ":", font=lf)
                lay.emit("text", L + lw + 2.5, y, value, font=vf)
                y += 8
        elif self.cover_style in ("table_ruled", "table_unruled"):
            xv = L + 72
            for label, value in fields:
                if self.cover_style == "table_ruled":
                    lay.emit("rect", L, y - 6, xv - L, 9)
                    lay.emit("rect", xv, y - 6, R - xv, 9)
                lay.emit("text", L + 2, y, label, font=lf)
                lay.emit("text", xv + 2, y, value, font=vf, tcol=1)
                y += 9
        elif self.cover_style == "fixed_x":
            xv = L + 78
            for label, value in fields:
                lay.emit("text", L, y, label, font=lf)
                lay.emit("text", xv, y, value, font=vf, tcol=1)
                y += 8
        else:  # boxes: small label, value in a box below it
            small = (self.body_font, "", 8.5, 0.0)
            for label, value in fields:
                lay.emit("text", L, y, label.upper(), font=small)
                lay.emit("rect", L, y + 1.5, R - L, 8.5)
                lay.emit("text", L + 2.5, y + 7.5, value, font=vf, tcol=1)
                y += 16
        lay.emit("text", L, lay.H - 40, "Submitted to the Department, Procurement Office", font=vf)

    def heading(self, lay: Layout, n: int, sid: str) -> None:
        num, title = heading_parts(self.head_style, n, self.heading_text[sid])
        if self.head_case == "upper":
            num = num.upper()
        fam = self.head_font
        base = self.body_size
        look = self.head_look
        style = "" if look == "larger_regular" else "B"
        size = base if look == "bold_same" else base + 4
        cs = 1.6 if look == "letter_spaced" else 0.0
        font = (fam, style, size, cs)
        lay.y += 3
        lay.need(size * PT * 1.4 + 3 * base * PT * 1.3)
        self.head_pages[sid] = lay.page_no
        x0, width = lay.col_x(), lay.col_w()
        lead = size * PT * 1.3
        base_y = lay.y + size * PT * 0.95
        if look == "two_runs" and num:
            off = max(16.0, lay.m.width(num, font) + 6)
            lines = lay.wrap(title, font, width - off)
            lay.emit("text", x0, base_y, num, font=font)
            for i, line in enumerate(lines):
                lay.emit("text", x0 + off, base_y + i * lead, line, font=font)
        elif look == "mixed_size":
            nfont = (fam, "B", size + 2, 0.0)
            tfont = (fam, "B", size - 1, 0.0)
            if num:
                lay.emit("text", x0, base_y, num, font=nfont)
                off = lay.m.width(num + " ", nfont)
            else:  # a bigger first letter, the rest smaller
                lay.emit("text", x0, base_y, title[0], font=nfont)
                off = lay.m.width(title[0], nfont)
                title = title[1:]
            lines = lay.wrap(title, tfont, width - off)
            for i, line in enumerate(lines):
                lay.emit("text", x0 + off, base_y + i * lead, line, font=tfont)
        else:
            text = f"{num} {title}" if num else title
            lines = lay.wrap(text, font, width)
            for i, line in enumerate(lines):
                lay.emit("text", x0, base_y + i * lead, line, font=font)
        lay.y += lead * len(lines) + 2.5
        if len(lines) > 1:
            self.p.drawn["headings_wrapped"].append(sid)

    def subheading(self, lay: Layout, n: int, k: int, text: str) -> None:
        numbered = self.head_style in ("num_dot", "num_zero") and k % 2 == 0
        label = f"{n}.{k} {text}" if numbered else text
        font = (self.head_font, "B" if k % 3 else "I", self.body_size, 0.0)
        lay.y += 1.5
        lay.need(font[2] * PT * 1.3 * 3)
        lay.emit("text", lay.col_x(), lay.y + font[2] * PT * 0.95, label, font=font)
        lay.y += font[2] * PT * 1.3 + 1

    def section_body(self, lay, n, sid, density, bf, rng) -> None:
        paras = self.paras[sid][: max(1, density)]
        subs = SUBHEADS[sid] if self.subheads else []
        if sid == "references":
            for k in range(min(3 + density // 3, 6)):
                first, last = PEOPLE[(k * 5 + n) % len(PEOPLE)]
                org = ["Lowell Public Schools", "Brockton Housing Authority", "Springfield Family Court",
                       "Boston Children's Clinic", "Merrimack Valley YMCA", "Cape Cod Healthcare"][k]
                lay.paragraph(f"{k + 1}. {first} {last}, Director, {org}. Phone (617) 555-01{k:02d}. "
                              f"Services provided 2021-2025: family support and referrals.", bf)
            return
        if sid == "budget":
            lay.paragraph(paras[0], bf)
            self.budget_table(lay, bf)
            for k, para in enumerate(paras[1:], start=1):
                if subs and k == 1:
                    self.subheading(lay, n, 1, subs[0])
                lay.paragraph(para, bf)
            return
        per = max(1, len(paras) // (len(subs) + 1)) if subs else len(paras)
        si = 0
        for k, para in enumerate(paras):
            if subs and k > 0 and k % per == 0 and si < len(subs):
                self.subheading(lay, n, si + 1, subs[si])
                si += 1
            lay.paragraph(para, bf)

    def budget_table(self, lay: Layout, bf: tuple) -> None:
        size = min(self.body_size, 10.5)
        f = (self.body_font, "", size, 0.0)
        fb = (self.body_font, "B", size, 0.0)
        row_h = size * PT * 1.9
        L, R = lay.L, lay.W - lay.R
        extra = self.extra_col
        year2 = extra == "second_year"
        header = ["Line Item"]
        cols_x = []  # right edges of amount columns
        if year2:
            cols_x = [R - 62, R - 31, R - 2]
            header += ["Year 1", "Year 2", "Total"]
        else:
            cols_x = [R - 2]
            header += ["Amount"]
        mid_x = L + 78 if extra in ("fte", "notes") else None

        def draw_header():
            lay.need(row_h)
            y = lay.y + row_h * 0.68
            if self.ruled:
                lay.emit("rect", L, lay.y, R - L, row_h)
            else:
                lay.emit("line", L, lay.y + row_h, R, lay.y + row_h)
            lay.emit("text", L + 2, y, header[0], font=fb)
            if mid_x:
                lay.emit("text", mid_x, y, "FTE" if extra == "fte" else "Notes", font=fb, tcol=1)
            for i, h in enumerate(header[1:]):
                lay.emit("text", cols_x[i] - lay.m.width(h, fb), y, h, font=fb, tcol=2)
            lay.y += row_h

        draw_header()
        self.budget_pages.append(lay.page_no)
        y2_split = random.Random(f"y2/{self.p.seed}/{self.p.index}")
        note_words = ["per salary scale", "12 months", "IRS rate", "est.", "quote on file", "3 sites", ""]
        y1_group = y1_all = 0
        for kind, label, cents, fte in self.budget["rows"]:
            if lay.y + row_h > lay.bottom:
                lay.new_page()
                self.budget_pages.append(lay.page_no)
                lay.emit("text", L, lay.y + 4, f"{self.heading_text['budget']} (continued)", font=(self.body_font, "I", size, 0.0))
                lay.y += 7
                draw_header()
            font = fb if kind in ("total", "subtotal", "category") else f
            y = lay.y + row_h * 0.68
            if self.ruled:
                lay.emit("rect", L, lay.y, R - L, row_h)
            elif kind == "total":
                lay.emit("line", L, lay.y, R, lay.y)
            indent = 6 if kind == "item" and (self.subtotals or self.long_table) else 2
            lay.emit("text", L + indent, y, label, font=font)
            if kind == "category":
                lay.y += row_h
                continue
            if mid_x and kind == "item":
                txt = fte if extra == "fte" else y2_split.choice(note_words)
                if txt:
                    lay.emit("text", mid_x, y, txt, font=f, tcol=1)
            if year2:
                if kind == "item":
                    a = cents * 48 // 100
                    if self.amount_style in ("comma_whole", "dollar_space_whole", "dollar_whole"):
                        a = a // 100 * 100
                    y1_group += a
                    y1_all += a
                elif label == "Total Direct Costs" or kind == "total":
                    a = y1_all
                else:
                    a, y1_group = y1_group, 0
                vals = [a, cents - a, cents]
            else:
                vals = [cents]
            for i, v in enumerate(vals):
                s = self.amt(v)
                lay.emit("text", cols_x[i] - lay.m.width(s, font), y, s, font=font, tcol=2)
            lay.y += row_h
        lay.y += 4

    def signature_text(self, lay: Layout, bf: tuple) -> None:
        lay.emit("text", lay.L, lay.T + 10, "Certification and Signature", font=(self.head_font, "B", 14, 0))
        lay.y = lay.T + 18
        lay.paragraph("I certify that the information in this response is true and complete, and that I am "
                      "authorized to bind the bidder named on the cover.", bf)
        y = lay.y + 20
        lay.emit("line", lay.L, y, lay.L + 90, y)
        lay.emit("text", lay.L, y + 5, "Authorized Signature", font=bf)
        lay.emit("text", lay.L, y + 15, f"Name: {self.contact}", font=bf)
        lay.emit("text", lay.L, y + 23, "Title: Executive Director", font=bf)
        lay.emit("text", lay.L, y + 31, "Date: October 14, 2026", font=bf)

    def scanned_image(self) -> Image.Image:
        rng = random.Random(f"scan/{self.p.seed}/{self.p.index}")
        dpi = 100
        w, h = int(self.page_size[0] / 25.4 * dpi), int(self.page_size[1] / 25.4 * dpi)
        img = Image.new("L", (w, h), 246)
        d = ImageDraw.Draw(img)
        big = ImageFont.truetype(str(FONT_DIR / "liberation/LiberationSerif-Bold.ttf"), 26)
        reg = ImageFont.truetype(str(FONT_DIR / "liberation/LiberationSerif-Regular.ttf"), 17)
        x, y = 90, 110
        d.text((x, y), "CERTIFICATION", font=big, fill=30)
        y += 60
        for line in ["I certify under the pains and penalties of perjury that the information",
                     f"in this response of {self.org} is true and complete,",
                     "and that I am authorized to sign on behalf of the bidder.", "",
                     "Solicitation: RFR-2026-014, Community-based family support services"]:
            d.text((x, y), line, font=reg, fill=35)
            y += 28
        y += 80
        pts = [(x + 10 + i * 6, y - 10 - int(12 * ((i * 7919 + rng.randrange(9)) % 13) / 13)) for i in range(40)]
        d.line(pts, fill=20, width=2)
        d.line([(x, y + 4), (x + 330, y + 4)], fill=40, width=1)
        d.text((x, y + 10), "Authorized Signature", font=reg, fill=35)
        d.text((x, y + 50), f"Name: {self.contact}", font=reg, fill=35)
        d.text((x, y + 78), "Title: Executive Director", font=reg, fill=35)
        d.text((x, y + 106), "Date: 10/14/2026", font=reg, fill=35)
        px = img.load()
        for _ in range(2500):  # scanner specks
            px[rng.randrange(w), rng.randrange(h)] = rng.randrange(60, 200)
        return img.rotate(rng.uniform(-0.8, 0.8), resample=Image.BILINEAR, fillcolor=250)

    # ----------------------------------------------------------------- render
    def pick_layout(self) -> Layout:
        best = None
        for density in range(1, 35):
            n = len(self.layout(density).pages)
            score = abs(n - self.target_pages)
            if 3 <= n <= 25 and (best is None or score < best[0]):
                best = (score, density)
            if n > self.target_pages + 1:
                break
        assert best is not None, self.name
        density = best[1]
        lay = self.layout(density)  # layout is a pure function of density
        self.p.drawn["density"] = density
        return lay

    def decorate(self, lay: Layout) -> None:
        total = len(lay.pages)
        hf = (self.body_font, "I" if self.running_header == "section_title" else "", 8.5, 0.0)
        for i, page in enumerate(lay.pages, start=1):
            if page.image is not None or i == 1:
                continue
            if self.running_header != "none":
                text = (f"RFR-2026-014 Response \u2013 {self.org}" if self.running_header == "doc_title"
                        else page.section_at_top or "RFR-2026-014")
                page.ops.append(Op("text", (lay.L, lay.T - 9, text), hf, "hf"))
                page.ops.append(Op("line", (lay.L, lay.T - 7, lay.W - lay.R, lay.T - 7), hf, "hf"))
            fmt = {"page_x_of_y": f"Page {i} of {total}", "x": f"{i}", "page_x": f"Page {i}",
                   "dash_x": f"- {i} -", "org_page": f"{self.org} | RFR-2026-014 | Page {i}", "none": ""}[self.footer]
            if fmt:
                w = self.m.width(fmt, hf)
                x = lay.W - lay.R - w if self.footer in ("page_x_of_y", "org_page") else (lay.W - w) / 2
                page.ops.append(Op("text", (x, lay.H - 12, fmt), hf, "hf"))
        if self.contents_page:
            self.contents_ops(lay)

    def contents_ops(self, lay: Layout) -> None:
        page = lay.pages[self.contents_page - 1]
        bf = (self.body_font, "", self.body_size, 0.0)
        title = "Table of Contents" if self.p.index % 2 else "Contents"
        page.ops.append(Op("text", (lay.L, lay.T + 8, title), (self.head_font, "B", self.body_size + 4, 0.0)))
        y = lay.T + 22
        R = lay.W - lay.R
        entries = [("Cover Page", 1)]
        for n, sid in enumerate(self.order, start=1):
            num, t = heading_parts(self.head_style, n, self.heading_text[sid])
            entries.append((f"{num} {t}" if num else t, self.head_pages[sid]))
        if self.signature != "none":
            entries.append(("Certification", len(lay.pages)))
        for text, pg in entries:
            page.ops.append(Op("text", (lay.L, y, text), bf))
            if self.contents != "no_numbers":
                s = str(pg)
                w = self.m.width(s, bf)
                page.ops.append(Op("text", (R - w, y, s), bf))
                if self.contents == "leaders":
                    start = lay.L + self.m.width(text, bf) + 2
                    dot_w = self.m.width(" .", bf)
                    n = int((R - w - 2 - start) / dot_w)
                    if n > 0:
                        page.ops.append(Op("text", (start, y, " ." * n), bf))
            y += self.body_size * PT * 2

    def ordered(self, page: Page) -> list[Op]:
        ops = list(page.ops)
        mode = self.draw_order
        if mode == "footer_first":
            ops.sort(key=lambda o: o.layer != "hf")
        elif mode == "right_first":
            ops.sort(key=lambda o: (o.layer != "hf", -o.col))
        elif mode == "amounts_first":
            ops.sort(key=lambda o: -o.tcol)
        elif mode == "reverse_page":
            ops.reverse()
        return ops

    def render(self, path: Path, lay: Layout) -> None:
        pdf = FPDF(unit="mm", format=self.page_size)
        pdf.set_auto_page_break(False)
        pdf.set_creation_date(dt.datetime(2026, 10, 14, 9, 30, tzinfo=dt.timezone.utc))
        pdf.set_title(f"Response to RFR-2026-014 - {self.org}")
        pdf.set_creator("Proposal Writer Report Engine 4.2")
        add_fonts(pdf)
        for page in lay.pages:
            pdf.add_page()
            if page.image is not None:
                pdf.image(page.image, x=0, y=0, w=self.page_size[0], h=self.page_size[1])
                continue
            for op in self.ordered(page):
                if op.kind == "text":
                    fam, style, size, cs = op.font
                    pdf.set_font(fam, style, size)
                    pdf.set_char_spacing(cs)
                    x, y, s = op.args
                    pdf.text(x, y, s)
                elif op.kind == "line":
                    pdf.set_line_width(0.25)
                    pdf.line(*op.args)
                elif op.kind == "rect":
                    pdf.set_line_width(0.2)
                    pdf.rect(*op.args)
        path.write_bytes(bytes(pdf.output()))

    def truth(self, lay: Layout) -> dict:
        sections = sorted(({"id": s, "start_page": self.head_pages[s]} for s in self.order),
                          key=lambda e: (e["start_page"], self.order.index(e["id"])))
        drawn = dict(self.p.drawn)
        drawn["headings"] = {s: self.heading_text[s] for s in self.order}
        if self.scanned_page:
            drawn["scanned_page"] = self.scanned_page
        if self.contents_page:
            drawn["contents_page"] = self.contents_page
        drawn["budget_pages"] = self.budget_pages if "budget" in self.order else []
        budget = None
        if "budget" in self.order:
            budget = {"total": to_cents_str(self.budget["total"]),
                      "lines": [to_cents_str(c) for c in self.budget["lines"]]}
        return {
            "kind": "response",
            "pages": len(lay.pages),
            "sections": sections,
            "missing_sections": self.missing,
            "cover": {"organization_name": self.org, "tax_id": self.fein, "email": self.email},
            "budget": budget,
            "notes": "drawn with fpdf2; " + json.dumps(drawn, sort_keys=True, ensure_ascii=False),
        }

    def make(self, out: Path) -> tuple[Path, dict]:
        lay = self.pick_layout()
        self.decorate(lay)
        path = out / f"{self.name}.pdf"
        self.render(path, lay)
        truth = self.truth(lay)
        (out / f"{self.name}.truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")
        return path, truth


# --------------------------------------------------------------------------- hostile files


def zero_page_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty."""
    body = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
    table = b"xref\n0 3\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n" % (
        body.index(b"1 0 obj"), body.index(b"2 0 obj"))
    return body + table + b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % len(body)


def make_hostile(out: Path, seed: int, measure: Measure, source: tuple[Path, dict]) -> None:
    rng = random.Random(f"hostile/{seed}")
    kinds = ["not_pdf", "truncated", "encrypted", "zero_pages"]
    chosen = sorted(rng.sample(kinds, rng.randint(2, 3))) + ["junk_prefix"]
    src_path, src_truth = source
    data = src_path.read_bytes()
    for kind in chosen:
        name = f"hostile-{seed:03d}-{kind.replace('_', '-')}"
        truth = {"kind": "hostile", "expect": "rejected", "notes": kind}
        if kind == "not_pdf":
            payload = ("Response of " + src_truth["cover"]["organization_name"] +
                       "\nThis is a plain-text file saved with a .pdf name.\n").encode() * 40
            if rng.random() < 0.5:
                payload = b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(3000))
            (out / f"{name}.pdf").write_bytes(payload)
        elif kind == "truncated":
            (out / f"{name}.pdf").write_bytes(data[: len(data) * rng.randint(30, 60) // 100])
        elif kind == "encrypted":
            r = Response(seed, 90, measure)
            lay = r.pick_layout()
            r.decorate(lay)
            pdf_path = out / f"{name}.pdf"
            r.render(pdf_path, lay)
            enc = FPDF(unit="mm", format=r.page_size)  # re-render with a user password
            enc.set_auto_page_break(False)
            enc.set_creation_date(dt.datetime(2026, 10, 14, 9, 30, tzinfo=dt.timezone.utc))
            add_fonts(enc)
            enc.set_encryption(owner_password="owner-secret", user_password="bidder-2026")
            for page in lay.pages:
                enc.add_page()
                if page.image is not None:
                    enc.image(page.image, x=0, y=0, w=r.page_size[0], h=r.page_size[1])
                    continue
                for op in page.ops:
                    if op.kind == "text":
                        fam, style, size, cs = op.font
                        enc.set_font(fam, style, size)
                        enc.text(*op.args)
                    elif op.kind == "line":
                        enc.line(*op.args)
                    elif op.kind == "rect":
                        enc.rect(*op.args)
            pdf_path.write_bytes(bytes(enc.output()))
        elif kind == "zero_pages":
            (out / f"{name}.pdf").write_bytes(zero_page_pdf())
        elif kind == "junk_prefix":
            junk = b"\r\n--boundary_4711\r\nContent-Type: application/pdf\r\n\r\n"
            (out / f"{name}.pdf").write_bytes(junk + data)
            truth = {"kind": "hostile", "expect": "accepted", **{k: v for k, v in src_truth.items() if k != "kind"}}
            truth["notes"] = "junk bytes before %PDF- (a mail part header); " + src_truth["notes"]
        (out / f"{name}.truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=16)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    measure = Measure()
    made = []
    for i in range(args.count):
        made.append(Response(args.seed, i, measure).make(args.out))
    make_hostile(args.out, args.seed, measure, made[0])
    print(f"wrote {len(made)} responses and hostile files to {args.out}")


if __name__ == "__main__":
    main()
