"""Scanned pages are read by Tesseract processes that run while the parse goes on, several at
once (one a core): each page gets its own text, the same as read one at a time, and no
Tesseract process outlives its parse, whether the page ran out of time or the parse child died."""
from __future__ import annotations

import io
import shutil
import time

import pytest

from procure.intake import ocr
from procure.intake.pdf import Limits, Rejected, _open_pdfium, parse_file, tesseract_command
from tests.conftest import require_or_skip
from tests.integration.test_intake_scanned import _scan

SECTIONS = [{"id": "budget", "title": "Budget", "aliases": [], "page_limit": None}]
PAGES = [["Organization Name: Harbor Family Center", "Federal Tax ID (FEIN): 04-1234567"],
         ["Budget", "Personnel $120,000.00", "Total $120,000.00"],
         ["References", "Bay Street Clinic, Dana Moss"]]


def scanned_pages(pages: list[list[str]]) -> bytes:
    """A PDF of scanned pages (a picture each, no text layer)."""
    images = [_scan(lines) for lines in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=200.0, save_all=True, append_images=images[1:])
    return out.getvalue()


def fake_tesseract(tmp_path, body: str) -> str:
    """A stand-in for Tesseract (called as ``tesseract stdin stdout ...``): its pid goes to
    ``pids`` in ``tmp_path``, then ``body`` runs."""
    script = tmp_path / "tesseract"
    script.write_text(f"#!/bin/sh\necho $$ >> '{tmp_path}/pids'\n{body}\n")
    script.chmod(0o755)
    return str(script)


def pids(tmp_path) -> list[int]:
    path = tmp_path / "pids"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def gone(pid: int) -> bool:
    """The process has ended (a zombie not yet reaped counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def wait_until_gone(pid: int) -> bool:
    for _ in range(400):  # a killed process takes a moment to go
        if gone(pid):
            return True
        time.sleep(0.05)
    return False


def test_each_scanned_page_reads_its_own_text_the_same_as_one_at_a_time(tmp_path):
    require_or_skip(shutil.which("tesseract") is not None,
                    "tesseract is not installed (apt-get install tesseract-ocr)")
    data = scanned_pages(PAGES)
    texts = {}
    for slots in (1, 3):
        doc = _open_pdfium(data)
        try:
            with ocr.Reader(doc, tesseract_command(), time.monotonic() + 60, slots=slots) as reader:
                for i in range(len(PAGES)):
                    reader.add(i)
                texts[slots] = [reader.text(i) for i in range(len(PAGES))]
        finally:
            doc.close()
    assert texts[3] == texts[1]
    for i, lines in enumerate(PAGES):
        assert all(line in texts[3][i] for line in lines)
    path = tmp_path / "scans.pdf"
    path.write_bytes(data)
    record = parse_file(path, SECTIONS)
    note = record["notes"][0]
    assert note["code"] == "ocr" and note["pages"] == [1, 2, 3]
    assert note["text"] == {str(i + 1): " ".join(t.split()) for i, t in enumerate(texts[1])}


def test_two_scanned_pages_are_read_at_once(tmp_path, monkeypatch):
    """Each stand-in waits for the other to start: read one after the other, they would say so."""
    if ocr.cores() < 2:
        pytest.skip("one core: the pages are read one at a time")
    command = fake_tesseract(tmp_path, f"""cat > /dev/null
for i in $(seq 600); do
  [ "$(wc -l < '{tmp_path}/pids')" -ge 2 ] && {{ echo "Read together with another page"; exit 0; }}
  sleep 0.05
done
echo "Read alone"
""")
    monkeypatch.setenv("PROCURE_TESSERACT", command)
    path = tmp_path / "scans.pdf"
    path.write_bytes(scanned_pages(PAGES[:2]))
    record = parse_file(path, SECTIONS)
    assert record["notes"][0]["text"] == {"1": "Read together with another page",
                                          "2": "Read together with another page"}
    assert len(pids(tmp_path)) == 2


def test_a_page_out_of_time_has_its_tesseract_killed(tmp_path, monkeypatch):
    command = fake_tesseract(tmp_path, "cat > /dev/null\nexec sleep 600")
    monkeypatch.setenv("PROCURE_TESSERACT", command)
    path = tmp_path / "scans.pdf"
    path.write_bytes(scanned_pages(PAGES[:1]))
    # 5 s of the limit are kept for the rest of the parse: about 2 s for the page
    record = parse_file(path, SECTIONS, Limits(seconds=7))
    assert [n["code"] for n in record["notes"]] == ["scanned_not_read"]
    assert "OCR did not finish" in record["notes"][0]["message"]
    [pid] = pids(tmp_path)
    assert wait_until_gone(pid)


@pytest.mark.parametrize("forkserver", ["1", "0"])
def test_a_parse_child_that_dies_leaves_no_tesseract_behind(tmp_path, monkeypatch, forkserver):
    """The stand-in kills the parse child (as the memory cap or a crash would) and lingers:
    whoever started the child kills its process group."""
    command = fake_tesseract(tmp_path, "kill -9 $PPID\nexec sleep 600")
    monkeypatch.setenv("PROCURE_TESSERACT", command)
    monkeypatch.setenv("PROCURE_INTAKE_FORKSERVER", forkserver)
    path = tmp_path / "scans.pdf"
    path.write_bytes(scanned_pages(PAGES[:1]))
    with pytest.raises(Rejected) as refused:
        parse_file(path, SECTIONS)
    assert refused.value.code == "corrupt" and "stop unexpectedly" in refused.value.message
    [pid] = pids(tmp_path)
    assert wait_until_gone(pid)
