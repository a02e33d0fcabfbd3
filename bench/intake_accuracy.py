"""Intake accuracy on independent corpora (bench/corpora/SPEC.md).

    .venv/bin/python bench/intake_accuracy.py DIR [DIR ...] [-v] [--json OUT.json]

Every ``*.pdf`` in each DIR goes through the service's own parse path
(``procure.intake.pdf.parse_file``, the isolated child) with the RFR's sections
(``DIR/sections.json`` if present, else ``bench/corpora/sections.json``), and is compared with
its ``*.truth.json``:

* section F1: a found section counts when its id and start page are the truth's;
* missing sections: the file's list of missing ids exactly right;
* cover fields organisation / FEIN / email: precision (right / read) and recall
  (right / given in the truth), per field;
* budget total: the total row's amount exactly right (or no budget when the truth has none);
* budget false alarms: a budget whose lines add up to its total (within whole-dollar rounding)
  that the record nevertheless says does not add up (``budget_inconsistent``);
* hostile files: refused with a code when the truth expects it, read when it expects
  ``accepted`` (those are then scored like any response).

Prints one table per corpus; ``-v`` also prints each file's mistakes.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from procure.intake.pdf import CODES, Rejected, parse_file  # noqa: E402

COVER = (("organization_name", "organization_name"), ("tax_id", "tax_id"), ("email", "contact_email"))


def _norm_text(v) -> str | None:
    if v is None:
        return None
    return " ".join(str(v).replace("\u2019", "'").split()).strip() or None


def _norm_email(v) -> str | None:
    v = _norm_text(v)
    return v.lower() if v else None


def _money(v) -> Decimal | None:
    if v in (None, ""):
        return None
    return Decimal(str(v)).quantize(Decimal("0.01"))


def record_total(record: dict) -> Decimal | None:
    """The budget total the record states: its total row, else the sum of its lines."""
    b = record.get("budget") or {}
    return _money(b.get("stated_total") if b.get("stated_total") is not None else b.get("total"))


def load_sections(corpus: Path) -> list[dict]:
    own = corpus / "sections.json"
    return json.loads((own if own.exists() else ROOT / "bench" / "corpora" / "sections.json").read_text())


def score_file(record: dict | None, truth: dict) -> dict:
    """Counts for one parsed response against its truth."""
    out = {"sec_tp": 0, "sec_pred": 0, "sec_true": 0, "missing_ok": False, "budget_ok": False,
           "adds_up": False, "false_alarm": False,
           "cover": {k: {"tp": 0, "pred": 0, "true": 0} for k, _ in COVER}, "mistakes": []}
    truth_secs = {(s["id"], int(s["start_page"])) for s in truth.get("sections") or []}
    out["sec_true"] = len(truth_secs)
    if record is None:
        out["mistakes"].append("not read")
        for k, _ in COVER:
            out["cover"][k]["true"] = int(bool((truth.get("cover") or {}).get(k)))
        return out
    got = {(s["id"], int(s["start_page"])) for s in record.get("sections") or []}
    out["sec_pred"] = len(got)
    out["sec_tp"] = len(got & truth_secs)
    if got != truth_secs:
        out["mistakes"].append(f"sections: extra {sorted(got - truth_secs)} lacking {sorted(truth_secs - got)}")
    want_missing = set(truth.get("missing_sections") or [])
    out["missing_ok"] = set(record.get("missing_sections") or []) == want_missing
    if not out["missing_ok"]:
        out["mistakes"].append(f"missing: read {sorted(record.get('missing_sections') or [])} truth {sorted(want_missing)}")
    cover = record.get("cover") or {}
    tcover = truth.get("cover") or {}
    for tkey, rkey in COVER:
        norm = _norm_email if tkey == "email" else _norm_text
        want, have = norm(tcover.get(tkey)), norm(cover.get(rkey))
        c = out["cover"][tkey]
        c["true"] = int(want is not None)
        c["pred"] = int(have is not None)
        c["tp"] = int(want is not None and have == want)
        if have != want:
            out["mistakes"].append(f"cover {tkey}: read {have!r} truth {want!r}")
    tb = truth.get("budget")
    want_total = _money(tb.get("total")) if tb else None
    have_total = record_total(record)
    out["budget_ok"] = have_total == want_total
    if not out["budget_ok"]:
        out["mistakes"].append(f"budget total: read {have_total} truth {want_total}")
    lines = [_money(x) for x in (tb or {}).get("lines") or []]
    if lines and want_total is not None:
        slack = Decimal(len(lines)) if all(x == x.to_integral_value() for x in lines) else Decimal("0.01")
        out["adds_up"] = abs(sum(lines) - want_total) <= slack
    alarms = [p for p in record.get("problems") or [] if p.get("code") == "budget_inconsistent"]
    out["false_alarm"] = out["adds_up"] and bool(alarms)
    if out["false_alarm"]:
        out["mistakes"].append(f"budget said not to add up: {alarms[0].get('message')}")
    return out


def score_corpus(corpus: Path, verbose: bool = False) -> dict:
    corpus = Path(corpus)
    sections = load_sections(corpus)
    files = sorted(corpus.glob("*.pdf"))
    res = {"corpus": str(corpus), "files": 0, "responses": 0, "sec_tp": 0, "sec_pred": 0, "sec_true": 0,
           "missing_ok": 0, "budget_ok": 0, "adds_up": 0, "false_alarm": 0, "hostile": 0, "hostile_ok": 0,
           "cover": {k: {"tp": 0, "pred": 0, "true": 0} for k, _ in COVER}, "per_file": {}}
    for pdf in files:
        tpath = pdf.with_suffix(".truth.json")
        if not tpath.exists():
            continue
        truth = json.loads(tpath.read_text())
        res["files"] += 1
        record, code = None, None
        try:
            record = parse_file(pdf, sections)
        except Rejected as r:
            code = r.code
        mistakes = []
        if truth.get("kind") == "hostile":
            res["hostile"] += 1
            expect = truth.get("expect", "rejected")
            ok = (code in CODES) if expect == "rejected" else record is not None
            res["hostile_ok"] += int(ok)
            if not ok:
                mistakes.append(f"hostile: expected {expect}, got {code or 'accepted'}")
            if expect != "accepted" or "sections" not in truth:
                res["per_file"][pdf.name] = mistakes
                if verbose and mistakes:
                    print(f"  {pdf.name}: " + "; ".join(mistakes))
                continue
        res["responses"] += 1
        if code and code != "no_text":
            mistakes.append(f"rejected: {code}")
        s = score_file(record, truth)
        for k in ("sec_tp", "sec_pred", "sec_true"):
            res[k] += s[k]
        res["missing_ok"] += int(s["missing_ok"])
        res["budget_ok"] += int(s["budget_ok"])
        res["adds_up"] += int(s["adds_up"])
        res["false_alarm"] += int(s["false_alarm"])
        for k, _ in COVER:
            for m in ("tp", "pred", "true"):
                res["cover"][k][m] += s["cover"][k][m]
        mistakes += s["mistakes"]
        res["per_file"][pdf.name] = mistakes
        if verbose and mistakes:
            print(f"  {pdf.name}: " + "; ".join(mistakes))
    p = res["sec_tp"] / res["sec_pred"] if res["sec_pred"] else 0.0
    r = res["sec_tp"] / res["sec_true"] if res["sec_true"] else 0.0
    res["section_f1"] = 2 * p * r / (p + r) if p + r else 0.0
    res["section_precision"], res["section_recall"] = p, r
    for k, _ in COVER:
        c = res["cover"][k]
        c["precision"] = c["tp"] / c["pred"] if c["pred"] else 1.0
        c["recall"] = c["tp"] / c["true"] if c["true"] else 1.0
    n = res["responses"] or 1
    res["missing_rate"] = res["missing_ok"] / n
    res["budget_rate"] = res["budget_ok"] / n
    return res


def table(res: dict) -> str:
    n = res["responses"]
    rows = [
        f"### {res['corpus']} ({n} responses, {res['hostile']} hostile)",
        "",
        "| measure | figure |",
        "| --- | --- |",
        f"| section F1 (id and start page) | {res['section_f1']:.3f} "
        f"(P {res['section_precision']:.3f}, R {res['section_recall']:.3f}) |",
        f"| missing sections exactly right | {res['missing_ok']}/{n} |",
    ]
    for k, _ in COVER:
        c = res["cover"][k]
        rows.append(f"| cover {k}: precision / recall | {c['precision']:.3f} ({c['tp']}/{c['pred']}) / "
                    f"{c['recall']:.3f} ({c['tp']}/{c['true']}) |")
    rows.append(f"| budget total right | {res['budget_ok']}/{n} |")
    rows.append(f"| budgets that add up, said not to (false alarms) | {res['false_alarm']}/{res['adds_up']} |")
    rows.append(f"| hostile files as expected | {res['hostile_ok']}/{res['hostile']} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    logging.disable(logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = ap.parse_args(argv)
    results = []
    for d in args.dirs:
        if not d.is_dir():
            print(f"{d}: not a directory", file=sys.stderr)
            return 2
        res = score_corpus(d, verbose=args.verbose)
        results.append(res)
        print(table(res))
        print()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
