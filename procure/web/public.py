"""What anyone can see: published solicitations, their documents, lots, addenda and answers."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from procure import policy
from procure.extensions import db
from procure.intake.storage import store_from_config
from procure.models import (
    Agency,
    AreaOffice,
    Lot,
    Region,
    ServiceModel,
    Solicitation,
    SolicitationDocument,
    SolicitationStatus,
)
from procure.web.forms import CommentForm, QuestionForm, SearchForm
from procure.workflows import solicitation as flow

bp = Blueprint("public", __name__)

PUBLIC_STATES = [s for s in SolicitationStatus if s is not SolicitationStatus.draft]


def published_solicitation(solicitation_id: int) -> Solicitation:
    row = db.session.get(Solicitation, solicitation_id)
    if row is None or not flow.is_public(row):
        abort(404)
    return row


def search_query(form: SearchForm):
    query = select(Solicitation).where(flow.PUBLIC)
    if form.q.data:
        for word in form.q.data.split()[:8]:
            like = f"%{word}%"
            query = query.where(or_(Solicitation.title.ilike(like),
                                    Solicitation.number.ilike(like),
                                    Solicitation.description.ilike(like)))
    if form.agency.data:
        query = query.where(Solicitation.agencies.any(Agency.code == form.agency.data))
    if form.region.data:
        region_id = int(form.region.data)
        query = query.where(Solicitation.lots.any(or_(
            Lot.region_id == region_id,
            Lot.area_offices.any(AreaOffice.region_id == region_id))))
    if form.service_model.data:
        query = query.where(Solicitation.lots.any(Lot.service_model_code == form.service_model.data))
    if form.status.data:
        query = query.where(Solicitation.status == SolicitationStatus[form.status.data])
    # Open solicitations first, then the rest; latest deadline first within each.
    return query.options(selectinload(Solicitation.agencies)).order_by(
        Solicitation.status != SolicitationStatus.published, Solicitation.deadline.desc(),
        Solicitation.id.desc())


def fill_search_choices(form: SearchForm) -> None:
    form.agency.choices = [("", "Any agency")] + [
        (a.code, a.code) for a in db.session.scalars(select(Agency).order_by(Agency.code))]
    form.region.choices = [("", "Any region")] + [
        (str(r.id), r.name) for r in db.session.scalars(select(Region).order_by(Region.name))]
    form.service_model.choices = [("", "Any service model")] + [
        (m.code, m.name) for m in db.session.scalars(select(ServiceModel).order_by(ServiceModel.name))]
    form.status.choices = [("", "Any status")] + [(s.name, s.value) for s in PUBLIC_STATES]


@bp.route("/")
@policy.rule("public.browse")
def home():
    form = SearchForm(request.args)
    fill_search_choices(form)
    page = db.paginate(search_query(form), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("public/list.html", form=form, page=page)


@bp.route("/solicitations/<int:solicitation_id>")
@policy.rule("public.browse")
def solicitation(solicitation_id: int):
    row = published_solicitation(solicitation_id)
    answered = [q for q in row.questions if q.answer is not None]
    mine = [q for q in row.questions if q.answer is None and current_user.is_authenticated
            and q.asked_by_id == current_user.id]
    return render_template("public/solicitation.html", s=row, answered=answered, mine=mine,
                           question_form=QuestionForm(), comment_form=CommentForm(),
                           accepting=flow.is_accepting(row))


@bp.route("/solicitations/<int:solicitation_id>/documents/<int:document_id>")
@policy.rule("public.browse")
def document(solicitation_id: int, document_id: int):
    row = published_solicitation(solicitation_id)
    doc = db.session.get(SolicitationDocument, document_id)
    if doc is None or doc.solicitation_id != row.id:
        abort(404)
    store = store_from_config(current_app.config)
    return send_file(store.open(doc.sha256), mimetype="application/pdf", as_attachment=True,
                     download_name=doc.filename)


@bp.route("/solicitations/<int:solicitation_id>/cover-sheet.pdf")
@policy.rule("public.browse")
def cover_sheet(solicitation_id: int):
    import io

    from procure.intake.cover_sheet import make_cover_sheet
    row = published_solicitation(solicitation_id)
    pdf = make_cover_sheet(row.number, row.title, [(str(lot.number), lot.title) for lot in row.lots])
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{row.number}-cover-sheet.pdf")


@bp.route("/solicitations/<int:solicitation_id>/questions", methods=["POST"])
@policy.rule("question.ask")
def ask(solicitation_id: int):
    row = published_solicitation(solicitation_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        flash("Write your question before sending it.", "danger")
    else:
        flow.ask_question(db.session, row, current_user, form.body.data)
        db.session.commit()
        flash("Your question was sent privately. The answer will be published here for everyone, "
              "without your name.", "success")
    return redirect(url_for("public.solicitation", solicitation_id=row.id) + "#questions")


@bp.route("/solicitations/<int:solicitation_id>/comments", methods=["POST"])
@policy.rule("rfi.comment")
def comment(solicitation_id: int):
    row = published_solicitation(solicitation_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash("Write your comment before sending it.", "danger")
    else:
        flow.comment_on_rfi(db.session, row, current_user, form.body.data)
        db.session.commit()
        flash("Thank you: your comment was received by the agency.", "success")
    return redirect(url_for("public.solicitation", solicitation_id=row.id))


