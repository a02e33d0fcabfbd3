"""Staff invitations: an administrator invites a procurement officer or a panelist by email; the
invitation mails a link that sets their password once, within INVITATION_DAYS. An administrator
is invited only on the Users page, by an administrator signed in by password: a leaked token
must not be a way to make more administrators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from procure import accounts, clock, config, faces, policy
from procure.api.common import PREFIX, Blueprint, Text
from procure.extensions import db
from procure.models import Role

bp = Blueprint("api_invitations", __name__, url_prefix=PREFIX + "/invitations",
               description="Staff invitations (the administrator's)")

ROLES = (Role.officer, Role.panelist)


class InvitationSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=200))
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf([r.name for r in ROLES]),
                         metadata={"description": "officer or panelist"})


class InvitationSentSchema(Schema):
    email = fields.String()
    name = fields.String()
    role = fields.String()
    expires_at = fields.DateTime(metadata={"description": "when the emailed link stops working"})


@bp.route("/")
class Invitations(MethodView):
    @policy.rule("admin.users")
    @bp.arguments(InvitationSchema)
    @bp.response(201, InvitationSentSchema)
    @bp.errors(403, 409)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Invite a member of staff (an officer or a panelist): they are emailed a link that
        sets their password once. Inviting again someone who has not accepted sends a new link."""
        link = faces.invitation_link()
        role = Role[body["role"]]
        messages = accounts.invite(db.session, faces.actor(), email=body["email"],
                                   name=body["name"], role=role, link=link,
                                   agency_domains=config.agency_domains(current_app.config))
        db.session.commit()
        faces.send_mail(messages)
        return {"email": body["email"].strip().lower(), "name": body["name"],
                "role": role.name, "expires_at": clock.now() + timedelta(days=link.max_days)}
