"""The one way mail leaves the service: a queue in the database, sent after the commit.

    mail.queue(session, to, subject, body)                  # in the transaction that decides it
    mail.queue(session, to, subject, body, key="...")       # at most once per key, ever
    mail.queue_all(session, messages)                       # objects with .to, .subject, .body
    mail.queue(session, to, subject, body, later=True)      # left to the scheduler (see below)

`queue` adds an OutgoingMail row in the caller's transaction and nothing else: the caller
commits. Once the transaction commits, the rows it queued are sent: by SMTP (smtplib) when
PROCURE_SMTP_HOST is set, otherwise as an .eml file per message in instance/outbox/ (read it, or
hand the folder to a mail relay), so `make run` needs no mail server. A rollback sends nothing.
A message that cannot go now (the server is down, or refuses it) stays in the table with its
attempts, its last error and when to try again (1, 2, 4 ... minutes, at most an hour apart);
the scheduler's mail job (`deliver_due`) retries it until it goes. One message that cannot be
built or that the server refuses never holds up the others: each is tried on its own.
Header values (the address, the subject) are made one line of plain text when queued (no CR, LF
or other control characters: a subject typed as "x", CR, LF, "Bcc: ..." adds no header), and
again when a message is built; names written into a body go through `one_line` too. `later=True` leaves the
sending to the scheduler's next run: the request that queued it does the same work whatever it
decided (the password-reset form, which must not tell who has an account).
Each try is claimed first in its own transaction (a new row is born claimed by the process that
queued it, for its try after the commit), so two runners never send the same row at once;
`attempts` counts the tries.

Nothing here knows Flask: the app factory tells `configure` where the settings come from (the
config of the app in whose context mail is sent); without settings, queued mail waits for a
runner that has them."""

from __future__ import annotations

import logging
import os
import re
import secrets
import smtplib
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Protocol

from sqlalchemy import Engine, delete, event as sa_event, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from procure import clock
from procure.models import OutgoingMail

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=10)          # a try not finished by then belongs to a runner that died
LONGEST_WAIT = timedelta(hours=1)      # between two tries of a message that cannot go
BATCH = 200                            # messages one run of the scheduler tries at most


class Message(Protocol):
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Settings:
    """Where mail goes: `smtp_host` set, by SMTP; empty, into the `outbox` folder."""

    sender: str
    outbox: str
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout: float = 30.0
    site: str = ""            # the service's own address (PROCURE_BASE_URL): links are built on it

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str) -> Settings:
        """From the app's MAIL_FROM, SMTP_* and BASE_URL settings; the outbox is
        instance/outbox/."""
        return cls(sender=config["MAIL_FROM"], outbox=os.path.join(instance_path, "outbox"),
                   site=str(config.get("BASE_URL") or "").rstrip("/"),
                   smtp_host=config.get("SMTP_HOST") or "",
                   smtp_port=int(config.get("SMTP_PORT") or 25),
                   smtp_username=config.get("SMTP_USERNAME") or "",
                   smtp_password=config.get("SMTP_PASSWORD") or "",
                   smtp_starttls=bool(config.get("SMTP_STARTTLS")))


_source: list[Callable[[], Settings | None]] = []


def configure(source: Callable[[], Settings | None]) -> None:
    """Where the settings come from when mail is sent (the app factory registers it)."""
    _source[:] = [source]


def settings() -> Settings | None:
    return _source[0]() if _source else None


def link(path: str) -> str:
    """A link written into mail: `path` (a page of the service, "/solicitations/7") on the
    service's own address, PROCURE_BASE_URL, as the confirmation and reset links are; never on
    a request's Host header. Outside an app (no settings) the path alone."""
    config = settings()
    return (config.site if config else "") + path


# ---------------------------------------------------------------- header values

_BREAKS = re.compile(r"\s+")
LONGEST_HEADER = 900      # characters of a subject (a header line may hold 998 octets)


