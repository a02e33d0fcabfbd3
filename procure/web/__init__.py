"""The browser side: blueprints per audience, the policy gate, errors, security headers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request, url_for
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as HTTPNotFound

from procure import accounts, clock, policy, search
from procure.extensions import db, login_manager
from procure.faces import InvalidToken, actor, is_api_request, receive
from procure.models import User
from procure.workflows.base import NotFound, WorkflowError

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'self'; frame-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'")


def _gate() -> Any:
    """Deny by default: every endpoint must name its policy action, and the actor must hold it."""
    receive()
    if request.endpoint is None:
        return None  # 404 follows
    view = current_app.view_functions.get(request.endpoint)
    action = policy.action_of(view, request.method) if view else None
    if action is None:
        raise policy.Denied("This page has no access rule, so it is closed to everyone.")
    who = actor()
    if not policy.allows(who, action):
        if not who.is_authenticated and not is_api_request():
            return login_manager.unauthorized()
        raise policy.Denied()
    return None


def _wants_json() -> bool:
    return is_api_request() or request.accept_mimetypes.best_match(
        ["text/html", "application/json"]) == "application/json"


def _error(status: int, title: str, message: str, **extra: Any) -> Any:
    db.session.rollback()
    if _wants_json():
        body = {"code": status, "status": title, "message": message, **extra}
        return jsonify(body), status
    return render_template("error.html", status=status, title=title, message=message,
                           **extra), status


def init_app(app: Flask) -> None:
    from procure.web import admin, auth, award, bidder, evaluation, officer, public
    for module in (public, auth, officer, bidder, admin, evaluation, award):
        app.register_blueprint(module.bp)

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return accounts.user_for_session(db.session, user_id)   # None once that session ended

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"

    app.before_request(_gate)

    # Static files are public: they carry the same rule as the public pages.
    for endpoint, view in list(app.view_functions.items()):
        if endpoint == "static" or endpoint.endswith(".static"):
            app.view_functions[endpoint] = policy.rule("public.browse")(view)

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if "received_at" in g:   # what the deadline was judged on
            response.headers["X-Received-At"] = g.received_at.isoformat()
        if request.endpoint and not request.endpoint.endswith("static"):
            response.headers["Cache-Control"] = "no-store, private"   # send_file says no-cache
        return response

    @app.errorhandler(WorkflowError)
    def workflow_refused(error: WorkflowError) -> Any:
        return _error(409, "That cannot be done now", error.message, allowed=error.allowed)

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(error: StaleDataError) -> Any:
        return _error(409, "Changed by someone else",
                      "Someone else changed this at the same moment. Reload the page and try "
                      "again.", allowed=[])

    @app.errorhandler(InvalidToken)
    def invalid_token(error: InvalidToken) -> Any:
        body, status = _error(401, "Unauthorized", error.message)
        return body, status, {"WWW-Authenticate": 'Bearer realm="procure", '
                                                  'error="invalid_token"'}

    @app.errorhandler(policy.Denied)
    def denied(error: policy.Denied) -> Any:
        return _error(403, "Forbidden", error.message)

    @app.errorhandler(search.InvalidSearch)
    def invalid_search(error: search.InvalidSearch) -> Any:
        """The way back is the same list with everything the person chose but the value
        refused (and the page): not the page before, which had not got the words."""
        if request.method != "GET" or request.endpoint is None or is_api_request():
            return _error(400, "That search cannot be run", str(error))
        kept = {name: value for name, value in request.args.items()
                if name in search.FILTERS and name != error.field and value}
        back = url_for(request.endpoint, **(request.view_args or {}), **kept)
        return _error(400, "That search cannot be run", str(error), back=back,
                      searched=kept.get("q", ""))

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> Any:
        return _error(404, "Not found", str(error) or "There is nothing here.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if isinstance(error, HTTPNotFound):
            return _error(404, "Not found", "There is nothing at this address.")
        if error.code == 413:
            limit = current_app.config["MAX_UPLOAD_BYTES"] / (1024 * 1024)
            return _error(413, "File too large", f"Files may be at most {limit:g} MB. Nothing "
                          "was stored; upload a smaller file.")
        if error.code == 400 and "CSRF" in (error.description or ""):
            return _error(400, "Form expired", "The form expired or came from elsewhere. "
                          "Reload the page and send it again.")
        extra = {}
        messages = (getattr(error, "data", None) or {}).get("messages")
        if messages:  # webargs' field errors on the API (422); a nameless field is ""
            extra["errors"] = _named(messages)
        return _error(error.code or 500, error.name, error.description or "", **extra)

    def _named(messages: Any) -> Any:
        if not isinstance(messages, dict):
            return messages
        return {("" if key is None else str(key)): _named(value)
                for key, value in messages.items()}

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        app.logger.exception("unhandled error")
        return _error(500, "Something went wrong", "The service hit an error; nothing was "
                      "saved. Try again, and tell the procurement office if it persists.")

    @app.template_filter("moment")
    def moment_filter(value: Any) -> str:
        return clock.format_moment(value)

    from procure.workflows.labels import (
        counted, file_size, page_range, rejection_label, state_label, weighted_total,
    )
    app.add_template_filter(state_label, "state")
    app.add_template_filter(weighted_total, "total")
    app.add_template_filter(rejection_label, "rejection")
    app.add_template_filter(counted, "counted")
    app.add_template_filter(file_size, "filesize")
    app.add_template_global(page_range, "page_range")
    from procure.workflows.response import file_problems
    app.add_template_global(file_problems, "file_problems")

    @app.template_filter("money")
    def money_filter(value: Any) -> str:
        """$700,150.00: dollars with thousands separators and cents (numbers or their text),
        half a cent rounded up, as the agency rounds money (not to the even cent)."""
        if value is None or value == "":
            return ""
        try:
            amount = Decimal(str(value).replace(",", "").lstrip("$"))
            amount = amount.quantize(Decimal("0.01"), ROUND_HALF_UP)
        except InvalidOperation:
            return str(value)
        return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"

    @app.context_processor
    def helpers() -> dict[str, Any]:
        return {"policy": policy, "now": clock.now(), "actor": actor}
