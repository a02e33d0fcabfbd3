"""Where one request's time goes: the main read pages (and the cheapest pages of this app,
bench/floor_app.py) through Flask's test client on the demo, and one bidder's submission.

For each page: CPU milliseconds per request (the process's CPU time, so other work on the
machine counts little; the best and the median of `--rounds` rounds), SQL statements per request,
and a cProfile of `--requests` requests: its own time grouped by library (the SQL driver,
SQLAlchemy, Jinja and markupsafe, WTForms, marshmallow and flask-smorest, Flask and Werkzeug,
the other extensions, this service's code) and the inclusive time of the steps a request goes
through (the before-request hooks, the view, SQL, rendering, serialising, the session cookie).
`--tree PAGE` prints pyinstrument's call tree of that page instead (pyinstrument must be in the
venv: `pip install pyinstrument`; "submit" for the submission).

    .venv/bin/python bench/profile_pages.py [--postgres] [--rounds 5] [--requests 50]
        [--tree PAGE]

The submission: a bidder's draft with one parsed PDF, submitted through the page's form post
(`/bidder/responses/<id>/events/submit`: the audit head lock, the receipt's hashes, the mail
queued), each of `--submissions` bidders once."""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LIBRARIES = [   # (a piece of a function's file name, the group its own time counts to)
    ("sqlite3", "SQL driver"), ("psycopg", "SQL driver"), ("/sqlalchemy/", "SQLAlchemy"),
    ("/flask_sqlalchemy/", "SQLAlchemy"), ("/jinja2/", "Jinja + markupsafe"),
    ("/markupsafe/", "Jinja + markupsafe"), ("/templates/", "Jinja + markupsafe"),
    ("/wtforms/", "WTForms + Flask-WTF"), ("/flask_wtf/", "WTForms + Flask-WTF"),
    ("/marshmallow/", "marshmallow + smorest"), ("/flask_smorest/", "marshmallow + smorest"),
    ("/webargs/", "marshmallow + smorest"), ("/apispec/", "marshmallow + smorest"),
    ("/flask_login/", "extensions (login, limiter, bootstrap, prometheus)"),
    ("/flask_limiter/", "extensions (login, limiter, bootstrap, prometheus)"),
    ("/limits/", "extensions (login, limiter, bootstrap, prometheus)"),
    ("/flask_bootstrap/", "extensions (login, limiter, bootstrap, prometheus)"),
    ("/prometheus_client/", "extensions (login, limiter, bootstrap, prometheus)"),
    ("/itsdangerous/", "Flask + Werkzeug"), ("/flask/", "Flask + Werkzeug"),
    ("/werkzeug/", "Flask + Werkzeug"), ("/argon2/", "password hashing"),
    ("/procure/", "this service's code"), ("hashlib", "hashing"), ("_sha", "hashing"),
]
STEPS = [   # (function, file piece, what it is): inclusive time
    ("preprocess_request", "flask/app.py", "before-request hooks (limiter, gate, CSRF)"),
    ("_load_user", "flask_login", "flask-login: loading the user"),
    ("open_session", "sessions.py", "session cookie: reading"),
    ("save_session", "sessions.py", "session cookie: writing"),
    ("dispatch_request", "flask/app.py", "the view (all of it)"),
    ("_execute_internal", "orm/session.py", "SQL through the ORM (with loading rows)"),
    ("_execute_context", "engine/base.py", "SQL in the engine (compile cache, driver)"),
    ("render_template", "flask/templating.py", "rendering the template (with lazy loads)"),
    ("dump", "marshmallow/schema.py", "marshmallow: dumping"),
    ("process_response", "flask/app.py", "after-request hooks (headers, metrics)"),
    ("do_teardown_appcontext", "flask/app.py", "teardown (the session returned to the pool)"),
]


def _group(filename: str, name: str) -> str:
    where = filename + " " + name
    for piece, group in LIBRARIES:
        if piece in where:
            return group
    return "Python built-ins and other libraries"


