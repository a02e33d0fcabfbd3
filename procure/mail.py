"""The one way mail leaves the service: SMTP (smtplib) when PROCURE_SMTP_HOST is set, otherwise
an .eml file per message in instance/outbox/ (read it, or hand the folder to a mail relay).
Callers send after their transaction commits; a message SMTP refuses is kept in the outbox."""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import time
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Message(Protocol):
    to: str
    subject: str
    body: str


def compose(config: Any, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config["MAIL_FROM"]
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rsplit("@", 1)[-1])
    mail.set_content(message.body)
    return mail


def send(config: Any, instance_path: str, messages: Iterable[Message]) -> int:
    """Send each message; the number sent by SMTP or written to the outbox."""
    done = 0
    for message in messages:
        mail = compose(config, message)
        if config.get("SMTP_HOST"):
            try:
                _smtp(config, mail)
                done += 1
                continue
            except (OSError, smtplib.SMTPException):
                log.exception("SMTP refused mail to %s; kept in the outbox", message.to)
        _outbox(instance_path, mail)
        done += 1
    return done


def _smtp(config: Any, mail: EmailMessage) -> None:
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=30) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(mail)


def _outbox(instance_path: str, mail: EmailMessage) -> str:
    folder = os.path.join(instance_path, "outbox")
    os.makedirs(folder, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = os.path.join(folder, f"{stamp}-{secrets.token_hex(4)}.eml")
    with open(path, "wb") as handle:
        handle.write(bytes(mail))
    return path
