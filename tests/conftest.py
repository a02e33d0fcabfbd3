"""Shared fixtures: the app on SQLite (default) or PostgreSQL (PROCURE_TEST_DATABASE_URL), real
storage, the in-process intake queue, a CSRF-aware test client, and people to act as."""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from procure import create_app
from procure.extensions import db

ROOT = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path:
    """../shared (CI clones beside it); from a git worktree, the one beside the main checkout."""
    if os.environ.get("PROCURE_SHARED_DIR"):
        return Path(os.environ["PROCURE_SHARED_DIR"])
    beside = ROOT.parent / "shared"
    dot_git = ROOT / ".git"
    if not beside.is_dir() and dot_git.is_file():     # "gitdir: <main>/.git/worktrees/<name>"
        main_checkout = Path(dot_git.read_text().split(":", 1)[1].strip()).parents[2]
        if (main_checkout.parent / "shared").is_dir():
            return main_checkout.parent / "shared"
    return beside


SHARED = _shared_dir()
os.environ["PROCURE_SHARED_DIR"] = str(SHARED)   # the test modules read it when imported
pytest_plugins = ["tests.support.s3"]

# Property tests: new cases every run (never derandomised), more of them in CI. The seed is
# pytest-randomly's, printed in the header: `--randomly-seed=N` (or `--hypothesis-seed=N`)
# replays a run's order and its generated cases.
hypothesis_settings.register_profile(
    "dev", max_examples=60, deadline=None, database=None, derandomize=False, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
hypothesis_settings.register_profile("ci", parent=hypothesis_settings.get_profile("dev"),
                                     max_examples=250)
hypothesis_settings.register_profile("quick", parent=hypothesis_settings.get_profile("dev"),
                                     max_examples=10)   # `make mutants` runs the suite per mutant
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """One seed for the run: pytest-randomly's (or --hypothesis-seed), given to hypothesis."""
    from hypothesis import core
    if core.global_force_seed is None:
        seed = getattr(config.option, "randomly_seed", None)
        if not isinstance(seed, int):
            import random
            seed = random.SystemRandom().getrandbits(32)
        core.global_force_seed = seed


def pytest_report_header(config: pytest.Config) -> str:
    from hypothesis import core
    return (f"hypothesis: profile {HYPOTHESIS_PROFILE!r} "
            f"({hypothesis_settings.default.max_examples} examples), seed {core.global_force_seed}: "
            f"replay with --hypothesis-seed={core.global_force_seed}")


REFERENCE_TABLES = {"agency", "region", "area_office", "service_model", "procedure_rule",
                    "alembic_version"}


REQUIRE_FLAGS = ("PROCURE_REQUIRE_SERVICES", "PROCURE_REQUIRE_BROWSER")


def strict_flags() -> list[str]:
    """The require flags set: with any of them, nothing may skip (CI sets them all)."""
    return [flag for flag in REQUIRE_FLAGS if os.environ.get(flag) == "1"]


class Absent(pytest.skip.Exception):
    """A skip for something absent that no require flag asks for (the one skip strict runs allow)."""


def require_or_skip(condition: bool, why: str, require_env: str = "PROCURE_REQUIRE_SERVICES") -> None:
    """Skip with a message where something is absent, unless CI requires it (then fail)."""
    if condition:
        return
    if os.environ.get(require_env) == "1":
        pytest.fail(f"required ({require_env}=1): {why}", pytrace=False)
    raise Absent(f"{why} (with {require_env}=1 this fails)", allow_module_level=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """With a require flag set, any other skip (a skipif, a postgres-marked test on SQLite, a
    missing ../shared/pdfs) is a failure: nothing is left out of CI silently."""
    report = yield
    flags = strict_flags()
    if not (flags and report.skipped) or hasattr(report, "wasxfail"):
        return report
    if call.excinfo is not None and call.excinfo.errisinstance(Absent):
        return report
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped, but {' and '.join(flags)} require everything to run: {reason}"
    return report


def _postgres_database() -> Iterator[str]:
    import psycopg
    base = os.environ["PROCURE_TEST_DATABASE_URL"]
    name = f"procure_test_{uuid.uuid4().hex[:10]}"
    admin_url = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("PROCURE_TEST_DATABASE_URL"):
        yield from _postgres_database()
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "procure.sqlite3")


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    instance = tmp_path_factory.mktemp("instance")
    application = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
        "BASE_URL": "http://localhost",     # links in mail; the test client's host
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")), "INTAKE_IN_PROCESS": True,
        "REDIS_URL": "", "S3_BUCKET": "", "LOGIN_RATE_LIMIT": "10000 per minute",
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        # Factories change rows without recording them, which a kept public page would not see:
        # the public pages are made afresh in tests but test_public_cache.py's.
        "PUBLIC_PAGE_SECONDS": 0,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    })
    application.instance_path = str(instance)
    from procure.extensions import limiter
    # The one limiter takes the storage of the app made last: a test that makes another app
    # (Celery on Redis, S3, a proxy) would leave it on Redis, whose clock no test can move.
    # `wipe` points it back at this app's memory before each test.
    application.extensions["session_limits"] = (limiter._storage, limiter._limiter)
    from procure.cli import upgrade_database
    with application.app_context():
        upgrade_database()   # the migrations build the schema the tests run on
    yield application
    with application.app_context():
        db.engine.dispose()


