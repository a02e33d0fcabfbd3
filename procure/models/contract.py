"""Contracts made from final awards: term, annual maximum, rates, performance measures,
documents, amendments (every figure's history), and the open-order encumbrance per state
fiscal year that the provider's payments draw down."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.models.award import Award
from procure.models.base import Base, enum_column, new_public_id
from procure.models.org import AreaOffice, Organization, User
from procure.models.solicitation import Lot, Solicitation


class ContractStatus(enum.Enum):
    drafting = "Drafting"
    signed = "Signed"
    active = "Active"
    expired = "Expired"
    terminated = "Terminated"


class RateType(enum.Enum):
    per_diem = "Per diem"
    hourly = "Hourly"
    case_rate = "Case rate"
    cost_reimbursement = "Cost reimbursement"


contract_area_office = Table(
    "contract_area_office", Base.metadata,
    Column("contract_id", ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True),
    Column("area_office_id", ForeignKey("area_office.id"), primary_key=True),
)


class Contract(Base):
    __tablename__ = "contract"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    number: Mapped[str] = mapped_column(String(60), unique=True)   # DCF-2026-RFR-014-L3
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), unique=True)
    award: Mapped[Award] = relationship()
    solicitation_id: Mapped[int] = mapped_column(ForeignKey("solicitation.id"), index=True)
    solicitation: Mapped[Solicitation] = relationship()
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    lot: Mapped[Lot] = relationship()
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    organization: Mapped[Organization] = relationship()
    area_offices: Mapped[list[AreaOffice]] = relationship(
        secondary=contract_area_office, order_by="AreaOffice.name")
    status: Mapped[ContractStatus] = mapped_column(
        enum_column(ContractStatus), default=ContractStatus.drafting, index=True)
    start_date: Mapped[date]
    end_date: Mapped[date] = mapped_column(index=True)
    annual_maximum: Mapped[Decimal]
    rate_type: Mapped[RateType] = mapped_column(enum_column(RateType))
    created_at: Mapped[datetime]
    signed_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    rates: Mapped[list[ContractRate]] = relationship(
        back_populates="contract", order_by="ContractRate.id", cascade="all, delete-orphan")
    measures: Mapped[list[PerformanceMeasure]] = relationship(
        back_populates="contract", order_by="PerformanceMeasure.id", cascade="all, delete-orphan")
    amendments: Mapped[list[ContractAmendment]] = relationship(
        back_populates="contract", order_by="ContractAmendment.number")
    documents: Mapped[list[ContractDocument]] = relationship(
        back_populates="contract", order_by="ContractDocument.id")
    encumbrances: Mapped[list[Encumbrance]] = relationship(
        back_populates="contract", order_by="Encumbrance.fiscal_year")

    __mapper_args__ = {"version_id_col": version}


class ContractRate(Base):
    """A rate the contract pays: per diem, hourly or case rate for one service."""

    __tablename__ = "contract_rate"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"),
                                             index=True)
    contract: Mapped[Contract] = relationship(back_populates="rates")
    service: Mapped[str] = mapped_column(String(200))
    unit: Mapped[RateType] = mapped_column(enum_column(RateType))
    rate: Mapped[Decimal]


class PerformanceMeasure(Base):
    """What the contract is judged on (permanency, stability, children kept with their
    families), its target and the fiscal incentive for meeting it."""

    __tablename__ = "performance_measure"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"),
                                             index=True)
    contract: Mapped[Contract] = relationship(back_populates="measures")
    name: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(200))
    incentive: Mapped[str] = mapped_column(String(300), default="")


class AmendmentStatus(enum.Enum):
    in_force = "In force"
    awaiting_approval = "Awaiting a second officer's approval"
    refused = "Refused"


class ContractAmendment(Base):
    """A numbered change to an active contract: every figure it changed, before and after. One
    that raises the annual maximum above the approved award waits for another officer's
    approval (`annual_maximum` holds the figure it asks for) and changes nothing until then."""

    __tablename__ = "contract_amendment"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    contract: Mapped[Contract] = relationship(back_populates="amendments")
    number: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    # [{"field": "Annual maximum", "before": "$100,000.00", "after": "$120,000.00"}]
    changes: Mapped[list[Any]] = mapped_column(default=list)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    made_by: Mapped[User] = relationship(foreign_keys=[made_by_id])
    made_at: Mapped[datetime]
    status: Mapped[AmendmentStatus] = mapped_column(
        enum_column(AmendmentStatus), default=AmendmentStatus.in_force,
        server_default=AmendmentStatus.in_force.name)
    annual_maximum: Mapped[Decimal | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    approved_at: Mapped[datetime | None]


class ContractDocument(Base):
    __tablename__ = "contract_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    contract: Mapped[Contract] = relationship(back_populates="documents")
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    uploaded_at: Mapped[datetime]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


class Encumbrance(Base):
    """The open-order encumbrance of one contract for one state fiscal year (FY2026 runs from
    July 1, 2025 to June 30, 2026). `drawn` only grows by draw-downs, never past `amount`."""

    __tablename__ = "encumbrance"
    __table_args__ = (UniqueConstraint("contract_id", "fiscal_year"),
                      CheckConstraint("drawn <= amount", name="within_amount"),
                      CheckConstraint("drawn >= 0", name="drawn_not_negative"))
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    contract: Mapped[Contract] = relationship(back_populates="encumbrances")
    fiscal_year: Mapped[int]
    amount: Mapped[Decimal]
    drawn: Mapped[Decimal] = mapped_column(default=Decimal(0))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    draw_downs: Mapped[list[DrawDown]] = relationship(
        back_populates="encumbrance", order_by="DrawDown.id")

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.drawn


class DrawDown(Base):
    """A payment against an encumbrance: the service delivered, and for flexible family
    funds the family it was for (capped per family per fiscal year)."""

    __tablename__ = "draw_down"
    id: Mapped[int] = mapped_column(primary_key=True)
    encumbrance_id: Mapped[int] = mapped_column(ForeignKey("encumbrance.id"), index=True)
    encumbrance: Mapped[Encumbrance] = relationship(back_populates="draw_downs")
    service_date: Mapped[date]
    amount: Mapped[Decimal]
    service: Mapped[str] = mapped_column(String(200))
    family_reference: Mapped[str | None] = mapped_column(String(60), index=True)
    flexible_funds: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime]
