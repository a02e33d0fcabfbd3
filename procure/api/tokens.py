"""API tokens through the API: a client revokes the token it is called with (say, one that
leaked). Making and listing tokens is on the token page (a token is shown once, to a person)."""

from __future__ import annotations

from flask import abort, request
from flask.views import MethodView

from procure import accounts, policy
from procure.api.common import PREFIX, Blueprint
from procure.extensions import db
from procure.faces import actor

bp = Blueprint("api_tokens", __name__, url_prefix=PREFIX + "/tokens",
               description="The caller's own API token")


@bp.route("/current")
class CurrentToken(MethodView):
    @policy.rule("account.tokens")
    @bp.response(204)
    @bp.errors(403, 404)
    def delete(self) -> None:
        """Revoke the token this request carries: it stops working at once."""
        raw = request.headers.get("Authorization", "")[7:].strip()
        row = accounts.token_row(db.session, raw)
        if row is None:
            abort(404)
        accounts.revoke_token(db.session, actor(), row.id)
        db.session.commit()
