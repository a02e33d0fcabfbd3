"""Does "Forgot your password?" take as long for an address with an account as for one without?
(issue 18: 34 ms against 7 ms told who has an account). Posts the form through the app, the two
kinds of address interleaved, and prints the medians and their ratio.

    .venv/bin/python bench/reset_timing.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from procure import accounts, create_app
from procure.cli import upgrade_database
from procure.extensions import db
from procure.models import Role


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="procure-reset-"))
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "UPLOAD_FOLDER": str(work),
                      "DATABASE_URL": "sqlite:///" + str(work / "db.sqlite3"),
                      "BASE_URL": "http://localhost", "LOGIN_RATE_LIMIT": "1000000 per minute",
                      "LOGIN_ACCOUNT_LIMIT": "1000000 per minute", "WTF_CSRF_ENABLED": False})
    app.instance_path = str(work / "instance")
    with app.app_context():
        upgrade_database()
        accounts.create_user(db.session, email="known@agency.example.org", name="Known",
                             password="a-long-password-2026", role=Role.officer, actor="bench")
        db.session.commit()
    http = app.test_client()
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(args.rounds):
        for kind in ("known", "unknown") if n % 2 else ("unknown", "known"):
            email = "known@agency.example.org" if kind == "known" else f"nobody{n}@x.example.org"
            start = time.perf_counter()
            answer = http.post("/forgot-password", data={"email": email})
            times[kind].append(time.perf_counter() - start)
            assert answer.status_code == 302, answer.status_code
    known, unknown = (statistics.median(times[k]) * 1000 for k in ("known", "unknown"))
    print(f"POST /forgot-password, {args.rounds} each, SQLite, mail to the outbox folder:")
    print(f"  known address:   median {known:.2f} ms")
    print(f"  unknown address: median {unknown:.2f} ms")
    print(f"  ratio known/unknown: {known / unknown:.2f}")
    with app.app_context():
        queued = db.session.execute(db.text("SELECT count(*) FROM outgoing_mail")).scalar()
    print(f"  messages queued: {queued} (one per request for the known address, none else)")
    assert re.match(r"\d", str(queued))


if __name__ == "__main__":
    main()