def wipe(application) -> None:
    """Delete everything but the reference data (each test starts from the same state), and
    forget the rate limits' counts (ids and addresses repeat from test to test)."""
    from procure import public_cache
    from procure.extensions import limiter
    from procure.intake import jobs
    jobs.wait_for_idle()
    limiter._storage, limiter._limiter = application.extensions["session_limits"]
    limiter.reset()
    with application.app_context():
        public_cache.pages.clear()
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables)
                                  + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
            # the procedure rules are reference data an administrator (and a test) may change:
            # back to the seeded ones
            conn.execute(text("DELETE FROM procedure_rule"))
        from procure import reference
        reference.load(db.session)
        db.session.commit()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    wipe(application)
    yield
    wipe(application)


@pytest.fixture
def ctx(app) -> Iterator:
    """An app context; yields the session the use cases take."""
    with app.app_context():
        yield db.session
        db.session.rollback()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """The Flask test client as a person uses it: pages carry the CSRF token forms send back."""

    def __init__(self, app) -> None:
        self.app = app
        self.http = app.test_client()
        self.token: str | None = None

    def get(self, url: str, **kwargs):
        response = self.http.get(url, **kwargs)
        self._remember(response)
        return response

    def _remember(self, response) -> None:
        if response.mimetype == "text/html":
            found = CSRF_RE.search(response.get_data(as_text=True))
            if found:
                self.token = found.group(1)

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/login")
            data.setdefault("csrf_token", self.token)
        response = self.http.post(url, data=data, **kwargs)
        self._remember(response)
        return response

    def login(self, email: str, password: str = "correct-horse-battery"):
        self.get("/login")
        return self.post("/login", {"email": email, "password": password})

    def respond(self, solicitation_id: int, lot_id: int) -> str:
        """As a bidder: start (or find) the response to a lot from the RFR's page; its URL."""
        self.get(f"/solicitations/{solicitation_id}")
        started = self.post(f"/bidder/lots/{lot_id}/respond", {})
        assert started.status_code == 302, started.status_code
        return started.headers["Location"]

    def upload(self, response_url: str, data: bytes, name: str = "proposal.pdf",
               kind: str = "narrative", replaces: int | None = None):
        """Upload a file to a response from its page (or replace one of its documents)."""
        self.get(response_url)
        target = response_url + "/documents" + (f"/{replaces}" if replaces else "")
        return self.post(target, {"kind": kind, "file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data")


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def people(app):
    """One of everyone: admin, two officers, a panelist, two bidders of org A, one of org B."""
    from tests.support.factories import make_people
    with app.app_context():
        made = make_people(db.session)
        db.session.commit()
        return {key: user.id for key, user in made.items()}


@pytest.fixture
def login(app, people):
    """login("officer") -> a Client signed in as that person."""
    from tests.support.factories import EMAILS, PASSWORD

    def sign_in(who: str) -> Client:
        c = Client(app)
        if who != "anonymous":
            response = c.login(EMAILS[who], PASSWORD)
            assert response.status_code == 302, f"sign-in as {who} failed"
        return c
    return sign_in


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked postgres need PostgreSQL itself: skipped with a message on SQLite (a failure
    with a require flag set, see pytest_runtest_makereport)."""
    if os.environ.get("PROCURE_TEST_DATABASE_URL"):
        return
    for item in items:
        mark = item.get_closest_marker("postgres")
        if mark is not None:
            # a test may say what SQLite misses without it: pytest.mark.postgres(reason=...)
            missed = f" ({mark.kwargs['reason']})" if mark.kwargs.get("reason") else ""
            item.add_marker(pytest.mark.skip(
                reason=f"needs PostgreSQL: set PROCURE_TEST_DATABASE_URL (CI does){missed}"))
