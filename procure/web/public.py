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
from sqlalchemy import select

from procure import policy, search
from procure.extensions import db
from procure.faces import actor, search_page, send_document
from procure.models import (
    Agency,
    DocumentKind,
    Region,
    ServiceModel,
    Solicitation,
    SolicitationDocument,
)
from procure.public_cache import public_page
from procure.web.forms import CommentForm, QuestionForm, SearchForm
from procure.workflows import evaluation as evaluation_flow
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow

bp = Blueprint("public", __name__)

def published_solicitation(solicitation_id: int) -> Solicitation:
    """A solicitation as anyone sees it on the public pages (never a draft)."""
    return search.visible_solicitation(db.session, None, solicitation_id)


def fill_search_choices(form: SearchForm) -> None:
    form.agency.choices = [("", "Any agency")] + [
        (a.code, a.code) for a in db.session.scalars(select(Agency).order_by(Agency.code))]
    form.region.choices = [("", "Any region")] + [
        (str(r.id), r.name) for r in db.session.scalars(select(Region).order_by(Region.name))]
    form.service_model.choices = [("", "Any service model")] + [
        (m.code, m.name) for m in db.session.scalars(select(ServiceModel).order_by(ServiceModel.name))]
    form.status.choices = [("", "Any status")] + [(s.name, s.value) for s in policy.PUBLIC_STATES]


@bp.route("/")
@policy.rule("public.browse")
@public_page
def home():
    form = SearchForm(request.args)
    fill_search_choices(form)
    found = search.filters(q=form.q.data, agency=form.agency.data,
                           region=form.region.data, service_model=form.service_model.data,
                           status=form.status.data)
    page = search_page(found, search.page_number(request.args.get("page")),
                       current_app.config["PAGE_SIZE"])
    return render_template("public/list.html", form=form, page=page, more=page.more,
                           listed=search.LISTED)


@bp.route("/solicitations/<int:solicitation_id>")
@policy.rule("public.browse")
@public_page
def solicitation(solicitation_id: int):
    row = published_solicitation(solicitation_id)
    visible = flow.questions_for(row, current_user)
    answered = [q for q in visible if q.answer is not None]
    mine = [q for q in visible if q.answer is None
            and q.asked_by_id == getattr(current_user, "id", None)]
    # A form is made only for someone who may send it: making one puts a token in the session,
    # and the public's page is then made for this visitor alone (procure.public_cache).
    who = actor()
    return render_template("public/solicitation.html", s=row, answered_questions=answered, mine=mine,
                           question_form=QuestionForm() if policy.allows(who, "question.ask") else None,
                           comment_form=CommentForm() if policy.allows(who, "rfi.comment") else None,
                           rate_lines=evaluation_flow.rate_card(db.session, row),
                           accepting=flow.is_accepting(row), kinds=DocumentKind.__members__,
                           answered=response_flow.answered_lots(db.session, current_user, row))


@bp.route("/solicitations/<int:solicitation_id>/documents/<int:document_id>")
@policy.rule("public.browse")
def document(solicitation_id: int, document_id: int):
    row = published_solicitation(solicitation_id)
    doc = db.session.get(SolicitationDocument, document_id)
    if doc is None or doc.solicitation_id != row.id:
        abort(404)
    return send_document(doc)


@bp.route("/solicitations/<int:solicitation_id>/cover-sheet.pdf")
@policy.rule("public.browse")
def cover_sheet(solicitation_id: int):
    import io

    from procure.documents.cover_sheet import make_cover_sheet
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


