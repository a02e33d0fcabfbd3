"""The service with its documents in S3 (moto's server): upload, read, download, same as local."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from procure import create_app
from procure.extensions import db
from procure.intake import jobs
from procure.storage import S3Store
from procure.models import Document, IntakeStatus
from tests.conftest import Client
from tests.support.factories import EMAILS, PASSWORD, published_rfr, user
from tests.support.pdfs import complete_response


def test_upload_is_stored_in_s3_and_read(app, people, s3_bucket):
    endpoint, bucket = s3_bucket
    scaled = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                         "DATABASE_URL": app.config["DATABASE_URL"], "S3_BUCKET": bucket,
                         "S3_ENDPOINT_URL": endpoint, "PASSWORD_HASH_PROFILE": "CHEAPEST",
                         "LOGIN_RATE_LIMIT": "10000 per minute", "UPLOAD_FOLDER": "/nonexistent"})
    with scaled.app_context():
        row = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        rfr_id, lot_id = row.id, row.lots[0].id
    c = Client(scaled)
    assert c.login(EMAILS["bidder"], PASSWORD).status_code == 302
    url = c.respond(rfr_id, lot_id)
    data = complete_response()
    assert c.upload(url, data).status_code == 302
    jobs.wait_for_idle()
    digest = hashlib.sha256(data).hexdigest()
    assert S3Store(bucket, endpoint_url=endpoint).exists(digest)
    with scaled.app_context():
        document = db.session.scalar(select(Document))
        assert document.sha256 == digest and document.intake_status is IntakeStatus.parsed
        document_id = document.public_id
    download = c.get(f"/bidder/documents/{document_id}/file")
    assert download.status_code == 200 and download.data == data