def one_line(text: object, limit: int = LONGEST_HEADER) -> str:
    """`text` as one line of plain text: line breaks (CR, LF, U+2028 ...) and tabs become one
    space, other control and format characters (NUL, ESC, bidirectional overrides, zero-width
    ones) go; at most `limit` characters. For header values and for names written into mail."""
    kept = "".join(" " if ch.isspace() else ch for ch in str(text or "")
                   if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    return _BREAKS.sub(" ", kept).strip()[:limit]


# ---------------------------------------------------------------- queueing

def queue(session: Session, to: str, subject: str, body: str, *, key: str | None = None,
          later: bool = False) -> bool:
    """Queue one message in the session's transaction; it is sent once that commits (with
    `later`, by the scheduler's next run instead). Its address and subject are made one line.
    With `key`, a message with the same key queued before (by anyone) wins: False, nothing added."""
    return _queue(session, to, subject, body, key=key, later=later) is not None


def _queue(session: Session, to: str, subject: str, body: str, *, key: str | None,
           later: bool) -> int | None:
    now = clock.now()
    # Born taken for its first try, by this process after the commit (no other runner sends it
    # meanwhile); if this process never tries, the scheduler takes it once the claim is stale.
    # Left for later, it is due at once and nobody's: the scheduler's next run takes it.
    statement = _insert(session).values(
        to=one_line(to, 320), subject=one_line(subject), body=body, dedupe_key=key,
        created_at=now, attempts=0 if later else 1, next_attempt_at=now if later else now + CLAIM)
    if key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    mail_id = session.scalar(statement.returning(OutgoingMail.id))
    if mail_id is not None and not later:
        session.info.setdefault(_QUEUED, []).append((session.get_bind(), mail_id))
    return mail_id


def queue_or_not(session: Session, message: Message, send: bool) -> None:
    """Queue `message` for the scheduler if `send`, else queue it and take it back: the same
    statements either way, so how long the request takes does not tell which it was (the
    password-reset form; the message not sent is a stand-in for an address with no account)."""
    mail_id = _queue(session, message.to, message.subject, message.body, key=None, later=True)
    if not send:
        session.execute(delete(OutgoingMail).where(OutgoingMail.id == mail_id)
                        .execution_options(synchronize_session=False))


def queue_all(session: Session, messages: Iterable[Message]) -> int:
    """Queue each message (accounts.Mail, or anything with to, subject and body); how many."""
    return sum(queue(session, m.to, m.subject, m.body) for m in messages)


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    return module.insert(OutgoingMail) if module else insert(OutgoingMail)


_QUEUED = "mail_queued"   # session.info: (engine, id) of the rows this transaction queued


@sa_event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    queued = session.info.pop(_QUEUED, None)
    if not queued:
        return
    found = settings()
    if found is None:
        log.info("no mail settings here: %d message(s) left for the scheduler", len(queued))
        return
    by_engine: dict[Engine, list[int]] = {}
    for engine, mail_id in queued:
        by_engine.setdefault(engine, []).append(mail_id)
    for engine, ids in by_engine.items():
        try:
            with Session(bind=engine) as own:
                _deliver(own, ids, found, clock.now(), taken=True)
        except Exception:   # the rows are committed: the scheduler sends them
            log.exception("mail not sent after the commit; the scheduler will retry it")


@sa_event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop(_QUEUED, None)


# ---------------------------------------------------------------- sending

def deliver_due(session: Session, moment: datetime | None = None,
                config: Settings | None = None) -> list[str]:
    """Send the unsent messages whose time has come (the scheduler's mail job, committing as it
    goes); what it did, e.g. ["2 sent", "1 kept to retry"]."""
    config = config or settings()
    if config is None:
        return []
    moment = moment or clock.now()
    ids = list(session.scalars(
        select(OutgoingMail.id).where(OutgoingMail.sent_at.is_(None),
                                      OutgoingMail.next_attempt_at <= moment)
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id).limit(BATCH)))
    sent, kept = _deliver(session, ids, config, moment)
    return ([f"{sent} sent"] if sent else []) + ([f"{kept} kept to retry"] if kept else [])


