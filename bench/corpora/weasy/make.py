"""Tuning corpus of bidder responses printed from HTML by WeasyPrint (the issue-20 kinds).

    .venv/bin/python bench/corpora/weasy/make.py --out DIR --seed N --count K

Written by the developer who changed the parser (so NOT held out: bench/corpora/groff is). HTML
with CSS paged media, printed by the ``weasyprint`` program; each heading's page is found with
``pdftotext -layout`` per page as a line equal to the heading string. Scanned pages are Pillow
pictures filling a page of their own.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
from decimal import Decimal
from pathlib import Path



def _groff_maker():
    """The held-out groff maker's word lists (the spec's), shared rather than copied; nothing of
    its layout is used."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("groff_make", Path(__file__).parents[1] / "groff" / "make.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_G = _groff_maker()
SECTIONS, LOTS, ORGS, PEOPLE, TITLES, LABELS = _G.SECTIONS, _G.LOTS, _G.ORGS, _G.PEOPLE, _G.TITLES, _G.LABELS
WORDS, TOTAL_LABELS, ITEMS, page_texts = _G.WORDS, _G.TOTAL_LABELS, _G.ITEMS, _G.page_texts


# more of the bidders' own words than the held-out maker draws
SECTIONS = [(sid, title, aliases, own + extra) for (sid, title, aliases, own), extra in zip(SECTIONS, [
    ["Overview of Our Proposal"], ["About Our Agency and Its Capacity"],
    ["How We Will Deliver the Services"], ["Staffing and Supervision Plan"],
    ["Budget Summary", "Proposed Budget"], ["Our References"]])]
TITLES = TITLES + ["Respondent Information Form", "Cover Sheet and Applicant Information"]


