"""Scale: the main pages and API lists with a long history, at two sizes, as their users.

Fills a fresh PostgreSQL database with the demo, then repeats the demo's procurements (every
solicitation with its lots, responses, documents, panels, scoresheets and scores, awards,
notices, contracts, encumbrances and draw-downs: every table that hangs from a solicitation)
`--copies` times, and appends a valid hash chain of audit events. Bulk loading: one
`INSERT ... SELECT ... FROM generate_series` per table (PostgreSQL copies the rows itself, keys
shifted per copy; nothing goes through the ORM) and COPY for the audit events (their hashes are
computed here). The same people keep every copy, so each person's lists grow with the history.

Two databases, the small size (1/100 of the copies and events) and the full size, each with its
app; each page is requested as its user through both apps (Flask's test client, PostgreSQL
underneath), the sizes taking turns request by request: the median of `--rounds` requests
after a warm one, and the SQL statements of one request. Prints each
page's times, large / small, and its query counts; then the audit-chain check (the job) at the
full size, and the peak RSS of a gunicorn worker that served every page at the full size.

    .venv/bin/python bench/scale.py [--copies 400] [--audit-events 100000] [--rounds 9]
                                    [--pages PATTERNS] [--keep]

The defaults are about 1/10 of issue 21's large history in responses, documents and audit
events (the demo's proportions give more solicitations and far fewer scores than the issue's:
the row counts are printed); it fills and runs in a few minutes here. `--copies 4000
--audit-events 1000000` is the full figure. Needs PostgreSQL on 127.0.0.1
(PROCURE_BENCH_DATABASE_URL for another server; it creates and drops its own database)."""

from __future__ import annotations

import argparse
import fnmatch
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEMO_PASSWORD = "procure-demo-2026"
WHO = {"officer": "officer@agency.example.org", "officer2": "officer2@agency.example.org",
       "panelist": "panelist@agency.example.org", "admin": "admin@agency.example.org",
       "bidder": "bidder@bridgeways.example.org"}
# Tables left as they are: the people, organisations and reference data every copy shares,
# and what is not part of a procurement's history (the audit chain is appended separately).
SHARED = {"audit_event", "audit_head", "audit_check", "outgoing_mail", "api_token",
          "scheduler_run"}


# ---------------------------------------------------------------- filling

def cloned_tables(metadata) -> list:
    """Every table that hangs from a solicitation (by its foreign keys), parents first."""
    cloned = {"solicitation"}
    grown = True
    while grown:
        grown = False
        for table in metadata.sorted_tables:
            if table.name not in cloned and table.name not in SHARED and any(
                    fk.column.table.name in cloned for fk in table.foreign_keys):
                cloned.add(table.name)
                grown = True
    return [t for t in metadata.sorted_tables if t.name in cloned]


def _target(column) -> str:
    """The table whose `id` this foreign key holds in the end: a key to a table keyed by a key
    of another (evaluation_plan's is its solicitation's id) is that other table's."""
    referenced = next(iter(column.foreign_keys)).column
    if referenced.name != "id" and referenced.foreign_keys:
        return _target(referenced)
    return referenced.table.name


def clone_statement(table, strides: dict[str, int], first: int, last: int) -> str:
    """INSERT copies first..last of the demo's rows of this table: integer keys shifted by
    copy x the table's stride, foreign keys to copied tables by their table's, unique words
    made unique."""
    unique_words = {c.name for c in table.columns
                    if c.name == "number" and c.type.python_type is str}
    columns, values = [], []
    for column in table.columns:
        name = f'"{column.name}"'
        columns.append(name)
        target = _target(column) if any(fk.column.table.name in strides
                                        for fk in column.foreign_keys) else None
        if column.primary_key and column.name == "id":
            values.append(f"{name} + k * {strides[table.name]}")
        elif target is not None:
            values.append(f"{name} + k * {strides[target]}")
        elif column.name == "public_id":
            values.append("gen_random_uuid()::text")
        elif column.name in unique_words:
            values.append(f"{name} || '-' || k")
        else:
            values.append(name)
    original = f'"id" < {strides[table.name]}' if "id" in table.columns and \
        table.columns["id"].primary_key else "true"
    if "id" not in table.columns or not table.columns["id"].primary_key:
        # keyed by its foreign keys: the demo's own rows are those whose keys are original
        keys = [c for c in table.columns if any(fk.column.table.name in strides
                                                  for fk in c.foreign_keys)]
        original = " AND ".join(
            f'("{c.name}" IS NULL OR "{c.name}" < {strides[_target(c)]})' for c in keys)
    return (f'INSERT INTO "{table.name}" ({", ".join(columns)}) SELECT {", ".join(values)} '
            f'FROM "{table.name}", generate_series({first}, {last}) AS k WHERE {original}')


