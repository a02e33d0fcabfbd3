"""The audit log: append-only, hash-chained. Each event's hash covers its fields and the previous hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from procure.models.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"
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
