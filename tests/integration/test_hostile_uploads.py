"""Hostile uploads through the service: each ends parsed or rejected with a code and a message a
bidder can act on; the worker survives; what was accepted before is untouched."""

from __future__ import annotations

from sqlalchemy import select

from procure.extensions import db
from procure.intake import jobs
from procure.storage import store_from_config
from procure.models import Document, IntakeStatus
from tests.conftest import Client
from tests.fixtures.generator import make_hostile_set
from tests.support.factories import EMAILS, PASSWORD, published_rfr, user
from tests.support.pdfs import complete_response

CODES = {"empty", "not_pdf", "corrupt", "encrypted", "too_large", "too_many_pages", "no_text",
         "timeout"}
HOSTILE_NAMES = ["../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "bid\x1b[31m\x07.pdf",
                 "/absolute/path.pdf", ".hidden.pdf"]


def test_hostile_files_are_parsed_or_rejected_and_nothing_accepted_changes(app, people, tmp_path):
    app.config["MAX_FILES_PER_RESPONSE"], saved = 100, app.config["MAX_FILES_PER_RESPONSE"]
    try:
        with app.app_context():
            row = published_rfr(db.session, user(db.session, "officer"))
            db.session.commit()
            rfr_id, lot_id = row.id, row.lots[0].id
        c = Client(app)
        assert c.login(EMAILS["bidder"], PASSWORD).status_code == 302
        url = c.respond(rfr_id, lot_id)

        def send(data: bytes, name: str):
            return c.upload(url, data, name, kind="attachment")

        good = complete_response()
        assert send(good, "good.pdf").status_code == 302
        jobs.wait_for_idle()
        with app.app_context():
            before = db.session.scalar(select(Document))
            good_id, good_record, good_sha = before.id, before.record, before.sha256

        expected = make_hostile_set(tmp_path)
        for name, code in expected.items():
            assert send((tmp_path / name.replace("nested/../", "")).read_bytes(),
                        name).status_code == 302
        for name in HOSTILE_NAMES:   # each its own file: the same file twice is not added
            assert send(complete_response(f"Alpha Care {name}"), name).status_code == 302
        jobs.wait_for_idle(timeout=600)

        with app.app_context():
            documents = db.session.scalars(select(Document).where(Document.id != good_id)
                                           .order_by(Document.id)).all()
            outcomes = {}
            for document, (name, code) in zip(documents, list(expected.items()) +
                                              [(n, None) for n in HOSTILE_NAMES]):
                assert "/" not in document.filename and "\\" not in document.filename
                assert all(ch.isprintable() for ch in document.filename)
                if document.intake_status is IntakeStatus.rejected:
                    assert document.rejection_code in CODES and len(document.rejection_message) > 20
                    outcomes[name] = document.rejection_code
                else:
                    assert document.intake_status is IntakeStatus.parsed, name
                    outcomes[name] = None
            assert outcomes == {**expected, **{n: None for n in HOSTILE_NAMES}}
            after = db.session.get(Document, good_id)
            assert (after.intake_status, after.record, after.sha256) == (
                IntakeStatus.parsed, good_record, good_sha)
            assert store_from_config(app.config).open(good_sha).read() == good
        page = c.get(url).get_data(as_text=True)
        assert "password-protected" in page or "encrypted" in page
        # The worker is still alive: a new upload is read.
        assert send(good, "after.pdf").status_code == 302
        jobs.wait_for_idle()
        with app.app_context():
            last = db.session.scalar(select(Document).order_by(Document.id.desc()))
            assert last.intake_status is IntakeStatus.parsed
    finally:
        app.config["MAX_FILES_PER_RESPONSE"] = saved
