"""Defaults. PROCURE_* environment variables override them, and instance/config.py overrides both.
Also what the settings imply for the app's security: its signing key, the trusted proxy hops,
Secure cookies and HSTS (`configure_security`, called by create_app)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix


class Defaults:
    SECRET_KEY = ""                             # empty: a random key kept in instance/secret_key
                                                # (a deployment must set PROCURE_SECRET_KEY)
    BASE_URL = ""                               # the service's own address: every link in mail
                                                # is built on it, and only its host is served;
                                                # empty: `procure serve` sets its own address
                                                # (a deployment must set PROCURE_BASE_URL)
    DATABASE_URL = ""                           # empty: SQLite in instance/procure.sqlite3
    UPLOAD_FOLDER = ""                          # empty: uploads/ beside instance/
    S3_BUCKET = ""                              # set to store documents in S3 instead
    S3_ENDPOINT_URL = ""
    S3_PREFIX = "documents/"
    REDIS_URL = ""                              # set to run intake on Celery workers
    TICK_SECONDS = 30                           # how often the service closes what is due
    MAX_UPLOAD_BYTES = 50 * 1024 * 1024
    MAX_FILES_PER_RESPONSE = 20
    INTAKE_SECONDS = 120
    INTAKE_PAGES = 500
    INTAKE_MEMORY_BYTES = 1536 * 1024 * 1024
    INTAKE_PAGE_IMAGES = 100                    # pages rendered for reading beside the record
    INTAKE_CLAIM_STALE_SECONDS = 0              # 0: twice INTAKE_SECONDS + 30 s
    INTAKE_IN_PROCESS = True                    # embedded default: a worker thread in the web process
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True            # Retry-After on a 429
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"  # argon2-cffi's profiles
    # Failed sign-ins for one account from one address: each window waits longer (no hard lock
    # anyone else can trigger: the same account from another address is not delayed).
    LOGIN_ACCOUNT_LIMIT = "5 per minute; 20 per hour; 100 per day"
    LOGIN_RATE_LIMIT = "50 per minute"          # failed sign-ins and registrations per address
    MEMBER_RATE_LIMIT = "20 per hour"           # colleagues one person adds
    UPLOAD_RATE_LIMIT = "120 per hour"          # uploads one person makes
    ORGANIZATION_STORAGE_BYTES = 2 * 1024**3    # every stored version of an organisation's files
    AGENCY_EMAIL_DOMAINS = "agency.example.org"  # comma-separated; staff only, no self-registration
    EMAIL_CONFIRM_DAYS = 7                      # how long an emailed confirmation link works
    INVITATION_DAYS = 7                         # how long a staff invitation link works
    PASSWORD_RESET_HOURS = 2                    # how long an emailed password-reset link works
    MAIL_FROM = "procure@agency.example.org"
    SMTP_HOST = ""                              # empty: mail is written to instance/outbox/*.eml
    SMTP_PORT = 25
    SMTP_USERNAME = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = False
    REMINDER_DAYS = 3                           # bidders with a draft are mailed this many days
                                                # before the deadline (0: no reminders)
    PROXY_HOPS = 0                              # proxies in front whose X-Forwarded-* are trusted
    HSTS_SECONDS = 365 * 24 * 3600              # sent whenever session cookies are Secure
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = None                # None: Secure unless the site is on loopback
    WTF_CSRF_TIME_LIMIT = None
    PAGE_SIZE = 20
    PUBLIC_PAGE_SECONDS = 10                    # the public's pages are kept until the record
                                                # changes, and at most this long (0: not kept)
    LOG_JSON = False                            # log lines as JSON objects (each with its request id)
    METRICS_TOKEN = ""                          # /metrics beyond loopback: Bearer this token
    READY_SCHEDULER_SECONDS = 0                 # /ready fails when the scheduler's last run is
                                                # older (0: 3 x TICK_SECONDS + 60 s)
    OCDS_OCID_PREFIX = "ocds-procure"            # the OCDS ocid prefix (register one to publish)
    OCDS_BASE_URL = ""                          # the public site's address in OCDS exports;
                                                # empty: the request's (CLI: 127.0.0.1:5000)
    API_TITLE = "procure"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    BOOTSTRAP_SERVE_LOCAL = True
    SQLALCHEMY_TRACK_MODIFICATIONS = False


def database_url(app_config: dict, instance_path: str) -> str:
    url = app_config.get("DATABASE_URL") or ""
    if not url:
        url = "sqlite:///" + os.path.join(instance_path, "procure.sqlite3")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def agency_domains(app_config: Any) -> list[str]:
    value = app_config.get("AGENCY_EMAIL_DOMAINS") or ""
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [item.strip().lower() for item in items if item.strip()]


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1, with or without a port."""
    name = host.strip()
    if name.startswith("["):
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_deployment(app_config: Any) -> bool:
    """A shared database means a real deployment (several processes or hosts share a key)."""
    url = app_config.get("DATABASE_URL") or ""
    return bool(url) and not url.startswith("sqlite")


