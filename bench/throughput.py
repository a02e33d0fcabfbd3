"""Throughput: requests per second of the main read pages under gunicorn, against the app's own
static file and its trivial endpoint (/health) in the same run.

Serves the demo (a fresh instance, SQLite by default as issue 21 measured it; `--postgres` for
a fresh PostgreSQL database) with `gunicorn.conf.py` (2 workers x 4 threads unless told), and
loads the pages from loopback in `--rounds` rounds, each page `--seconds` a round in turn (so
a change in the machine's load falls on every page): `--clients` processes, each with
`--client-threads` threads on kept-alive connections. Prints each page's mean req/s and its
share of the static file's and of /health's rate.

    .venv/bin/python bench/throughput.py [--rounds 5] [--seconds 1] [--workers 2] [--threads 4]

The load generator is Python (http.client) on the same 2 cores as the server, so the figures
are ratios within one run, not the server's ceiling."""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _load(port: int, path: str, seconds: float, threads: int, out) -> None:
    """One client process: `threads` kept-alive connections requesting `path` until the time
    is up; puts (answers 200, other answers) on `out`."""
    counts = [0, 0]
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def loop() -> None:
        ok = other = 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < end:
            try:
                connection.request("GET", path)
                answer = connection.getresponse()
                answer.read()
                if answer.status == 200:
                    ok += 1
                else:
                    other += 1
                if answer.will_close:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            except (OSError, http.client.HTTPException):
                other += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        with lock:
            counts[0] += ok
            counts[1] += other
    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(tuple(counts))


def rate(port: int, path: str, seconds: float, clients: int, threads: int) -> tuple[float, int]:
    out: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_load, args=(port, path, seconds, threads, out))
             for _ in range(clients)]
    start = time.monotonic()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - start
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1, help="a page's turn in a round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--clients", type=int, default=2, help="load-generating processes")
    parser.add_argument("--client-threads", type=int, default=4)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="procure-throughput-"))
    env = {**os.environ, "PROCURE_INSTANCE_PATH": str(work),
           "PROCURE_UPLOAD_FOLDER": str(work / "uploads"), "PROCURE_SECRET_KEY": "throughput",
           "PROCURE_TICK_SECONDS": "3600", "PROCURE_BASE_URL": "http://127.0.0.1"}
    admin_url = db_name = None
    if args.postgres:
        import psycopg
        admin_url = os.environ.get("PROCURE_BENCH_DATABASE_URL",
                                   "postgresql://postgres@127.0.0.1:5432/postgres")
        db_name = f"procure_throughput_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db_name}"')
        env["PROCURE_DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + db_name
    os.environ.update(env)
    server = None
    try:
        from sqlalchemy import select

        from procure import create_app, demo
        from procure.cli import upgrade_database
        from procure.extensions import db
        from procure.intake import jobs
        from procure.models import Solicitation, SolicitationStatus

        app = create_app()
        with app.app_context():
            upgrade_database()
            demo.load()
            jobs.wait_for_idle(600)
            db.session.commit()
            rfr = db.session.scalar(select(Solicitation.id).where(
                Solicitation.status == SolicitationStatus.published).order_by(Solicitation.id))
            awarded = db.session.scalar(select(Solicitation.id).where(
                Solicitation.status == SolicitationStatus.awarded))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "-w", str(args.workers), "--threads", str(args.threads), "-b", f"127.0.0.1:{port}",
             "--access-logfile", "/dev/null"],
            env=env, cwd=work, stdout=(work / "gunicorn.log").open("w"), stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        pages = [("static file", "/static/procure.css"), ("/health", "/health"),
                 ("home `/`", "/"), ("search `?q=Springfield`", "/?q=Springfield"),
                 ("an RFR's public page", f"/solicitations/{rfr}"),
                 ("awards page", f"/solicitations/{awarded}/awards"),
                 ("API list", "/api/v1/solicitations/"),
                 ("API item", f"/api/v1/solicitations/{rfr}"),
                 ("OCDS package", f"/api/v1/solicitations/{awarded}/ocds")]
        for name, path in pages:
            rate(port, path, 0.5, args.clients, args.client_threads)        # warm
        # Rounds of every page in turn: a change in the machine's load falls on every page.
        served = {name: [0.0, 0] for name, _ in pages}
        for _ in range(args.rounds):
            for name, path in pages:
                per_second, failed = rate(port, path, args.seconds, args.clients,
                                          args.client_threads)
                served[name][0] += per_second / args.rounds
                served[name][1] += failed
        rates = {name: (value[0], value[1]) for name, value in served.items()}
        static, health = rates["static file"][0], rates["/health"][0]
        print(f"gunicorn {args.workers} workers x {args.threads} threads; load "
              f"{args.clients} x {args.client_threads} connections; {args.rounds} rounds of "
              f"{args.seconds:g} s a page, the pages taking turns; "
              f"{'PostgreSQL' if args.postgres else 'SQLite'}\n")
        print("| page | req/s | of static | of /health | not 200 |")
        print("| --- | --- | --- | --- | --- |")
        for name, _ in pages:
            per_second, failed = rates[name]
            print(f"| {name} | {per_second:.0f} | {per_second / static:.2f} | "
                  f"{per_second / health:.2f} | {failed} |")
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        if admin_url is not None:
            import psycopg
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
