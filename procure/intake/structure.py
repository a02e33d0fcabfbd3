"""Pure functions turning page texts, tables and form fields into the intake record.

Nothing here opens a PDF: the parser (``procure.intake.pdf``) extracts text per page,
tables on budget pages and AcroForm fields, and hands them over. Every function is
deterministic and unit-testable with plain strings.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

COVER_KEYS = ("organization_name", "tax_id", "contact_name", "contact_email", "lot", "total_price")

# ---------------------------------------------------------------------------
# text helpers

_WS = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")


def split_lines(text: str) -> list[str]:
    """Split extracted page text into stripped, non-empty lines."""
    if not text:
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    text = text.replace("\x02", "").replace("\ufffe", "").replace("\x00", "")
    out = []
    for line in text.split("\n"):
        line = _WS.sub(" ", line).strip()
        if line:
            out.append(line)
    return out


def count_words(lines: list[str]) -> int:
    return sum(len(re.findall(r"\w+", ln)) for ln in lines)


# ---------------------------------------------------------------------------
# amounts

_AMOUNT = re.compile(
    r"""(?P<neg>\(|-|\u2212)?\s*
        (?P<cur>\$|USD\s?)?\s*
        (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)
        \)?$""",
    re.X,
)


def parse_amount(text: str | None, strict: bool = False) -> Decimal | None:
    """Parse ``$1,234.50``, ``1234.50``, ``1,234``, ``(1,234.00)`` into a Decimal.

    With ``strict`` a bare integer that looks like a year (``2024``) is not an amount:
    used for free text.
    """
    if text is None:
        return None
    s = str(text).strip().replace(" ", "")
    s = s.rstrip("*").strip()
    if not s:
        return None
    m = _AMOUNT.fullmatch(s) or _AMOUNT.fullmatch(s.replace("$-", "-$"))
    if not m:
        return None
    num = m.group("num")
    if strict and not (m.group("cur") or "," in num or "." in num) and 1900 <= int(num) <= 2100:
        return None  # a year, not an amount
    try:
        value = Decimal(num.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - regex guarantees digits
        return None
    if m.group("neg"):
        value = -value
    return value.quantize(Decimal("0.01"))


def fmt_amount(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


# ---------------------------------------------------------------------------
# headings and sections

_NUMBERING = [
    re.compile(r"^(?:section|part|article|chapter)\s+(?:\d+(?:\.\d+)*|[ivxlcdm]+|[a-z])\s*[:.)\-\u2013\u2014]?\s*", re.I),
    re.compile(r"^\d+(?:\.\d+)*[.):]?\s+"),
    re.compile(r"^(?:[ivxlcdm]+|[a-z])[.)]\s+", re.I),
]
_DOT_LEADER = re.compile(r"(?:\.\s?){3,}|(?:_\s?){3,}|\u2026")
_TRAILING_PAGENO = re.compile(r"\s+\d{1,4}$")
_TOC_TITLE = re.compile(r"^(?:table\s+of\s+contents|contents)\s*:?$", re.I)


def normalize(s: str) -> str:
    s = s.lower().replace("&", " and ")
    s = s.replace("\u2019", "'")
    s = re.sub(r"[\s\u00a0]+", " ", s)
    return s.strip()


def strip_numbering(line: str) -> str:
    for rx in _NUMBERING:
        m = rx.match(line)
        if m and m.end() < len(line):
            return line[m.end():]
    return line


def heading_key(line: str) -> str | None:
    """The normalized title of a line that could be a heading, or None."""
    if len(line) > 120 or _DOT_LEADER.search(line):
        return None
    s = strip_numbering(line.strip())
    # numbering with a dash/colon after a word: "Section 3 - Budget"
    s = re.sub(r"^[:\-\u2013\u2014]\s*", "", s)
    s = s.rstrip(":").strip()
    s = re.sub(r"\s*[\u2013\u2014-]\s*$", "", s)
    return normalize(s) or None


def is_toc_line(line: str) -> bool:
    return bool(_DOT_LEADER.search(line)) or bool(
        _TRAILING_PAGENO.search(line) and heading_key(_TRAILING_PAGENO.sub("", line))
    )


def section_names(section: dict) -> list[str]:
    names = [section.get("title") or ""] + list(section.get("aliases") or [])
    return [normalize(n) for n in names if n and n.strip()]


def _toc_mask(pages_lines: list[list[str]]) -> list[list[bool]]:
    """True for lines that belong to a table of contents."""
    masks = []
    for lines in pages_lines:
        mask = [False] * len(lines)
        in_toc = False
        for i, ln in enumerate(lines):
            if _TOC_TITLE.match(ln.strip()):
                in_toc = True
            if in_toc or _DOT_LEADER.search(ln):
                mask[i] = True
        masks.append(mask)
    return masks


def _last_word(s: str) -> str:
    """Cheap pre-check for heading matching: the last word, normalized."""
    words = normalize(s).rstrip(" :-\u2013\u2014").split()
    return words[-1] if words else ""


def _part_of_running(line: str, running: set[str]) -> bool:
    """A running header cut in two (a page read column by column)."""
    return len(line) >= 10 and any(r.startswith(line) or r.endswith(line) for r in running)


def find_headings(pages_lines: list[list[str]], sections: list[dict]) -> list[dict]:
    """First heading of each required section, in document order.

    Returns dicts ``{"id", "title", "heading", "page", "line", "top"}`` where page is
    1-based, line the index in that page's lines and top whether it is the first line
    of the page's body (only running headers/footers above it).
    """
    lookup: dict[str, dict] = {}
    for sec in sections:
        for name in section_names(sec):
            lookup.setdefault(name, sec)
    last_words = {_last_word(n) for n in lookup}
    toc = _toc_mask(pages_lines)
    running = running_lines(pages_lines, set(lookup))
    found: dict[str, dict] = {}
    for p, lines in enumerate(pages_lines):
        body_seen = False
        for i, ln in enumerate(lines):
            if ln in running or (i < 3 and _part_of_running(ln, running)):
                continue
            if toc[p][i]:
                body_seen = True
                continue
            key = heading_key(ln) if _last_word(ln) in last_words else None
            sec = lookup.get(key) if key else None
            if sec is not None and sec["id"] not in found:
                found[sec["id"]] = {
                    "id": sec["id"], "title": sec.get("title"), "heading": ln,
                    "page": p + 1, "line": i, "top": not body_seen,
                }
            body_seen = True
    return sorted(found.values(), key=lambda h: (h["page"], h["line"]))


def count_heading_lines(text: str, sections: list[dict]) -> int:
    """How many lines of a page's text are headings of required sections."""
    names = {n for sec in sections for n in section_names(sec)}
    return sum(1 for ln in split_lines(text) if heading_key(ln) in names)


