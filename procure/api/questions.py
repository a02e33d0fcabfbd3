"""Questions bidders ask privately and the answers the agency publishes to everyone (without
the asker's name)."""

from __future__ import annotations

from flask import abort
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from procure import policy
from procure.api.common import PREFIX, Blueprint, Text, visible_solicitation
from procure.extensions import db
from procure.faces import actor
from procure.models import Question
from procure.workflows import solicitation as flow

bp = Blueprint("api_questions", __name__, url_prefix=PREFIX,
               description="Questions and published answers")


class QuestionSchema(Schema):
    id = fields.Integer()
    question = fields.String(attribute="body")
    asked_at = fields.DateTime()
    answer = fields.String(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)


class AskSchema(Schema):
    body = Text(required=True, validate=validate.Length(min=1, max=5000))


class AnswerSchema(Schema):
    answer = Text(required=True, validate=validate.Length(min=1, max=10000),
                  metadata={"description": "published to everyone, without the asker's name"})


@bp.route("/solicitations/<int:solicitation_id>/questions")
class Questions(MethodView):
    @policy.rule("public.browse")
    @bp.response(200, QuestionSchema(many=True))
    @bp.errors(404)
    def get(self, solicitation_id: int) -> list[Question]:
        """The answered questions; a bidder also sees their own waiting ones, the agency all."""
        return flow.questions_for(visible_solicitation(solicitation_id), actor())

    @policy.rule("question.ask")
    @bp.arguments(AskSchema)
    @bp.response(201, QuestionSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, solicitation_id: int) -> Question:
        """Ask a question privately (bidders)."""
        row = visible_solicitation(solicitation_id)
        question = flow.ask_question(db.session, row, actor(), data["body"])
        db.session.commit()
        return question


@bp.route("/solicitations/<int:solicitation_id>/questions/<int:question_id>/answer")
class QuestionAnswer(MethodView):
    @policy.rule("solicitation.manage")
    @bp.arguments(AnswerSchema)
    @bp.response(200, QuestionSchema)
    @bp.errors(400, 403, 404, 409)
    def put(self, data: dict, solicitation_id: int, question_id: int) -> Question:
        """Publish (or revise) the answer to a question."""
        row = visible_solicitation(solicitation_id)
        question = db.session.get(Question, question_id)
        if question is None or question.solicitation_id != row.id:
            abort(404)
        flow.answer_question(db.session, question, actor(), data["answer"])
        db.session.commit()
        return question
