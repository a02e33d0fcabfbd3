"""The web application factory (Flask): pages, API, intake jobs, CLI commands."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app, has_app_context
from werkzeug.routing import IntegerConverter

from procure import mail


class DatabaseId(IntegerConverter):
    """Ids in URLs are database integers: anything larger is simply not found (never a 500)."""

    def __init__(self, url_map: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)   # INTEGER on PostgreSQL
        super().__init__(url_map, **kwargs)


def mail_settings() -> mail.Settings | None:
    """procure.mail's settings, from the app in whose context mail is sent (read then, so a
    changed SMTP_* setting applies at once); outside an app, none (the scheduler sends it)."""
    if not has_app_context():
        return None
    return mail.Settings.from_config(current_app.config, current_app.instance_path)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The app factory: defaults, then PROCURE_* environment variables, then instance/config.py,
    then `config`. A `config` with TESTING (the tests) is the whole story: neither the machine's
    PROCURE_* variables nor its instance/config.py are read, so no developer's settings (a real
    database, S3, Redis) reach a test."""
    isolated = bool(config and config.get("TESTING"))
    app = Flask("procure", instance_relative_config=True,
                instance_path=None if isolated else os.environ.get("PROCURE_INSTANCE_PATH") or None)
    from procure.config import Defaults, configure_security, database_url
    app.config.from_object(Defaults)
    if not isolated:
        app.config.from_prefixed_env("PROCURE")
        app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    configure_security(app)   # signing key, trusted proxy hops, Secure cookies, HSTS
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config, app.instance_path)
    if not app.config["UPLOAD_FOLDER"]:
        app.config["UPLOAD_FOLDER"] = os.path.join(os.path.dirname(app.instance_path), "uploads")
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"] + 1024 * 1024
    if app.config["REDIS_URL"]:   # several processes share one count of sign-in attempts
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]

    from procure import accounts
    accounts.use_hash_profile(app.config["PASSWORD_HASH_PROFILE"])
    mail.configure(mail_settings)

    app.url_map.converters["int"] = DatabaseId

    from procure.extensions import (
        bootstrap, csrf, db, init_celery, limiter, login_manager, migrate,
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)

    # Request ids, timing and the probes before everything else (procure.ops).
    from procure import ops
    ops.init_app(app)

    # The API first: the web's error handlers, registered after, answer for both (JSON on /api/).
    from procure import api as api_package
    api_package.init_app(app)
    from procure import web
    web.init_app(app)

    init_celery(app)

    from procure import cli
    cli.init_app(app)
    return app