def running_lines(pages_lines: list[list[str]], names: set[str] | frozenset = frozenset()) -> set[str]:
    """Lines repeated at the top or bottom of many pages (running headers/footers) and page
    numbers. Headings of required sections (``names``) never count as running lines."""
    if len(pages_lines) < 2:
        return set()
    counts: dict[str, int] = {}
    for lines in pages_lines:
        for ln in set(lines[:2] + lines[-2:]):
            counts[ln] = counts.get(ln, 0) + 1
    need = max(2, int(len(pages_lines) * 0.4))
    out = {ln for ln, n in counts.items() if n >= need and heading_key(ln) not in names}
    # "Page 3", "Page 3 of 9", "- 3 -", "3"
    for lines in pages_lines:
        for ln in lines[:2] + lines[-2:]:
            if _PAGE_NO.fullmatch(ln):
                out.add(ln)
    return out


def build_sections(pages_lines: list[list[str]], sections: list[dict],
                   signature_page: int | None = None) -> tuple[list[dict], list[str], list[dict]]:
    """Found sections with their page ranges and word counts, missing ids, problems."""
    heads = find_headings(pages_lines, sections)
    n_pages = len(pages_lines)
    running = running_lines(pages_lines, {n for s in sections for n in section_names(s)})
    by_id = {s["id"]: s for s in sections}
    found = []
    for k, h in enumerate(heads):
        if k + 1 < len(heads):
            nxt = heads[k + 1]
            end = nxt["page"] - 1 if nxt["top"] else nxt["page"]
            end = max(end, h["page"])
            stop = (nxt["page"], nxt["line"])
        else:
            end = n_pages
            if signature_page and signature_page > h["page"]:
                end = signature_page - 1
            stop = (end + 1, 0)
        words = 0
        for p in range(h["page"], min(stop[0], n_pages) + 1):
            lines = pages_lines[p - 1]
            lo = h["line"] + 1 if p == h["page"] else 0
            hi = stop[1] if p == stop[0] else len(lines)
            words += count_words([ln for ln in lines[lo:hi] if ln not in running])
        found.append({
            "id": h["id"], "title": by_id[h["id"]].get("title"), "heading": h["heading"],
            "start_page": h["page"], "end_page": end, "pages": end - h["page"] + 1,
            "words": words,
        })
    found_ids = {f["id"] for f in found}
    missing = [s["id"] for s in sections if s["id"] not in found_ids]
    problems = []
    for f in found:
        limit = by_id[f["id"]].get("page_limit")
        if limit is not None and f["pages"] > int(limit):
            problems.append({
                "code": "page_limit_exceeded",
                "message": f'Section "{f["title"]}" runs {f["pages"]} pages (pages {f["start_page"]}-'
                           f'{f["end_page"]}); the limit is {limit}. Shorten it to {limit} '
                           f'page{"s" if int(limit) != 1 else ""} or fewer.',
            })
    for sid in missing:
        sec = by_id[sid]
        problems.append({
            "code": "missing_section",
            "message": f'The required section "{sec.get("title")}" was not found. Add it with a '
                       f'heading named "{sec.get("title")}".',
        })
    return found, missing, problems


