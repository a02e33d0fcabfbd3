"""Defaults. PROCURE_* environment variables override them, and instance/config.py overrides both."""

from __future__ import annotations

import os


class Defaults:
    SECRET_KEY = "dev-only-change-me"          # set PROCURE_SECRET_KEY in any real deployment
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
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"  # argon2-cffi's profiles
    LOGIN_RATE_LIMIT = "10 per minute"
    LOGIN_LOCKOUT_FAILURES = 10
    LOGIN_LOCKOUT_MINUTES = 15
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False               # PROCURE_SESSION_COOKIE_SECURE=true behind HTTPS
    WTF_CSRF_TIME_LIMIT = None
    PAGE_SIZE = 20
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