def h(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sentence(rng: random.Random, n: int | None = None) -> str:
    words = [rng.choice(WORDS) for _ in range(n or rng.randint(9, 18))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, k: int | None = None) -> str:
    return "<p>" + " ".join(sentence(rng) for _ in range(k or rng.randint(3, 6))) + "</p>"


def money(v: Decimal, style: str) -> str:
    neg = v < 0
    a = abs(v)
    s = {"dollar": f"${a:,.2f}", "plain": f"{a:.2f}", "whole": f"{a:,.0f}"}.get(style, f"$ {a:,.0f}")
    if neg:
        return f"({s})" if style in ("dollar", "whole") else "-" + s
    return s


def heading_html(text: str, style: str) -> str:
    return {"h2": f"<h2>{h(text)}</h2>",
            "bold": f'<p class="bh">{h(text)}</p>',
            "underline": f'<p class="uh">{h(text)}</p>',
            "large": f'<p class="lh">{h(text)}</p>'}[style]


def budget_html(rng: random.Random, notes: list) -> tuple[str, Decimal, list[str]]:
    whole = rng.random() < 0.4
    style = rng.choice(["whole", "dollar space"]) if whole else rng.choice(["dollar", "plain"])
    items = rng.sample(ITEMS, rng.randint(5, 16))
    amounts = [Decimal(rng.randint(2000, 400000)) + (Decimal(0) if whole else Decimal(rng.randint(0, 99)) / 100)
               for _ in items]
    if rng.random() < 0.3:
        items.append("Less: agency match")
        amounts.append(-Decimal(rng.randint(5, 20) * 1000))
    total = sum(amounts)
    kind = rng.choice(["table", "leaders", "split", "request"])
    label = rng.choice(TOTAL_LABELS)
    notes.append(f"budget {kind}, {style}, {len(items)} lines, total label {label!r}")

    def rows(pairs):
        return "".join(f"<tr><td>{h(i)}</td><td class='r'>{money(a, style)}</td></tr>" for i, a in pairs)

    head = "<thead><tr><th>Line item</th><th class='r'>Amount</th></tr></thead>"
    if kind == "leaders":
        out = "".join(f'<div class="ld"><span>{h(i)}</span><span class="dots"></span>'
                      f'<span>{money(a, style)}</span></div>' for i, a in zip(items, amounts))
        out += f'<div class="ld"><span>{h(label)}</span><span class="dots"></span><span>{money(total, style)}</span></div>'
    elif kind == "split":
        half = max(2, len(items) // 2)
        sub = sum(amounts[:half])
        out = (f"<table class='bt'>{head}<tbody>{rows(zip(items[:half], amounts[:half]))}"
               f"<tr class='s'><td>{rng.choice(['Subtotal (page 1)', 'Subtotal this page'])}</td>"
               f"<td class='r'>{money(sub, style)}</td></tr></tbody></table>"
               f"<div style='page-break-before: always'></div>"
               f"<table class='bt'>{head}<tbody><tr><td>{rng.choice(['Carried forward', 'Balance brought forward'])}"
               f"</td><td class='r'>{money(sub, style)}</td></tr>"
               f"{rows(zip(items[half:], amounts[half:]))}<tr class='s'><td>{h(label)}</td>"
               f"<td class='r'>{money(total, style)}</td></tr></tbody></table>")
    else:
        out = f"<table class='bt'>{head}<tbody>{rows(zip(items, amounts))}"
        if kind == "table":
            out += f"<tr class='s'><td>{h(label)}</td><td class='r'>{money(total, style)}</td></tr>"
        out += "</tbody></table>"
        if kind == "request":
            out += (f"<p><b>{rng.choice(['TOTAL REQUEST', 'Total Amount Requested', 'TOTAL FUNDING REQUEST'])}:"
                    f"</b> {money(total, style)}</p>")
    if rng.random() < 0.5:
        out += (f"<p>Family partners are billed at ${rng.randint(40, 65)}.00 per hour, with flexible funds of "
                f"at most $500 per family a year; mileage at $0.67 per mile.</p>")
        notes.append("prose quoting rates after the budget")
    return out, total, [f"{a:.2f}" for a in amounts]


CSS = """
@page { size: letter; margin: 0.9in 1in; @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; }
        %s }
body { font-family: %s; font-size: %dpt; line-height: 1.35; }
h1 { font-size: 20pt; text-align: center; }
h2 { font-size: %dpt; margin: 14pt 0 6pt; }
p.bh { font-weight: bold; margin: 12pt 0 4pt; }
p.uh { text-decoration: underline; margin: 12pt 0 4pt; }
p.lh { font-size: 1.4em; margin: 12pt 0 4pt; }
table { border-collapse: collapse; }
table.bt td, table.bt th { padding: 2pt 8pt; border-bottom: 0.5pt solid #888; }
td.r, th.r { text-align: right; }
tr.s td { font-weight: bold; }
div.ld { display: flex; } div.ld .dots { flex: 1; border-bottom: 1.5pt dotted #000; margin: 0 4pt 4pt; }
div.box { border: 1pt solid #000; padding: 3pt 6pt; margin: 0; }
div.box .lab { font-size: 8pt; text-transform: uppercase; }
.scan { page-break-before: always; page-break-after: always; }
.scan img { width: 100%%; }
"""


def scan_png(path: Path, head: str, rng: random.Random):
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1600, 2000), 255)
    d = ImageDraw.Draw(img)
    big = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 48)
    small = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 32)
    d.text((120, 120), head, font=big, fill=0)
    y = 240
    for _ in range(rng.randint(8, 14)):
        d.text((120, y), sentence(rng, rng.randint(6, 9)), font=small, fill=0)
        y += 52
    for _ in range(250):
        d.point((rng.randint(0, 1599), rng.randint(0, 1999)), fill=rng.randint(60, 180))
    img.rotate(rng.uniform(-0.7, 0.7), fillcolor=255).save(path)