def budget_section_ids(sections: list[dict]) -> list[str]:
    return [s["id"] for s in sections
            if any("budget" in n for n in section_names(s))]


# ---------------------------------------------------------------------------
# cover sheet

_LABELS = [
    ("organization_name", r"(?:organi[sz]ation(?:\s+name)?|bidder(?:\s+name)?|applicant(?:\s+name)?|company(?:\s+name)?|vendor(?:\s+name)?|legal\s+name)"),
    ("tax_id", r"(?:fein|tax\s*id(?:entification)?(?:\s+(?:number|no\.?|#))?|ein|tin)"),
    ("contact_email", r"(?:contact\s+)?e-?mail(?:\s+address)?"),
    ("contact_name", r"(?:contact(?:\s+(?:name|person))?)"),
    ("lot", r"(?:lots?(?:\s+(?:number|no\.?|#))?)"),
    ("total_price", r"(?:total\s+(?:price|cost|bid|amount|proposed\s+price))"),
]
_LABEL_RX = [(k, re.compile(r"^\s*" + rx + r"\s*[:#]\s*(?P<v>\S.*?)\s*$", re.I)) for k, rx in _LABELS]
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _clean_value(key: str, value: str) -> str | None:
    value = value.strip().strip("_").strip()
    if not value or re.fullmatch(r"[_.\s-]*", value):
        return None
    if key == "total_price":
        amt = parse_amount(value)
        return fmt_amount(amt)
    if key == "contact_email":
        m = _EMAIL.search(value)
        return m.group(0) if m else None
    return value


def cover_from_fields(fields: dict) -> dict:
    out = {k: None for k in COVER_KEYS}
    for k in COVER_KEYS:
        v = fields.get(k)
        if isinstance(v, str):
            out[k] = _clean_value(k, v)
    return out


def cover_from_text(pages_lines: list[list[str]], max_pages: int = 2) -> dict:
    out = {k: None for k in COVER_KEYS}
    for lines in pages_lines[:max_pages]:
        for ln in lines:
            for key, rx in _LABEL_RX:
                m = rx.match(ln)
                if m and out[key] is None:
                    out[key] = _clean_value(key, m.group("v"))
                    break
    return out


def build_cover(fields: dict, pages_lines: list[list[str]]) -> dict:
    cover = cover_from_fields(fields)
    text = cover_from_text(pages_lines)
    for k in COVER_KEYS:
        if cover[k] is None:
            cover[k] = text[k]
    return cover


# ---------------------------------------------------------------------------
# budget

_TOTAL = re.compile(r"^\s*(?:grand\s+)?total\b(?!\s+(?:personnel|staff|fringe|travel))", re.I)
_SUBTOTAL = re.compile(r"^\s*sub[\s-]?total\b", re.I)
_TEXT_ROW = re.compile(
    r"^(?P<desc>.*?[A-Za-z].*?)(?:\s*(?:\.\s?){2,}\s*|\s+)(?P<amt>\(?-?\$?\s?\d[\d,]*(?:\.\d{1,2})?\)?)$")


def _row_from_cells(cells: list, strict: bool) -> tuple[str, Decimal] | None:
    cells = [(" ".join(str(c).split()) if c is not None else "") for c in cells]
    amt_idx = None
    for i in range(len(cells) - 1, -1, -1):
        if parse_amount(cells[i], strict=strict) is not None:
            amt_idx = i
            break
    if amt_idx is None:
        return None
    desc = next((c for c in cells[:amt_idx] if c and parse_amount(c) is None), "")
    if not desc or not re.search(r"[A-Za-z]", desc):
        return None
    return desc, parse_amount(cells[amt_idx], strict=strict)


