"""Evaluation: panels of one or more lots, their members, conflict-of-interest declarations,
scoresheets (one per member per response) with a score per criterion, the panel's consensus
and the evaluated cost that price criteria are scored on.

Scores are read for display only through procure.workflows.evaluation, which keeps members'
scores independent until every scoresheet is in, and hides bidder names on a blind RFR."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.models.base import Base, enum_column, new_public_id
from procure.models.org import Organization, User
from procure.models.response import Response
from procure.models.solicitation import Criterion, Lot, Solicitation


class PanelStatus(enum.Enum):
    forming = "Forming"
    declaring = "Declaring conflicts"
    scoring = "Scoring"
    consensus = "Reaching consensus"
    finalized = "Finalized"


class MemberKind(enum.Enum):
    agency_staff = "Agency staff"
    family_representative = "Family representative"
    external_reviewer = "External reviewer"


class ScoresheetStatus(enum.Enum):
    assigned = "Assigned"
    in_progress = "In progress"
    submitted = "Submitted"
    returned = "Returned by the chair"
    final = "Final"
    withdrawn = "Withdrawn (conflict declared)"


class CostSource(enum.Enum):
    rate_card = "Proposed rates x projected units"
    budget_total = "Budget total read from the response"
    officer = "Corrected by an officer"


class RateUnit(enum.Enum):
    per_diem = "Per diem"
    hourly = "Hourly"
    case_rate = "Case rate"


panel_lot = Table(
    "panel_lot", Base.metadata,
    Column("panel_id", ForeignKey("panel.id", ondelete="CASCADE"), primary_key=True),
    Column("lot_id", ForeignKey("lot.id"), primary_key=True, unique=True),  # one panel a lot
)


class EvaluationPlan(Base):
    """How an RFR is evaluated: blind or not, whole or half points, and its rate card."""

    __tablename__ = "evaluation_plan"
    solicitation_id: Mapped[int] = mapped_column(
        ForeignKey("solicitation.id", ondelete="CASCADE"), primary_key=True)
    solicitation: Mapped[Solicitation] = relationship()
    blind: Mapped[bool] = mapped_column(default=False)      # evaluators see bidder codes only
    half_points: Mapped[bool] = mapped_column(default=False)
    rates: Mapped[list[RateCardLine]] = relationship(
        back_populates="plan", order_by="RateCardLine.position", cascade="all, delete-orphan")


class RateCardLine(Base):
    """One rate the RFR asks bidders to price, with the units the agency expects to buy a year."""

    __tablename__ = "rate_card_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    solicitation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_plan.solicitation_id", ondelete="CASCADE"), index=True)
    plan: Mapped[EvaluationPlan] = relationship(back_populates="rates")
    position: Mapped[int]
    service: Mapped[str] = mapped_column(String(200))
    unit: Mapped[RateUnit] = mapped_column(enum_column(RateUnit))
    projected_units: Mapped[int]


class ProposedRate(Base):
    """A bidder's rate for one line of the rate card (entered from the response's budget)."""

    __tablename__ = "proposed_rate"
    __table_args__ = (UniqueConstraint("response_id", "rate_card_line_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    rate_card_line_id: Mapped[int] = mapped_column(ForeignKey("rate_card_line.id"))
    line: Mapped[RateCardLine] = relationship()
    rate: Mapped[Decimal]


class Panel(Base):
    __tablename__ = "panel"
    __table_args__ = (
        # The panels' order, those at work first, the latest first (procure.workflows.evaluation
        # AT_WORK_FIRST, a literal like this): a member's list is read from it and stops when full
        Index("ix_panel_listing", text("(status = 'finalized')"), text("id DESC")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    solicitation_id: Mapped[int] = mapped_column(ForeignKey("solicitation.id"), index=True)
    solicitation: Mapped[Solicitation] = relationship()
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[PanelStatus] = mapped_column(
        enum_column(PanelStatus), default=PanelStatus.forming, index=True)
    created_at: Mapped[datetime]
    # The price envelope: sealed to the panel's evaluators until its technical consensus is
    # complete, then opened on the record (policy.may_see_price reads this).
    price_opened_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    lots: Mapped[list[Lot]] = relationship(secondary=panel_lot, order_by="Lot.number")
    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", order_by="PanelMember.id", cascade="all, delete-orphan")
    scoresheets: Mapped[list[Scoresheet]] = relationship(
        back_populates="panel", order_by="Scoresheet.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def chair(self) -> PanelMember | None:
        return next((m for m in self.members if m.is_chair and m.removed_at is None), None)

    @property
    def active_members(self) -> list[PanelMember]:
        return [m for m in self.members if m.removed_at is None]


class PanelMember(Base):
    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"), index=True)
    panel: Mapped[Panel] = relationship(back_populates="members")
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    user: Mapped[User] = relationship()
    kind: Mapped[MemberKind] = mapped_column(enum_column(MemberKind))
    is_chair: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    declarations: Mapped[list[ConflictDeclaration]] = relationship(
        back_populates="member", order_by="ConflictDeclaration.id")


class ConflictDeclaration(Base):
    """A member's declaration about one bidder: no conflict, or a conflict and its nature.
    Declaring again supersedes (never deletes) the earlier declaration."""

    __tablename__ = "conflict_declaration"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("panel_member.id"), index=True)
    member: Mapped[PanelMember] = relationship(back_populates="declarations")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    organization: Mapped[Organization] = relationship()
    has_conflict: Mapped[bool]
    nature: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]


class Scoresheet(Base):
    """One member's scores for one response, a score and a written comment per criterion."""

    __tablename__ = "scoresheet"
    __table_args__ = (UniqueConstraint("member_id", "response_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id"), index=True)
    panel: Mapped[Panel] = relationship(back_populates="scoresheets")
    member_id: Mapped[int] = mapped_column(ForeignKey("panel_member.id"), index=True)
    member: Mapped[PanelMember] = relationship()
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    response: Mapped[Response] = relationship()
    status: Mapped[ScoresheetStatus] = mapped_column(
        enum_column(ScoresheetStatus), default=ScoresheetStatus.assigned, index=True)
    submitted_at: Mapped[datetime | None]
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    scores: Mapped[list[Score]] = relationship(
        back_populates="scoresheet", order_by="Score.criterion_id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def solicitation_id(self) -> int:
        """The RFR the scoresheet belongs to: its audit events name it."""
        return self.panel.solicitation_id


class Score(Base):
    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("scoresheet_id", "criterion_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scoresheet_id: Mapped[int] = mapped_column(
        ForeignKey("scoresheet.id", ondelete="CASCADE"), index=True)
    scoresheet: Mapped[Scoresheet] = relationship(back_populates="scores")
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    criterion: Mapped[Criterion] = relationship()
    points: Mapped[Decimal | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime]


class ConsensusScore(Base):
    """The panel's agreed score for one response on one criterion, with its rationale."""

    __tablename__ = "consensus_score"
    __table_args__ = (UniqueConstraint("panel_id", "response_id", "criterion_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    criterion: Mapped[Criterion] = relationship()
    points: Mapped[Decimal]
    rationale: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime]


class EvaluatedCost(Base):
    """The cost a response's price is scored on, where it came from, and any correction."""

    __tablename__ = "evaluated_cost"
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), primary_key=True)
    amount: Mapped[Decimal | None]
    source: Mapped[CostSource] = mapped_column(enum_column(CostSource))
    reason: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime]
