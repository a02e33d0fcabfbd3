"""Tests are isolated from the machine: the app made for a test reads neither the developer's
PROCURE_* environment nor their instance/config.py."""

from __future__ import annotations

from procure import create_app
from procure.config import Defaults
from procure.extensions import celery


def test_the_test_app_ignores_the_environment_and_instance_config(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("MAX_FILES_PER_RESPONSE = 1\nS3_BUCKET = 'from-config'\n")
    monkeypatch.setenv("PROCURE_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("PROCURE_REDIS_URL", "redis://developer.example.org:6379/0")
    monkeypatch.setenv("PROCURE_INTAKE_PAGES", "3")
    database = "sqlite:///" + str(tmp_path / "test.sqlite3")

    try:
        deployed = create_app({"DATABASE_URL": database})   # a deployment reads both
    finally:
        celery.conf.broker_url = None   # the shared Celery app was pointed at that Redis
    assert deployed.config["REDIS_URL"] == "redis://developer.example.org:6379/0"
    assert deployed.config["MAX_FILES_PER_RESPONSE"] == 1
    assert deployed.config["INTAKE_PAGES"] == 3

    tested = create_app({"TESTING": True, "DATABASE_URL": database, "SECRET_KEY": "test-secret",
                         "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    assert tested.config["REDIS_URL"] == ""
    assert tested.config["S3_BUCKET"] == ""
    assert tested.config["MAX_FILES_PER_RESPONSE"] == Defaults.MAX_FILES_PER_RESPONSE
    assert tested.config["INTAKE_PAGES"] == Defaults.INTAKE_PAGES
    assert tested.instance_path != str(instance)