def fill(connection, tables, strides, first: int, last: int) -> None:
    for table in tables:
        connection.exec_driver_sql(clone_statement(table, strides, first, last))
    for table in tables:
        if "id" in table.columns and table.columns["id"].autoincrement and \
                table.columns["id"].primary_key:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f"(SELECT max(id) FROM \"{table.name}\"))")


def append_audit(connection, events: int, solicitation_ids: list[int]) -> None:
    """A valid continuation of the chain: `events` events, each on one of the solicitations
    (so their trails grow), hashed as procure.audit does, loaded by COPY."""
    from procure import audit, clock

    seq, prev = connection.exec_driver_sql(
        "SELECT seq, hash FROM audit_head WHERE id = 1").one()
    at = clock.now() - timedelta(days=3650)
    raw = connection.connection.dbapi_connection
    with raw.cursor() as cursor:
        with cursor.copy("COPY audit_event (seq, at, actor_id, actor_label, entity_type, "
                         "entity_id, solicitation_id, event, from_state, to_state, reason, "
                         "data, prev_hash, hash) FROM STDIN") as copy:
            for i in range(events):
                sid = solicitation_ids[i % len(solicitation_ids)]
                event = SimpleNamespace(
                    seq=seq + 1, at=at + timedelta(seconds=i), actor_id=None,
                    actor_label="system (history)", entity_type="solicitation", entity_id=sid,
                    event="note", from_state=None, to_state=None, reason="", data={},
                    prev_hash=prev)
                event.hash = audit._digest(event)
                copy.write_row((event.seq, event.at, None, event.actor_label, "solicitation",
                                sid, sid, "note", None, None, "", "{}", prev, event.hash))
                seq, prev = event.seq, event.hash
    connection.exec_driver_sql("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1",
                               (seq, prev))


def counts(connection) -> dict[str, int]:
    names = ["solicitation", "lot", "response", "document", "scoresheet", "score", "contract",
             "draw_down", "audit_event", "organization"]
    return {n: connection.exec_driver_sql(f'SELECT count(*) FROM "{n}"').scalar() for n in names}


# ---------------------------------------------------------------- the pages

def pages(connection) -> list[tuple[str, str]]:
    """(who, url) for every main page and API list, on the demo's own procurements."""
    def one(sql: str) -> object:
        return connection.exec_driver_sql(sql).scalar()
    open_rfr = one("SELECT s.id FROM solicitation s JOIN lot l ON l.solicitation_id = s.id "
                   "WHERE s.status = 'published' GROUP BY s.id ORDER BY count(*) DESC LIMIT 1")
    evaluating = one("SELECT id FROM solicitation WHERE status = 'in_evaluation' ORDER BY id "
                     "LIMIT 1")
    awarded = one("SELECT id FROM solicitation WHERE status = 'awarded' ORDER BY id LIMIT 1")
    panel = one(f"SELECT public_id FROM panel WHERE solicitation_id = {evaluating} ORDER BY id "
                "LIMIT 1")
    return [
        ("anonymous", "/health"),        # constant work: the noise between the sizes
        ("anonymous", "/"), ("anonymous", "/?q=Springfield"),
        # a number found in few (copy 4 of RFR-014; copies 4, 40-49 and 400 at the large size)
        # and a word found nowhere: served by the trigram indexes, never a walk of the list
        ("anonymous", "/?q=RFR-014-4"), ("anonymous", "/?q=Nantucket"),
        ("anonymous", f"/solicitations/{open_rfr}"),
        ("anonymous", f"/solicitations/{awarded}/awards"),
        ("officer", "/officer/"), ("officer", f"/officer/solicitations/{evaluating}/responses"),
        ("officer", f"/officer/solicitations/{awarded}/audit"),
        ("officer", f"/awards/solicitations/{awarded}"), ("officer", "/contracts"),
        ("bidder", "/bidder/"), ("bidder", "/awards/notices"), ("bidder", "/contracts/mine"),
        ("panelist", "/evaluation/mine"), ("officer2", f"/evaluation/panels/{panel}"),
        ("admin", "/admin/audit"),
        ("anonymous", "/api/v1/solicitations/"),
        ("anonymous", "/api/v1/solicitations/?q=Springfield"),
        ("anonymous", f"/api/v1/solicitations/{awarded}/ocds"),
        ("officer", "/api/v1/contracts"),
        ("officer", f"/api/v1/solicitations/{evaluating}/responses"),
        ("officer", f"/api/v1/solicitations/{awarded}/audit"),
        ("bidder", "/api/v1/responses/"), ("bidder", "/api/v1/organization/contracts"),
        ("panelist", "/api/v1/evaluation/panels"), ("panelist", "/api/v1/evaluation/scoresheets"),
    ]


