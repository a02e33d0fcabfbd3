"""Every real-world PDF in ../shared/pdfs either parses or is rejected with a code, in time."""
import os
import shutil
import time
from pathlib import Path

import pytest

from procure.intake.pdf import CODES, Limits, Rejected, parse_file
from tests.conftest import require_or_skip

SHARED = Path(os.environ.get("PROCURE_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
PDF_DIR = SHARED / "pdfs"
PDFS = sorted(PDF_DIR.rglob("*.pdf")) if PDF_DIR.is_dir() else []
ABSENT = f"../shared/pdfs is absent: looked in {PDF_DIR}; set PROCURE_SHARED_DIR to the shared directory"
SECTIONS = [
    {"id": "intro", "title": "Introduction", "aliases": ["Einleitung"], "page_limit": 10},
    {"id": "budget", "title": "Budget", "aliases": [], "page_limit": None},
]
LIMITS = Limits(seconds=60)

# what each file must end as: a rejection code, or (pages, notes) when it parses; "scan" notes are
# "ocr" with Tesseract installed, "scanned_not_read" without
SCAN = object()
KNOWN = {
    "002-trivial-libre-office-writer.pdf": (1, []),
    "GeoTopo-komprimiert.pdf": (117, []),
    "annotated_pdf.pdf": (1, []),
    "base64image.pdf": (1, []),
    "cmyk-image.pdf": (1, SCAN),
    "crazyones-pdfa.pdf": (1, []),
    "google-doc-document.pdf": (1, []),
    "grayscale-image.pdf": (1, SCAN),
    "habibi-oneline-cmap.pdf": (1, []),
    "habibi-rotated.pdf": (4, []),
    "habibi.pdf": (1, []),
    "imagemagick-ASCII85Decode.pdf": (1, SCAN),
    "imagemagick-CCITTFaxDecode.pdf": (1, SCAN),
    "imagemagick-images.pdf": (6, SCAN),
    "imagemagick-lzw.pdf": (1, SCAN),
    "inline-image.pdf": (1, []),
    "libre-office-link.pdf": (1, []),
    "libreoffice-form.pdf": (1, []),
    "libreoffice-writer-password.pdf": "encrypted",
    "minimal-document.pdf": (1, []),
    "mistitled_outlines_example.pdf": (4, []),
    "multicolumn.pdf": (3, []),
    "output_with_metadata_pymupdf.pdf": (1, []),
    "pdfkit.pdf": (1, []),
    "pdflatex-4-pages.pdf": (4, []),
    "pdflatex-forms.pdf": (1, []),
    "pdflatex-image.pdf": (1, []),
    "pdflatex-outline.pdf": (4, []),
    "reportlab-overlay.pdf": (1, []),
    "unreadablemetadata.pdf": "corrupt",  # broken xref and page tree: pdfium and pypdf both fail
    "with-attachment.pdf": (1, []),
}


def _ids(p):
    return p.name


@pytest.mark.skipif(not PDFS, reason=ABSENT)
@pytest.mark.parametrize("path", PDFS, ids=_ids)
def test_real_pdf_parses_or_is_rejected(path):
    t = time.monotonic()
    try:
        rec = parse_file(path, SECTIONS, LIMITS)
        outcome = (rec["pages"], [n["code"] for n in rec["notes"]])
        assert set(rec) == {"pages", "cover", "form_fields", "sections", "missing_sections", "budget",
                            "signature", "problems", "sources", "notes", "bidder_marks"}
        assert rec["bidder_marks"] == {}   # no bidder's names asked for, none marked
    except Rejected as e:
        outcome = e.code
        assert e.code in CODES and e.message.endswith(".")
    print(f"{path.name}: {outcome} in {time.monotonic() - t:.2f}s")
    want = KNOWN[path.name]
    if isinstance(want, tuple) and want[1] is SCAN:
        want = (want[0], ["ocr"] if shutil.which("tesseract") else ["scanned_not_read"])
    assert outcome == want


def test_every_real_pdf_has_an_expected_outcome():
    require_or_skip(bool(PDFS), ABSENT)
    assert sorted(p.name for p in PDFS) == sorted(KNOWN)


@pytest.mark.skipif(not PDFS, reason=ABSENT)
def test_form_fields_of_real_forms():
    form = next((p for p in PDFS if p.name == "libreoffice-form.pdf"), None)
    if form is None:
        pytest.skip("libreoffice-form.pdf absent")
    rec = parse_file(form, SECTIONS, LIMITS)
    assert len(rec["form_fields"]) >= 3


@pytest.mark.skipif(not PDFS, reason=ABSENT)
def test_long_thesis_finds_pages():
    thesis = next((p for p in PDFS if p.name == "GeoTopo-komprimiert.pdf"), None)
    if thesis is None:
        pytest.skip("GeoTopo-komprimiert.pdf absent")
    seen = []
    rec = parse_file(thesis, SECTIONS, LIMITS, progress=lambda d, t: seen.append((d, t)))
    assert rec["pages"] > 100 and seen[-1] == (rec["pages"], rec["pages"])


@pytest.mark.skipif(not PDFS, reason=ABSENT)
def test_real_table_of_contents_is_not_a_section():
    outline = next((p for p in PDFS if p.name == "pdflatex-outline.pdf"), None)
    if outline is None:
        pytest.skip("pdflatex-outline.pdf absent")
    # page 1 is "Contents / 1 Foo 2 / 2 Bar 2 ..."; the headings themselves are on page 2
    secs = [{"id": t.lower(), "title": t, "aliases": [], "page_limit": 1} for t in ("Foo", "Bar", "Baz")]
    rec = parse_file(outline, secs, LIMITS)
    assert [(s["id"], s["start_page"]) for s in rec["sections"]] == [("foo", 2), ("bar", 2), ("baz", 2)]
    assert rec["sections"][-1]["end_page"] == 4
    assert [p["code"] for p in rec["problems"]][:1] == ["page_limit_exceeded"]