NO_KEY = ("procure: no PROCURE_SECRET_KEY is set. {why} needs a session-signing key of its "
          "own: set PROCURE_SECRET_KEY to a long random value (for example the output of "
          "`python -c 'import secrets; print(secrets.token_hex(32))'`) in every process that "
          "serves it.")


def configure_security(app: Flask) -> None:
    """The signing key, the trusted proxy hops, Secure cookies and HSTS."""
    _secret_key(app)
    hops = int(app.config["PROXY_HOPS"] or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    app.session_interface = _SessionInterface()

    @app.after_request
    def strict_transport(response: Any) -> Any:
        if cookies_secure(app):
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={int(app.config['HSTS_SECONDS'])}")
        return response


def _secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY_GENERATED"] = False
        return
    if is_deployment(app.config):
        raise SystemExit(NO_KEY.format(why="A deployment on a database server"))
    app.config["SECRET_KEY"] = _kept_key(app.instance_path)
    app.config["SECRET_KEY_GENERATED"] = True


def _kept_key(instance_path: str) -> str:
    """The random key in instance/secret_key, made on first start (readable by the owner only)."""
    os.makedirs(instance_path, exist_ok=True)
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        scratch = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(scratch, path)    # atomic: two processes starting at once keep one key
        except FileExistsError:
            pass
        finally:
            os.unlink(scratch)
    with open(path) as handle:
        return handle.read().strip()


def require_own_key_to_serve(app: Flask, host: str) -> None:
    """`procure serve` beyond loopback is a deployment: it needs a key of its own."""
    if app.config.get("SECRET_KEY_GENERATED") and not is_loopback(host):
        raise SystemExit(NO_KEY.format(why=f"Serving on {host} (not only this computer)"))


def cookies_secure(app: Flask) -> bool:
    """SESSION_COOKIE_SECURE if set; otherwise Secure unless the request is on loopback."""
    configured = app.config.get("SESSION_COOKIE_SECURE")
    if configured is not None:
        return bool(configured)
    if not has_request_context():
        return False
    return request.is_secure or not is_loopback(request.host)


class _SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return cookies_secure(app)


# --- the service's own address ------------------------------------------------------------

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
NO_BASE_URL = ("procure: no PROCURE_BASE_URL is set. {why} needs the address people reach it "
               "at (for example https://procure.example.org): every link in the mail it sends "
               "is built on it, and requests for other hosts are refused. Set PROCURE_BASE_URL "
               "in every process that serves it or sends its mail.")


def base_url_and_hosts(app: Flask, serving: str = "") -> None:
    """BASE_URL: the one address links in mail are built on (never the request's Host header);
    TRUSTED_HOSTS: the hosts served, its own (and loopback when it is on loopback itself, as in
    development), so a request naming another host is refused (400). Unset: the development
    address on loopback (`procure serve` sets its own)."""
    base = serving or str(app.config.get("BASE_URL") or "").strip().rstrip("/")
    app.config["BASE_URL_CONFIGURED"] = bool(base) and not serving
    if not base:   # a deployment without it answers loopback only, and says why (HostCheck)
        base = "http://localhost" if app.config.get("TESTING") else "http://127.0.0.1:5000"
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise SystemExit(f"procure: PROCURE_BASE_URL must be an address such as "
                         f"https://procure.example.org (no path), not {base!r}.")
    app.config["BASE_URL"] = f"{parts.scheme}://{parts.netloc}"
    if app.config.get("TRUSTED_HOSTS") is None or not app.config["BASE_URL_CONFIGURED"]:
        hosts = [parts.hostname]
        if is_loopback(parts.hostname):
            hosts += [h for h in LOOPBACK_HOSTS if h not in hosts]
        app.config["TRUSTED_HOSTS"] = hosts