def tokens(app) -> dict[str, str]:
    """An API token for each person (the API reads bearer tokens, not the session)."""
    from procure import accounts
    from procure.extensions import db
    from procure.models import User
    with app.app_context():
        made = {who: accounts.issue_token(db.session, db.session.scalar(
            db.select(User).where(User.email == email)), "scale bench")
            for who, email in WHO.items()}
        db.session.commit()
    return made


def _headers(who: str, url: str, bearer: dict[str, str]) -> dict[str, str]:
    if who == "anonymous" or not url.startswith("/api/"):
        return {}
    return {"Authorization": f"Bearer {bearer[who]}"}


def measure(apps: dict, pages_of: dict, rounds: int, bearer: dict) -> dict:
    """(size, page number) -> (median ms, SQL statements, status) as its user, through each
    size's app (`pages_of[size]`: the same pages, in each database's ids). The sizes take turns
    request by request, so a change in the machine's load falls on both."""
    from sqlalchemy import event

    from procure.extensions import db
    from tests.conftest import Client

    statements: list[list] = []     # [statement, ms] of the counted request

    def count(conn, cursor, statement, *args):
        statements.append([statement, time.perf_counter()])

    def took(conn, cursor, statement, *args):
        if statements and statements[-1][0] == statement:
            statements[-1][1] = (time.perf_counter() - statements[-1][1]) * 1000
    clients, engines = {}, {}
    for size, app in apps.items():
        with app.app_context():
            engines[size] = db.engine
        for who in {w for w, _ in pages_of[size]}:
            client = Client(app)
            if who != "anonymous":
                assert client.login(WHO[who], DEMO_PASSWORD).status_code == 302, who
            clients[size, who] = client
    found = {}
    for number, (who, _) in enumerate(pages_of["small"]):
        times: dict[str, list[float]] = {size: [] for size in apps}
        for size in apps:
            url = pages_of[size][number][1]
            client, headers = clients[size, who], _headers(who, url, bearer[size])
            client.get(url, headers=headers)         # warm
            statements.clear()
            event.listen(engines[size], "before_cursor_execute", count)
            event.listen(engines[size], "after_cursor_execute", took)
            try:
                status = client.get(url, headers=headers).status_code
            finally:
                event.remove(engines[size], "before_cursor_execute", count)
                event.remove(engines[size], "after_cursor_execute", took)
            slowest = sorted(statements, key=lambda pair: -pair[1])[:3]
            found[size, number] = [0.0, len(statements), status,
                                   sum(ms for _, ms in statements), slowest]
        for _ in range(rounds):
            for size in apps:
                url = pages_of[size][number][1]
                client, headers = clients[size, who], _headers(who, url, bearer[size])
                start = time.perf_counter()
                client.get(url, headers=headers)
                times[size].append((time.perf_counter() - start) * 1000)
        for size in apps:
            found[size, number][0] = statistics.median(times[size])
    return found


