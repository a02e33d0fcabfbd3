#!/usr/bin/env python3
"""Check a corpus written by make.py against its own printed PDFs, independently of make.py's
page finding: poppler's `pdftotext -layout -f N -l N` (and, for text in CSS columns, the
reading-order mode) per page, `pdfinfo` for page counts.

    python3 bench/corpora/chromium/check.py DIR
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path


def text(pdf: Path, page: int, layout: bool) -> str:
    cmd = ["pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page)]
    if layout:
        cmd.append("-layout")
    return subprocess.run(cmd + [str(pdf), "-"], check=True, capture_output=True).stdout.decode()


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def pdf_pages(pdf: Path) -> int | None:
    r = subprocess.run(["pdfinfo", str(pdf)], capture_output=True)
    if r.returncode != 0:
        return None
    m = re.search(rb"^Pages:\s+(\d+)", r.stdout, re.M)
    return int(m.group(1)) if m else None


def on_page(pdf: Path, page: int, needle: str) -> bool:
    n = squash(needle)
    return n in squash(text(pdf, page, True)) or n in squash(text(pdf, page, False))


def heading_on_page(pdf: Path, page: int, heading: str) -> bool:
    """A run of 1-5 whole lines that reads exactly as the heading (whitespace aside)."""
    target = squash(heading)
    for layout in (False, True):
        lines = [squash(x) for x in text(pdf, page, layout).split("\n")]
        for i in range(len(lines)):
            acc = ""
            for j in range(i, min(i + 5, len(lines))):
                acc += lines[j]
                if acc == target:
                    return True
                if not acc or not target.startswith(acc):
                    break
    return False


def amount_forms(v: str) -> set[str]:
    d = abs(Decimal(v))
    forms = {f"{d:.2f}", f"{d:,.2f}"}
    if d == d.to_integral_value():
        forms |= {f"{d:,.0f}"}
    return forms


def check_response(pdf: Path, t: dict) -> list[str]:
    errs = []
    n = pdf_pages(pdf)
    if n != t["pages"]:
        errs.append(f"pages {n} != truth {t['pages']}")
    if not 3 <= t["pages"] <= 25:
        errs.append(f"pages {t['pages']} outside 3-25")
    headings = json.loads(t["notes"].split("headings=", 1)[1])
    ids = [s["id"] for s in t["sections"]]
    if sorted(ids + t["missing_sections"]) != sorted(
            ["summary", "capacity", "approach", "staffing", "budget", "references"]):
        errs.append("sections + missing != the six required")
    prev = 0
    for s in t["sections"]:
        if s["start_page"] < prev:
            errs.append(f"{s['id']} page goes backwards")
        prev = s["start_page"]
        if not heading_on_page(pdf, s["start_page"], headings[s["id"]]):
            errs.append(f"{s['id']}: {headings[s['id']]!r} not on page {s['start_page']}")
        if s["start_page"] > 1 and heading_on_page(pdf, s["start_page"] - 1, headings[s["id"]]) \
                and not ("contents=" in t["notes"] and s["start_page"] - 1 == 2
                         and "contents=None" not in t["notes"]):
            errs.append(f"{s['id']}: heading also on the page before its truth page")
    for k, v in t["cover"].items():
        if not on_page(pdf, 1, v):
            errs.append(f"cover {k} {v!r} not on page 1")
    if (t["budget"] is None) != ("budget" in t["missing_sections"]):
        errs.append("budget null iff budget missing")
    if t["budget"]:
        start = next(s["start_page"] for s in t["sections"] if s["id"] == "budget")
        body = squash("".join(text(pdf, p, True) for p in range(start, t["pages"] + 1)))
        for v in t["budget"]["lines"] + [t["budget"]["total"]]:
            if not any(f in body for f in amount_forms(v)):
                errs.append(f"budget amount {v} not printed after page {start}")
        if "whole_rounded=False" in t["notes"]:
            total = sum(Decimal(x) for x in t["budget"]["lines"])
            if total != Decimal(t["budget"]["total"]):
                errs.append(f"budget lines sum {total} != total {t['budget']['total']}")
    return errs


def main() -> int:
    out = Path(sys.argv[1])
    bad = 0
    files = sorted(out.glob("*.truth.json"))
    for tp in files:
        t = json.loads(tp.read_text())
        pdf = tp.with_name(tp.name.replace(".truth.json", ".pdf"))
        if t["kind"] == "hostile" and t["expect"] == "rejected":
            n = pdf_pages(pdf)
            errs = [] if not n else [f"rejected file reads as {n} pages"]
        else:
            errs = check_response(pdf, t)
        bad += bool(errs)
        print(f"{pdf.name}: {'OK' if not errs else 'FAIL ' + '; '.join(errs)}")
    print(f"{len(files) - bad}/{len(files)} files check out")
    return 1 if bad or not files else 0


if __name__ == "__main__":
    sys.exit(main())
