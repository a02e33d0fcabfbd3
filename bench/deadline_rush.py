"""Deadline rush: N bidders submit in the last seconds before an RFR's deadline, some just
after, against the service under gunicorn with several workers (PostgreSQL by default).

Afterwards every submission the service accepted is stored with its SHA-256, was received
before the deadline, and none after it was accepted. Prints the counts and the throughput.

    .venv/bin/python bench/deadline_rush.py [--bidders 200] [--workers 4] [--late 0.2]

Needs PostgreSQL on 127.0.0.1 (PROCURE_BENCH_DATABASE_URL to use another server; it creates and
drops its own database). All traffic stays on the loopback interface; every loop is bounded."""

from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import io
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "rush-password-2026"
PREPARE_SECONDS = float(os.environ.get("PROCURE_RUSH_PREPARE_SECONDS", "0.75"))  # per bidder
                                                   # (more on a loaded machine)


class Bidder:
    """One bidder's browser: cookies, CSRF token, form posts over HTTP on loopback."""

    def __init__(self, base: str, email: str) -> None:
        self.base, self.email = base, email
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect())
        self.token, self.received_at = "", ""

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as r:
                body = r.read().decode()
                status = r.status
        except urllib.error.HTTPError as e:
            body, status = e.read().decode(errors="replace"), e.code
        found = CSRF.search(body)
        if found:
            self.token = found.group(1)
        return status, body

    def post(self, path: str, data: dict | None = None, files: dict | None = None):
        fields = {"csrf_token": self.token, **(data or {})}
        if files:
            boundary = uuid.uuid4().hex
            body = io.BytesIO()
            for k, v in fields.items():
                body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\""
                           f"\r\n\r\n{v}\r\n".encode())
            for k, (name, content) in files.items():
                body.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; "
                           f"filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n".encode())
                body.write(content + b"\r\n")
            body.write(f"--{boundary}--\r\n".encode())
            payload, ctype = body.getvalue(), f"multipart/form-data; boundary={boundary}"
        else:
            payload = urllib.parse.urlencode(fields).encode()
            ctype = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=payload,
                                         headers={"Content-Type": ctype})
        try:
            with self.opener.open(request, timeout=60) as r:
                self.received_at = r.headers.get("X-Received-At", "")
                return r.status, r.headers.get("Location", ""), r.read().decode()
        except urllib.error.HTTPError as e:
            self.received_at = e.headers.get("X-Received-At", "")
            return e.code, e.headers.get("Location", ""), e.read().decode(errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--late", type=float, default=0.2, help="share aiming after the deadline")
    parser.add_argument("--window", type=float, default=6.0, help="seconds of rush before it")
    parser.add_argument("--worker-class", default="", help="gunicorn's -k instead of the "
                        "gunicorn.conf.py worker (e.g. gthread: no arrival time, for comparison)")
    args = parser.parse_args()

    import psycopg
    admin_url = os.environ.get("PROCURE_BENCH_DATABASE_URL",
                               "postgresql://postgres@127.0.0.1:5432/postgres")
    db_name = f"procure_rush_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    db_url = admin_url.rsplit("/", 1)[0] + "/" + db_name
    work = Path(tempfile.mkdtemp(prefix="procure-rush-"))
    env = {**os.environ, "PROCURE_DATABASE_URL": db_url, "PROCURE_INSTANCE_PATH": str(work),
           "PROCURE_UPLOAD_FOLDER": str(work / "uploads"), "PROCURE_SECRET_KEY": "rush",
           "PROCURE_PASSWORD_HASH_PROFILE": "CHEAPEST",
           "PROCURE_LOGIN_RATE_LIMIT": "100000 per minute", "PROCURE_TICK_SECONDS": "3600",
           "PROCURE_BASE_URL": "http://127.0.0.1"}   # a deployment names its address (loopback)
    os.environ.update(env)
    server = None
    try:
        deadline, lot_id, rfr_id = setup(args.bidders)
        port = free_port()
        server = subprocess.Popen(
            # the service's own gunicorn.conf.py (its worker notes when each request arrived),
            # with this run's workers, threads and port
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "-w", str(args.workers), "--threads", "8", "-b", f"127.0.0.1:{port}",
             "--timeout", "120", *(["-k", args.worker_class] if args.worker_class else [])],
            env=env, cwd=work,
            stdout=(work / "gunicorn.log").open("w"), stderr=subprocess.STDOUT)
        print(f"gunicorn log: {work / 'gunicorn.log'}")
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        run(base, deadline, lot_id, rfr_id, args)
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def setup(n: int):
    """The RFR (published 31 days ago, due in a few minutes) and n bidder organisations."""
    from procure import accounts, clock, create_app
    from procure.cli import upgrade_database
    from procure.extensions import db
    from procure.models import Role, SupplierDiversity
    from procure.workflows import solicitation as flow
    from tests.support.factories import draft_rfr

    app = create_app()
    with app.app_context():
        upgrade_database()
        officer = accounts.create_user(db.session, email="officer@rush.example.org",
                                       name="Officer", password=PASSWORD, role=Role.officer)
        deadline = clock.now() + timedelta(seconds=60 + n * PREPARE_SECONDS)  # upload and read
        with clock.pinned(clock.now() - timedelta(days=31)):
            rfr = draft_rfr(db.session, officer, days_open=30)
        flow.update(db.session, rfr, officer, deadline=deadline)
        with clock.pinned(clock.now() - timedelta(days=31)):
            flow.publish(db.session, rfr, officer)
        for i in range(n):
            accounts.register_organization(
                db.session, legal_name=f"Rush Provider {i:03d}", fein=f"{10 + i // 10**7:02d}-{i:07d}",
                address="1 Main St", contact_phone="", diversity=SupplierDiversity.none,
                name=f"Bidder {i}", email=f"bidder{i:03d}@rush.example.org", password=PASSWORD)
        db.session.commit()
        return rfr.deadline, rfr.lots[0].id, rfr.id


