"""The web application factory (Flask): pages, API, intake jobs, CLI commands."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app, has_app_context
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from procure import mail


class DatabaseId(IntegerConverter):
    """Ids in URLs are database integers: anything larger is simply not found (never a 500)."""

    def __init__(self, url_map: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)   # INTEGER on PostgreSQL
        super().__init__(url_map, **kwargs)


class JsonProvider(DefaultJSONProvider):
    """Flask's JSON, except that a document nested too deeply to read is invalid JSON (400),
    not an error of the service (Python's reader runs out of stack: RecursionError)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply to read.") from None


class HostCheck:
    """Refuses (400) a request naming a host the service does not serve (TRUSTED_HOSTS, read
    per request), before anything of the app runs: no page, link or mail is ever made for it.
    It sits inside the trusted proxies' ProxyFix, so the host checked is the forwarded one."""

    def __init__(self, app: Flask, wsgi_app: Any) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        from werkzeug.exceptions import SecurityError
        from werkzeug.sansio.utils import get_host
        from werkzeug.wrappers import Response
        trusted = self.app.config.get("TRUSTED_HOSTS")
        if trusted:
            try:
                get_host(environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST"),
                         (environ.get("SERVER_NAME", ""), int(environ.get("SERVER_PORT") or 0)),
                         trusted)
            except SecurityError:
                why = "" if self.app.config.get("BASE_URL_CONFIGURED") else (
                    " No PROCURE_BASE_URL is set, so it answers on loopback only: set it to "
                    "the address people reach it at (https://procure.example.org).")
                answer = Response("400 Bad Request: this service does not answer for that host "
                                  f"name.{why}\n", status=400, mimetype="text/plain")
                return answer(environ, start_response)
        return self.wsgi_app(environ, start_response)


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
    from procure.config import Defaults, base_url_and_hosts, configure_security, database_url
    app.config.from_object(Defaults)
    if not isolated:
        app.config.from_prefixed_env("PROCURE")
        app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.wsgi_app = HostCheck(app, app.wsgi_app)   # type: ignore[method-assign]
    configure_security(app)   # signing key, trusted proxy hops, Secure cookies, HSTS
    base_url_and_hosts(app)   # links in mail (PROCURE_BASE_URL), and the hosts served
    app.json = JsonProvider(app)
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
    from procure import public_cache
    public_cache.init_app(app)

    from procure import api as api_package
    api_package.init_app(app)
    from procure import web
    web.init_app(app)

    init_celery(app)

    from procure import cli
    cli.init_app(app)
    return app
