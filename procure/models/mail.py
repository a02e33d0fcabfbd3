"""Mail waiting to leave, and mail that left: the durable queue behind procure.mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from procure.models.base import Base


class OutgoingMail(Base):
    """One message, queued in the transaction that decided it and sent after the commit (SMTP, or
    an .eml in the outbox). A failed try keeps the row with the error and the time of the next
    one (the scheduler retries); rows are never deleted. `dedupe_key`, when set, makes a message
    that must go once (a deadline reminder) go once, whoever queues it."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_due", "sent_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime]
