"""Memory of the intake: the peak resident set (VmHWM) of the isolated child that reads a long
PDF (`procure.intake.pdf.parse_file`) and of the one that renders its page pictures
(`render_pages`, the first PROCURE_INTAKE_PAGE_IMAGES = 100 pages, as the intake job does), on
a generated response of `--pages` pages (300: text in numbered sections, a budget table, a
signature page; reportlab, seeded), against the parse limit (PROCURE_INTAKE_MEMORY_BYTES).

    .venv/bin/python bench/memory.py [--pages 300] [--pdf FILE]

Each child is started as a fresh interpreter (PROCURE_INTAKE_FORKSERVER=0) by a process of its
own, whose RUSAGE_CHILDREN maximum is that child's peak; a child forked by the fork server
shares the server's imported modules, so this is the upper figure. The web worker's peak is
printed by `bench/throughput.py` (gunicorn workers after every page) and `bench/scale.py`."""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECTIONS = ["Organizational Capacity", "Program Design", "Staffing Plan", "Quality Assurance",
            "Community Partnerships", "Budget"]
WORDS = ["family", "services", "case", "planning", "lead", "agency", "network", "area", "office",
         "referral", "outcome", "permanency", "safety", "wellbeing", "provider", "staff",
         "training", "supervision", "caseload", "contract", "quality", "assurance", "data",
         "report", "community", "partner", "youth", "parent", "caregiver"]


def make_pdf(pages: int, seed: int = 2126) -> bytes:
    """A long response: a cover page, numbered sections of dense text, a budget table, a
    signature page."""
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    rng = random.Random(seed)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=letter)
    page.setFont("Helvetica", 12)
    for y, line in zip(range(720, 600, -18), ["Organization Name: Long Response Collaborative",
                                              "FEIN: 04-2222222", "Lot: 1",
                                              "Total Price: $1,200,000.00"]):
        page.drawString(72, y, line)
    page.showPage()
    body = pages - 3
    per_section = max(1, body // len(SECTIONS))
    for number in range(body):
        section = min(number // per_section, len(SECTIONS) - 1)
        y = 720
        if number % per_section == 0 and number // per_section < len(SECTIONS):
            page.setFont("Helvetica-Bold", 14)
            page.drawString(72, y, f"{section + 1}. {SECTIONS[section]}")
            y -= 28
        page.setFont("Helvetica", 10)
        while y > 72:
            page.drawString(72, y, " ".join(rng.choice(WORDS) for _ in range(14)).capitalize())
            y -= 14
        page.showPage()
    page.setFont("Helvetica-Bold", 14)
    page.drawString(72, 720, "Budget Summary")
    page.setFont("Helvetica", 10)
    total = 0
    for i, y in enumerate(range(690, 300, -16)):
        amount = rng.randrange(10_000, 60_000)
        total += amount
        page.drawString(72, y, f"Line item {i + 1}")
        page.drawRightString(500, y, f"${amount:,.2f}")
    page.drawString(72, 280, "Total")
    page.drawRightString(500, 280, f"${total:,.2f}")
    page.showPage()
    page.setFont("Helvetica", 12)
    page.drawString(72, 720, "Authorized Signature")
    page.drawString(72, 700, "Signed: Lee Long, Executive Director")
    page.showPage()
    page.save()
    return buffer.getvalue()


def _step(step: str, path: str) -> None:
    """In a process of its own: run one intake step on `path`; print its child's peak and ours."""
    os.environ["PROCURE_INTAKE_FORKSERVER"] = "0"
    from procure.intake.pdf import parse_file, render_pages
    sections = [{"id": str(i + 1), "title": title, "aliases": [], "page_limit": None}
                for i, title in enumerate(SECTIONS)]
    started = time.monotonic()
    if step == "parse":
        record = parse_file(path, sections)
        what = f"{record.get('pages')} pages read"
    else:
        with tempfile.TemporaryDirectory() as out:
            images = render_pages(path, out, max_pages=100)
            what = f"{len(images)} pages rendered"
    seconds = time.monotonic() - started
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024   # KiB on Linux
    own = next(int(line.split()[1]) * 1024 for line in Path("/proc/self/status").read_text()
               .splitlines() if line.startswith("VmHWM:"))
    print(json.dumps({"child": child, "own": own, "seconds": seconds, "what": what}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--pdf", help="measure this PDF instead of a generated one")
    parser.add_argument("--step", choices=["parse", "render"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        _step(args.step, args.path)
        return

    from procure.config import Defaults
    with tempfile.TemporaryDirectory() as work:
        if args.pdf:
            path = os.path.abspath(args.pdf)
        else:
            path = os.path.join(work, f"response-{args.pages}-pages.pdf")
            Path(path).write_bytes(make_pdf(args.pages))
        size = os.path.getsize(path)
        print(f"{os.path.basename(path)}: {size / 1048576:.1f} MB; the parse child's memory "
              f"limit {Defaults.INTAKE_MEMORY_BYTES / 1048576:.0f} MiB (address space)\n")
        print("| step | what | seconds | child's peak RSS (VmHWM) | its parent's |")
        print("| --- | --- | --- | --- | --- |")
        for step in ("parse", "render"):
            done = subprocess.run([sys.executable, __file__, "--step", step, "--path", path],
                                  capture_output=True, text=True, check=True, cwd=ROOT)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"| {step} | {figures['what']} | {figures['seconds']:.1f} | "
                  f"{figures['child'] / 1048576:.0f} MiB | {figures['own'] / 1048576:.0f} MiB |")


if __name__ == "__main__":
    main()
