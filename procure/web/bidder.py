"""Bidders: my responses, upload with progress, the record read from each PDF, submit, receipt."""

from __future__ import annotations

from uuid import UUID

from flask import (
    Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file,
    url_for,
)
from flask_login import current_user

from procure import accounts, clock, policy
from procure.extensions import db, limiter
from procure.intake import jobs
from procure.intake.storage import TooLarge, store_from_config
from procure.models import Document, DocumentKind, Lot
from procure.web import received_at
from procure.web.forms import EventForm, UploadForm
from procure.workflows import response as flow
from procure.workflows import solicitation as solicitation_flow
from procure.workflows.base import WorkflowError

bp = Blueprint("bidder", __name__, url_prefix="/bidder")


@bp.route("/")
@policy.rule("response.work")
def dashboard():
    return render_template("bidder/dashboard.html", responses=flow.my_responses(db.session, current_user),
                           days_left=solicitation_flow.days_left)


@bp.route("/lots/<int:lot_id>/respond", methods=["POST"])
@policy.rule("response.work")
def start(lot_id: int):
    lot = db.get_or_404(Lot, lot_id)
    row = flow.start(db.session, current_user, lot)
    db.session.commit()
    return redirect(url_for("bidder.response", response_id=row.public_id))


def _my_response(response_id: UUID):
    row = flow.readable_response(db.session, current_user, response_id)
    policy.require(current_user, "response.work", row)
    return row


@bp.route("/responses/<uuid:response_id>")
@policy.rule("response.work")
def response(response_id: UUID):
    row = _my_response(response_id)
    return render_template("bidder/response.html", r=row, form=UploadForm(),
                           event_form=EventForm(), events=flow.allowed_events(row, current_user),
                           labels=flow.LABELS, consequences=flow.CONSEQUENCES,
                           problems=flow.completeness(row),
                           accepting=solicitation_flow.is_accepting(row.solicitation))


@bp.route("/responses/<uuid:response_id>/documents", methods=["POST"])
@bp.route("/responses/<uuid:response_id>/documents/<uuid:replaces_id>", methods=["POST"])
@policy.rule("response.work")
@limiter.limit(lambda: current_app.config["UPLOAD_RATE_LIMIT"],
               key_func=lambda: f"upload:{current_user.id}")
def upload(response_id: UUID, replaces_id: UUID | None = None):
    row = _my_response(response_id)
    accounts.require_storage(db.session, current_user, request.content_length,
                             current_app.config["ORGANIZATION_STORAGE_BYTES"])
    form = UploadForm()
    if not form.validate_on_submit():
        message = "; ".join(m for messages in form.errors.values() for m in messages)
        raise WorkflowError(message or "Choose a PDF file to upload.")
    replaces = flow.document_of(row, replaces_id) if replaces_id is not None else None
    # Refuse early, before storing anything, when the response cannot change now.
    flow.require_editable(row, received_at())
    store = store_from_config(current_app.config)
    try:
        stored = store.put(form.file.data.stream, max_bytes=current_app.config["MAX_UPLOAD_BYTES"])
    except TooLarge as too_large:
        raise WorkflowError(str(too_large)) from None
    try:
        document = flow.add_document(
            db.session, row, current_user, kind=DocumentKind[form.kind.data],
            filename=form.file.data.filename or "document.pdf", stored=stored,
            max_files=current_app.config["MAX_FILES_PER_RESPONSE"], replaces=replaces,
            received_at=received_at())
    except flow.DuplicateFile as duplicate:
        db.session.rollback()
        flash(duplicate.message, "warning")
        return redirect(url_for("bidder.response", response_id=row.public_id))
    db.session.commit()
    jobs.enqueue(document.id)
    flash(f"{document.filename} was received and is being read.", "success")
    return redirect(url_for("bidder.response", response_id=row.public_id) + f"#document-{document.public_id}")


@bp.route("/responses/<uuid:response_id>/documents/<uuid:document_id>/remove", methods=["POST"])
@policy.rule("response.work")
def remove(response_id: UUID, document_id: UUID):
    row = _my_response(response_id)
    document = flow.document_of(row, document_id)
    flow.remove_document(db.session, row, current_user, document)
    db.session.commit()
    flash(f"{document.filename} was removed from the response (it stays in its history).", "info")
    return redirect(url_for("bidder.response", response_id=row.public_id))


@bp.route("/responses/<uuid:response_id>/events/<event>", methods=["POST"])
@policy.rule("response.work")
def fire(response_id: UUID, event: str):
    row = _my_response(response_id)
    flow.fire(db.session, row, event, current_user, received_at=received_at())
    db.session.commit()
    flash(flow.DONE.get(event, "Done."), "success")
    if event == "submit":
        return redirect(url_for("bidder.receipt", response_id=row.public_id))
    return redirect(url_for("bidder.response", response_id=row.public_id))


@bp.route("/responses/<uuid:response_id>/receipt")
@policy.rule("response.work")
def receipt(response_id: UUID):
    row = _my_response(response_id)
    if not row.receipts:
        abort(404)
    return render_template("bidder/receipt.html", r=row, receipt=row.last_receipt)


@bp.route("/responses/<uuid:response_id>/progress")
@policy.rule("response.work")
def progress(response_id: UUID):
    """Intake progress for the page's script (polled; no reload)."""
    row = _my_response(response_id)
    return jsonify({"documents": [
        {"id": d.public_id, "status": d.intake_status.name, "label": d.intake_status.value,
         "pages_done": d.pages_done, "pages_total": d.pages_total}
        for d in row.current_documents], "now": clock.now().isoformat()})


@bp.route("/documents/<uuid:document_id>")
@policy.rule("response.work")
def document(document_id: UUID):
    document = flow.readable_document(db.session, current_user, document_id)
    policy.require(current_user, "response.work", document.response)
    return render_template("document.html", d=document, r=document.response, area="bidder",
                           back=url_for("bidder.response", response_id=document.response.public_id))


@bp.route("/documents/<uuid:document_id>/pages/<int:number>.png")
@policy.rule("response.work")
def page_image(document_id: UUID, number: int):
    document = flow.readable_document(db.session, current_user, document_id)
    policy.require(current_user, "response.work", document.response)
    return send_page_image(document, number)


@bp.route("/documents/<uuid:document_id>/file")
@policy.rule("response.work")
def document_file(document_id: UUID):
    document = flow.readable_document(db.session, current_user, document_id)
    policy.require(current_user, "response.work", document.response)
    return send_document(document)


def send_document(document: Document):
    store = store_from_config(current_app.config)
    return send_file(store.open(document.sha256), mimetype="application/pdf",
                     download_name=document.filename, as_attachment=True)


def send_page_image(document: Document, number: int):
    """One page's picture, made by the isolated worker (the web process never opens a PDF)."""
    images = document.page_images or []
    if not 1 <= number <= len(images):
        abort(404)
    store = store_from_config(current_app.config)
    return send_file(store.open(images[number - 1]), mimetype="image/png",
                     download_name=f"page-{number}.png")