def run(base: str, deadline, lot_id: int, rfr_id: int, args) -> None:
    from procure import clock
    from tests.support.pdfs import complete_response

    pdf = complete_response()
    digest = hashlib.sha256(pdf).hexdigest()
    bidders = [Bidder(base, f"bidder{i:03d}@rush.example.org") for i in range(args.bidders)]

    def prepare(b: Bidder) -> str:
        b.get("/login")
        b.post("/login", {"email": b.email, "password": PASSWORD})
        b.get(f"/solicitations/{rfr_id}")
        status, location, _ = b.post(f"/bidder/lots/{lot_id}/respond")
        path = urllib.parse.urlparse(location).path
        b.get(path)
        b.post(path + "/documents", {"kind": "narrative"}, files={"file": ("bid.pdf", pdf)})
        return path

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        paths = list(pool.map(prepare, bidders))
    prepared = time.monotonic() - started
    # Wait (bounded) until every upload is read, so submissions are not refused for that.
    waiting = list(zip(bidders, paths))
    for _ in range(600):
        waiting = [(b, p) for b, p in waiting
                   if re.search(r'data-status="(queued|parsing)"', b.get(p)[1])]
        if not waiting:
            break
        time.sleep(0.5)
    read = sum('data-status="parsed"' in b.get(p)[1] for b, p in zip(bidders, paths))
    print(f"uploads read before the rush: {read} of {len(bidders)} "
          f"(still waiting {len(waiting)}, rejected {len(bidders) - read - len(waiting)})")

    rng = random.Random(2026)
    window = timedelta(seconds=args.window)
    targets = [deadline + timedelta(seconds=rng.uniform(0.05, 2.0)) if rng.random() < args.late
               else deadline - window + timedelta(seconds=rng.uniform(0, args.window - 0.05))
               for _ in bidders]
    outcomes: list[tuple[str, int, float, float, float | None]] = [None] * len(bidders)  # type: ignore
    unexpected: list[str] = []

    def submit(i: int) -> None:
        b, path = bidders[i], paths[i]
        b.get(path)
        pause = (targets[i] - clock.now()).total_seconds()
        if pause > 0:
            time.sleep(pause)
        sent = clock.now()
        status, location, body = b.post(path + "/events/submit")
        received = datetime.fromisoformat(b.received_at) if b.received_at else None
        outcomes[i] = (path, status, (sent - deadline).total_seconds(),
                       (clock.now() - deadline).total_seconds(),
                       (received - deadline).total_seconds() if received else None)
        if status not in (302, 409) or (status == 409 and (received is None or received < deadline)):
            found = re.search(r'<p class="lead">(.*?)</p>', body, re.S)
            unexpected.append(f"{status}: {found.group(1).strip() if found else body[:200]}")

    if (deadline - window - clock.now()).total_seconds() < 5:
        print("warning: preparation ran into the rush window; use fewer bidders or later deadline")
    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(bidders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    rush_seconds = max(o[3] for o in outcomes) - min(o[2] for o in outcomes)
    for answer in sorted(set(unexpected)):
        print(f"unexpected answer x{unexpected.count(answer)}: {answer}")
    check(outcomes, deadline, digest, prepared, rush_seconds, args)


def check(outcomes, deadline, digest, prepared, rush_seconds, args) -> None:
    from sqlalchemy import select

    from procure import create_app
    from procure.extensions import db
    from procure.storage import store_from_config
    from procure.models import Response

    app = create_app()
    accepted = refused = lost = wrongly_accepted = other = queued_late = 0
    with app.app_context():
        store = store_from_config(app.config)
        for path, status, sent, answered, received in outcomes:
            response = db.session.scalar(select(Response).where(   # named by its public id
                Response.public_id == path.rsplit("/", 1)[1]))
            receipt = response.last_receipt
            if status == 302:
                accepted += 1
                ok = (receipt is not None and receipt.submitted_at < deadline
                      and all(f["sha256"] == digest for f in receipt.files)
                      and hashlib.sha256(store.open(digest).read()).hexdigest() == digest)
                if not ok:
                    lost += 1
                if received is None or received >= 0:   # the service got it after the deadline
                    wrongly_accepted += 1
            elif status == 409 and received is not None and received >= 0:
                refused += 1      # received after the deadline by the service's clock
                queued_late += sent < 0
                if receipt is not None:
                    lost += 1   # refused to the bidder but recorded: never allowed either
            else:
                other += 1
        stored = db.session.scalars(select(Response).where(Response.submitted_at.is_not(None))).all()
        late_in_db = sum(1 for r in stored if r.submitted_at >= deadline)
    sent_before = sum(1 for o in outcomes if o[2] < 0)
    print(f"bidders {len(outcomes)}, gunicorn workers {args.workers}; "
          f"uploads prepared in {prepared:.1f} s")
    print(f"sent before the deadline {sent_before}, after {len(outcomes) - sent_before}")
    print(f"accepted {accepted}, refused (late) {refused}, other answers {other}, "
          f"lost {lost}, accepted after the deadline {wrongly_accepted + late_in_db}")
    print(f"of the refused, sent before the deadline but received after it (queued in the "
          f"server under the load): {queued_late}")
    latencies = sorted(answered - sent for _, _, sent, answered, _ in outcomes)
    print(f"throughput: {len(outcomes) / rush_seconds:.1f} submissions/s over {rush_seconds:.1f} s; "
          f"answer time p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
          f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    if lost or wrongly_accepted or late_in_db or other:
        sys.exit(1)


if __name__ == "__main__":
    main()
