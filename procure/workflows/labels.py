"""The one mapping of lifecycle states to the words people read ("in_evaluation" is never shown:
"In evaluation" is)."""

from __future__ import annotations

import enum
from decimal import Decimal

from procure.models import DocumentKind, IntakeStatus, ResponseStatus, SolicitationStatus

STATES: dict[str, type[enum.Enum]] = {
    "solicitation": SolicitationStatus, "response": ResponseStatus, "document": IntakeStatus,
    "kind": DocumentKind,
}


def state_label(name: str | enum.Enum | None, entity: str = "solicitation") -> str:
    """'in_evaluation' -> 'In evaluation'; a state of a response with entity='response'."""
    if name is None:
        return ""
    if isinstance(name, enum.Enum):
        return str(name.value)
    states = STATES.get(entity, SolicitationStatus)
    try:
        return str(states[name].value)
    except KeyError:
        return name.replace("_", " ").capitalize()


# Why intake refused a file, in words (the codes stay in the record and the API).
REJECTIONS = {
    "empty": "Empty file", "not_pdf": "Not a PDF", "corrupt": "Damaged PDF",
    "encrypted": "Password-protected PDF", "too_large": "File too large",
    "too_many_pages": "Too many pages", "no_text": "No readable text", "timeout": "Took too long to read",
}


def rejection_label(code: str | None) -> str:
    """'not_pdf' -> 'Not a PDF'; an unknown code in words all the same."""
    if not code:
        return "Rejected"
    return REJECTIONS.get(code, code.replace("_", " ").capitalize())


def counted(n: int, word: str, plural: str | None = None) -> str:
    """1 line, 2 lines, 0 lines."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def page_range(start: int, end: int | None) -> str:
    """page 2; pages 2–5."""
    return f"page {start}" if end is None or end == start else f"pages {start}–{end}"


def file_size(size: int | None) -> str:
    """812 bytes; 40.2 KB; 3.1 MB (never "0.0 KB")."""
    if size is None:
        return ""
    if size < 1024:
        return counted(size, "byte")
    if size < 1024 * 1024:
        return f"{size / 1024:,.1f} KB"
    return f"{size / (1024 * 1024):,.1f} MB"


def weighted_total(value: Decimal | None) -> str:
    """A weighted total (of 100) to the cent, as the ranking, the report, the award page and the
    notices all write it: 70.00, 78.68."""
    return "" if value is None else f"{Decimal(value):.2f}"
