"""Kill the service mid-upload and mid-parse (SIGKILL, child parser included); on restart no row
points at a missing file, no file is left without a row, and unread documents are read."""

from __future__ import annotations

import http.cookiejar
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas
from sqlalchemy import select

from procure.extensions import db
from procure.storage import LocalStore
from procure.models import Document, IntakeStatus
from tests.support.factories import EMAILS, PASSWORD, published_rfr, user

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, app, tmp_path) -> None:
        self.port = _port()
        self.env = {**os.environ, "PROCURE_INSTANCE_PATH": str(tmp_path),
                    "PROCURE_DATABASE_URL": app.config["DATABASE_URL"],
                    "PROCURE_UPLOAD_FOLDER": str(tmp_path / "uploads"),   # its own store
                    "PROCURE_SECRET_KEY": "crash-test", "PROCURE_INTAKE_PAGES": "5000",
                    "PROCURE_PASSWORD_HASH_PROFILE": "CHEAPEST"}
        self.process: subprocess.Popen | None = None
        self.log = tmp_path / "serve.log"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "procure.cli", "serve", "--port", str(self.port)],
            env=self.env, stdout=self.log.open("a"), stderr=subprocess.STDOUT,
            start_new_session=True)
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("procure serve did not start: " + self.log.read_text())

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)   # the server and its parser child
        self.process.wait(10)


class Browser:
    def __init__(self, base: str) -> None:
        self.base, self.token = base, ""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        body = self.opener.open(self.base + path, timeout=30).read().decode()
        if found := CSRF.search(body):
            self.token = found.group(1)
        return body

    def post(self, path: str, fields: dict) -> str:
        data = urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()
        return self.opener.open(self.base + path, data=data, timeout=30).read().decode()

    def multipart(self, path: str, name: str, content: bytes, *, send_only: int | None = None):
        boundary = uuid.uuid4().hex
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                f"{self.token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"kind\""
                f"\r\n\r\nnarrative\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f"name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n")
        body = head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self.base + path, data=body if send_only is None else body[:send_only],
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                     "Content-Length": str(len(body))})
        return request


def _long_pdf(pages: int) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=letter)
    for n in range(pages):
        page.drawString(72, 720, "1. Organizational Capacity" if n == 0 else f"Page {n + 1}")
        for line in range(40):
            page.drawString(72, 700 - 16 * line, f"Line {line} of narrative text on page {n + 1}.")
        page.showPage()
    page.save()
    return buffer.getvalue()


def _queues(local_port: int, remote_port: int) -> tuple[int, int] | None:
    """(bytes sent not yet delivered, bytes received not yet read by the process) of the TCP
    socket local_port -> remote_port on 127.0.0.1, as the kernel reports them."""
    wanted = (f"0100007F:{local_port:04X}", f"0100007F:{remote_port:04X}")
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if (fields[1], fields[2]) == wanted:
                tx, rx = fields[4].split(":")
                return int(tx, 16), int(rx, 16)
    return None