def _profile(run, count: int) -> dict[str, float]:
    """cProfile of `count` calls of run() on the process's CPU clock: ms a call, by library and
    by step."""
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(count):
        run()
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    own: dict[str, float] = defaultdict(float)
    steps: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, name), (_cc, _nc, tottime, cumtime, _callers) in stats.items():
        own[_group(filename, name)] += tottime
        total += tottime
        for function, piece, label in STEPS:
            if name == function and piece in filename:
                steps[label] += cumtime
    result = {f"own: {k}": v * 1000 / count for k, v in own.items()}
    result.update({f"step: {k}": v * 1000 / count for k, v in steps.items()})
    result["profiled total"] = total * 1000 / count
    return result


def _counting(engine):
    from sqlalchemy import event
    count = [0]

    def seen(*_args) -> None:
        count[0] += 1
    event.listen(engine, "before_cursor_execute", seen)
    return count


def _tree(run, count: int) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("--tree needs pyinstrument in the venv: .venv/bin/pip install "
                         "pyinstrument") from None
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(count):
        run()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, time="percent_of_total"))


def _report(name: str, cpu: list[float], queries: float, profile: dict[str, float]) -> None:
    print(f"\n### {name}\n\nCPU {min(cpu):.2f} ms a request at best, "
          f"{statistics.median(cpu):.2f} median; {queries:g} SQL statements\n")
    # cProfile slows each call (SQLAlchemy's many small ones most): shares of the profiled
    # time, and those shares of the CPU time measured without it.
    total = profile.pop("profiled total")
    print("| where (cProfile) | share | ~ms of the best |")
    print("| --- | --- | --- |")
    for key, value in sorted(profile.items(), key=lambda kv: (not kv[0].startswith("step"),
                                                              -kv[1])):
        if value / total >= 0.01:
            print(f"| {key} | {value / total:.0%} | {min(cpu) * value / total:.2f} |")


def pages(app, args) -> None:
    from sqlalchemy import select

    from procure.extensions import db
    from procure.models import Solicitation, SolicitationStatus
    with app.app_context():
        rfr = db.session.scalar(select(Solicitation.id).where(
            Solicitation.status == SolicitationStatus.published).order_by(Solicitation.id))
        awarded = db.session.scalar(select(Solicitation.id).where(
            Solicitation.status == SolicitationStatus.awarded))
        count = _counting(db.engine)
    paths = {"/health": "/health", "floor: base.html": "/_floor/page",
             "floor: base.html + 10 queries": "/_floor/page10", "home": "/",
             "RFR page": f"/solicitations/{rfr}", "awards page": f"/solicitations/{awarded}/awards",
             "API list": "/api/v1/solicitations/", "API item": f"/api/v1/solicitations/{rfr}",
             "OCDS package": f"/api/v1/solicitations/{awarded}/ocds"}
    client = app.test_client()
    for path in paths.values():
        for _ in range(3):
            assert client.get(path).status_code == 200, path
    if args.tree:
        path = paths[args.tree]
        _tree(lambda: client.get(path), args.requests)
        return
    cpu: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, float] = {}
    for _ in range(args.rounds):       # the pages take turns: the machine's load falls on each
        for name, path in paths.items():
            count[0] = 0
            started = time.process_time()
            for _ in range(args.requests):
                client.get(path)
            cpu[name].append((time.process_time() - started) * 1000 / args.requests)
            queries[name] = count[0] / args.requests
    for name, path in paths.items():
        _report(f"{name} `{path}`", cpu[name], queries[name],
                _profile(lambda p=path: client.get(p), args.requests))


