"""The outbox folder (instance/outbox/*.eml) as tests read it: emptied first, then the messages
the scheduler's tick sent (requests queue mail; some of it waits for the tick)."""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes
from pathlib import Path


def outbox_reader(app) -> Callable[[], list[str]]:
    """Empty the outbox; return a reader of the plain-text bodies sent since, oldest first."""
    folder = Path(app.instance_path) / "outbox"
    for p in folder.glob("*.eml") if folder.exists() else []:
        p.unlink()

    def read() -> list[str]:
        from procure import scheduler
        from procure.extensions import db
        with app.app_context():
            scheduler.run_due(db.session)
        found = sorted(folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name)) \
            if folder.exists() else []
        return [message_from_bytes(p.read_bytes()).get_payload(decode=True).decode()
                for p in found]
    return read