def make_one(rng: random.Random, idx: int, out: Path, seed: int) -> dict:
    notes = []
    org = ORGS[(idx * 7 + seed) % len(ORGS)]
    fein = f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"
    person = rng.choice(PEOPLE)
    domain = re.sub(r"[^a-z]", "", org.lower().split(",")[0])[:10] + rng.choice([".org", ".net"])
    email = f"{person.split()[0].lower()}.{person.split()[1].lower()}@{domain}"
    lot = rng.choice(list(LOTS))
    font = rng.choice(["'Liberation Serif'", "'DejaVu Sans'", "'Liberation Sans'", "'DejaVu Serif'"])
    size = rng.choice([10, 11, 12])
    running = rng.random() < 0.5
    top = (f'@top-right {{ content: "{org.replace(chr(34), "")}"; font-size: 8pt; }}' if running else "")
    hstyle = rng.choice(["h2", "bold", "underline", "large"])
    parts = [f"<html><head><style>{CSS % (top, font, size, size + rng.choice([2, 4, 6]))}</style></head><body>"]
    notes.append(f"font {font} {size}pt, headings {hstyle}" + (", running header" if running else ""))
    title = TITLES[(idx + seed) % len(TITLES)]
    parts.append(f"<h1>{h(title)}</h1>")
    fields = [("org", org), ("fein", fein), ("contact", person), ("email", email),
              ("phone", f"(508) 555-{rng.randint(1000, 9999)}"),
              ("address", f"{rng.randint(10, 999)} Elm Street, Lowell, MA 018{rng.randint(10, 99)}"),
              ("lots", f"{lot} - {LOTS[lot]}")]
    labels = {k: rng.choice(v) for k, v in LABELS.items()}
    cover_style = rng.choice(["colon", "leader", "table", "boxes"])
    notes.append(f"cover title {title!r}, cover {cover_style}, labels {labels}")
    if cover_style == "colon":
        parts += [f"<p style='margin:2pt 0'>{h(labels[k])}: {h(v)}</p>" for k, v in fields]
    elif cover_style == "leader":
        parts += [f'<div class="ld"><span>{h(labels[k])}</span><span class="dots"></span><span>{h(v)}</span></div>'
                  for k, v in fields]
    elif cover_style == "table":
        parts.append("<table>" + "".join(f"<tr><td><b>{h(labels[k])}</b></td><td style='padding-left:30pt'>{h(v)}"
                                         f"</td></tr>" for k, v in fields) + "</table>")
    else:
        parts += [f'<div class="box"><div class="lab">{h(labels[k])}</div><div>{h(v)}</div></div>' for k, v in fields]
    cover_at = len(parts)

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
    numbering = rng.choice(["none", "dot", "section", "roman", "letter", "part"])
    romans = ["I", "II", "III", "IV", "V", "VI"]
    head_text = {}
    for n, si in enumerate(order, start=1):
        sid, title_, aliases, own = SECTIONS[si]
        r = rng.random()
        name = rng.choice(own) if r < 0.4 else rng.choice(aliases) if r < 0.6 else (
            title_ if rng.random() < 0.8 else title_.upper())
        prefix = {"none": "", "dot": f"{n}. ", "section": f"Section {n}: ", "roman": f"{romans[n - 1]}. ",
                  "letter": f"{'ABCDEF'[n - 1]}. ", "part": f"Part {n} \u2013 "}[numbering]
        head_text[sid] = prefix + name
    notes.append(f"headings {head_text}")
    if rng.random() < 0.35:
        parts.append("<div style='page-break-before: always'><h3>Table of Contents</h3>" + "".join(
            f'<div class="ld"><span>{h(head_text[SECTIONS[si][0]])}</span><span class="dots"></span>'
            f'<span>{rng.randint(2, 12)}</span></div>' for si in order) + "</div>")
        notes.append("contents page")
    # kinds added for issue 20's last two, from their own random stream:
    # a short response whose first sections follow the cover on page 1, a body line starting
    # like a cover label below them, a references list with "Contact:" and "Email:" lines (the rest
    # of a seed's draw is unchanged)
    kinds = random.Random(f"weasy-kinds-{seed}-{idx}")
    short = kinds.random() < 0.25 and "contents page" not in notes
    label_line = kinds.random() < 0.5
    contact_list = kinds.random() < 0.5
    if short:
        notes.append("first sections on the cover page")
    else:
        parts.append("<div style='page-break-before: always'></div>")
    shared = rng.randint(2, 3)
    total, blines, scanned = None, [], None
    mention = False
    for n, si in enumerate(order):
        sid = SECTIONS[si][0]
        if sid != "budget" and n >= 2 and scanned is None and rng.random() < 0.15:
            scanned = sid
            fn = out / f".scan-{seed}-{idx}.png"
            scan_png(fn, head_text[sid], rng)
            parts.append(f"<div class='scan'><img src='{fn.name}'></div>")
            notes.append(f"{sid} starts on a scanned page")
            continue
        brk = n >= shared and rng.random() < 0.4
        parts.append(("<div style='page-break-before: always'></div>" if brk else "")
                     + heading_html(head_text[sid], hstyle))
        parts.append(paragraph(rng, rng.randint(2, 3)) if n < shared else
                     "".join(paragraph(rng) for _ in range(rng.randint(1, 4))))
        if label_line and n == shared - 1:
            parts.append("<p>Contact with every family begins within two days of the referral. "
                         + sentence(kinds) + "</p>")
            notes.append(f"a body line starting like a cover label in {sid}")
        if contact_list and sid == "references":
            parts.append("".join(f"<p style='margin:1pt 0'>Reference {k}: {h(kinds.choice(PEOPLE))}, Program Manager</p>"
                                 f"<p style='margin:1pt 0'>Contact: {h(kinds.choice(PEOPLE))}</p>"
                                 f"<p style='margin:1pt 0'>Email: ref{k}@dcf.example.org</p>" for k in (1, 2)))
            notes.append("references listed with Contact: and Email: lines")
        later = [SECTIONS[sj][0] for sj in order[n + 1:]]
        if later and not mention and rng.random() < 0.5:
            t = rng.choice(later)
            parts.append(f"<p>The costs are explained in full under {h(head_text[t])}, which follows.</p>")
            mention = True
            notes.append(f"body names {t}'s heading early")
        if sid == "capacity" and rng.random() < 0.5:
            parts.append(f"<p><i>Governance</i></p>{paragraph(rng)}")
        if sid == "budget":
            b, total, blines = budget_html(rng, notes)
            parts.append(b)
    signature = rng.random() < 0.4
    if signature:
        parts.append(f"<div style='page-break-before: always'><p><b>Authorized Signature</b></p><p>/s/ {h(person)}</p>"
                     f"<p>{h(person)}, Executive Director</p><p>Date: June 3, 2026</p></div>")
    if total is not None and rng.random() < 0.3:
        parts.insert(cover_at, f"<p style='margin:2pt 0'>Total Price: {money(total, 'dollar')}</p>")
        notes.append("total price on cover")
    parts.append("</body></html>")
    name = f"weasy-{seed:03d}-{idx + 1:02d}"
    html_path = out / f".{name}.html"
    html_path.write_text("".join(parts))
    path = out / f"{name}.pdf"
    subprocess.run(["weasyprint", "-q", str(html_path.resolve()), str(path.resolve())], check=True, cwd=out)
    html_path.unlink()
    for f in out.glob(f".scan-{seed}-{idx}.png"):
        f.unlink()
    pages = page_texts(path)
    sections = []
    start = 1 if short else 2
    for si in order:
        sid = SECTIONS[si][0]
        if sid == scanned:
            p = next(i for i, t in enumerate(pages, 1) if i > start and not re.sub(
                r"Page \d+ of \d+|" + re.escape(org.replace('"', "")), "", t).strip())
        else:
            p = find_heading(pages, head_text[sid], start=start)
        start = p
        sections.append({"id": sid, "start_page": p})
    truth = {
        "kind": "response", "pages": len(pages), "sections": sections,
        "missing_sections": [s[0] for s in SECTIONS if s[0] not in [SECTIONS[i][0] for i in order]],
        "cover": {"organization_name": org, "tax_id": fein, "email": email},
        "budget": ({"total": f"{total:.2f}", "lines": blines} if total is not None else None),
        "notes": "printed by WeasyPrint; " + "; ".join(notes),
    }
    (out / f"{name}.truth.json").write_text(json.dumps(truth, indent=2))
    return truth