def budget_rows_from_tables(tables: list[list[list]]) -> list[tuple[str, Decimal]]:
    rows = []
    for table in tables:
        for cells in table or []:
            r = _row_from_cells(list(cells or []), strict=False)
            if r:
                rows.append(r)
    return rows


_PAGE_NO = re.compile(r"(?:page\s+)?[-\u2013 ]*\d+[-\u2013 ]*(?:\s*(?:of|/)\s*\d+)?", re.I)


def budget_rows_from_lines(lines: list[str]) -> list[tuple[str, Decimal]]:
    rows = []
    for ln in lines:
        if _PAGE_NO.fullmatch(ln.strip()):
            continue
        m = _TEXT_ROW.match(ln.strip())
        if not m:
            continue
        amt = parse_amount(m.group("amt"), strict=True)
        if amt is None:
            continue
        desc = m.group("desc").strip().rstrip(".:").strip()
        if len(desc) > 80:  # prose ending with an amount
            continue
        rows.append((desc, amt))
    return rows


def build_budget(rows: list[tuple[str, Decimal]], cover_total: str | None,
                 has_section: bool) -> tuple[dict, list[dict]]:
    lines, stated = [], None
    for desc, amt in rows:
        if _SUBTOTAL.match(desc):
            continue
        if _TOTAL.match(desc):
            if stated is None:
                stated = amt
            continue
        lines.append({"description": desc, "amount": fmt_amount(amt)})
    total = sum((Decimal(l["amount"]) for l in lines), Decimal("0.00")) if lines else None
    cover = Decimal(cover_total) if cover_total else None
    problems = []
    consistent = None
    if total is not None and (stated is not None or cover is not None):
        consistent = True
        if stated is not None and stated != total:
            consistent = False
            problems.append({
                "code": "budget_inconsistent",
                "message": f"The budget lines add up to ${total:,.2f} but the table's total row "
                           f"says ${stated:,.2f}. Correct the lines or the total.",
            })
        if cover is not None and cover != total:
            consistent = False
            problems.append({
                "code": "budget_mismatch_cover",
                "message": f"The budget lines add up to ${total:,.2f} but the cover sheet's total "
                           f"price is ${cover:,.2f}. Make them match.",
            })
    elif has_section and total is None:
        problems.append({
            "code": "budget_unreadable",
            "message": "No budget line items with amounts were found in the budget section. "
                       "Put the budget in a table with one amount per line.",
        })
    budget = {
        "lines": lines,
        "total": fmt_amount(total),
        "stated_total": fmt_amount(stated) if stated is not None else (fmt_amount(cover) if cover is not None else None),
        "consistent": consistent,
    }
    return budget, problems


def slice_section_lines(lines: list[str], start_names: list[str] | None,
                        stop_names: list[str] | None) -> list[str]:
    """Lines of one page after the heading matching start_names and before stop_names."""
    lo, hi = 0, len(lines)
    if start_names:
        for i, ln in enumerate(lines):
            if heading_key(ln) in start_names:
                lo = i + 1
                break
    if stop_names:
        for i in range(lo, len(lines)):
            if heading_key(lines[i]) in stop_names:
                hi = i
                break
    return lines[lo:hi]


# ---------------------------------------------------------------------------
# signature

_SIG_WORD = re.compile(r"signature|signed", re.I)
_SIGNED = [
    re.compile(r"/s/\s*\S+", re.I),
    re.compile(r"^(?:authori[sz]ed\s+)?(?:representative'?s?\s+)?signature\s*[:\-]\s*(?P<v>.*)$", re.I),
    re.compile(r"^(?:digitally\s+)?signed(?:\s+by)?\s*[:\-]?\s*(?P<v>.*)$", re.I),
]


def _signed_value(v: str) -> bool:
    v = v.strip()
    if not v or re.fullmatch(r"[_.\s-]*", v):
        return False
    v = re.sub(r"[_]{2,}", " ", v).strip()
    if re.match(r"^(date|name|title)\b", v, re.I):
        return False
    return bool(re.search(r"[A-Za-z]{2,}", v))


