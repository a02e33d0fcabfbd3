"""`procure backup DIR` and `procure restore DIR`: a copy restored into an empty service has the
same audit chain (it verifies), the same rows, and documents that match their hashes: the bidder
downloads the very file they uploaded (SQLite and PostgreSQL; local store and S3 on moto)."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager

from sqlalchemy import func, select

from procure import audit, create_app
from procure.cli import upgrade_database
from procure.extensions import db
from procure.models import Base, Document, SolicitationDocument
from procure.storage import store_from_config
from tests.support import world as world_module


@contextmanager
def _empty_database(app, folder):
    """A new database of the same kind as the suite's: SQLite in `folder`, or a new PostgreSQL
    database on the suite's server."""
    if app.config["DATABASE_URL"].startswith("sqlite"):
        yield f"sqlite:///{folder}/restored.sqlite3"
        return
    from tests.conftest import _postgres_database
    yield from _postgres_database()


def _empty_service(database_url: str, **storage):
    """A new installation: migrated, reference data, no people, no documents."""
    service = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                          "DATABASE_URL": database_url, "PASSWORD_HASH_PROFILE": "CHEAPEST",
                          "INTAKE_IN_PROCESS": True, **storage})
    with service.app_context():
        upgrade_database()
    return service


def _counts(service) -> dict[str, int]:
    with service.app_context():
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


def _files_match_their_hashes(service) -> int:
    with service.app_context():
        store = store_from_config(service.config)
        names = list(db.session.scalars(select(Document.sha256)))
        names += list(db.session.scalars(select(SolicitationDocument.sha256)))
        for images in db.session.scalars(select(Document.page_images)):
            names += images or []
        for name in names:
            with store.open(name) as stream:
                assert hashlib.sha256(stream.read()).hexdigest() == name
        db.session.remove()
        return len(names)


def _restore_and_check(app, world, folder, target) -> None:
    restored = target.test_cli_runner().invoke(args=["restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert "audit chain intact" in restored.output

    assert _counts(target) == _counts(app)
    with app.app_context():
        before = audit.verify(db.session)
        db.session.remove()
    with target.app_context():
        after = audit.verify(db.session)
        db.session.remove()
    assert after.ok and after.events == before.events > 0
    assert _files_match_their_hashes(target) >= 3

    # What the bidder sees on the restored service: their response and the file they uploaded.
    http = target.test_client()
    bearer = {"Authorization": f"Bearer {world.tokens['bidder']}"}
    response_id, document_id = world.ids["response"], world.ids["document"]
    listed = http.get(f"/api/v1/responses/{response_id}", headers=bearer)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    download = http.get(f"/api/v1/responses/{response_id}/documents/{document_id}/file",
                        headers=bearer)
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == world.sha256


def test_backup_restores_into_an_empty_service(app, tmp_path):
    world = world_module.build(app, opened=True)
    folder = tmp_path / "backup"
    made = app.test_cli_runner().invoke(args=["backup", str(folder)])
    assert made.exit_code == 0, made.output
    assert (folder / "manifest.json").is_file()

    with _empty_database(app, tmp_path) as url:
        target = _empty_service(url, UPLOAD_FOLDER=str(tmp_path / "restored-uploads"))
        try:
            _restore_and_check(app, world, folder, target)
            # Restoring twice is refused: the service is no longer empty.
            again = target.test_cli_runner().invoke(args=["restore", str(folder)])
            assert again.exit_code == 1
            assert "not empty" in again.output
        finally:
            with target.app_context():
                db.engine.dispose()


def test_backup_and_restore_with_documents_in_s3(app, tmp_path, s3_bucket):
    """Restored into a service on S3; backed up from it again, the same documents come out."""
    endpoint, bucket = s3_bucket
    world = world_module.build(app, opened=True)
    folder = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", str(folder)]).exit_code == 0

    with _empty_database(app, tmp_path) as url:
        target = _empty_service(url, S3_BUCKET=bucket, S3_ENDPOINT_URL=endpoint)
        try:
            _restore_and_check(app, world, folder, target)
            second = tmp_path / "from-s3"
            made = target.test_cli_runner().invoke(args=["backup", str(second)])
            assert made.exit_code == 0, made.output
            assert sorted(p.name for p in (second / "documents").iterdir()) == sorted(
                p.name for p in (folder / "documents").iterdir())
        finally:
            with target.app_context():
                db.engine.dispose()


def test_backup_refuses_a_folder_in_use_and_restore_a_folder_without_a_backup(app, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    refused = app.test_cli_runner().invoke(args=["backup", str(used)])
    assert refused.exit_code == 1
    assert "not empty" in refused.output
    nothing = app.test_cli_runner().invoke(args=["restore", str(tmp_path)])
    assert nothing.exit_code == 1
    assert "no backup" in nothing.output