def _wait_until_the_server_has_read_all_sent(server_port: int, client_port: int) -> None:
    """The server is mid-upload: every byte sent reached it and it has read them all (it now
    waits for the rest of the body). Watched in the kernel's socket queues, not guessed by a
    sleep."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ours, theirs = _queues(client_port, server_port), _queues(server_port, client_port)
        if ours is not None and theirs is not None and ours[0] == 0 and theirs[1] == 0:
            return
        time.sleep(0.01)
    raise AssertionError(f"the server never read the half upload (queues {ours}, {theirs})")


def _cookie_header(browser: Browser) -> str:
    jar = browser.opener.handlers
    for handler in jar:
        if isinstance(handler, urllib.request.HTTPCookieProcessor):
            return "; ".join(f"{c.name}={c.value}" for c in handler.cookiejar)
    return ""


@pytest.mark.slow
def test_kill_mid_upload_and_mid_parse_then_recover(app, people, tmp_path):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        rfr_id, lot_id = row.id, row.lots[0].id
    service = Service(app, tmp_path)
    service.start()
    browser = Browser(f"http://127.0.0.1:{service.port}")
    browser.get("/login")
    browser.post("/login", {"email": EMAILS["bidder"], "password": PASSWORD})
    browser.get(f"/solicitations/{rfr_id}")
    browser.post(f"/bidder/lots/{lot_id}/respond", {})
    with app.app_context():
        from procure.models import Response
        response_path = f"/bidder/responses/{db.session.scalar(select(Response.public_id))}"
    browser.get(response_path)
    big = _long_pdf(1500)

    # 1. Killed mid-upload: half the request body sent, then the server dies.
    request = browser.multipart(response_path + "/documents", "half.pdf", big)
    with socket.create_connection(("127.0.0.1", service.port)) as raw:
        raw.sendall(f"POST {request.selector} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
                    + "".join(f"{k}: {v}\r\n" for k, v in request.header_items()).encode()
                    + f"Cookie: {_cookie_header(browser)}\r\n\r\n".encode()
                    + request.data[: len(request.data) // 2])
        _wait_until_the_server_has_read_all_sent(service.port, raw.getsockname()[1])
        service.kill()
    store = LocalStore(service.env["PROCURE_UPLOAD_FOLDER"])
    with app.app_context():
        assert db.session.scalar(select(Document.id)) is None       # no row for a partial file
    assert list(store.iter_hashes()) == []                           # and no file in the store

    # 2. Killed mid-parse: the upload is in (row and file), the parser is working on it.
    service.start()
    browser.get(response_path)
    browser.opener.open(browser.multipart(response_path + "/documents", "long.pdf", big),
                        timeout=60).read()
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        with app.app_context():
            status = db.session.scalar(select(Document.intake_status))
        if status is IntakeStatus.parsing:
            break
        time.sleep(0.02)
    assert status is IntakeStatus.parsing, f"never saw the parse running ({status})"
    service.kill()
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert document.intake_status is IntakeStatus.parsing and store.exists(document.sha256)

    # 3. Restart: recovery reads what was left; every row has its file; nothing orphaned.
    service.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with app.app_context():
            document = db.session.scalar(select(Document))
        if document.intake_status is IntakeStatus.parsed:
            break
        time.sleep(0.2)
    service.kill()
    assert document.intake_status is IntakeStatus.parsed and document.record["pages"] == 1500
    assert set(store.iter_hashes()) == {document.sha256}
    assert "resumed 1" in service.log.read_text()


@pytest.mark.slow
def test_celery_worker_killed_mid_parse_another_worker_finishes(app, people, tmp_path):
    from procure import create_app
    from tests.conftest import require_or_skip
    from tests.integration.test_intake_queue import REDIS_URL, _redis_up, _upload
    require_or_skip(_redis_up(), f"Redis is not reachable at {REDIS_URL}")
    import redis
    redis.Redis.from_url(REDIS_URL).flushdb()
    settings = {"DATABASE_URL": app.config["DATABASE_URL"],
                "UPLOAD_FOLDER": str(tmp_path / "uploads"), "REDIS_URL": REDIS_URL,
                "INTAKE_PAGES": 5000, "INTAKE_CLAIM_STALE_SECONDS": 8}
    env = {**os.environ, "PROCURE_INSTANCE_PATH": str(tmp_path),
           "PROCURE_SECRET_KEY": "test-secret",   # a deployment on PostgreSQL needs its own key
           **{f"PROCURE_{k}": str(v) for k, v in settings.items()}}

    def worker(name: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "procure.worker", "worker", "-n", name,
             "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat"], env=env, stdout=(tmp_path / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT, start_new_session=True)

    scaled = create_app({**settings, "TESTING": True, "SECRET_KEY": "test-secret",
                         "PASSWORD_HASH_PROFILE": "CHEAPEST", "LOGIN_RATE_LIMIT": "10000 per minute"})
    with scaled.app_context():
        row = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        rfr = (row.id, row.lots[0].id)
    first = worker("first")
    try:
        document_id = _upload(scaled, *rfr, content=_long_pdf(1500))
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and status is not IntakeStatus.parsing:
            with scaled.app_context():
                status = db.session.get(Document, document_id).intake_status
            time.sleep(0.02)
        assert status is IntakeStatus.parsing, f"never saw the parse running ({status})"
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    second = worker("second")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with scaled.app_context():
                document = db.session.get(Document, document_id)
                status, pages = document.intake_status, (document.record or {}).get("pages")
            if status is IntakeStatus.parsed:
                break
            time.sleep(0.3)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(30)
        from procure.intake import jobs
        jobs.celery.conf.broker_url = None
    assert status is IntakeStatus.parsed and pages == 1500
    assert "intake recovery" in (tmp_path / "second.log").read_text()
