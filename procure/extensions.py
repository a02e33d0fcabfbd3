"""The Flask extensions, created once and bound to the app in create_app()."""

from __future__ import annotations

from celery import Celery
from flask import Flask
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from procure.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
bootstrap = Bootstrap5()

# Celery at scale (PROCURE_REDIS_URL): intake's reads and the scheduler's beat; tasks in
# procure.tasks, entry point procure.worker. Unused (never connects) without Redis.
celery = Celery("procure")
celery.conf.update(task_acks_late=True, task_reject_on_worker_lost=True,
                   worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True)


def init_celery(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        celery.conf.broker_url = app.config["REDIS_URL"]
        celery.conf.beat_schedule = {"run_due": {"task": "procure.run_due",
                                                 "schedule": float(app.config["TICK_SECONDS"])}}
