"""Awards: the decision to contract with a bidder for a lot, its approval by a second officer,
the notices to the lot's bidders (with their own scores, for debriefing), and the protests
heard during the standstill period."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.models.base import Base, enum_column, new_public_id
from procure.models.org import Organization, User
from procure.models.response import Response
from procure.models.solicitation import Lot, Solicitation


class AwardStatus(enum.Enum):
    proposed = "Proposed"
    approved = "Approved"
    standstill = "Notified (standstill)"
    final = "Final"
    withdrawn = "Withdrawn"


class LotOutcomeKind(enum.Enum):
    no_award = "No award"
    reprocure = "To be procured again"


class ProtestStatus(enum.Enum):
    open = "Open"
    upheld = "Upheld"
    denied = "Denied"


class Award(Base):
    """One bidder's award for one lot. Proposed from the ranking; choosing other than the
    top-ranked bidder needs a written justification; another officer approves."""

    __tablename__ = "award"
    # One live award per bidder and lot; a withdrawn one stays on the record beside a new
    # proposal of the same bidder (the status is stored by name).
    __table_args__ = (Index("uq_award_live_lot_response", "lot_id", "response_id", unique=True,
                            sqlite_where=text("status != 'withdrawn'"),
                            postgresql_where=text("status != 'withdrawn'")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    solicitation_id: Mapped[int] = mapped_column(ForeignKey("solicitation.id"), index=True)
    solicitation: Mapped[Solicitation] = relationship()
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    lot: Mapped[Lot] = relationship()
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    response: Mapped[Response] = relationship()
    status: Mapped[AwardStatus] = mapped_column(
        enum_column(AwardStatus), default=AwardStatus.proposed, index=True)
    rank: Mapped[int]                       # the response's rank when proposed
    total: Mapped[Decimal]                  # its weighted total out of 100
    justification: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal]                 # the annual amount proposed for the contract
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    proposed_at: Mapped[datetime]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    approved_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]
    standstill_ends_at: Mapped[datetime | None] = mapped_column(index=True)
    final_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    protests: Mapped[list[Protest]] = relationship(back_populates="award", order_by="Protest.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def organization(self) -> Organization:
        return self.response.organization


class AwardNotice(Base):
    """What a bidder was told about a lot: selected or not, with their own scores as they stood
    (the debriefing). A notice is sent again if an upheld protest reopens the award."""

    __tablename__ = "award_notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    lot: Mapped[Lot] = relationship()
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    response: Mapped[Response] = relationship()
    selected: Mapped[bool]
    rank: Mapped[int | None]
    total: Mapped[Decimal | None]
    # [{"criterion": name, "weight": w, "max_points": m, "points": p, "rationale": text}]
    scores: Mapped[list[Any]] = mapped_column(default=list)
    standstill_ends_at: Mapped[datetime | None]
    sent_at: Mapped[datetime]


class Protest(Base):
    """A bidder's protest of a lot's award, filed during the standstill period with documents;
    an officer upholds it (the award goes back to proposed) or denies it, with reasons."""

    __tablename__ = "protest"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    award: Mapped[Award] = relationship(back_populates="protests")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    organization: Mapped[Organization] = relationship()
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    filed_at: Mapped[datetime]
    grounds: Mapped[str] = mapped_column(Text)
    status: Mapped[ProtestStatus] = mapped_column(
        enum_column(ProtestStatus), default=ProtestStatus.open, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    decided_at: Mapped[datetime | None]
    decision: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    documents: Mapped[list[ProtestDocument]] = relationship(
        back_populates="protest", order_by="ProtestDocument.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def solicitation_id(self) -> int:      # the audit trail files its events under the RFR
        return self.award.solicitation_id


class ProtestDocument(Base):
    __tablename__ = "protest_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    protest_id: Mapped[int] = mapped_column(ForeignKey("protest.id", ondelete="CASCADE"),
                                            index=True)
    protest: Mapped[Protest] = relationship(back_populates="documents")
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    uploaded_at: Mapped[datetime]


class LotOutcome(Base):
    """A lot closed without an award, with the reason: no award (nobody bid, nobody fit) or
    to be procured again. A lot with a final award is awarded; one with neither is open."""

    __tablename__ = "lot_outcome"
    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), unique=True)
    lot: Mapped[Lot] = relationship()
    solicitation_id: Mapped[int] = mapped_column(ForeignKey("solicitation.id"), index=True)
    kind: Mapped[LotOutcomeKind] = mapped_column(enum_column(LotOutcomeKind))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_by: Mapped[User] = relationship()
    decided_at: Mapped[datetime]
