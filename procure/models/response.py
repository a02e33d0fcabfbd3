"""Bidders' responses, their documents (with the record parsed from each) and receipts.

Nothing here may be read for display except through procure.workflows.response, which
refuses before the solicitation's opening (sealed means sealed)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.models.base import Base, enum_column, new_public_id
from procure.models.org import Organization, User
from procure.models.solicitation import Lot, Solicitation


class ResponseStatus(enum.Enum):
    draft = "Draft"
    submitted = "Submitted"
    to_confirm = "Submitted: confirm after addendum"
    withdrawn = "Withdrawn"
    sealed = "Sealed"
    opened = "Opened"
    accepted = "Accepted as responsive"
    rejected = "Rejected (not responsive)"


class DocumentKind(enum.Enum):
    cover_sheet = "Cover sheet"
    narrative = "Narrative"
    budget = "Budget"
    forms = "Forms"
    attachment = "Attachment"


class IntakeStatus(enum.Enum):
    queued = "Waiting to be read"
    parsing = "Reading"
    parsed = "Read"
    rejected = "Rejected"


class Response(Base):
    __tablename__ = "response"
    __table_args__ = (
        UniqueConstraint("organization_id", "lot_id"),
        # My responses' order (newest first), read backwards: a page stops when full, however
        # many responses the organisation has made (procure.kept_lists)
        Index("ix_response_organization_listing", "organization_id", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    solicitation_id: Mapped[int] = mapped_column(ForeignKey("solicitation.id"), index=True)
    solicitation: Mapped[Solicitation] = relationship()
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    lot: Mapped[Lot] = relationship()
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    organization: Mapped[Organization] = relationship()
    status: Mapped[ResponseStatus] = mapped_column(
        enum_column(ResponseStatus), default=ResponseStatus.draft, index=True)
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    unconfirmed_at_opening: Mapped[bool] = mapped_column(default=False)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    documents: Mapped[list[Document]] = relationship(
        back_populates="response", order_by="Document.id")
    receipts: Mapped[list[Receipt]] = relationship(
        back_populates="response", order_by="Receipt.number")

    __mapper_args__ = {"version_id_col": version}

    @property
    def current_documents(self) -> list[Document]:
        return [d for d in self.documents if d.removed_at is None]

    @property
    def last_receipt(self) -> Receipt | None:
        return self.receipts[-1] if self.receipts else None


class Document(Base):
    """One uploaded file of a response: stored by SHA-256, parsed into a structured record."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    response: Mapped[Response] = relationship(back_populates="documents")
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    filename: Mapped[str] = mapped_column(String(255))        # shown to people, never a path
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    uploaded_at: Mapped[datetime]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_by: Mapped[User] = relationship()
    removed_at: Mapped[datetime | None]                       # replaced or removed; kept for history
    intake_status: Mapped[IntakeStatus] = mapped_column(
        enum_column(IntakeStatus), default=IntakeStatus.queued, index=True)
    pages_done: Mapped[int] = mapped_column(default=0)
    pages_total: Mapped[int] = mapped_column(default=0)
    record: Mapped[dict[str, Any] | None]
    # what the bidder corrected, beside what was read: {"sections": {id: {"start_page", ...}},
    # "cover": {key: {...}}, "budget_total": {...}}, each {"value", "read", "by", "at"}
    corrections: Mapped[dict[str, Any] | None]
    rejection_code: Mapped[str | None] = mapped_column(String(32))
    rejection_message: Mapped[str | None] = mapped_column(Text)
    page_images: Mapped[list[Any] | None]                     # SHA-256 of each page's PNG
    claimed_at: Mapped[datetime | None]                       # a worker started reading it
    parsed_at: Mapped[datetime | None] = mapped_column(index=True)   # parse-time metric

    @property
    def confirmed_record(self) -> dict[str, Any] | None:
        """The record as the bidder confirmed it: what was read, with their corrections applied
        (each corrected value marked ``corrected``). What every check and the evaluation use."""
        return confirmed(self.record, self.corrections)


def _pages(start: int, nxt: int | None, pages: int) -> tuple[int, int]:
    end = max(start, (nxt - 1) if nxt else pages)
    return end, end - start + 1


def confirmed(record: dict[str, Any] | None, corrections: dict[str, Any] | None) -> dict[str, Any] | None:
    """A record with corrections applied (a new dict; the record read is left as it was)."""
    if record is None or not corrections:
        return record
    out = dict(record)
    n_pages = int(record.get("pages") or 0)
    fixes = corrections.get("sections") or {}
    if fixes:
        sections = {s["id"]: dict(s) for s in record.get("sections") or []}
        for sid, fix in fixes.items():
            sec = sections.get(sid) or {"id": sid, "title": fix.get("title"), "heading": "",
                                        "words": 0, "line": 0}
            sec.update(start_page=int(fix["value"]), corrected=True)
            sections[sid] = sec
        ordered = sorted(sections.values(), key=lambda s: (s["start_page"], s.get("line", 0)))
        for k, sec in enumerate(ordered):
            nxt = ordered[k + 1]["start_page"] if k + 1 < len(ordered) else None
            if sec.get("corrected") or (nxt is not None and sec.get("end_page", 0) >= nxt
                                        and nxt > sec["start_page"]):
                sec["end_page"], sec["pages"] = _pages(sec["start_page"], nxt, n_pages)
        out["sections"] = ordered
        out["missing_sections"] = [m for m in record.get("missing_sections") or [] if m not in fixes]
        out["problems"] = [p for p in record.get("problems") or []
                           if not (p.get("code") == "missing_section" and p.get("section") in fixes)]
    cover_fixes = corrections.get("cover") or {}
    if cover_fixes:
        out["cover"] = dict(record.get("cover") or {}, **{k: v["value"] for k, v in cover_fixes.items()})
        out["problems"] = [p for p in out.get("problems") or record.get("problems") or []
                           if not (p.get("field") in cover_fixes)]
    total = corrections.get("budget_total")
    if total:
        budget = dict(record.get("budget") or {"lines": [], "total": None, "consistent": None})
        budget.update(stated_total=total["value"], corrected=True)
        if budget.get("lines"):
            from decimal import Decimal

            lines_sum = sum(Decimal(str(x["amount"])) for x in budget["lines"])
            slack = Decimal(len(budget["lines"])) if all(
                Decimal(str(x["amount"])) % 1 == 0 for x in budget["lines"]) else Decimal(0)
            budget["consistent"] = abs(lines_sum - Decimal(total["value"])) <= slack
        out["budget"] = budget
        out["problems"] = [p for p in out.get("problems") or record.get("problems") or []
                           if p.get("code") not in ("budget_inconsistent", "budget_unreadable",
                                                    "budget_total_disagrees")
                           or (p.get("code") == "budget_inconsistent" and not budget.get("consistent"))]
    out["corrections"] = corrections
    return out


class Receipt(Base):
    """Proof of one submission: when, by whom, and the SHA-256 of every file. Never changed."""

    __tablename__ = "receipt"
    __table_args__ = (UniqueConstraint("response_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    response: Mapped[Response] = relationship(back_populates="receipts")
    number: Mapped[int]
    submitted_at: Mapped[datetime]
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    submitted_by: Mapped[User] = relationship()
    files: Mapped[list[Any]]                # [{"filename", "kind", "sha256", "size"}]
    withdrawn_at: Mapped[datetime | None]