def submissions(app, args) -> None:
    """`--submissions` bidders each with a draft holding one parsed PDF; each submits once."""
    from sqlalchemy import select

    from procure import accounts, clock
    from procure.extensions import db
    from procure.intake import jobs
    from procure.models import Response, Role, SupplierDiversity
    from procure.workflows import solicitation as flow
    from tests.support.factories import draft_rfr
    from tests.support.pdfs import complete_response

    password = "profile-password-2026"
    n = args.submissions + 3
    with app.app_context():
        officer = accounts.create_user(db.session, email="officer@profile.example.org",
                                       name="Officer", password=password, role=Role.officer)
        with clock.pinned(clock.now() - timedelta(days=31)):
            rfr = draft_rfr(db.session, officer, days_open=60)
            flow.publish(db.session, rfr, officer)
        for i in range(n):
            accounts.register_organization(
                db.session, legal_name=f"Profile Provider {i:03d}", fein=f"77-{i:07d}",
                address="1 Main St", contact_phone="", diversity=SupplierDiversity.none,
                name=f"Bidder {i}", email=f"bidder{i:03d}@profile.example.org",
                password=password)
        db.session.commit()
        lot_id = rfr.lots[0].id
    pdf = complete_response()
    clients, paths = [], []
    for i in range(n):
        client = app.test_client()
        token = _token(client, "/login")
        client.post("/login", data={"email": f"bidder{i:03d}@profile.example.org",
                                    "password": password, "csrf_token": token})
        token = _token(client, f"/solicitations/{rfr.id}")
        answer = client.post(f"/bidder/lots/{lot_id}/respond", data={"csrf_token": token})
        path = urllib.parse.urlparse(answer.headers["Location"]).path
        answer = client.post(path + "/documents", data={
            "kind": "narrative", "file": (io.BytesIO(pdf), "bid.pdf"), "csrf_token": token})
        assert answer.status_code in (200, 302), answer.get_data(as_text=True)[:300]
        clients.append((client, token))
        paths.append(path)
    with app.app_context():
        jobs.wait_for_idle(600)
        count = _counting(db.engine)
    for (client, _), path in zip(clients, paths):
        client.get(path)    # the page with the form, as a bidder has it open
    posts = [(client, token, path) for (client, token), path in zip(clients, paths)]
    for _ in range(3):      # warm
        _submit_next(posts)
    rest = posts[3:]
    if args.tree:
        _tree(lambda: _submit_next(rest), len(rest))
        return
    count[0] = 0
    half = len(rest) // 2
    started = time.process_time()
    for _ in range(half):
        _submit_next(rest)
    cpu = (time.process_time() - started) * 1000 / half
    queries = count[0] / half
    profile = _profile(lambda: _submit_next(rest), len(rest))
    with app.app_context():
        submitted = db.session.scalar(select(db.func.count()).select_from(Response).where(
            Response.submitted_at.is_not(None)))
    _report(f"a submission `POST .../events/submit` ({submitted} submitted in all)", [cpu],
            queries, profile)


def _token(client, path: str) -> str:
    """The CSRF token of the forms on a page, as a browser has it."""
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"no form on {path}"
    return found.group(1)


def _submit_next(posts: list) -> None:
    client, token, path = posts.pop(0)
    answer = client.post(path + "/events/submit", data={"csrf_token": token})
    assert answer.status_code == 302 and "/receipt" in answer.headers["Location"], \
        answer.get_data(as_text=True)[:500]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50, help="requests a page a round")
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--tree", metavar="PAGE", help="pyinstrument's tree of one page "
                        "(its name as printed: home, RFR page, OCDS package...; submit)")
    args = parser.parse_args()
    from throughput import create_database, drop_database

    work = Path(tempfile.mkdtemp(prefix="procure-profile-"))
    env = {"PROCURE_INSTANCE_PATH": str(work), "PROCURE_UPLOAD_FOLDER": str(work / "uploads"),
           "PROCURE_SECRET_KEY": "profile", "PROCURE_TICK_SECONDS": "3600",
           "PROCURE_PUBLIC_PAGE_SECONDS": "0",     # the pages' own cost, not a kept copy's
           "PROCURE_BASE_URL": "http://127.0.0.1", "PROCURE_LOGIN_RATE_LIMIT": "10000 per minute",
           "PROCURE_UPLOAD_RATE_LIMIT": "10000 per hour", "PROCURE_PASSWORD_HASH_PROFILE":
           "CHEAPEST"}
    database = create_database("procure_profile") if args.postgres else None
    if database is not None:
        env["PROCURE_DATABASE_URL"] = database[1]
    os.environ.update(env)
    try:
        from floor_app import with_floor_pages

        from procure import create_app, demo
        from procure.cli import upgrade_database
        from procure.extensions import db
        from procure.intake import jobs

        app = with_floor_pages(create_app())
        with app.app_context():
            upgrade_database()
            demo.load()
            jobs.wait_for_idle(600)
            db.session.commit()
        print(f"{'PostgreSQL' if args.postgres else 'SQLite'}, the demo; Flask's test client "
              f"in one process; {args.rounds} rounds of {args.requests} requests a page")
        if args.tree != "submit":
            pages(app, args)
        if args.tree in (None, "submit"):
            submissions(app, args)
    finally:
        if database is not None:
            drop_database(database[0])


if __name__ == "__main__":
    main()