def _deliver(session: Session, ids: list[int], config: Settings, moment: datetime, *,
             taken: bool = False) -> tuple[int, int]:
    """Try each message: claimed first unless `taken` (just queued by this process), and left
    alone if another runner has it. When the server cannot be reached the rest wait for the
    next run (a server that hangs costs one timeout, not one per message). (sent, kept)."""
    sent = kept = 0
    for position, mail_id in enumerate(ids):
        if not taken and not _claim(session, mail_id, moment):
            continue
        row = session.get(OutgoingMail, mail_id)
        if row is None or row.sent_at is not None:
            continue
        try:
            _send(config, row)
        except Exception as error:   # refused, unreachable, or a message that cannot be built
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            row.next_attempt_at = moment + backoff(row.attempts)
            log.warning("mail %s to %s not sent (try %d, again at %s): %s", row.id, row.to,
                        row.attempts, row.next_attempt_at.isoformat(), row.last_error)
            kept += 1
            if _unreachable(error):
                rest = ids[position + 1:]
                if taken and rest:   # born taken: give them back for the scheduler's next run
                    session.execute(
                        update(OutgoingMail)
                        .where(OutgoingMail.id.in_(rest), OutgoingMail.sent_at.is_(None))
                        .values(last_error=row.last_error, next_attempt_at=row.next_attempt_at)
                        .execution_options(synchronize_session=False))
                    kept += len(rest)
                session.commit()
                break
        else:
            row.sent_at, row.last_error = clock.now(), ""
            sent += 1
        session.commit()
    return sent, kept


# What the server says about one message (its recipients, sender or content): the others go on.
_REFUSED_ONE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                smtplib.SMTPDataError, smtplib.SMTPNotSupportedError)


def _unreachable(error: Exception) -> bool:
    """The server (or the outbox folder) cannot take any mail now, not just this message.
    (smtplib's errors are OSErrors too: a refusal of one message is not among these.)"""
    if isinstance(error, _REFUSED_ONE):
        return False
    return isinstance(error, (OSError, smtplib.SMTPConnectError,
                              smtplib.SMTPServerDisconnected, smtplib.SMTPException))


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4 ... minutes, then an hour."""
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 10)), LONGEST_WAIT)


def _claim(session: Session, mail_id: int, moment: datetime) -> bool:
    """Take the message for this try (committed, so another runner sees it is taken)."""
    taken = session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.sent_at.is_(None),
               OutgoingMail.next_attempt_at <= moment)
        .values(attempts=OutgoingMail.attempts + 1, next_attempt_at=moment + CLAIM)
        .execution_options(synchronize_session=False))
    session.commit()
    return taken.rowcount == 1


def compose(config: Settings, row: OutgoingMail) -> EmailMessage:
    """The message; its Message-ID is the row's, so a receiver sees a retry as the same mail."""
    domain = config.sender.rsplit("@", 1)[-1]
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = one_line(row.to, 320)          # rows queued before values were made safe
    mail["Subject"] = one_line(row.subject)
    mail["Date"] = format_datetime(row.created_at)
    mail["Message-ID"] = f"<mail-{row.id}.{int(row.created_at.timestamp())}@{domain}>"
    mail.set_content(row.body)
    return mail


def _send(config: Settings, row: OutgoingMail) -> None:
    try:
        mail = compose(config, row)
    except Exception as error:   # kept with the reason; the others go on
        raise ValueError(f"the message cannot be built: {error}") from error
    if config.smtp_host:
        _smtp(config, mail)
    else:
        _outbox(config.outbox, mail)


def _smtp(config: Settings, mail: EmailMessage) -> None:
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout) as smtp:
        if config.smtp_starttls:
            smtp.starttls()
        if config.smtp_username:
            smtp.login(config.smtp_username, config.smtp_password)
        smtp.send_message(mail)


def _outbox(folder: str, mail: EmailMessage) -> str:
    os.makedirs(folder, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = os.path.join(folder, f"{stamp}-{secrets.token_hex(4)}.eml")
    # Readable by the service's own user only: a message may hold a live password-reset link.
    descriptor = os.open(path + ".part", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:  # a relay reading the folder never sees half
        handle.write(bytes(mail))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(path + ".part", path)
    return path
