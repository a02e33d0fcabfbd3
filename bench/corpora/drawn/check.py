"""Check a made corpus against its truth, reading the PDFs back with poppler's pdftotext/pdfinfo.

    python3 bench/corpora/drawn/check.py DIR

Independent of make.py's code: it only reads the PDFs and the truth files (plus, from the
free-text notes, the heading strings, the scanned page and the budget pages the maker recorded).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

NAMES = {
    "summary": ["Executive Summary", "Project Summary"],
    "capacity": ["Organizational Capacity", "Organizational Experience"],
    "approach": ["Technical Approach", "Program Design", "Scope of Services"],
    "staffing": ["Staffing Plan", "Key Personnel"],
    "budget": ["Budget", "Cost Proposal", "Budget and Budget Narrative"],
    "references": ["References", "Client References"],
}
AMOUNT = re.compile(r"\(?-?\$?\s?-?\d[\d,]*(?:\.\d\d)?\)?")


def norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def pages_text(pdf: Path) -> list[str] | None:
    r = subprocess.run(["pdftotext", "-q", str(pdf), "-"], capture_output=True)
    if r.returncode != 0:
        return None
    return r.stdout.decode("utf-8", "replace").split("\f")[:-1]


def pdfinfo(pdf: Path) -> tuple[int, str]:
    r = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def amounts(text: str) -> list[Decimal]:
    out = []
    for tok in AMOUNT.findall(text):
        neg = tok.startswith("(") and tok.endswith(")") or "-" in tok
        digits = re.sub(r"[^\d.]", "", tok)
        if not digits or digits == ".":
            continue
        try:
            v = Decimal(digits)
        except Exception:
            continue
        out.append(-v if neg else v)
    return out


def is_subsequence(needles: list[Decimal], hay: list[Decimal]) -> bool:
    it = iter(hay)
    return all(any(n == h for h in it) for n in needles)


def check_response(pdf: Path, t: dict) -> list[str]:
    errs = []
    pages = pages_text(pdf)
    if pages is None:
        return ["pdftotext failed"]
    if len(pages) != t["pages"]:
        errs.append(f"pages {len(pages)} != truth {t['pages']}")
    if not 3 <= t["pages"] <= 25:
        errs.append(f"page count {t['pages']} outside 3-25")
    notes = json.loads(t["notes"].split("; ", 1)[1].split("drawn with fpdf2; ")[-1]) if "{" in t["notes"] else {}
    ids = [s["id"] for s in t["sections"]]
    if set(ids) & set(t["missing_sections"]) or set(ids) | set(t["missing_sections"]) != set(NAMES):
        errs.append("sections + missing_sections do not make the six ids")
    starts = [s["start_page"] for s in t["sections"]]
    if starts != sorted(starts):
        errs.append("sections not in page order")
    for s in t["sections"]:
        page = pages[s["start_page"] - 1] if s["start_page"] <= len(pages) else ""
        text = norm(page)
        if not any(norm(n) in text for n in NAMES[s["id"]]):
            errs.append(f"{s['id']}: no title/alias on page {s['start_page']}")
        heading = notes.get("headings", {}).get(s["id"])
        if heading and norm(heading) not in text:
            errs.append(f"{s['id']}: heading {heading!r} not on page {s['start_page']}")
        if heading and norm(heading) not in {norm(n) for n in NAMES[s["id"]]}:  # an unusual heading is not already on an earlier body page
            for k in range(2, s["start_page"]):
                if k != notes.get("contents_page") and norm(heading) in norm(pages[k - 1]) and \
                        notes.get("running_header") != "section_title":
                    errs.append(f"{s['id']}: heading text also on earlier page {k}")
    scanned = notes.get("scanned_page")
    if scanned and pages[scanned - 1].strip():
        errs.append(f"scanned page {scanned} has text")
    if scanned and scanned in starts:
        errs.append("a section starts on the scanned page")
    cover = re.sub(r"\s+", " ", pages[0])
    for key, value in t["cover"].items():
        if value not in cover:
            errs.append(f"cover {key} {value!r} not on page 1")
    if not re.fullmatch(r"\d\d-\d{7}", t["cover"].get("tax_id", "00-0000000")):
        errs.append("tax_id format")
    b = t["budget"]
    if ("budget" in ids) != (b is not None):
        errs.append("budget null-ness does not match sections")
    if b:
        bp = notes.get("budget_pages") or []
        text = "\n".join(pages[p - 1] for p in bp)
        found = amounts(text)
        lines = [Decimal(x) for x in b["lines"]]
        total = Decimal(b["total"])
        if not is_subsequence(lines + [total], found):
            errs.append("budget lines/total not found in order on the budget pages")
        gap = total - sum(lines)
        if gap and (abs(gap) > 10 or gap != gap.to_integral_value()):
            errs.append(f"lines sum {sum(lines)} vs total {total}: not a rounding gap")
        if any(not re.fullmatch(r"-?\d+\.\d\d", x) for x in b["lines"] + [b["total"]]):
            errs.append("amount strings not plain decimals")
    return errs


def check_rejected(pdf: Path, t: dict) -> list[str]:
    data = pdf.read_bytes()
    rc, info = pdfinfo(pdf)
    kind = t.get("notes", "")
    if kind == "not_pdf":
        return [] if b"%PDF-" not in data[:1024] else ["not_pdf has a PDF header"]
    if kind == "truncated":
        return [] if b"%%EOF" not in data[-1024:] else ["truncated file still ends with %%EOF"]
    if kind == "encrypted":
        ok = rc != 0 and "password" in info.lower()
        ok2 = subprocess.run(["pdfinfo", "-upw", "bidder-2026", str(pdf)], capture_output=True).returncode == 0
        return [] if ok and ok2 else ["encrypted file opens without a password, or not with it"]
    if kind == "zero_pages":
        return [] if re.search(r"Pages:\s+0\b", info) or rc != 0 else ["zero-page file has pages"]
    return [f"unknown hostile kind {kind!r}"]


def main() -> int:
    out = Path(sys.argv[1])
    pdfs = sorted(out.glob("*.pdf"))
    bad = 0
    for pdf in pdfs:
        tpath = pdf.with_suffix(".truth.json")
        if not tpath.exists():
            print(f"{pdf.name}: no truth"); bad += 1; continue
        t = json.loads(tpath.read_text())
        if t["kind"] == "hostile" and t["expect"] == "rejected":
            errs = check_rejected(pdf, t)
        else:
            errs = check_response(pdf, t)
            if t["kind"] == "hostile" and pdf.read_bytes().startswith(b"%PDF-"):
                errs.append("accepted hostile file does not start with junk")
        print(f"{pdf.name}: {'ok' if not errs else 'FAIL'}")
        for e in errs:
            print(f"    {e}")
        bad += bool(errs)
    n_hostile = sum(1 for p in pdfs if p.name.startswith("hostile-"))
    if not 2 <= n_hostile <= 4:
        print(f"{n_hostile} hostile files, want 2-4"); bad += 1
    print(f"{len(pdfs)} files, {bad} failing")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
