"""Solicitations (RFIs and RFRs), their lots, sections, criteria, addenda, questions, documents."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.models.base import Base, enum_column
from procure.models.org import Agency, AreaOffice, Organization, Region, ServiceModel, User


class SolicitationKind(enum.Enum):
    RFI = "Request for Information"
    RFR = "Request for Responses"


class SolicitationStatus(enum.Enum):
    draft = "Draft"
    published = "Open"
    closed = "Closed (deadline passed)"
    opened = "Responses opened"
    in_evaluation = "In evaluation"
    awarding = "Awarding"
    awarded = "Awarded"
    archived = "Archived"
    cancelled = "Cancelled"


class CancelReason(enum.Enum):
    no_need = "The need no longer exists"
    cannot_be_fixed = "The solicitation has a defect that cannot be fixed by addendum"
    funds_cut = "Funding was cut or withdrawn"
    no_responses = "No responses, or none responsive"
    too_few_responses = "Fewer responses than the procedure's minimum"
    readvertise = "Fewer responses than the minimum: to be advertised again"
    other = "Other"


class LotKind(enum.Enum):
    lead_agency = "Area-based lead agency"
    resource_center = "Regional resource center"
    network_services = "Network services"


class Envelope(enum.Enum):
    technical = "Technical"
    price = "Price"


solicitation_agency = Table(
    "solicitation_agency", Base.metadata,
    Column("solicitation_id", ForeignKey("solicitation.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_code", ForeignKey("agency.code"), primary_key=True),
)

lot_area_office = Table(
    "lot_area_office", Base.metadata,
    Column("lot_id", ForeignKey("lot.id", ondelete="CASCADE"), primary_key=True),
    Column("area_office_id", ForeignKey("area_office.id"), primary_key=True),
    Index("ix_lot_area_office_area_office_id", "area_office_id"),    # the lots a place finds
)


def search_index(table: str, column: str) -> Index:
    """An index that serves a search word anywhere in the column (ILIKE '%word%', procure.search):
    a pg_trgm GIN index on PostgreSQL (migration 0018 creates the extension). SQLite's LIKE cannot
    use an index, so there it is declared empty (WHERE 0): nothing to keep up, the same schema."""
    return Index(f"ix_{table}_{column}_trigram", column, postgresql_using="gin",
                 postgresql_ops={column: "gin_trgm_ops"}, sqlite_where=text("0"))


class ProcedureRule(Base):
    """The rules of one kind of procedure, kept as data (seeded, editable by an admin)."""

    __tablename__ = "procedure_rule"
    kind: Mapped[SolicitationKind] = mapped_column(enum_column(SolicitationKind), primary_key=True)
    min_days_open: Mapped[int]
    question_cutoff_days: Mapped[int]       # questions close this many days before the deadline
    min_days_after_addendum: Mapped[int]    # an addendum leaves at least this many days, or the deadline moves
    standstill_days: Mapped[int]
    min_responses: Mapped[int]
    # Officers may see how many sealed responses arrived before the opening (some agencies
    # forbid it: off by default). Never who, never what.
    show_sealed_counts: Mapped[bool] = mapped_column(default=False, server_default=false())


class Solicitation(Base):
    __tablename__ = "solicitation"
    __table_args__ = (
        # The public list's order (procure.search): open ones first, latest deadline first. Read
        # backwards, a page is read from it and stops when full, however long the history.
        Index("ix_solicitation_listing", text("(status = 'published')"), "deadline", "id",
              postgresql_where=text("published_at IS NOT NULL"),
              sqlite_where=text("published_at IS NOT NULL")),
        # The officer's list (every solicitation, drafts too): latest deadline first, those
        # without a deadline last; a page is read from it and stops when full
        Index("ix_solicitation_officer_listing", text("(deadline IS NULL)"), text("deadline DESC"),
              text("id DESC")),
        search_index("solicitation", "title"), search_index("solicitation", "number"),
        search_index("solicitation", "description"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)     # DCF-2026-RFR-014
    kind: Mapped[SolicitationKind] = mapped_column(enum_column(SolicitationKind))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SolicitationStatus] = mapped_column(
        enum_column(SolicitationStatus), default=SolicitationStatus.draft, index=True)
    questions_due: Mapped[datetime | None]
    conference_at: Mapped[datetime | None]
    conference_location: Mapped[str] = mapped_column(String(300), default="")
    deadline: Mapped[datetime | None] = mapped_column(index=True)
    expected_award: Mapped[date | None]
    contract_start: Mapped[date | None]
    published_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    cancel_reason: Mapped[CancelReason | None] = mapped_column(enum_column(CancelReason))
    cancel_text: Mapped[str] = mapped_column(Text, default="")
    # Opened with fewer responses than the procedure's minimum, an officer chose to evaluate
    # anyway: when, and why (on the record; re-advertising or cancelling is a cancel instead).
    below_minimum_at: Mapped[datetime | None]
    below_minimum_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
    # The kinds of document (DocumentKind names) every response must hold to be submitted.
    required_document_kinds: Mapped[list[Any]] = mapped_column(default=list,
                                                               server_default=text("'[]'"))
    # The RFI whose comments informed this RFR.
    informed_by_id: Mapped[int | None] = mapped_column(ForeignKey("solicitation.id"))
    informed_by: Mapped[Solicitation | None] = relationship(
        remote_side="Solicitation.id", foreign_keys=[informed_by_id], back_populates="informed")
    informed: Mapped[list[Solicitation]] = relationship(
        foreign_keys=[informed_by_id], back_populates="informed_by", order_by="Solicitation.id")

    agencies: Mapped[list[Agency]] = relationship(secondary=solicitation_agency,
                                                  order_by="Agency.code")
    lots: Mapped[list[Lot]] = relationship(back_populates="solicitation", order_by="Lot.number",
                                           cascade="all, delete-orphan", lazy="selectin")
    sections: Mapped[list[RequiredSection]] = relationship(
        back_populates="solicitation", order_by="RequiredSection.position",
        cascade="all, delete-orphan")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="solicitation", order_by="Criterion.position", cascade="all, delete-orphan")
    addenda: Mapped[list[Addendum]] = relationship(back_populates="solicitation",
                                                   order_by="Addendum.number")
    questions: Mapped[list[Question]] = relationship(back_populates="solicitation",
                                                     order_by="Question.asked_at")
    documents: Mapped[list[SolicitationDocument]] = relationship(
        back_populates="solicitation", order_by="SolicitationDocument.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def criteria_weight(self) -> int:
        return sum(c.weight for c in self.criteria)

    @property
    def agency_names(self) -> str:
        return " and ".join(a.code for a in self.agencies)

    def __repr__(self) -> str:
        return f"<Solicitation {self.number} {self.status.name}>"


class Lot(Base):
    """One separately awarded part of an RFR: an area (or joined areas), a region, a service model."""

    __tablename__ = "lot"
    __table_args__ = (UniqueConstraint("solicitation_id", "number"), search_index("lot", "title"))
    id: Mapped[int] = mapped_column(primary_key=True)
    solicitation_id: Mapped[int] = mapped_column(
        ForeignKey("solicitation.id", ondelete="CASCADE"), index=True)
    solicitation: Mapped[Solicitation] = relationship(back_populates="lots")
    number: Mapped[int]
    kind: Mapped[LotKind] = mapped_column(enum_column(LotKind))
    title: Mapped[str] = mapped_column(String(300))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    region: Mapped[Region | None] = relationship(lazy="selectin")
    service_model_code: Mapped[str | None] = mapped_column(ForeignKey("service_model.code"))
    service_model: Mapped[ServiceModel | None] = relationship(lazy="selectin")
    area_offices: Mapped[list[AreaOffice]] = relationship(secondary=lot_area_office,
                                                          order_by="AreaOffice.name",
                                                          lazy="selectin")
    estimated_annual_value: Mapped[Decimal]
    max_awards: Mapped[int] = mapped_column(default=1)

    @property
    def label(self) -> str:
        return f"Lot {self.number}: {self.title}"


class RequiredSection(Base):
    __tablename__ = "required_section"
    id: Mapped[int] = mapped_column(primary_key=True)
    solicitation_id: Mapped[int] = mapped_column(
        ForeignKey("solicitation.id", ondelete="CASCADE"), index=True)
    solicitation: Mapped[Solicitation] = relationship(back_populates="sections")
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    page_limit: Mapped[int | None]

    def as_intake_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "title": self.title, "aliases": list(self.aliases or []),
                "page_limit": self.page_limit}


class Criterion(Base):
    __tablename__ = "criterion"
    id: Mapped[int] = mapped_column(primary_key=True)
    solicitation_id: Mapped[int] = mapped_column(
        ForeignKey("solicitation.id", ondelete="CASCADE"), index=True)
    solicitation: Mapped[Solicitation] = relationship(back_populates="criteria")
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int]
    max_points: Mapped[int]
    envelope: Mapped[Envelope] = mapped_column(enum_column(Envelope), default=Envelope.technical)


class Addendum(Base):
    """A numbered, published change to an open solicitation. Never edited once published."""

    __tablename__ = "addendum"
    __table_args__ = (UniqueConstraint("solicitation_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    solicitation_id: Mapped[int] = mapped_column(ForeignKey("solicitation.id"), index=True)
    solicitation: Mapped[Solicitation] = relationship(back_populates="addenda")
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime]
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    previous_deadline: Mapped[datetime | None]
    new_deadline: Mapped[datetime | None]
    # What it changed, for bidders: [{"part": "Lot 3: ...", "field": "Estimated annual value",
    # "before": "$100,000.00", "after": "$120,000.00"}]
    changes: Mapped[list[Any]] = mapped_column(default=list)
    documents: Mapped[list[SolicitationDocument]] = relationship(back_populates="addendum")


class Question(Base):
    """A bidder's question: private until answered; the answer is public without the asker."""

    __tablename__ = "question"
    id: Mapped[int] = mapped_column(primary_key=True)
    solicitation_id: Mapped[int] = mapped_column(ForeignKey("solicitation.id"), index=True)
    solicitation: Mapped[Solicitation] = relationship(back_populates="questions")
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id])
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class SolicitationDocument(Base):
    """A document the agency publishes with a solicitation or an addendum (stored by SHA-256)."""

    __tablename__ = "solicitation_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    solicitation_id: Mapped[int] = mapped_column(ForeignKey("solicitation.id"), index=True)
    solicitation: Mapped[Solicitation] = relationship(back_populates="documents")
    addendum_id: Mapped[int | None] = mapped_column(ForeignKey("addendum.id"))
    addendum: Mapped[Addendum | None] = relationship(back_populates="documents")
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    uploaded_at: Mapped[datetime]


class RfiComment(Base):
    """A provider's or the public's comment on an RFI: input on program models, not a bid."""

    __tablename__ = "rfi_comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    solicitation_id: Mapped[int] = mapped_column(ForeignKey("solicitation.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    organization: Mapped[Organization | None] = relationship()
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime]