def _parent(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def worker_peak_rss(env: dict, work: Path, urls, bearer: dict[str, str]) -> int:
    """Serve with gunicorn (gunicorn.conf.py, one worker), request every page as its user,
    return the worker's peak resident set (VmHWM, bytes)."""
    import http.cookiejar
    import re
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "1",
         "--threads", "4", "-b", f"127.0.0.1:{port}", "--timeout", "300"],
        env=env, cwd=work, stdout=(work / "gunicorn.log").open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        token = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
        for who in sorted({w for w, _ in urls}):
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            if who != "anonymous":
                page = opener.open(base + "/login", timeout=300).read().decode()
                data = urllib.parse.urlencode({"csrf_token": token.search(page).group(1),
                                               "email": WHO[who], "password": DEMO_PASSWORD})
                opener.open(base + "/login", data.encode(), timeout=300).read()
            for w, url in urls:
                if w == who:
                    try:
                        opener.open(urllib.request.Request(
                            base + url, headers=_headers(who, url, bearer)), timeout=300).read()
                    except urllib.error.HTTPError as error:
                        print(f"  gunicorn: {url} answered {error.code}")
        children = [p.name for p in Path("/proc").iterdir() if p.name.isdigit()
                    and _parent(p) == server.pid]
        peak = 0
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        return peak
    finally:
        server.terminate()
        server.wait(30)