def find_heading(pages: list[str], head: str, start: int) -> int:
    want = " ".join(head.split())
    for i, text in enumerate(pages, start=1):
        if i < start:
            continue
        lines = [" ".join(x.split()) for x in text.splitlines()]
        lines = [x for x in lines if x]
        for a, b in zip(lines, lines[1:] + [""]):
            if a == want or (a + " " + b == want and want.startswith(a + " ")):
                return i
    raise SystemExit(f"heading {head!r} not found on any page")


def hostile(out: Path, seed: int, good: Path, truth: dict):
    data = good.read_bytes()
    (out / f"hostile-{seed:03d}-junk.pdf").write_bytes(b"Received: from gateway\r\n\r\n" + data)
    t = dict(truth, kind="hostile", expect="accepted")
    (out / f"hostile-{seed:03d}-junk.truth.json").write_text(json.dumps(t, indent=2))
    (out / f"hostile-{seed:03d}-empty.pdf").write_bytes(b"")
    (out / f"hostile-{seed:03d}-html.pdf").write_bytes(b"<html><body>not a pdf</body></html>")
    for n in ("empty", "html"):
        (out / f"hostile-{seed:03d}-{n}.truth.json").write_text(json.dumps({"kind": "hostile", "expect": "rejected"}))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=16)
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(a.seed * 31 + 5)
    first = None
    for i in range(a.count):
        t = make_one(random.Random(rng.random()), i, a.out, a.seed)
        first = first or (a.out / f"weasy-{a.seed:03d}-{i + 1:02d}.pdf", t)
    hostile(a.out, a.seed, *first)


if __name__ == "__main__":
    main()
