"""Celery's entry point at scale: `celery -A procure.worker worker` for intake and
`celery -A procure.worker beat` for the deadline tick, with the same PROCURE_* settings."""

from procure import create_app
from procure.intake import jobs

jobs.use_worker_app(create_app())
celery = jobs.celery