# ---------------------------------------------------------------- the run

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=400,
                        help="times the demo's procurements are repeated at the full size "
                             "(400: about 1/10 of issue 21's responses and documents)")
    parser.add_argument("--audit-events", type=int, default=100_000,
                        help="audit events appended at the full size (1/100 at the small)")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--pages", default="",
                        help="measure only the pages whose URL matches one of these "
                             "comma-separated fnmatch patterns ('?' is any one character: "
                             "write '[?]'; '/,/[?]q=*,/api/v1/solicitations/,/api/v1/"
                             "solicitations/[?]*' is home, the searches and the API's list); "
                             "then the audit-chain check and the gunicorn worker are skipped")
    parser.add_argument("--keep", action="store_true",
                        help="keep the two databases afterwards (their URLs are printed; "
                             "drop them yourself) to EXPLAIN the pages' statements")
    args = parser.parse_args()
    wanted = [w for w in args.pages.split(",") if w]
    sizes = {"small": (max(1, args.copies // 100), args.audit_events // 100),
             "large": (args.copies, args.audit_events)}

    import psycopg
    admin_url = os.environ.get("PROCURE_BENCH_DATABASE_URL",
                               "postgresql://postgres@127.0.0.1:5432/postgres")
    names = {size: f"procure_scale_{size}_{uuid.uuid4().hex[:8]}" for size in sizes}
    urls_of = {size: admin_url.rsplit("/", 1)[0] + "/" + name for size, name in names.items()}
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    work = Path(tempfile.mkdtemp(prefix="procure-scale-"))
    env = {**os.environ, "PROCURE_INSTANCE_PATH": str(work),
           "PROCURE_UPLOAD_FOLDER": str(work / "uploads"), "PROCURE_SECRET_KEY": "scale",
           "PROCURE_LOGIN_RATE_LIMIT": "100000 per minute", "PROCURE_TICK_SECONDS": "3600",
           "PROCURE_BASE_URL": "http://127.0.0.1",
           # every page made as it is asked for: a kept public page costs the same at any size
           "PROCURE_PUBLIC_PAGE_SECONDS": "0"}
    os.environ.update(env)
    apps: dict = {}
    pages_of: dict = {}
    try:
        from procure import audit_check, create_app, demo
        from procure.cli import upgrade_database
        from procure.extensions import db
        from procure.intake import jobs
        from procure.models import AuditCheck, Base, User

        tables = cloned_tables(Base.metadata)
        for size, (copies, events) in sizes.items():
            app = apps[size] = create_app({"DATABASE_URL": urls_of[size]})
            began = time.perf_counter()
            with app.app_context():
                upgrade_database()
                demo.load()
                jobs.wait_for_idle(600)
                db.session.commit()
            with app.app_context(), db.engine.begin() as connection:
                strides = {t.name: (connection.exec_driver_sql(
                    f'SELECT coalesce(max(id), 0) + 1 FROM "{t.name}"').scalar()
                    if "id" in t.columns and t.columns["id"].primary_key else 0) for t in tables}
                pages_of[size] = pages(connection)      # the demo's own procurements
                fill(connection, tables, strides, 1, copies)
                ids = [r[0] for r in connection.exec_driver_sql(
                    "SELECT id FROM solicitation ORDER BY id")]
                append_audit(connection, events, ids)
            with app.app_context(), db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT") \
                    .exec_driver_sql("VACUUM ANALYZE")
                rows = counts(connection)
            print(f"{size}: the demo and {copies} copies of its procurements, {events:,} more "
                  f"audit events, in {time.perf_counter() - began:.0f} s: "
                  + ", ".join(f"{k} {v:,}" for k, v in rows.items()))

        if wanted:
            chosen = [n for n, (_, url) in enumerate(pages_of["small"])
                      if any(fnmatch.fnmatchcase(url, w) for w in wanted)]
            pages_of = {size: [urls[n] for n in chosen] for size, urls in pages_of.items()}
        bearer = {size: tokens(app) for size, app in apps.items()}
        found = measure(apps, pages_of, args.rounds, bearer)

        print(f"\nmedian of {args.rounds} requests per page and size, the sizes taking turns\n")
        print("| page (as) | small ms | large ms | large / small | queries small -> large | "
              "ms in SQL small -> large (one request) |")
        print("| --- | --- | --- | --- | --- | --- |")
        over = []
        for number, (who, url) in enumerate(pages_of["small"]):
            (s_ms, s_q, s_status, s_sql, _), (l_ms, l_q, l_status, l_sql, slowest) = (
                found["small", number], found["large", number])
            flag = "" if s_status == l_status == 200 else f" (status {s_status}/{l_status})"
            print(f"| `{url}` ({who}){flag} | {s_ms:.1f} | {l_ms:.1f} | {l_ms / s_ms:.2f} | "
                  f"{s_q} -> {l_q} | {s_sql:.1f} -> {l_sql:.1f} |")
            if l_ms / s_ms > 1.5:
                over.append((url, slowest))
        print("\nthe slowest statements at the large size of each page over 1.5 (one request):")
        for url, slowest in over:
            print(f"\n{url}")
            for statement, ms in slowest:
                text = " ".join(statement.split())
                cut = text.find(" FROM ")      # the columns say little: where it reads
                print(f"  {ms:7.1f} ms  {text[:30] + ' ...' + text[cut:] if cut > 0 else text}"
                      [:400])
        if wanted:
            return

        app = apps["large"]
        with app.app_context():
            admin = db.session.scalar(db.select(User).where(User.email == WHO["admin"]))
            check = audit_check.ask(db.session, admin)
            db.session.commit()
            began = time.perf_counter()
            audit_check.run(check.id)
            seconds = time.perf_counter() - began
            done = db.session.get(AuditCheck, check.id)
            print(f"\naudit-chain check (the job, in this process), large: "
                  f"{done.events_checked:,} events in {seconds:.1f} s "
                  f"({done.events_checked / seconds:,.0f} events/s), intact: {done.intact}")
        with open(f"/proc/{os.getpid()}/status") as status:
            bench_peak = next(int(line.split()[1]) for line in status
                              if line.startswith("VmHWM:"))
        print(f"peak RSS of this process (both apps in-process, every page, the check): "
              f"{bench_peak / 1024:.0f} MiB")
        peak = worker_peak_rss({**env, "PROCURE_DATABASE_URL": urls_of["large"]}, work,
                               pages_of["large"], bearer["large"])
        print(f"peak RSS of the gunicorn worker (1 worker x 4 threads) after serving every page "
              f"at the large size: {peak / 2**20:.0f} MiB")
    finally:
        for app in apps.values():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        if args.keep:
            print("\nkept: " + ", ".join(f"{size} {url}" for size, url in urls_of.items()))
        else:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                for name in names.values():
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
