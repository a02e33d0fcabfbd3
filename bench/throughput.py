"""Throughput: requests per second of the main read pages under gunicorn, against the app's own
static file and its trivial endpoint (/health) in the same run.

Serves the demo (a fresh instance, SQLite by default as issue 21 measured it; `--postgres` for
a fresh PostgreSQL database) with `gunicorn.conf.py` (2 workers x 4 threads unless told), and
loads the pages from loopback in `--rounds` rounds, each page `--seconds` a round in turn (so
a change in the machine's load falls on every page): `--clients` processes, each with
`--client-threads` threads on kept-alive connections. Prints each page's mean req/s and its
share of the static file's and of /health's rate.

    .venv/bin/python bench/throughput.py [--rounds 5] [--seconds 1] [--workers 2] [--threads 4]
        [--floor] [--uncached] [--compare REF]

`--floor` adds the cheapest pages this app can serve (bench/floor_app.py: base.html alone, and
with ten small ORM queries), so a page's ratio can be read against what any page costs here.
`--uncached` serves the same database from a second gunicorn of this checkout that keeps no
public page (`PROCURE_PUBLIC_PAGE_SECONDS=0`: every page made afresh, as a signed-in person
gets it), the two servers taking turns on each page.
`--compare REF` serves the same database from a second gunicorn running the code of git
commit REF too (its files from `git archive`, put first on the Python path; REF must read the
same database schema), every page taking turns on both servers in each round: before / after
a change in one run.

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
UNCACHED = "this checkout, no page kept (PROCURE_PUBLIC_PAGE_SECONDS=0)"
ADMIN_URL = os.environ.get("PROCURE_BENCH_DATABASE_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
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


def _serve(code: Path | None, port: int, args: argparse.Namespace, env: dict[str, str],
           work: Path, log_name: str, keep_pages: bool = True) -> subprocess.Popen:
    """gunicorn with `gunicorn.conf.py` of this checkout, or of `code` (another commit's
    files, first on the Python path)."""
    root = code or ROOT
    command = [sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py"),
               "-w", str(args.workers), "--threads", str(args.threads), "-b", f"127.0.0.1:{port}",
               "--access-logfile", "/dev/null"]
    if args.floor:
        command += ["--pythonpath", str(ROOT / "bench"), "floor_app:create()"]
    server_env = dict(env)
    if not keep_pages:
        server_env["PROCURE_PUBLIC_PAGE_SECONDS"] = "0"
    if code is not None:
        server_env["PYTHONPATH"] = os.pathsep.join(
            [str(code), *filter(None, [env.get("PYTHONPATH")])])
    server = subprocess.Popen(command, env=server_env, cwd=work,
                              stdout=(work / log_name).open("w"), stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn stopped: see {work / log_name}")
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer: see {work / log_name}")


def create_database(prefix: str) -> tuple[str, str]:
    """A fresh PostgreSQL database on PROCURE_BENCH_DATABASE_URL's server: its name and URL."""
    import psycopg
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(name: str) -> None:
    import psycopg
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _workers_peak_rss(master: int) -> list[int]:
    """VmHWM (bytes) of each worker of the gunicorn master `master` (Linux /proc)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    peaks = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        peaks += [int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:")]
    return peaks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1, help="a page's turn in a round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--clients", type=int, default=2, help="load-generating processes")
    parser.add_argument("--client-threads", type=int, default=4)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--floor", action="store_true",
                        help="also the cheapest pages (bench/floor_app.py)")
    parser.add_argument("--uncached", action="store_true",
                        help="also serve this checkout keeping no public page; both take turns")
    parser.add_argument("--compare", metavar="REF",
                        help="also serve git commit REF's code; both take turns on each page")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="procure-throughput-"))
    env = {**os.environ, "PROCURE_INSTANCE_PATH": str(work),
           "PROCURE_UPLOAD_FOLDER": str(work / "uploads"), "PROCURE_SECRET_KEY": "throughput",
           "PROCURE_TICK_SECONDS": "3600", "PROCURE_BASE_URL": "http://127.0.0.1"}
    database = create_database("procure_throughput") if args.postgres else None
    if database is not None:
        env["PROCURE_DATABASE_URL"] = database[1]
    os.environ.update(env)
    servers: list[subprocess.Popen] = []
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
        codes: dict[str, Path | None] = {"this checkout": None}
        if args.compare:
            other = work / "compare"
            other.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.compare],
                                     check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)
            codes = {args.compare: other, "this checkout": None}
        if args.uncached:
            codes[UNCACHED] = None
        ports: dict[str, int] = {}
        for index, (label, code) in enumerate(codes.items()):
            ports[label] = _free_port()
            servers.append(_serve(code, ports[label], args, env, work, f"gunicorn-{index}.log",
                                  keep_pages=label != UNCACHED))
        floor = [("floor: base.html", "/_floor/page"),
                 ("floor: base.html + 10 queries", "/_floor/page10")] if args.floor else []
        pages = [("static file", "/static/procure.css"), ("/health", "/health"), *floor,
                 ("home `/`", "/"), ("search `?q=Springfield`", "/?q=Springfield"),
                 ("an RFR's public page", f"/solicitations/{rfr}"),
                 ("awards page", f"/solicitations/{awarded}/awards"),
                 ("API list", "/api/v1/solicitations/"),
                 ("API item", f"/api/v1/solicitations/{rfr}"),
                 ("OCDS package", f"/api/v1/solicitations/{awarded}/ocds")]
        for port in ports.values():
            for name, path in pages:
                rate(port, path, 0.5, args.clients, args.client_threads)        # warm
        # Rounds of every page in turn (on each server in turn): a change in the machine's load
        # falls on every page and both servers.
        served = {(label, name): [0.0, 0] for label in ports for name, _ in pages}
        for _ in range(args.rounds):
            for name, path in pages:
                for label, port in ports.items():
                    per_second, failed = rate(port, path, args.seconds, args.clients,
                                              args.client_threads)
                    served[(label, name)][0] += per_second / args.rounds
                    served[(label, name)][1] += failed
        print(f"gunicorn {args.workers} workers x {args.threads} threads; load "
              f"{args.clients} x {args.client_threads} connections; {args.rounds} rounds of "
              f"{args.seconds:g} s a page, the pages taking turns; "
              f"{'PostgreSQL' if args.postgres else 'SQLite'}\n")
        for label in ports:
            if len(ports) > 1:
                print(f"**{label}**" + (f" ({_commit(None)})" if codes[label] is None
                                        else f" ({_commit(label)})") + "\n")
            elif label != UNCACHED:
                print("(the public's pages kept until something is recorded: "
                      "PROCURE_PUBLIC_PAGE_SECONDS as configured, 10 by default)\n")
            static = served[(label, "static file")][0]
            health = served[(label, "/health")][0]
            print("| page | req/s | of static | of /health | not 200 |")
            print("| --- | --- | --- | --- | --- |")
            for name, _ in pages:
                per_second, failed = served[(label, name)]
                print(f"| {name} | {per_second:.0f} | {per_second / static:.2f} | "
                      f"{per_second / health:.2f} | {failed} |")
            print()
        for label, server in zip(ports, servers):
            peaks = [f"{peak / 1048576:.0f} MiB" for peak in _workers_peak_rss(server.pid)]
            print(f"peak RSS (VmHWM) of each gunicorn worker after every page"
                  f"{f' ({label})' if len(ports) > 1 else ''}: {', '.join(peaks) or 'unknown'}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)
        if database is not None:
            drop_database(database[0])


def _commit(ref: str | None) -> str:
    """The commit measured (this checkout's HEAD, marked when it has changes not committed)."""
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", ref or "HEAD"],
                          check=False, capture_output=True, text=True)
    name = done.stdout.strip() or "?"
    changed = subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", "HEAD"], check=False)
    if ref is None and changed.returncode:
        name += " with changes not committed"
    return name


if __name__ == "__main__":
    main()
