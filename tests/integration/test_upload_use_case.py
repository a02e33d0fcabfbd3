"""The upload use cases (workflows.response.upload_document, workflows.solicitation.
upload_document): refused before anything is stored, within the limits, replacing only the
response's own documents, and the read queued only once the caller commits."""

from __future__ import annotations

import io

import pytest

from procure import policy
from procure.models import Document, ResponseStatus
from procure.storage import LocalStore
from procure.workflows import response as flow
from procure.workflows import solicitation as solicitation_flow
from procure.workflows.base import NotFound, Uploads, WorkflowError
from tests.support.factories import draft_rfr, published_rfr, user
from tests.support.pdfs import complete_response


@pytest.fixture
def setting(ctx, people, tmp_path):
    rfr = published_rfr(ctx, user(ctx, "officer"), days_open=31)
    bidder = user(ctx, "bidder")
    row = flow.start(ctx, bidder, rfr.lots[0])
    reads: list[int] = []
    store = LocalStore(tmp_path / "store")
    uploads = Uploads(store=store, max_bytes=200_000, max_files=2, read=reads.append)
    return row, bidder, uploads, reads


def _upload(ctx, row, who, uploads, content=None, **kwargs):
    return flow.upload_document(ctx, row, who, stream=io.BytesIO(content or complete_response()),
                                filename="../Proposal\x07.pdf", kind=flow.DocumentKind.narrative,
                                uploads=uploads, **kwargs)


def test_the_read_is_queued_only_after_the_commit(ctx, setting):
    row, bidder, uploads, reads = setting
    document = _upload(ctx, row, bidder, uploads)
    assert document.filename == "Proposal.pdf" and uploads.store.exists(document.sha256)
    assert reads == []
    ctx.commit()
    assert reads == [document.id]
    _upload(ctx, row, bidder, uploads, complete_response("Other Org"))
    ctx.rollback()           # nothing accepted: nothing to read
    assert reads == [document.id]


def test_refused_before_anything_is_stored(ctx, setting):
    row, bidder, uploads, reads = setting
    row.status = ResponseStatus.submitted
    with pytest.raises(WorkflowError, match="withdraw it"):
        _upload(ctx, row, bidder, uploads)
    assert list(uploads.store.iter_hashes()) == []
    with pytest.raises(policy.Denied):
        _upload(ctx, row, user(ctx, "other_bidder"), uploads)


def test_limits_on_size_and_count(ctx, setting):
    row, bidder, uploads, reads = setting
    with pytest.raises(WorkflowError, match="larger than the limit"):
        _upload(ctx, row, bidder, uploads, b"%PDF-1.7\n" + b"x" * 300_000)
    assert list(uploads.store.iter_hashes()) == [] and row.current_documents == []
    first = _upload(ctx, row, bidder, uploads, complete_response("A"))
    _upload(ctx, row, bidder, uploads, complete_response("B"))
    with pytest.raises(WorkflowError, match="at most 2 files"):
        _upload(ctx, row, bidder, uploads, complete_response("C"))
    replaced = _upload(ctx, row, bidder, uploads, complete_response("C"), replaces_id=first.public_id)
    ctx.commit()
    assert first.removed_at is not None and replaced in row.current_documents
    assert len(row.current_documents) == 2 and reads[-1] == replaced.id


def test_replacing_another_responses_document_is_not_found(ctx, setting):
    row, bidder, uploads, reads = setting
    theirs = flow.start(ctx, user(ctx, "other_bidder"), row.lot)
    document = _upload(ctx, theirs, user(ctx, "other_bidder"), uploads)
    with pytest.raises(NotFound):
        _upload(ctx, row, bidder, uploads, replaces_id=document.public_id)
    assert ctx.get(Document, document.id).removed_at is None


def test_solicitation_documents_join_a_draft_or_an_addendum(ctx, people, tmp_path):
    officer = user(ctx, "officer")
    uploads = Uploads(store=LocalStore(tmp_path / "store"), max_bytes=200_000, max_files=2)
    draft = draft_rfr(ctx, officer)
    attached = solicitation_flow.upload_document(
        ctx, draft, officer, stream=io.BytesIO(complete_response()), filename="C:\\forms\\rfr.pdf",
        title=" The RFR ", uploads=uploads)
    assert (attached.filename, attached.title) == ("rfr.pdf", "The RFR")
    assert uploads.store.exists(attached.sha256)
    published = published_rfr(ctx, officer)
    with pytest.raises(WorkflowError, match="only by addendum"):
        solicitation_flow.upload_document(ctx, published, officer,
                                          stream=io.BytesIO(b"%PDF-1.7 other"),
                                          filename="late.pdf", title="Late", uploads=uploads)
    assert len(list(uploads.store.iter_hashes())) == 1
