"""Pure functions turning page texts, tables and form fields into the intake record.

Nothing here opens a PDF: the parser (``procure.intake.pdf``) extracts text per page,
tables on budget pages and AcroForm fields, and hands them over. Every function is
deterministic and unit-testable with plain strings.
"""
from __future__ import annotations

import re
from functools import lru_cache
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
    re.compile(r"^(?:section|part|article|chapter|tab)\s+(?:\d+(?:\.\d+)*|[ivxlcdm]+|[a-z])\s*[:.)\-\u2013\u2014]?\s*", re.I),
    re.compile(r"^\d+(?:\.\d+)*[.):]?\s+"),
    re.compile(r"^(?:[ivxlcdm]+|[a-z])[.)]\s+", re.I),
    re.compile(r"^[\u2022\u25aa\u25a0\u2013\u2014\-*#]+\s*"),
]
_DOT_LEADER = re.compile(r"(?:\.\s?){3,}|(?:_\s?){3,}|\u2026|(?:\u00b7\s?){3,}")
_TRAILING_PAGENO = re.compile(r"\s+(?:page\s+)?\d{1,4}$", re.I)
_TOC_TITLE = re.compile(r"^(?:table\s+of\s+contents|contents)\s*:?$", re.I)
_STOP = frozenset("a an the and of for our to in on with by at as its their we my".split())


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
    if s.endswith((".", ",", ";")):
        return None  # the end of a sentence, not a title
    return normalize(s) or None




def section_names(section: dict) -> list[str]:
    names = [section.get("title") or ""] + list(section.get("aliases") or [])
    return [normalize(n) for n in names if n and n.strip()]


def as_line(line) -> dict:
    """A page line as a dict; plain strings (text without layout) get no size, weight or box."""
    if isinstance(line, dict):
        return line
    return {"text": line, "size": None, "bold": None, "x0": None, "x1": None, "top": None, "bottom": None}


def as_pages(pages) -> list[list[dict]]:
    return [[as_line(ln) for ln in lines] for lines in pages]


def texts_of(pages) -> list[list[str]]:
    return [[ln["text"] if isinstance(ln, dict) else ln for ln in lines] for lines in pages]


def _words(s: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", s)


@lru_cache(maxsize=4096)
def _stem(w: str) -> str:
    w = w.replace("isation", "ization").replace("isational", "izational")
    for suf in ("ational", "ation", "ing", "es", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)]
    return w


def _content(ws) -> list[str]:
    return [_stem(w) for w in ws if w not in _STOP]


@lru_cache(maxsize=16384)
def match_score(key: str | None, name: str) -> int:
    """How well a heading's normalized text names a section: 3 exactly, 2 the name inside a
    short embellished heading or a near spelling, 0 not at all."""
    if not key:
        return 0
    if key == name:
        return 3
    kw, nw = _words(key), _words(name)
    if not kw or not nw or len(kw) > len(nw) + 6:
        return 0
    kc, nc = _content(kw), _content(nw)
    if kc == nc:
        return 3
    # the name's words, in order, inside the heading ("Our Staffing Plan and Key Personnel")
    n = len(nc)
    if n and any(kc[i:i + n] == nc for i in range(len(kc) - n + 1)):
        return 2
    # words run together by the text layer ("TECHNICALAPPROACH AND WORK PLAN")
    squeezed_key, squeezed_name = "".join(kw), "".join(nw)
    if len(squeezed_name) >= 6 and squeezed_name in squeezed_key:
        return 3 if squeezed_key == squeezed_name else 2
    if len(nc) >= 2 and len(kc) <= len(nc) + 1:
        import difflib
        sm = difflib.SequenceMatcher(None, " ".join(kc), " ".join(nc))
        if sm.real_quick_ratio() >= 0.86 and sm.quick_ratio() >= 0.86 and sm.ratio() >= 0.86:
            return 2
    return 0


_OCR_TRAIL = re.compile(r"[\s.,;:'\"`~_\u2018\u2019\u201c\u201d-]+$")
_OCR_NUMBER = re.compile(r"^[\W_]*(?:[0-9IVXLCDMivxlcdm|]{1,4}|[A-Za-z])\s?[.,):;]\s+")


def ocr_heading_key(line: str) -> str | None:
    """``heading_key`` of a line read by OCR: stray punctuation after the title (a speck read as
    a full stop) and numbering that OCR misread ("1," "l." "IV:") set aside first."""
    t = _OCR_TRAIL.sub("", line.strip())
    m = _OCR_NUMBER.match(t)
    if m and m.end() < len(t):
        t = t[m.end():]
    return heading_key(t) if t else None


