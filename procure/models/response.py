"""Bidders' responses, their documents (with the record parsed from each) and receipts.

Nothing here may be read for display except through procure.workflows.response, which
refuses before the solicitation's opening (sealed means sealed)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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
    __table_args__ = (UniqueConstraint("organization_id", "lot_id"),)
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
    rejection_code: Mapped[str | None] = mapped_column(String(32))
    rejection_message: Mapped[str | None] = mapped_column(Text)
    page_images: Mapped[list[Any] | None]                     # SHA-256 of each page's PNG
    claimed_at: Mapped[datetime | None]                       # a worker started reading it
    parsed_at: Mapped[datetime | None] = mapped_column(index=True)   # parse-time metric


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
