"""What operators read about the service itself: when the scheduler last ran."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from procure.models.base import Base


class SchedulerRun(Base):
    """The last run of the scheduler (`procure.scheduler.run_due`), one row per runner name, so
    `/ready` and the metrics can tell a scheduler that stopped from one that is merely idle."""

    __tablename__ = "scheduler_run"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    failed_jobs: Mapped[str] = mapped_column(String(400), default="")