def _letters(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", s.lower())


def near_spelling(key: str | None, name: str) -> bool:
    """Whether an OCR'd heading is a section's name up to OCR noise: case, punctuation and
    spacing aside, at most one character wrong (names under eight letters) or two."""
    if not key:
        return False
    a, b = _letters(key), _letters(name)
    if not a or not b:
        return False
    if a == b:
        return True
    allowed = 1 if len(b) < 8 else 2
    if abs(len(a) - len(b)) > allowed:
        return False
    import difflib

    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal") <= allowed


def _entry_section(text: str, lookup: dict[str, dict]) -> str | None:
    """The section a contents entry names (its page number and leader dots aside)."""
    key = heading_key(_TRAILING_PAGENO.sub("", _DOT_LEADER.sub(" ", text)).strip())
    if not key:
        return None
    for name, sec in lookup.items():
        if match_score(key, name):
            return sec["id"]
    return None


def _same_style(a: tuple, b: tuple) -> bool:
    """Same heading level: same weight and a size within 15 % (a page printed at another scale,
    a two-column section, changes the size a little)."""
    if a[1] != b[1] or a[0] is None or b[0] is None:
        return a == b
    return max(a[0], b[0]) <= 1.15 * min(a[0], b[0])


def _cover_block_end(lines: list[dict], lookup: dict[str, dict] | None = None) -> int:
    """Index of the last cover-sheet label line of a page that starts with a block of at least
    two of them (the title above them, "Technical and Cost Proposal", names no section); -1 if
    none. The block is the labels close together (at most four lines apart) before the response
    begins: it ends at a line of prose or a line naming a section by itself, and a page with
    two sentences of prose before any label has none. So a body line further down that starts like a label
    ("Contact with every family ...", a reference's "Email: ...") never makes the sections
    above it, on a short response's first page or on page 2, part of the cover."""
    hits: list[int] = []
    prose_before = 0
    for i, ln in enumerate(lines):
        label = _label_of(ln["text"])
        if label and label[0] in ("organization_name", "tax_id", "contact_email", "contact_name", "total_price"):
            if hits and i - hits[-1] > 4:
                if len(hits) >= 2:
                    break
                hits = []
            hits.append(i)
            continue
        prose = len(ln["text"].split()) >= 8 or _sentence(ln["text"])
        if len(hits) >= 2 and (prose or (lookup and _names_alone(ln["text"], lookup))):
            break
        if not hits and _sentence(ln["text"]):
            prose_before += 1
            if prose_before >= 2:  # the body began (a cover's one line of instructions aside)
                return -1
    return hits[-1] if len(hits) >= 2 else -1


def _names_alone(text: str, lookup: dict[str, dict]) -> bool:
    """Whether a line names a section by itself (then it is not the second half of another)."""
    key = heading_key(text)
    return bool(key) and any(match_score(key, n) for n in lookup)


def _first_vocabulary_section(key: str | None, vocab: dict[str, set]) -> str | None:
    """The section named by the first word of a heading, when the sections' names use that word
    in one section only ("Summary of Our Proposal": summary; "Work Plan": none)."""
    words = _content(_words(key or ""))
    ids = vocab.get(words[0]) if words else None
    return next(iter(ids)) if ids and len(ids) == 1 else None


# Words bidders put in their own headings for what an RFR's sections ask (stems, see _stem). A
# section takes every family that shares a word with its title or aliases; a styled heading
# that names no section exactly is that section when its words fall in one section's families
# ("Program Budget", "Developing the Provider Network", "Who Will Do the Work").
_FAMILIES = [
    {"summary", "overview", "introduction", "abstract", "synopsi", "highlight"},
    {"capacity", "experience", "qualification", "qualific", "history", "background", "agency",
     "organizational", "organization", "governance", "about", "capabiliti", "capability"},
    {"approach", "design", "scope", "servic", "service", "deliver", "delivery", "model", "network",
     "provider", "risk", "safety", "implement", "implementation", "method", "methodology",
     "strategy", "strategi", "activiti"},
    {"staffing", "staff", "personnel", "team", "supervision", "hir", "workforce",
     "recruitment", "train"},
    {"budget", "cost", "price", "pric"},
    {"referenc", "reference", "contact", "referee", "testimonial"},
]
_GENERIC_FAMILY = 0  # "Budget Summary", "Summary of Staffing": the other family names the section


def _families_of(sections: list[dict]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for sec in sections:
        words = {w for name in section_names(sec) for w in _content(_words(name))}
        fams = [k for k, fam in enumerate(_FAMILIES) if words & fam]
        if fams:
            out[sec["id"]] = fams
    return out


def _family_section(key: str | None, families: dict[str, list[int]]) -> str | None:
    """The one section whose word families a heading's words fall in (first and last words
    count double), or None when no section or more than one fits as well."""
    words = _content(_words(re.sub(r"\bwho\s+will\b", "staff", key or "")))
    if not words or len(words) > 7:
        return None
    hits: dict[int, float] = {}
    for k, w in enumerate(words):
        weight = 2.0 if k in (0, len(words) - 1) else 1.0
        for f, fam in enumerate(_FAMILIES):
            if w in fam:
                hits[f] = hits.get(f, 0) + weight
    if len(hits) > 1:
        hits.pop(_GENERIC_FAMILY, None)
    if not hits:
        return None
    scores = {sid: sum(hits.get(f, 0) for f in fams) for sid, fams in families.items()}
    best = max(scores.values(), default=0)
    winners = [sid for sid, sc in scores.items() if sc == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def _toc_lines(pages: list[list[dict]], lookup: dict[str, dict]) -> list[set[int]]:
    """Per page, the lines of a table of contents: from a "Contents" title, the entries that
    follow (short lines in the entries' own style), until a sentence, a line styled otherwise
    than the entries, or a section named a second time (the real heading after the list).
    Also runs of three or more lines naming different sections with nothing between."""
    out = [set() for _ in pages]
    for p, lines in enumerate(pages):
        i = 0
        while i < len(lines):
            if not _TOC_TITLE.match(lines[i]["text"].strip()):
                i += 1
                continue
            out[p].add(i)
            style, seen = None, set()
            j = i + 1
            while j < len(lines):
                ln = lines[j]
                t = ln["text"]
                if _sentence(t) and not (_DOT_LEADER.search(t) or _TRAILING_PAGENO.search(t)):
                    break
                this = (ln.get("size"), ln.get("bold"))
                if style is None:
                    style = this
                elif this != style and not (_DOT_LEADER.search(t) or _TRAILING_PAGENO.search(t)):
                    break
                sid = _entry_section(t, lookup)
                if sid is not None:
                    if sid in seen:
                        break
                    seen.add(sid)
                out[p].add(j)
                j += 1
            i = j
        run: list[int] = []
        run_ids: set = set()
        for i, ln in enumerate(lines + [{"text": ""}]):
            sid = _entry_section(ln["text"], lookup) if ln["text"] and not _sentence(ln["text"]) else None
            if sid is not None and sid not in run_ids and (not run or run[-1] == i - 1):
                run.append(i)
                run_ids.add(sid)
                continue
            if len(run) >= 3:
                out[p].update(run)
            run, run_ids = ([i], {sid}) if sid is not None else ([], set())
    return out






def _body_size(pages: list[list[dict]]) -> float | None:
    """The most common font size, weighted by characters: the body text's size."""
    weight: dict[float, int] = {}
    for lines in pages:
        for ln in lines:
            if ln.get("size"):
                weight[ln["size"]] = weight.get(ln["size"], 0) + len(ln["text"])
    return max(weight, key=weight.get) if weight else None


def _styled(ln: dict, body: float | None, bold_body: bool) -> bool:
    """Does the line look like a heading: larger than the body, or bold where the body is not."""
    if body is None or ln.get("size") is None:
        return False
    return ln["size"] >= body * 1.1 or (bool(ln.get("bold")) and not bold_body) or bool(ln.get("underline"))


def _sentence(text: str) -> bool:
    t = text.strip()
    return len(t.split()) > 14 or (t.endswith((".", ",", ";")) and len(t.split()) > 3 and not re.match(r"^[A-Za-z0-9]{1,4}\.", t))


def _margin(pages: list[list[dict]]) -> list[set[int]]:
    """Per page, indexes of running header/footer lines: lines near the top or bottom edge whose
    text (digits aside) repeats on other pages, and page numbers."""
    def sig(ln):  # the text, numbers aside
        return re.sub(r"\d+", "#", ln["text"].lower())

    edges = [_edge_lines(lines) for lines in pages]
    counts: dict = {}
    styles: dict = {}
    for lines, edge in zip(pages, edges):
        seen = {}
        for i in edge:
            seen.setdefault(sig(lines[i]), (lines[i].get("size"), lines[i].get("bold")))
        for k, style in seen.items():
            counts[k] = counts.get(k, 0) + 1
            if style[0] is not None:
                styles.setdefault(k, {}).setdefault(style, 0)
                styles[k][style] += 1
    need = 2 if len(pages) <= 4 else 3

    def running(ln):
        k = sig(ln)
        if counts.get(k, 0) < need:
            return False
        if ln.get("size") is None or k not in styles:
            return True
        return (ln.get("size"), ln.get("bold")) == max(styles[k], key=styles[k].get)

    out = []
    for lines, edge in zip(pages, edges):
        marked = {i for i in edge if running(lines[i]) or _PAGE_NO.fullmatch(lines[i]["text"].strip())}
        # a piece of a row that is not all header or footer (a table's first row near the top edge,
        # its digits coming a character at a time) is that row's text, not a page number
        keep: set[int] = set()
        for row in (_rows_of_indexes(lines, edge) if marked else []):
            if set(row) <= marked:
                keep.update(row)
        out.append(keep)
    return out


def _rows_of_indexes(lines: list[dict], idx: list[int]) -> list[list[int]]:
    """The given lines grouped into visual rows, as lists of their indexes (each line a row of its
    own when positions are unknown)."""
    if not idx or any(lines[i].get(k) is None for i in idx for k in ("top", "bottom", "x0")):
        return [[i] for i in idx]
    from procure.intake.layout import rows_of

    pos = {id(lines[i]): i for i in idx}
    return [[pos[id(ln)] for ln in row] for row in rows_of([lines[i] for i in idx])]


def _edge_lines(lines: list[dict]) -> list[int]:
    """Indexes of the lines in the top or bottom 7 % of the page's text (the first and last
    two lines when positions are unknown)."""
    tops = [x["top"] for x in lines if x.get("top") is not None]
    if not tops or len(tops) < len(lines):
        return [i for i in range(len(lines)) if i < 2 or i >= len(lines) - 2]
    lo, hi = min(tops), max(x["bottom"] for x in lines)
    span = max(hi - lo, 1.0)
    return [i for i, x in enumerate(lines) if x["top"] <= lo + span * 0.07 or x["bottom"] >= hi - span * 0.07]


_SUB_NUMBER = re.compile(r"^\s*(?:\d+|[A-Za-z])\.[1-9]\d*(?:\.\d+)*\.?\s")


def find_headings(pages_lines, sections: list[dict]) -> list[dict]:
    """First heading of each required section, in document order.

    A heading is a short line, not a sentence, outside the running header and footer and the
    contents pages, that names a section (its title or an alias, exactly, embellished or near
    spelt) and, when the layout is known, looks like a heading (larger or bolder than the body;
    the style most section headings share wins over a sub-heading that happens to match).
    Returns dicts ``{"id", "title", "heading", "page", "line", "top", "score"}``; page 1-based,
    line the index in that page's lines, top whether it is the first line of the page's body.
    """
    pages = as_pages(pages_lines)
    lookup: dict[str, dict] = {}
    for sec in sections:
        for name in section_names(sec):
            lookup.setdefault(name, sec)
    if not lookup:
        return []
    names = set(lookup)
    by_id = {sec["id"]: sec for sec in sections}
    vocab: dict[str, set] = {}
    for name, sec in lookup.items():
        for w in _content(_words(name)):
            vocab.setdefault(w, set()).add(sec["id"])
    families = _families_of(sections)
    toc = _toc_lines(pages, lookup)
    margin = _margin(pages)
    body = _body_size(pages)
    bold_chars = sum(len(ln["text"]) for lines in pages for ln in lines if ln.get("bold"))
    all_chars = sum(len(ln["text"]) for lines in pages for ln in lines) or 1
    bold_body = bold_chars * 2 > all_chars
    cands = []
    for p, lines in enumerate(pages):
        body_seen = False
        skip = set(range(_cover_block_end(lines, lookup) + 1)) if p < 2 else set()
        for i, ln in enumerate(lines):
            if i in margin[p] or i in skip:
                continue
            if i in toc[p]:
                body_seen = True
                continue
            text = ln["text"]
            if _DOT_LEADER.search(text) or _sentence(text) or _MONEY.search(text):
                body_seen = True  # headings carry no amounts (a table's subtotal row is no heading)
                continue
            styled = _styled(ln, body, bold_body)
            ocr = bool(ln.get("ocr"))  # a scanned page's line: no style to go by, OCR's spelling
            options = [(text, 1)]
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if nxt is not None and i + 1 not in margin[p] and len(text.split()) <= 8 \
                    and not _sentence(nxt["text"]) and len(nxt["text"].split()) <= 6 \
                    and not _MONEY.search(text) and not _names_alone(nxt["text"], lookup) \
                    and (not styled or (_styled(nxt, body, bold_body) and nxt.get("size") == ln.get("size")
                                        and nxt.get("bold") == ln.get("bold"))):
                options.append((text + " " + nxt["text"], 2))
            best = None
            for candidate, used in options:
                key = ocr_heading_key(candidate) if ocr else heading_key(candidate)
                for name, sec in lookup.items():
                    sc = match_score(key, name)
                    if ocr and sc < 3 and near_spelling(key, name):
                        sc = 3
                    if sc == 2 and not styled:
                        sc = 0  # an embellished or near match must look like a heading
                    if used == 2 and sc < 3 and not styled:
                        sc = 0
                    if sc and (best is None or sc > best[0]):
                        best = (sc, sec, candidate, used)
            if best is None and (styled or (ocr and not body_seen)) and len(text.split()) <= 11:
                key = ocr_heading_key(text) if ocr else heading_key(text)
                sid = (_family_section(key, families) or (None if ocr else _first_vocabulary_section(key, vocab))) \
                    if len(_words(key or "")) <= 8 and not _SUB_NUMBER.match(text) else None
                if sid is not None:
                    best = (1, by_id[sid], text, 1)
            if best:
                sc, sec, candidate, used = best
                cands.append({"id": sec["id"], "title": sec.get("title"), "heading": candidate,
                              "page": p + 1, "line": i, "top": not body_seen, "score": sc,
                              "styled": styled, "style": (ln.get("size"), ln.get("bold") or ln.get("underline")),
                              "upper": candidate.isupper(), "ocr": ocr})
                if len(options) == 2:
                    skip.add(i + 1)  # the heading's second line, whether or not it was needed
            body_seen = True
    # the style of the section headings: most common among exact, styled matches
    styles: dict = {}
    for c in cands:
        if c["styled"] and c["score"] >= 2:  # a heading in the bidder's own words does not vote
            styles[c["style"]] = styles.get(c["style"], 0) + (2 if c["score"] == 3 else 1)
    main_style = max(styles, key=styles.get) if styles else None
    # a document may style its section headings in more than one way (larger in a two-column
    # section): every style in which some line gives a section's exact title counts
    heading_styles = {c["style"] for c in cands if c["styled"] and c["score"] == 3} or \
        ({main_style} if main_style else set())
    found: dict[str, dict] = {}
    for c in cands:
        in_main = main_style is None or any(_same_style(c["style"], st_) for st_ in heading_styles)
        if not in_main:
            # outside the section headings' style (a fallback when no heading in that style names
            # the section): a styled line naming it, or the exact title alone on its line
            if (c["score"] < 2 or not (c["styled"] or (c["score"] == 3 and (c["ocr"] or heading_key(c["heading"]) in names))))\
                    and not (c["ocr"] and c["top"]):  # a scanned page's first line: its heading
                continue
        # "2.1 Our History", "E.1 Budget Narrative": numbered below a section, a sub-heading
        sub = bool(_SUB_NUMBER.match(c["heading"]))
        rank = (in_main and not sub, not sub, c["score"] >= 2)
        prev = found.get(c["id"])
        if prev is None or rank > prev["_rank"]:
            c["_rank"] = rank
            found[c["id"]] = c
    out = []
    for c in found.values():
        out.append({k: c[k] for k in ("id", "title", "heading", "page", "line", "top", "score")})
    return sorted(out, key=lambda h: (h["page"], h["line"]))


def count_heading_lines(text: str, sections: list[dict]) -> int:
    """How many lines of a page's text are headings of required sections."""
    names = {n for sec in sections for n in section_names(sec)}
    return sum(1 for ln in split_lines(text) if heading_key(ln) in names)




def build_sections(pages_lines, sections: list[dict],
                   signature_page: int | None = None) -> tuple[list[dict], list[str], list[dict]]:
    """Found sections with their page ranges and word counts, missing ids, problems."""
    pages = as_pages(pages_lines)
    heads = find_headings(pages, sections)
    n_pages = len(pages)
    margin = _margin(pages)
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
            lines = pages[p - 1]
            lo = h["line"] + 1 if p == h["page"] else 0
            hi = stop[1] if p == stop[0] else len(lines)
            words += count_words([ln["text"] for j, ln in enumerate(lines[lo:hi], lo) if j not in margin[p - 1]])
        found.append({
            "id": h["id"], "title": by_id[h["id"]].get("title"), "heading": h["heading"],
            "start_page": h["page"], "end_page": end, "pages": end - h["page"] + 1,
            "words": words, "line": h["line"], "score": h.get("score"),
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
            "code": "missing_section", "section": sid,
            "message": f'The required section "{sec.get("title")}" was not found. Add it with a '
                       f'heading named "{sec.get("title")}".',
        })
    return found, missing, problems


def budget_section_ids(sections: list[dict]) -> list[str]:
    return [s["id"] for s in sections
            if any("budget" in n for n in section_names(s))]


# ---------------------------------------------------------------------------
# cover sheet

_ORG = (r"(?:legal\s+name\s+of\s+(?:the\s+)?(?:organi[sz]ation|applicant|bidder|agency|entity|provider)"
        r"|name\s+of\s+(?:the\s+|your\s+|our\s+)?(?:organi[sz]ation|agency|applicant|bidder|provider|entity|respondent)"
        r"|(?:your|our)\s+(?:organi[sz]ation(?:'s)?\s+(?:legal\s+)?name|legal\s+name|organi[sz]ation|agency)"
        r"|(?:applicant|bidder|respondent|provider|vendor|company)(?:'s)?\s+(?:legal\s+)?(?:organi[sz]ation\s+)?name"
        r"|(?:legal\s+)?organi[sz]ation(?:'s)?\s+(?:legal\s+)?name|legal\s+name(?!\s+of\b)|agency\s+name|business\s+name"
        r"|applicant\s+organi[sz]ation|organi[sz]ation|applicant|bidder|respondent|provider|vendor|company)")
_LABELS = [
    ("tax_id", r"(?:(?:your|our)\s+)?(?:federal\s+(?:employer\s+)?(?:tax\s+)?id(?:entification)?\s*(?:number|no\.?|#)?(?:\s*\((?:fein|ein|tin)\))?"
               r"|federal\s+employer\s+identification\s+number(?:\s*\((?:fein|ein)\))?"
               r"|(?:fein|ein|tin)(?:\s*(?:number|no\.?|#))?|tax\s*id(?:entification)?(?:\s+(?:number|no\.?|#))?(?:\s*\((?:fein|ein|tin)\))?)"),
    ("contact_email", r"(?:contact\s+)?e-?\s?mail(?:\s+address)?(?:\s+of\s+contact)?"),
    ("contact_name", r"(?:contact(?:\s+(?:name|person))?|authori[sz]ed\s+representative|primary\s+contact)"),
    ("lot", r"(?:(?:the\s+)?lots?(?:\(s\))?\s+(?:(?:that\s+)?(?:you|we)\s+(?:are\s+)?)?(?:bidding\s+on|applying\s+for|applied\s+for|bid\s+on|proposed)"
            r"|lots?(?:\s+(?:number|no\.?|#|bid|applied\s+for))?(?:\(s\))?(?:\s+bid)?)"),
    ("total_price", r"(?:total\s+(?:price|cost|bid|amount|proposed\s+(?:price|cost|budget)|budget(?:\s+request(?:ed)?)?"
                    r"|funding\s+request(?:ed)?|program\s+cost)|amount\s+requested|proposed\s+price)"),
    ("organization_name", _ORG),
]
_LABEL_RX = [(k, re.compile(r"^\s*" + rx + r"\s*(?:[:#\u2013\u2014-]\s*|\s{1,}|$)(?P<v>.*?)\s*$", re.I))
             for k, rx in _LABELS]
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_FEIN = re.compile(r"(?<![\d-])\d{2}\s?[-\u2010\u2011\u2013]\s?\d{7}(?![\d-])")


_FORM_WORDS = frozenset("information form sheet details profile data page cover and proposal".split())


def _clean_value(key: str, value: str) -> str | None:
    value = value.strip().strip("_").strip()
    value = re.sub(r"^(?:[.\u2026\u00b7_]\s?){2,}\s*", "", value).strip()  # a dot-leader form's dots
    words = re.findall(r"[a-z]+", value.lower())
    if words and words[0] in ("information", "form", "sheet", "details", "profile") \
            and all(w in _FORM_WORDS for w in words):
        return None  # the rest of a title ("Applicant Information Form"), not a value
    value = re.sub(r"^\([^)]*[A-Za-z][^)]*\)\s*", "", value)  # "(legal name of the bidder)": the label's hint
    if not value or re.fullmatch(r"[_.\s-]*", value):
        return None
    if key == "lot" and not re.search(r"\d", value):
        return None
    if key == "total_price":
        m = re.search(r"\(?[-\u2212]?\$?\s?\d[\d,]*(?:\.\d{1,2})?\)?", value)
        return fmt_amount(parse_amount(m.group(0))) if m else None
    if key == "contact_email":
        m = _EMAIL.fullmatch(re.sub(r"(?<=[\w.@-]) (?=[\w.@-])", "", value)) or _EMAIL.search(value)
        return m.group(0) if m else None  # an address the text layer split ("jdoe@harborh ills.org")
    if key == "tax_id":
        m = _FEIN.search(value)
        if m:
            return re.sub(r"\s", "", m.group(0)).replace("\u2010", "-").replace("\u2011", "-").replace("\u2013", "-")
        return value if re.search(r"\d{3,}", value) else None
    if key == "organization_name":
        value = value.lstrip(":").strip()
        if _EMAIL.search(value) or _FEIN.search(value) or not re.search(r"[A-Za-z]{2,}", value):
            return None
    return value


def cover_from_fields(fields: dict) -> dict:
    out = {k: None for k in COVER_KEYS}
    for k in COVER_KEYS:
        v = fields.get(k)
        if isinstance(v, str):
            out[k] = _clean_value(k, v)
    return out


def _label_of(text: str):
    """(key, value text after the label) when the line starts with a cover label."""
    for key, rx in _LABEL_RX:
        m = rx.match(text)
        if m:
            return key, m.group("v")
    return None


def cover_from_text(pages_lines, max_pages: int = 2) -> tuple[dict, dict]:
    """Cover values read by their labels (value after a colon, at a fixed x on the same line,
    or in the cell below), then by what values look like (a FEIN, an e-mail address).
    Returns (values, where each was read: {"page", "words"})."""
    out = {k: None for k in COVER_KEYS}
    where: dict = {}
    # a label cell and its value cell on the same baseline read as one line
    rows = [visual_rows(as_pages([lines])[0]) for lines in pages_lines[:max_pages]]
    pages = texts_of(rows)
    for p, lines in enumerate(pages[:max_pages]):
        for i, ln in enumerate(lines):
            hit = _label_of(ln)
            label_wrapped = False
            if not hit and i + 1 < len(lines):
                hit = _wrapped_label(ln, lines[i + 1])
                if hit:
                    ln, label_wrapped = ln + " / " + lines[i + 1], True
            if not hit:
                continue
            key, raw_value = hit
            if out[key] is not None:
                continue
            value = _clean_value(key, raw_value) if raw_value else None
            if value is None and not raw_value.strip() and i + 1 < len(lines) and not _label_of(lines[i + 1]):
                value = _clean_value(key, lines[i + 1])  # the value on the next line (table cell below)
                ln = ln + " / " + lines[i + 1]
                j = i + 1
                while value is not None and key == "organization_name" and j < i + 3 and _wrapped_value(rows[p], j):
                    j += 1  # that cell wrapped
                    value = _clean_value(key, " ".join(lines[i + 1:j + 1]))
                    ln = ln + " / " + lines[j]
            elif value is not None and key == "organization_name" and not label_wrapped \
                    and _wrapped_value(rows[p], i):
                value = _clean_value(key, raw_value + " " + lines[i + 1])  # the value cell wrapped
                ln = ln + " / " + lines[i + 1]
            if value is not None:
                out[key] = value
                where[key] = {"page": p + 1, "words": ln}
    for key, rx in (("tax_id", _FEIN), ("contact_email", _EMAIL)):
        if out[key] is None:
            for p, lines in enumerate(pages[:max_pages]):
                hit = next(((ln, m) for ln in lines for m in [rx.search(ln)] if m), None)
                if hit:
                    out[key] = _clean_value(key, hit[1].group(0))
                    where[key] = {"page": p + 1, "words": hit[0]}
                    break
    return out, where


def _wrapped_label(row: str, below: str):
    """A label cell that wrapped ("Legal Name of" / "Organization") beside its value: the row
    below completes the label inside the row's text. (key, value) or None."""
    words, more = row.split(), below.split()
    if not 1 <= len(more) <= 3 or _label_of(below) and _label_of(below)[1]:
        return None
    for n in range(1, min(6, len(words))):
        joined = " ".join(words[:n] + more)
        hit = _label_of(joined + " " + " ".join(words[n:]))
        if hit and hit[1].strip() == " ".join(words[n:]).strip() and _label_of(joined):
            return hit
    return None


def _wrapped_value(rows: list[dict], i: int) -> bool:
    """Whether row i+1 continues row i's value: no label of its own, starting well right of the
    label's left edge (in the value column), right below."""
    if i + 1 >= len(rows):
        return False
    a, b = rows[i], rows[i + 1]
    if None in (a.get("x0"), b.get("x0"), a.get("bottom"), b.get("top")) or _label_of(b["text"]):
        return False
    height = max(a["bottom"] - a["top"], 1.0)
    return (b["top"] - a["bottom"] <= height and len(b["text"].split()) <= 6
            and not re.search(r"\d|@", b["text"]) and not _sentence(b["text"]))


def build_cover(fields: dict, pages_lines, with_sources: bool = False):
    cover = cover_from_fields(fields)
    where = {k: {"page": None, "words": f"form field {k}"} for k, v in cover.items() if v is not None}
    text, text_where = cover_from_text(pages_lines)
    for k in COVER_KEYS:
        if cover[k] is None and text[k] is not None:
            cover[k] = text[k]
            where[k] = text_where[k]
    return (cover, where) if with_sources else cover


# ---------------------------------------------------------------------------
# budget

_TOTAL = re.compile(r"^\s*(?:grand\s+|overall\s+)?total\b|\b(?:sub[\s-]?)?total\s*$|^\s*sub[\s-]?total\b", re.I)
_SUBTOTAL = re.compile(r"^\s*sub[\s-]?total\b|\bsub[\s-]?total\s*$", re.I)
_MONEY = re.compile(
    r"(?<![\w.,$])(?:\(\s*)?[-\u2212\u2013]?\s?(?:\$|USD\s?)?\s?[-\u2212]?"
    r"(?:\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d+\.\d{2}|(?<=\$)\d+|(?<=\$ )\d+|(?<=USD )\d+|(?<=USD)\d+)"
    r"(?:\s*\))?(?![\w.,]*\d)")


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


_PROSE_BEFORE = re.compile(r"\b(?:at|of|to|is|are|be|by|for|with|from|than|most|least|per|about|only|and|or|"
                           r"was|were|will|up|over|under|exceed|exceeds|capped)\s*$", re.I)
_CARRIED = re.compile(r"\b(?:carried|brought)\s+(?:forward|over)\b|\bbalance\s+(?:brought\s+|carried\s+)?forward\b", re.I)
_PAGE_NO = re.compile(r"(?:page\s+)?[-\u2013 ]*\d+[-\u2013 ]*(?:\s*(?:of|/)\s*\d+)?", re.I)


def budget_row(line: str) -> tuple[str, Decimal] | None:
    """(label, amount) of a budget row: a short label followed by amounts; the amount is the
    last one on the line (an FTE or a first column may come before it)."""
    ln = line.strip()
    if _PAGE_NO.fullmatch(ln):
        return None
    hits = list(_MONEY.finditer(ln))
    if not hits:
        return None
    last = hits[-1]
    if ln[last.end():].strip() and len(ln[last.end():].split()) > 6:
        return None  # prose after the amount
    amt = parse_amount(last.group(0).replace("\u2212", "-").replace("\u2013", "-"), strict=True)
    if amt is None:
        return None
    desc = ln[:hits[0].start()]
    desc = _DOT_LEADER.sub(" ", desc).strip().rstrip(".:").strip()
    if not desc or not re.search(r"[A-Za-z]", desc) or len(desc) > 80 or len(desc.split()) > 12:
        return None
    if (len(desc.split()) >= 4 or desc[:1].islower()) and _PROSE_BEFORE.search(desc):
        return None  # a rate or a cap quoted in a sentence ("billed at $52.00 per hour")
    if desc.endswith((".", ",")):
        return None
    return desc, amt


def budget_rows_from_lines(lines: list[str]) -> list[tuple[str, Decimal]]:
    return [r for r in (budget_row(ln) for ln in lines) if r]


def _whole(amounts) -> bool:
    return all(a == a.to_integral_value() for a in amounts)


def build_budget(rows, cover_total: str | None, has_section: bool) -> tuple[dict, list[dict]]:
    """The budget from (label, amount[, where]) rows: line items, and the final total row
    (``stated_total``: the last row labelled as a total; subtotals and intermediate totals are
    neither lines nor the total). Whole-dollar budgets whose lines are rounded may sum a few
    dollars off the total row: that is rounding, not an inconsistency."""
    lines, stated, stated_where = [], None, None
    for row in rows:
        desc, amt = row[0], row[1]
        if _CARRIED.search(desc):
            continue  # a table over a page break: the first page's sum, carried to the next
        if _TOTAL.search(desc):
            if not _SUBTOTAL.search(desc):
                stated = amt
                stated_where = row[2] if len(row) > 2 else None
            continue
        lines.append({"description": desc, "amount": fmt_amount(amt)})
    total = sum((Decimal(l["amount"]) for l in lines), Decimal("0.00")) if lines else None
    cover = Decimal(cover_total) if cover_total else None
    amounts = [Decimal(l["amount"]) for l in lines]
    slack = Decimal(len(lines)) if amounts and _whole(amounts + [stated or Decimal(0)]) else Decimal(0)
    problems = []
    consistent = None
    if total is not None and (stated is not None or cover is not None):
        consistent = True
        if stated is not None and abs(stated - total) > slack:
            consistent = False
            problems.append({
                "code": "budget_inconsistent",
                "message": f"The budget lines add up to ${total:,.2f} but the table's total row "
                           f"says ${stated:,.2f}. Correct the lines or the total.",
            })
        if cover is not None and abs(cover - total) > slack:
            consistent = False
            problems.append({
                "code": "budget_mismatch_cover",
                "message": f"The budget lines add up to ${total:,.2f} but the cover sheet's total "
                           f"price is ${cover:,.2f}. Make them match.",
            })
    elif has_section and total is None and stated is None:
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
    if stated_where:
        budget["stated_total_where"] = stated_where
    return budget, problems


def visual_rows(lines: list[dict]) -> list[dict]:
    """Lines on the same baseline joined left to right (a table's label and amount cells that
    the text order split, however far apart), each with the text joined by spaces."""
    if not lines or any(ln.get(k) is None for ln in lines for k in ("top", "bottom", "x0")):
        return list(lines)
    from procure.intake.layout import rows_of

    return [dict(row[0], text=_joined(row), x1=row[-1]["x1"]) for row in rows_of(lines)]


def _joined(row: list[dict]) -> str:
    """A row's texts left to right: a space between two cells, none between the pieces of one
    word that the text layer split (letter-spaced text comes a character at a time), where the
    gap is under a third of the text's height."""
    out = row[0]["text"]
    for a, b in zip(row, row[1:]):
        h = max(a["bottom"] - a["top"], b["bottom"] - b["top"], 1.0)
        touching = a.get("x1") is not None and b["x0"] - a["x1"] < 0.3 * h
        out += ("" if touching else " ") + b["text"]
    return out


def section_lines(pages_lines, found: list[dict], sec: dict) -> list[tuple[int, dict]]:
    """(page, line) of one found section's body: after its heading, up to the next found
    heading (in page and line order), running headers and footers left out."""
    pages = as_pages(pages_lines)
    margin = _margin(pages)
    order = sorted(found, key=lambda f: (f["start_page"], f.get("line", 0)))
    idx = order.index(sec)
    nxt = order[idx + 1] if idx + 1 < len(order) else None
    start = (sec["start_page"], sec.get("line", 0) + (len(sec["heading"]) > len(pages[sec["start_page"] - 1][sec.get("line", 0)]["text"]) if pages[sec["start_page"] - 1] else 0))
    stop = (nxt["start_page"], nxt.get("line", 0)) if nxt else (len(pages) + 1, 0)
    out = []
    for p in range(sec["start_page"], min(stop[0], len(pages)) + 1):
        lines = pages[p - 1]
        lo = start[1] + 1 if p == start[0] else 0
        hi = stop[1] if p == stop[0] else len(lines)
        keep = set(range(lo, hi))
        if p == stop[0] and hi < len(lines) and lines[hi].get("top") is not None:
            # drawn above the next heading though later in the text order (a table's last row)
            keep |= {j for j in range(hi + 1, len(lines))
                     if lines[j].get("top") is not None and lines[j]["top"] < lines[hi]["top"]
                     and (p != start[0] or j > start[1])}
        out += [(p, lines[j]) for j in sorted(keep) if j not in margin[p - 1]]
    return out


def budget_rows_of_section(pages_lines, found: list[dict], sec: dict) -> list[tuple]:
    """Budget rows of a found budget section, each with where it was read."""
    by_page: dict[int, list[dict]] = {}
    for p, ln in section_lines(pages_lines, found, sec):
        by_page.setdefault(p, []).append(ln)
    rows = []
    for p in sorted(by_page):
        before = None  # a label cell that wrapped: its first line has no amount
        last = None  # the row read last, while a label cell that wrapped below it may follow
        for ln in visual_rows(by_page[p]):
            text = ln["text"]
            r = budget_row(text)
            if r is None and before is not None:
                r = budget_row(before + " " + text)
                text = before + " " + text
            if r:
                rows.append((r[0], r[1], {"page": p, "words": text}))
                last = ln
            elif last is not None and _label_continues(last, ln):
                desc, amount, where = rows[-1]
                rows[-1] = (desc + " " + text, amount, dict(where, words=where["words"] + " / " + text))
                last = None
                continue
            else:
                last = None
            before = ln["text"] if (not _MONEY.search(ln["text"]) and len(ln["text"].split()) <= 8
                                    and not _sentence(ln["text"])) else None
    return rows


def _label_continues(row: dict, below: dict) -> bool:
    """Whether ``below`` is the rest of ``row``'s label cell, wrapped onto a second line ("Other
    Costs" / "Subtotal"): no amount, a few words, starting where the label starts, right below
    it (closer than the rows of the table are to each other)."""
    if None in (row.get("top"), row.get("bottom"), row.get("x0"), below.get("top"), below.get("x0")):
        return False
    t = below["text"]
    height = max(row["bottom"] - row["top"], 1.0)
    return (not _MONEY.search(t) and len(t.split()) <= 4 and not _sentence(t)
            and abs(below["x0"] - row["x0"]) <= 3 and 0 <= below["top"] - row["bottom"] <= 0.9 * height
            and (below.get("size") or 0) <= (row.get("size") or 0) and not (below.get("bold") and not row.get("bold")))


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

def budget_rows_add_up(rows) -> bool:
    """True when the rows have a final total row and the other lines add up to it (within
    rounding for whole-dollar budgets)."""
    budget, _ = build_budget(rows, None, True)
    return budget["consistent"] is True and bool(budget["lines"])


def text_budget_rows(pages_lines, record: dict, sections: list[dict]) -> list[tuple]:
    """Budget rows read from the lines of the record's budget section(s)."""
    bids = set(budget_section_ids(sections))
    rows = []
    for f in record["sections"]:
        if f["id"] in bids:
            rows += budget_rows_of_section(pages_lines, record["sections"], f)
    return rows


_CONFIDENCE = {3: "high", 2: "medium", 1: "low"}
_SIMPLE_LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z ()'/-]{1,60}?)\s*:\s*(?P<value>\S.*)$")


def simple_total(texts: list[list[str]]) -> tuple[Decimal, dict] | None:
    """The obvious reading of a budget's total: the last line of the document with "total"
    and an amount (not a subtotal), its last amount. (amount, where) or None."""
    for p in range(len(texts) - 1, -1, -1):
        for ln in reversed(texts[p]):
            if "total" not in ln.lower() or _SUBTOTAL.search(ln):
                continue
            hits = list(_MONEY.finditer(ln))
            if not hits:
                continue
            amt = parse_amount(hits[-1].group(0).replace("\u2212", "-").replace("\u2013", "-"), strict=True)
            if amt is not None and amt > 0:
                return amt, {"page": p + 1, "words": ln}
    return None


def simple_cover(texts: list[list[str]]) -> dict[str, tuple[str, dict]]:
    """The obvious reading of the cover: on the first page, the value after a label and a
    colon (``Label: value``), the first such line for each field."""
    out: dict[str, tuple[str, dict]] = {}
    for ln in (texts[0] if texts else []):
        m = _SIMPLE_LABEL.match(ln)
        if not m:
            continue
        hit = _label_of(m.group("label") + ":")
        if not hit or hit[1].strip() or hit[0] in out:
            continue
        value = _clean_value(hit[0], m.group("value"))
        if value is not None:
            out[hit[0]] = (value, {"page": 1, "words": ln})
    return out


def _same_value(key: str, a: str, b: str) -> bool:
    if key == "total_price":
        return parse_amount(a) == parse_amount(b)
    norm = lambda v: " ".join(v.replace("\u2019", "'").lower().split())  # noqa: E731
    return norm(a) == norm(b)


def simple_readings(texts: list[list[str]], cover: dict, cover_where: dict, budget: dict,
                    sources: dict, has_budget: bool) -> list[dict]:
    """Never worse than the obvious reading: where the structured budget total or a cover field
    disagrees with the simple reading (the last line with "total" and an amount; the value
    after the label), keep both (``budget["simple_total"]``, ``sources["cover_simple"]``) and
    say so (problems ``budget_total_disagrees``, ``cover_disagrees``). Where the structured
    reading found nothing, the simple one is taken, and marked as such. Sets each source's
    ``confidence``."""
    problems: list[dict] = []
    read = budget.get("stated_total")
    simple = simple_total(texts) if has_budget or read is not None else None
    where = sources.get("budget_total")
    if simple is not None:
        amount, swhere = simple
        budget["simple_total"] = fmt_amount(amount)
        sources["budget_total_simple"] = swhere
        if read is None and not budget.get("lines"):
            budget["stated_total"] = fmt_amount(amount)
            sources["budget_total"] = dict(swhere, confidence="low", how="last total line")
            problems.append({"code": "budget_total_simple", "message":
                             f"No budget table was read; the total ${amount:,.2f} was taken from the "
                             f"last total line (page {swhere['page']}). Check it, and correct it if "
                             "it is not the budget's total."})
        elif read is not None and Decimal(read) != amount:
            problems.append({"code": "budget_total_disagrees", "message":
                             f"The budget's total row reads ${Decimal(read):,.2f}, but the last line "
                             f"with a total (page {swhere['page']}: “{swhere['words'][:80]}”) reads "
                             f"${amount:,.2f}. Check which is the total, and correct it if needed."})
    if sources.get("budget_total") is not None and "confidence" not in sources["budget_total"]:
        agrees = simple is None or (read is not None and Decimal(read) == simple[0])
        sources["budget_total"]["confidence"] = "high" if budget.get("consistent") and agrees else (
            "medium" if agrees else "low")
    elif where is None and read is not None and budget.get("stated_total") == read:
        sources["budget_total"] = {"page": None, "words": "the cover sheet's total price",
                                   "confidence": "medium"}
    easy = simple_cover(texts)
    if easy:
        sources["cover_simple"] = {k: dict(w, value=v) for k, (v, w) in easy.items()}
    for key in COVER_KEYS:
        w = cover_where.get(key)
        if key in easy:
            value, ewhere = easy[key]
            if cover.get(key) is None:
                cover[key] = value
                cover_where[key] = dict(ewhere, confidence="low", how="value after the label")
                continue
            if not _same_value(key, cover[key], value):
                problems.append({"code": "cover_disagrees", "field": key, "message":
                                 f"The cover's {key.replace('_', ' ')} was read as “{cover[key]}”, but "
                                 f"the text after its label reads “{value}”. Check which is right, "
                                 "and correct it if needed."})
                if w is not None:
                    w["confidence"] = "low"
                continue
        if w is not None and "confidence" not in w:
            w["confidence"] = "high" if key in easy else "medium"
    return problems


def build_record(page_texts, sections: list[dict], form_fields: dict | None = None,
                 budget_rows: list[tuple] | None = None,
                 signed_field: bool = False, signed_field_page: int | None = None,
                 extra_problems: list[dict] | None = None, layout: list[list[dict]] | None = None,
                 notes: list[dict] | None = None) -> dict:
    """Assemble the record from per-page text (and, when the parser read it, each page's lines
    with size, weight and position: ``layout``).

    ``budget_rows`` are (description, amount) rows read from the budget section's tables;
    when None they are read from the budget section's lines. ``sources`` says where each cover
    value and the budget total were read (page and words), for checking beside the page.
    """
    form_fields = dict(form_fields or {})
    pages = layout if layout is not None else [split_lines(t) for t in page_texts]
    texts = texts_of(pages)
    cover, cover_where = build_cover(form_fields, pages, with_sources=True)
    sig = find_signature(texts, signed_field, signed_field_page)
    sig_block = sig["page"] if sig["found"] and sig["page"] else signature_block_page(texts)
    found, missing, problems = build_sections(pages, sections, sig_block)
    bids = set(budget_section_ids(sections))
    bsecs = [f for f in found if f["id"] in bids]
    if budget_rows is None:
        budget_rows = text_budget_rows(pages, {"sections": found}, sections)
    budget, bproblems = build_budget(list(budget_rows), cover["total_price"], bool(bsecs))
    problems = list(extra_problems or []) + problems + bproblems + signature_problem(sig)
    scores = {h["id"]: h.get("score") for h in found}
    sources = {"cover": cover_where,
               "sections": {f["id"]: {"page": f["start_page"], "words": f["heading"],
                                      "confidence": _CONFIDENCE.get(f.pop("score", None), "low")}
                            for f in found}}
    del scores
    if budget.get("stated_total_where"):
        sources["budget_total"] = budget.pop("stated_total_where")
    problems += simple_readings(texts, cover, cover_where, budget, sources, bool(bsecs))
    return {
        "pages": len(pages),
        "cover": cover,
        "form_fields": {str(k): v for k, v in form_fields.items()},
        "sections": found,
        "missing_sections": missing,
        "budget": budget,
        "signature": sig,
        "problems": problems,
        "sources": sources,
        "notes": list(notes or []),
    }
