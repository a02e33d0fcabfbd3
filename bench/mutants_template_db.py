"""A pytest plugin `bench/mutants.py` loads into every mutant's test run (PYTEST_PLUGINS): each
test session's fresh SQLite database starts as a copy of one migrated by the same migrations once,
before the mutants ran, instead of migrating it again for every mutant (about half a second of
CPU each, on a 2-core machine shared by many). The migrations still run: they find the copy at
head and only load the reference data, as they do on an upgraded deployment."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def pytest_configure(config) -> None:
    template = os.environ.get("PROCURE_MUTANTS_TEMPLATE_DB")
    if not template or os.environ.get("PROCURE_TEST_DATABASE_URL"):
        return
    import procure.cli
    migrate = procure.cli.upgrade_database
    if getattr(migrate, "from_template", False):
        return

    def upgrade_database() -> None:
        from flask import current_app
        url = current_app.config["SQLALCHEMY_DATABASE_URI"]
        if url.startswith("sqlite:///"):
            target = Path(url.removeprefix("sqlite:///"))
            if not target.exists():
                shutil.copyfile(template, target)
        migrate()

    upgrade_database.from_template = True     # type: ignore[attr-defined]
    procure.cli.upgrade_database = upgrade_database
