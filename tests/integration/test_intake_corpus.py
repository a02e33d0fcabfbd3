"""Accuracy on an independent corpus: response PDFs printed by headless Chromium from HTML
written from bench/corpora/SPEC.md by a maker that never read the parser. The corpus is made
afresh here (a seed of its own), read through the service's parse path and scored by
bench/intake_accuracy.py; the floors are the figures measured on that seed."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_or_skip

ROOT = Path(__file__).resolve().parents[2]
MAKER = ROOT / "bench" / "corpora" / "chromium" / "make.py"
SEED = 7101
CHROMIUM = os.environ.get("PROCURE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _scorer():
    spec = importlib.util.spec_from_file_location("intake_accuracy", ROOT / "bench" / "intake_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    require_or_skip(MAKER.exists(), f"the Chromium corpus maker is absent: {MAKER}")
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}",
                    "PROCURE_REQUIRE_BROWSER")
    # the maker writes each response's truth from poppler's reading, not the parser's own
    require_or_skip(bool(shutil.which("pdftotext") and shutil.which("pdfinfo")),
                    "poppler's pdftotext and pdfinfo are absent (apt-get install -y poppler-utils)",
                    "PROCURE_REQUIRE_BROWSER")
    out = tmp_path_factory.mktemp("chromium-corpus")
    made = subprocess.run([sys.executable, str(MAKER), "--out", str(out), "--seed", str(SEED),
                           "--count", "16"], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert made.returncode == 0, made.stderr[-3000:]
    result = _scorer().score_corpus(out, verbose=True)
    print(_scorer().table(result))
    return result


def test_chromium_corpus_accuracy_floors(scored):
    n = scored["responses"]
    assert n >= 16
    assert scored["section_f1"] >= 0.97
    assert scored["missing_ok"] >= 0.97 * n
    for field in ("organization_name", "tax_id", "email"):
        assert scored["cover"][field]["precision"] >= 0.97, field
        assert scored["cover"][field]["recall"] >= 0.97, field
    assert scored["budget_ok"] >= 0.97 * n
    assert scored["hostile_ok"] == scored["hostile"] > 0