def find_signature(pages_lines: list[list[str]], signed_field: bool = False,
                   signed_field_page: int | None = None) -> dict:
    if signed_field:
        return {"found": True, "page": signed_field_page}
    for p in range(len(pages_lines) - 1, -1, -1):
        lines = pages_lines[p]
        if not any(_SIG_WORD.search(ln) and not _DOT_LEADER.search(ln) for ln in lines):
            continue
        for ln in lines:
            if _DOT_LEADER.search(ln) and not "_" in ln:
                continue
            if _SIGNED[0].search(ln):
                return {"found": True, "page": p + 1}
            for rx in _SIGNED[1:]:
                m = rx.match(ln)
                if m and _signed_value(m.group("v")):
                    return {"found": True, "page": p + 1}
    return {"found": False, "page": None}


def signature_block_page(pages_lines: list[list[str]]) -> int | None:
    """Last page with a signature block (signed or not), 1-based."""
    for p in range(len(pages_lines) - 1, -1, -1):
        for ln in pages_lines[p]:
            if re.search(r"\bsignature\b", ln, re.I) and not _DOT_LEADER.sub("", ln).strip().endswith(tuple("0123456789")):
                if len(ln) <= 80:
                    return p + 1
    return None


def signature_problem(sig: dict) -> list[dict]:
    if sig["found"]:
        return []
    return [{"code": "no_signature",
             "message": "No signed signature page was found. Add a page with an authorized "
                        "signature (signed, or typed as /s/ Name) and upload it again."}]


# ---------------------------------------------------------------------------
# the record

def budget_rows_add_up(rows: list[tuple[str, Decimal]]) -> bool:
    """True when the rows have a total row and the other lines add up to it exactly."""
    total_rows = [amt for desc, amt in rows if _TOTAL.match(desc)]
    lines = [amt for desc, amt in rows if not _TOTAL.match(desc) and not _SUBTOTAL.match(desc)]
    return bool(total_rows and lines) and sum(lines, Decimal("0.00")) == total_rows[0]


def text_budget_rows(page_texts: list[str], record: dict, sections: list[dict]) -> list[tuple[str, Decimal]]:
    """Budget rows read from the text lines of the record's budget section(s)."""
    pages_lines = [split_lines(t) for t in page_texts]
    bids = set(budget_section_ids(sections))
    rows = []
    for f in record["sections"]:
        if f["id"] in bids:
            rows += budget_rows_from_lines(section_text_lines(pages_lines, record["sections"], f, sections))
    return rows


def build_record(page_texts: list[str], sections: list[dict], form_fields: dict | None = None,
                 budget_rows: list[tuple[str, Decimal]] | None = None,
                 signed_field: bool = False, signed_field_page: int | None = None,
                 extra_problems: list[dict] | None = None) -> dict:
    """Assemble the record from per-page text.

    ``budget_rows`` are (description, amount) rows read from the budget section's tables;
    when None they are read from the budget section's text lines.
    """
    form_fields = dict(form_fields or {})
    pages_lines = [split_lines(t) for t in page_texts]
    cover = build_cover(form_fields, pages_lines)
    sig = find_signature(pages_lines, signed_field, signed_field_page)
    sig_block = sig["page"] if sig["found"] and sig["page"] else signature_block_page(pages_lines)
    found, missing, problems = build_sections(pages_lines, sections, sig_block)
    bids = set(budget_section_ids(sections))
    bsecs = [f for f in found if f["id"] in bids]
    if budget_rows is None:
        budget_rows = []
        for f in bsecs:
            budget_rows += budget_rows_from_lines(section_text_lines(pages_lines, found, f, sections))
    budget_rows = list(budget_rows)
    budget, bproblems = build_budget(budget_rows, cover["total_price"], bool(bsecs))
    problems = list(extra_problems or []) + problems + bproblems + signature_problem(sig)
    return {
        "pages": len(page_texts),
        "cover": cover,
        "form_fields": {str(k): v for k, v in form_fields.items()},
        "sections": found,
        "missing_sections": missing,
        "budget": budget,
        "signature": sig,
        "problems": problems,
    }


def section_text_lines(pages_lines: list[list[str]], found: list[dict], sec: dict,
                       sections: list[dict]) -> list[str]:
    idx = next(i for i, f in enumerate(found) if f["id"] == sec["id"])
    nxt = found[idx + 1] if idx + 1 < len(found) else None
    start_names = [normalize(heading_key(sec["heading"]) or "")]
    stop_names = [heading_key(nxt["heading"])] if nxt else None
    out = []
    for p in range(sec["start_page"], sec["end_page"] + 1):
        lines = pages_lines[p - 1]
        out += slice_section_lines(lines, start_names if p == sec["start_page"] else None,
                                   stop_names if nxt and p == nxt["start_page"] else None)
    return out
