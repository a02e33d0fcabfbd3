"""Intake benchmark: pipeline time vs bare pdfplumber (and vs pdfplumber plus Tesseract on the
scanned pages), and the child's peak memory.

Run from the repository root:

    .venv/bin/python bench/intake.py DIR [DIR ...]    # corpora: intake / bare pdfplumber time
    PROCURE_TESSERACT=/nonexistent .venv/bin/python bench/intake.py DIR ...   # the same, OCR off
    .venv/bin/python bench/intake.py [--fixtures 40]  # generated fixtures, big response, memory

With corpus directories: every PDF of each, in one run, through ``parse_file`` (the service's
parse path: the fork server started on the first file, a limited child forked per file) and
through bare pdfplumber (``extract_text`` and ``extract_tables`` on every page) in a fresh
Python process per file; prints both times and intake / bare pdfplumber (target <= 0.5).
Bare pdfplumber reads nothing from a scanned page, so where intake runs Tesseract that ratio
charges the service for work the baseline never does. The same run therefore also times a fair
baseline, pdfplumber plus OCR: the same bare reading, and every page that holds a picture and
under 120 characters of text (no text layer, or only a printed page number or running header
over the scan, as weasy's scanned pages have) rendered by ``page.to_image(resolution=200)``
(the corpora's scans are 200 dpi) and read by ``pytesseract.image_to_string`` on one thread
(``OMP_THREAD_LIMIT=1``), the whole page, no cropping; a process per file. It prints
intake / (pdfplumber + OCR) beside the old ratio, how many pages each side OCR'd, and the
seconds per OCR'd page: intake's from a second intake pass with OCR off in the same run
((OCR on - OCR off) / pages), the baseline's likewise from bare pdfplumber.

* pipeline: ``procure.intake.pdf.parse_file`` (child process per file, pypdfium2 text on
  every page, pdfplumber on budget pages only, pypdf form fields).
* bare pdfplumber: ``extract_text`` and ``extract_tables`` on every page, ``page.close()``
  after each, in this process.
Same files for both, same run: the generated fixtures plus a few real PDFs from
../shared/pdfs (if present). Peak memory: max RSS of the parse child
(``getrusage(RUSAGE_CHILDREN)``) on a generated 300-page response, measured before any
other child runs in this process.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from procure.intake.pdf import Limits, Rejected, parse_file  # noqa: E402
from tests.fixtures.generator import SECTIONS, ResponseSpec, make_response, random_specs  # noqa: E402

SHARED = Path(os.environ.get("PROCURE_SHARED_DIR") or ROOT.parent / "shared") / "pdfs" / "py-pdf"
REAL = ["GeoTopo-komprimiert.pdf", "multicolumn.pdf", "pdflatex-4-pages.pdf", "google-doc-document.pdf",
        "libreoffice-form.pdf", "pdflatex-outline.pdf"]


def bare_pdfplumber(path) -> int:
    import pdfplumber

    n = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()
            page.close()
            n += 1
    return n


BARE = """
import sys, logging
logging.disable(logging.WARNING)
import pdfplumber
with pdfplumber.open(sys.argv[1]) as pdf:
    for page in pdf.pages:
        page.extract_text()
        page.extract_tables()
        page.close()
"""

BARE_OCR = """
import os, sys, logging
logging.disable(logging.WARNING)
os.environ["OMP_THREAD_LIMIT"] = "1"
import pdfplumber, pytesseract
n = 0
with pdfplumber.open(sys.argv[1]) as pdf:
    for page in pdf.pages:
        text = page.extract_text()
        page.extract_tables()
        if page.images and len((text or "").strip()) < 120:  # a picture, at most a line or two of print
            pytesseract.image_to_string(page.to_image(resolution=200).original)
            n += 1
        page.close()
print(n)
"""


def _intake(files: list[Path], sections) -> tuple[float, int, int, int]:
    """Seconds for ``parse_file`` on every file; files refused, pages OCR'd, files with one."""
    t = time.perf_counter()
    rejected, ocr_pages, ocr_files = 0, 0, 0
    for p in files:
        try:
            record = parse_file(p, sections)
        except Rejected:
            rejected += 1
            continue
        read = sum(len(n["pages"]) for n in record.get("notes") or [] if n.get("code") == "ocr")
        ocr_pages, ocr_files = ocr_pages + read, ocr_files + bool(read)
    return time.perf_counter() - t, rejected, ocr_pages, ocr_files


