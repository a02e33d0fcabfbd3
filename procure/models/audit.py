"""The audit log: append-only, hash-chained. Each event's hash covers its fields and the previous hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from procure.models.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"
    # An entity's events (the OCDS release's dates, a row's history) without reading the chain.
    __table_args__ = (Index("ix_audit_event_entity", "entity_type", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)             # 1, 2, 3... no gaps, no forks
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(200))    # "officer@...", "system (deadline)"
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    # The procurement the event belongs to (its own, or its response's...), for its trail. Derived
    # from the hashed entity, so not hashed itself: `audit.verify` checks it against the entity.
    solicitation_id: Mapped[int | None] = mapped_column(ForeignKey("solicitation.id"), index=True)
    event: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the chain's last sequence number and hash, locked by each writer (FOR UPDATE)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheck(Base):
    """One run of the audit-chain check (procure.audit_check), kept: who asked and when, how
    far it got (`events_checked` of `events_total`, for the administrator's page while it
    runs), and what it found: intact, or the first broken link and why."""

    __tablename__ = "audit_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_by: Mapped[str] = mapped_column(String(200))     # the email, kept as it was
    requested_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    events_total: Mapped[int] = mapped_column(default=0)
    events_checked: Mapped[int] = mapped_column(default=0)
    intact: Mapped[bool | None]                # None until it finishes
    broken_seq: Mapped[int | None]             # the first event that breaks the chain
    broken_event: Mapped[str] = mapped_column(String(60), default="")
    problem: Mapped[str] = mapped_column(Text, default="")
