"""Celery's entry point at scale: `celery -A procure.worker worker` for intake and
`celery -A procure.worker beat` for the scheduler, with the same PROCURE_* settings."""

from procure import create_app, tasks
from procure.extensions import celery

tasks.use_worker_app(create_app())

__all__ = ["celery"]
