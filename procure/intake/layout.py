"""The page's lines with what makes a heading a heading: font size, weight, position.

Runs in the parse child (``procure.intake.pdf``) on an open pypdfium2 text page. Each line is a
dict ``{"text", "size", "bold", "x0", "x1", "top", "bottom"}`` in PDF points, ``top`` measured
from the top of the page. pdfium already orders the characters and inserts the line breaks;
here only a few characters per line are asked for their font and box, which keeps it fast.
"""
from __future__ import annotations

import ctypes
import re

_BOLD_NAMES = ("bold", "black", "heavy", "semibold", "demi")
SOFT_HYPHEN = "\ufffe"  # pdfium's character for a hyphen the producer put where a word breaks


def _font_name(raw, tp, i: int, buf) -> str:
    try:
        n = raw.FPDFText_GetFontInfo(tp, i, buf, 128, None)
        return bytes(buf[: max(0, min(n, 128) - 1)]).decode("latin-1").lower() if n else ""
    except Exception:
        return ""


def kerning_spaces(textpage, text: str) -> set[int]:
    """Indexes of the spaces pdfium put inside a word: a space it generated (none in the PDF)
    between two glyphs set closer than the line's own word spaces. Some producers (groff's
    gropdf) place the pieces of a word apart where they kern it, slightly off, and pdfium reads
    a space there (``Gr eater``: a gap 0.7-0.85 of a word space). The gap is measured between
    the glyphs' advance boxes, not their ink, and dropped when under 0.9 of the median gap at
    the line's real space characters (at least two); lines without them (producers that write
    no spaces), justified lines and columns keep every space."""
    import pypdfium2.raw as raw

    tp = textpage.raw
    if raw.FPDFText_CountChars(tp) != len(text):
        return set()
    generated = [i for i in range(1, len(text) - 1) if text[i] == " " and text[i - 1].strip()
                 and text[i + 1].strip() and raw.FPDFText_IsGenerated(tp, i) == 1]
    if not generated:
        return set()
    rect = raw.FS_RECTF()

    def gap(i: int) -> float | None:  # the advance boxes' distance across space i
        if not raw.FPDFText_GetLooseCharBox(tp, i - 1, rect):
            return None
        right = rect.right
        if not raw.FPDFText_GetLooseCharBox(tp, i + 1, rect):
            return None
        return rect.left - right

    out, word_space = set(), {}
    for i in generated:
        start = text.rfind("\n", 0, i) + 1
        if start not in word_space:  # the median gap of the line's real spaces
            end = text.find("\r", i)
            end = len(text) if end < 0 else end
            real = sorted(g for j in range(start + 1, end - 1)
                          if text[j] == " " and text[j - 1].strip() and text[j + 1].strip()
                          and raw.FPDFText_IsGenerated(tp, j) != 1 for g in [gap(j)] if g is not None)
            word_space[start] = real[len(real) // 2] if len(real) >= 2 else None
        g = gap(i)
        if word_space[start] is not None and g is not None and g < 0.9 * word_space[start]:
            out.add(i)
    return out


def page_lines(textpage, page_height: float, text: str | None = None,
               page_width: float | None = None, drop: set[int] | None = None) -> list[dict]:
    """Lines of one page with size, boldness and box, in reading order (``reading_order``:
    top to bottom as drawn on the page, whatever order the content stream drew them in).
    ``drop``: indexes of characters left out of the lines' text (``kerning_spaces``)."""
    import pypdfium2.raw as raw

    tp = textpage.raw
    if text is None:
        text = textpage.get_text_range() or ""
    n = raw.FPDFText_CountChars(tp)
    aligned = n == len(text)  # surrogate pairs would shift indices: then text only
    buf = (ctypes.c_ubyte * 128)()
    l, r, b, t = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()

    def box(i):
        if not raw.FPDFText_GetCharBox(tp, i, l, r, b, t):
            return None
        return l.value, r.value, page_height - t.value, page_height - b.value

    def make(start: int, end: int) -> dict | None:
        piece = text[start:end] if not drop else \
            "".join(c for k, c in enumerate(text[start:end], start) if k not in drop)
        soft = piece.rstrip().endswith(SOFT_HYPHEN)
        stripped = " ".join(piece.replace(SOFT_HYPHEN, "").split())
        if not stripped:
            return None
        line = {"text": stripped, "size": None, "bold": None, "x0": None, "x1": None,
                "top": None, "bottom": None}
        if soft:
            line["soft_hyphen"] = True
        if not aligned:
            return line
        idx = [i for i in range(start, end) if not text[i].isspace() and text[i] != SOFT_HYPHEN
               and not (drop and i in drop)]
        sample = idx[:3] + idx[len(idx) // 2: len(idx) // 2 + 1] + idx[-1:]
        sizes, weights, tops, bottoms = [], [], [], []
        for i in sample:
            sizes.append(raw.FPDFText_GetFontSize(tp, i))
            weights.append(raw.FPDFText_GetFontWeight(tp, i))
            bx = box(i)
            if bx:
                tops.append(bx[2])
                bottoms.append(bx[3])
        weights.sort()
        weight = weights[len(weights) // 2]
        bold = weight >= 600 or any(k in _font_name(raw, tp, idx[len(idx) // 2], buf) for k in _BOLD_NAMES)
        first, last = box(idx[0]), box(idx[-1])
        line["size"] = round(max(sizes), 1) if sizes else None
        line["bold"] = bold
        if first and last:
            line["x0"], line["x1"] = round(first[0], 1), round(last[1], 1)
        if tops:
            line["top"], line["bottom"] = round(min(tops), 1), round(max(bottoms), 1)
        return line

    def rows(start: int, end: int) -> list[tuple[int, int]]:
        """Where a line that pdfium gave without line breaks (a whole table as one line) moves
        down to the next row: (start, end) of each row's characters."""
        cuts, top, bottom = [start], None, None
        for i in range(start, end):
            if text[i].isspace() or text[i] == SOFT_HYPHEN:  # its box is pdfium's guess
                continue
            bx = box(i)
            if not bx:
                continue
            if bottom is not None and bx[2] > bottom - 0.3 * (bottom - top):
                cuts.append(i)
                top, bottom = bx[2], bx[3]
            else:
                top = bx[2] if top is None else min(top, bx[2])
                bottom = bx[3] if bottom is None else max(bottom, bx[3])
        return list(zip(cuts, cuts[1:] + [end]))

    out = []
    start = 0
    length = len(text)
    while start <= length:
        end = start
        while end < length and text[end] not in "\r\n":
            end += 1
        line = make(start, end)
        if line is not None:
            tall = line["top"] is not None and line["size"] and \
                line["bottom"] - line["top"] > 1.5 * line["size"]
            out += [x for s, e in rows(start, end) for x in [make(s, e)] if x] if tall else [line]
        start = end + 1
        if start <= length and start - 1 < length and text[start - 1] == "\r" and start < length and text[start] == "\n":
            start += 1
    return reading_order(join_hyphenated(out), page_width)


def join_hyphenated(lines: list[dict]) -> list[dict]:
    """A word hyphenated at a line's end (``Ser-`` / ``vices`` in a narrow table cell, which
    pdfium gives as a soft hyphen, U+FFFE) is read whole on the first line: the next line's first
    word moves up (the lines in the content stream's order, so the next line is the word's rest)."""
    for k, ln in enumerate(lines):
        if not ln.pop("soft_hyphen", False) or k + 1 >= len(lines):
            continue
        nxt = lines[k + 1]
        head, _, rest = nxt["text"].partition(" ")
        ln["text"] += head
        nxt["text"] = rest
    return [ln for ln in lines if ln["text"]]


def unhyphenate(text: str) -> str:
    """A page's text with its soft hyphens gone: a word broken at a line's end is whole on the
    first line."""
    if SOFT_HYPHEN not in text:
        return text
    return re.sub(SOFT_HYPHEN + r"(\r?\n)(\S+) ?", r"\2\1", text).replace(SOFT_HYPHEN, "")


def _prose(line: dict) -> bool:
    return len(line["text"].split()) >= 5


def two_columns(lines: list[dict], page_width: float | None) -> bool:
    """Whether the page sets prose in two columns: at least three lines of five or more words
    wholly left of the page's middle and three wholly right of it. (A table's short cells, a
    label at the left and its amount far to the right, are no columns.)"""
    if not page_width:
        return False
    mid = page_width / 2
    left = sum(1 for ln in lines if ln["x1"] <= mid + 6 and _prose(ln))
    right = sum(1 for ln in lines if ln["x0"] >= mid - 6 and _prose(ln))
    return left >= 3 and right >= 3


def rows_of(lines: list[dict]) -> list[list[dict]]:
    """Lines grouped into visual rows (a box overlapping the row's boxes so far vertically by at
    least half the smaller height, at any distance across the page; a comma or stop a producer
    drew on its own, lower than the letters, joins the row it touches), rows top to bottom, each row's lines
    left to right."""
    rows: list[list[dict]] = []
    spans: list[list[float]] = []  # each row's top and bottom so far (a comma below the letters)
    for ln in sorted(lines, key=lambda x: (x["top"], x["x0"])):
        h = max(ln["bottom"] - ln["top"], 1.0)
        mark = not any(c.isalnum() for c in ln["text"])  # a comma or a stop drawn on its own
        for k in range(max(0, len(rows) - 8), len(rows)):  # sorted by top: only the last rows reach it
            top, bottom = spans[k]
            overlap = min(bottom, ln["bottom"]) - max(top, ln["top"])
            if overlap >= 0.5 * min(h, max(bottom - top, 1.0)) or (mark and overlap > 0):
                rows[k].append(ln)
                spans[k] = [min(top, ln["top"]), max(bottom, ln["bottom"])]
                break
        else:
            rows.append([ln])
            spans.append([ln["top"], ln["bottom"]])
    for row in rows:
        row.sort(key=lambda x: x["x0"])
    return rows


def reading_order(lines: list[dict], page_width: float | None = None) -> list[dict]:
    """A page's lines in the order a reader takes them: row by row from the top, each row left
    to right, so that a table drawn column by column (the amounts first), a page drawn bottom
    up or a footer drawn first read as they look. Pages that set prose in two columns, and
    lines without a box, keep the content stream's order (it reads a column at a time)."""
    if not lines or any(ln.get(k) is None for ln in lines for k in ("top", "bottom", "x0", "x1")):
        return lines
    if two_columns(lines, page_width):
        return lines
    return [ln for row in rows_of(lines) for ln in row]