def compare_dirs(dirs: list[Path]) -> None:
    import json
    import subprocess

    for d in dirs:
        files = sorted(d.glob("*.pdf"))
        own = d / "sections.json"
        sections = json.loads((own if own.exists() else ROOT / "bench" / "corpora" / "sections.json").read_text())
        pipe_s, rejected, ocr_pages, ocr_files = _intake(files, sections)
        t = time.perf_counter()
        for p in files:
            subprocess.run([sys.executable, "-c", BARE, str(p)], capture_output=True)
        bare_s = time.perf_counter() - t
        t, base_pages = time.perf_counter(), 0
        for p in files:
            out = subprocess.run([sys.executable, "-c", BARE_OCR, str(p)], capture_output=True, text=True)
            base_pages += int(out.stdout.strip() or 0)
        base_s = time.perf_counter() - t
        # intake again with OCR off (tesseract_command() is read per file by parse_file)
        before = os.environ.get("PROCURE_TESSERACT")
        os.environ["PROCURE_TESSERACT"] = "/nonexistent"
        try:
            off_s = _intake(files, sections)[0]
        finally:
            if before is None:
                del os.environ["PROCURE_TESSERACT"]
            else:
                os.environ["PROCURE_TESSERACT"] = before
        per = f"{(pipe_s - off_s) / ocr_pages:.2f}s" if ocr_pages else "-"
        base_per = f"{(base_s - bare_s) / base_pages:.2f}s" if base_pages else "-"
        print(f"{d}: {len(files)} files ({rejected} refused, {ocr_pages} scanned pages read by OCR in "
              f"{ocr_files} files); intake {pipe_s:.2f}s, bare pdfplumber "
              f"(a process per file) {bare_s:.2f}s; intake / bare pdfplumber {pipe_s / bare_s:.2f}; "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"  fair baseline: pdfplumber + OCR ({base_pages} picture pages with < 120 characters "
              f"OCR'd, 200 dpi, whole page, one thread) {base_s:.2f}s; "
              f"intake / (pdfplumber + OCR) {pipe_s / base_s:.2f}")
        print(f"  intake OCR off {off_s:.2f}s: intake {per} per OCR'd page ({ocr_pages} pages); "
              f"baseline {base_per} per OCR'd page ({base_pages} pages)")


def main():
    import logging

    logging.disable(logging.WARNING)  # pdfminer's font warnings on the real PDFs
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="*", type=Path, help="corpus directories (bench/corpora/SPEC.md)")
    ap.add_argument("--fixtures", type=int, default=40)
    ap.add_argument("--big-pages", type=int, default=300)
    args = ap.parse_args()
    if args.dirs:
        print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
        compare_dirs(args.dirs)
        return
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")

    # 1. peak memory of the child on a big response (first child of this process)
    # worst case: ruled budget tables that do not add up, so pdfplumber reads them too
    spec = ResponseSpec(seed=42, filler_pages=args.big_pages - 6, n_items=20, ruled=True, budget_consistent=False)
    data, truth = make_response(spec)
    big = tmp / "big.pdf"
    big.write_bytes(data)
    # a fresh child process (not the fork server's grandchild), so that RUSAGE_CHILDREN sees it
    os.environ["PROCURE_INTAKE_FORKSERVER"], before = "0", os.environ.get("PROCURE_INTAKE_FORKSERVER")
    t = time.perf_counter()
    rec = parse_file(big, SECTIONS, Limits())
    big_s = time.perf_counter() - t
    if before is None:
        del os.environ["PROCURE_INTAKE_FORKSERVER"]
    else:
        os.environ["PROCURE_INTAKE_FORKSERVER"] = before
    child_rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"big response: {rec['pages']} pages ({len(data) / 1e6:.1f} MB), pipeline {big_s:.2f}s "
          f"({rec['pages'] / big_s:.0f} pages/s), child peak RSS {child_rss_kib / 1024:.0f} MiB")

    # 2. same files through both
    files = []
    for i, s in enumerate(random_specs(7, args.fixtures)):
        p = tmp / f"r{i:03d}.pdf"
        p.write_bytes(make_response(s)[0])
        files.append(p)
    files += [SHARED / n for n in REAL if (SHARED / n).exists()]
    pages_pipe, t = 0, time.perf_counter()
    rejected = 0
    for p in files:
        try:
            pages_pipe += parse_file(p, SECTIONS)["pages"]
        except Rejected:
            rejected += 1
    pipe_s = time.perf_counter() - t
    pages_bare, t = 0, time.perf_counter()
    for p in files:
        pages_bare += bare_pdfplumber(p)
    bare_s = time.perf_counter() - t
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pipe_rate, bare_rate = pages_pipe / pipe_s, pages_bare / bare_s
    print(f"files: {len(files)} ({args.fixtures} generated + {len(files) - args.fixtures} real), "
          f"{pages_pipe} pages, {rejected} rejected")
    print(f"pipeline (child per file):    {pipe_s:6.2f}s  {pipe_rate:7.1f} pages/s")
    print(f"bare pdfplumber text+tables:  {bare_s:6.2f}s  {bare_rate:7.1f} pages/s")
    print(f"ratio pipeline / pdfplumber:  {pipe_rate / bare_rate:.1f}x")

    # 3. fixed cost per document: the child process start (python + pypdfium2 import)
    one = tmp / "one.pdf"
    one.write_bytes(make_response(ResponseSpec(seed=1, present=["summary"], signature="none"))[0])
    t = time.perf_counter()
    for _ in range(5):
        parse_file(one, SECTIONS)
    per_doc = (time.perf_counter() - t) / 5
    print(f"fixed cost per document (child start, 2-page file): {per_doc * 1000:.0f} ms")

    # 4. bare pdfplumber on the big response, in this process (pages closed)
    t = time.perf_counter()
    n = bare_pdfplumber(big)
    bs = time.perf_counter() - t
    print(f"big response bare pdfplumber: {bs:.2f}s ({n / bs:.0f} pages/s) vs pipeline {big_s:.2f}s: "
          f"ratio {(rec['pages'] / big_s) / (n / bs):.0f}x; this process peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (was {rss_self / 1024:.0f})")


if __name__ == "__main__":
    main()
