"""`procure intake parse FILE --sections SECTIONS.json`: the record as JSON (exit 0), or the
rejection (exit 1), exactly as the service stores it."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.pdfs import complete_response

SECTIONS = [{"id": "capacity", "title": "Organizational Capacity", "aliases": [], "page_limit": 5},
            {"id": "design", "title": "Program Design", "aliases": [], "page_limit": 10},
            {"id": "budget", "title": "Budget", "aliases": ["Cost Proposal"], "page_limit": 3},
            {"id": "staffing", "title": "Staffing Plan", "aliases": [], "page_limit": None}]


def _parse(tmp_path, data: bytes):
    pdf = tmp_path / "response.pdf"
    pdf.write_bytes(data)
    sections = tmp_path / "sections.json"
    sections.write_text(json.dumps(SECTIONS))
    return subprocess.run([sys.executable, "-m", "procure.cli", "intake", "parse", str(pdf),
                           "--sections", str(sections)], capture_output=True, text=True,
                          timeout=120, env={"PROCURE_INSTANCE_PATH": str(tmp_path / "i"),
                                            "PATH": "/usr/bin:/bin"})


def test_parse_prints_the_record(tmp_path):
    done = _parse(tmp_path, complete_response())
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["pages"] == 5
    assert [s["id"] for s in record["sections"]] == ["capacity", "design", "budget"]
    assert record["missing_sections"] == ["staffing"]
    assert record["cover"]["organization_name"] == "Alpha Care Collaborative"
    assert record["budget"]["total"] == "100000.00" and record["budget"]["consistent"] is True
    assert record["signature"]["found"] is True


def test_parse_rejects_with_a_code(tmp_path):
    done = _parse(tmp_path, b"<html>hello</html>")
    assert done.returncode == 1
    assert json.loads(done.stdout)["rejected"]["code"] == "not_pdf"


def test_parse_loads_no_web_application(tmp_path):
    """`procure intake parse` (and the parse child it starts) import neither Flask nor the app."""
    pdf = tmp_path / "response.pdf"
    pdf.write_bytes(complete_response())
    sections = tmp_path / "sections.json"
    sections.write_text(json.dumps(SECTIONS))
    done = subprocess.run([sys.executable, "-m", "procure.cli", "intake", "parse",
                           str(pdf), "--sections", str(sections)], capture_output=True, text=True,
                          timeout=120, env={"PROCURE_INSTANCE_PATH": str(tmp_path / "i"),
                                            "PATH": "/usr/bin:/bin", "PYTHONPROFILEIMPORTTIME": "1"})
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert {"procure.intake.pdf", "procure.intake.forkserver", "pypdfium2"} <= imported  # both processes
    assert not {m for m in imported if m.split(".")[0] in {"flask", "werkzeug", "sqlalchemy"}
                or m in {"procure.app", "procure.web", "procure.extensions"}}
