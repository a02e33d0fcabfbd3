"""Sign in and out, register a provider organisation (confirmed by an emailed link), manage its
members, one's own account (password, sessions) and API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from procure import accounts, config, faces, mail, policy
from procure.extensions import db, limiter
from procure.models import Role, SupplierDiversity, User
from procure.web.forms import (
    DiversityForm, ForgotForm, LoginForm, MemberForm, PasswordForm, RegisterForm, ResetForm,
    TokenForm,
)
from procure.workflows.base import WorkflowError

bp = Blueprint("auth", __name__)

THROTTLED = ("Too many sign-in attempts for this account from your address. Wait a minute and "
             "try again; each further failed attempt makes the wait longer. Signing in from "
             "elsewhere is not affected.")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_LIMIT"]


def _member_limit() -> str:
    return current_app.config["MEMBER_RATE_LIMIT"]


def _account_at_address() -> str:
    return f"{(request.form.get('email') or '').strip().lower()}@{get_remote_address()}"


def _failed(response) -> bool:   # a successful sign-in redirects
    return response.status_code != 302


def safe_next(target: str | None) -> str | None:
    """A path on this site to go to after signing in, or None: no scheme, no host, no control
    characters or backslashes (browsers read `/\\evil` and `/<tab>/evil` as another site)."""
    if not target or any(ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user: User) -> str:
    if user.role is Role.admin:
        return url_for("admin.home")
    if user.role is Role.officer:
        return url_for("officer.dashboard")
    if user.role is Role.bidder:
        return url_for("bidder.dashboard")
    if user.role is Role.panelist:
        return url_for("evaluation.mine")
    return url_for("public.home")


def _link() -> accounts.ConfirmLink:
    return accounts.ConfirmLink(current_app.config["SECRET_KEY"], current_app.config["BASE_URL"],
                                current_app.config["EMAIL_CONFIRM_DAYS"])


@bp.route("/login", methods=["GET", "POST"])
@policy.rule("auth.login")
@limiter.limit(_account_limit, key_func=_account_at_address, methods=["POST"],
               deduct_when=_failed, error_message=THROTTLED)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, error_message=THROTTLED)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db.session, form.email.data, form.password.data)
        except WorkflowError as refused:
            db.session.rollback()
            faces.send_mail(accounts.pending_confirmation(db.session, form.email.data, _link()))
            flash(refused.message, "warning")
            return render_template("auth/login.html", form=form)
        db.session.commit()
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or home_for(user))
        flash(accounts.SIGN_IN_REFUSED, "danger")
    return render_template("auth/login.html", form=form)


RESET_SENT = ("If an account exists for that address, we sent a link to set a new password. "
              "It works once, within {hours} hours. Check your spam folder if nothing arrives.")


@bp.route("/forgot-password", methods=["GET", "POST"])
@policy.rule("auth.login")
@limiter.limit(_account_limit, key_func=_account_at_address, methods=["POST"],
               error_message=THROTTLED)
@limiter.limit(_login_limit, methods=["POST"], error_message=THROTTLED)
def forgot_password():
    """Ask for a reset link: the same answer whether or not an account has that address."""
    form = ForgotForm()
    if form.validate_on_submit():
        link = faces.reset_link()
        message, goes = accounts.request_password_reset(db.session, form.email.data, link)
        mail.queue_or_not(db.session, message, goes)   # sent by the scheduler, not now
        db.session.commit()
        flash(RESET_SENT.format(hours=link.max_hours), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@policy.rule("auth.login")
@limiter.limit(_login_limit, methods=["POST"], error_message=THROTTLED)
def reset_password(token: str):
    """Set a new password from the emailed link; every session of the account ends."""
    return _password_from_link(
        accounts.reset_user(db.session, faces.reset_link(), token), accounts.reset_password,
        "auth/reset.html", "Your new password is set, and every session of your account has "
                           "ended. Sign in with the new password.")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@policy.rule("auth.login")
@limiter.limit(_login_limit, methods=["POST"], error_message=THROTTLED)
def accept_invitation(token: str):
    """An invited member of staff sets their password from the emailed link (once)."""
    return _password_from_link(
        accounts.invited_user(db.session, faces.invitation_link(), token),
        accounts.accept_invitation, "auth/invitation.html",
        "Your password is set. Sign in with your email address and your new password.", invitation=True)


def _password_from_link(user: User | None, set_password, template: str, done: str,
                        **invalid: object):
    """The page of an emailed link that sets a password (a reset, an invitation): 404 for a
    link that does not work; the form, and `set_password(session, user, new)` once it is sent."""
    if user is None:
        return render_template("auth/reset_invalid.html", **invalid), 404
    form = ResetForm()
    if form.validate_on_submit():
        try:
            set_password(db.session, user, form.new_password.data)
        except WorkflowError as refused:
            db.session.rollback()
            form.new_password.errors.append(refused.message)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(done, "success")
            return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=user), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@policy.rule("auth.logout")
def logout():
    accounts.end_sessions(db.session, current_user)
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
@policy.rule("auth.register")
@limiter.limit(_login_limit, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            messages = accounts.self_register(
                db.session, agency_domains=config.agency_domains(current_app.config),
                link=_link(), legal_name=form.legal_name.data, fein=form.fein.data,
                address=form.address.data, contact_phone=form.contact_phone.data or "",
                diversity=SupplierDiversity[form.diversity.data], name=form.name.data,
                email=form.email.data, password=form.password.data)
        except WorkflowError as refused:
            db.session.rollback()
            form.legal_name.errors.append(refused.message)
        else:
            db.session.commit()
            faces.send_mail(messages)
            flash(f"Check your email: we sent a message to {form.email.data}. Follow its link "
                  "to confirm the address, then sign in.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


@bp.route("/verify-email/<token>")
@policy.rule("auth.register")
def verify_email(token: str):
    user = accounts.confirm_email(db.session, _link(), token)
    if user is None:
        abort(404)
    db.session.commit()
    return render_template("auth/confirmed.html", user=user)


@bp.route("/organization", methods=["GET", "POST"])
@policy.rule("organization.manage")
@limiter.limit(_member_limit, key_func=lambda: f"member:{current_user.id}", methods=["POST"])
def organization():
    org = current_user.organization
    form = MemberForm()
    if form.validate_on_submit():
        try:
            messages = accounts.add_colleague(
                db.session, org, current_user, name=form.name.data, email=form.email.data,
                password=form.password.data, link=_link(),
                agency_domains=config.agency_domains(current_app.config))
        except WorkflowError as refused:
            db.session.rollback()
            form.email.errors.append(refused.message)
        else:
            db.session.commit()
            faces.send_mail(messages)
            flash(f"We emailed {form.email.data} a link to confirm the address. Once they follow "
                  f"it, they can sign in and work on {org.legal_name}'s responses.", "success")
            return redirect(url_for("auth.organization"))
    return _organization_page(org, form)


def _organization_page(org, form, diversity_form=None, status: int = 200):
    members = [m for m in org.members if m.email_confirmed]
    if diversity_form is None:
        diversity_form = DiversityForm(prefix="diversity", formdata=None)
        diversity_form.diversity.data = org.diversity.name
    return render_template("auth/organization.html", org=org, members=members, form=form,
                           diversity_form=diversity_form), status


@bp.route("/organization/diversity", methods=["POST"])
@policy.rule("organization.manage")
def change_diversity():
    """The organisation's supplier-diversity certification, changed after registering."""
    org = current_user.organization
    form = DiversityForm(prefix="diversity")
    if not form.validate_on_submit():
        return _organization_page(org, MemberForm(formdata=None), form, 400)
    changed = accounts.change_diversity(db.session, org, current_user,
                                        SupplierDiversity[form.diversity.data])
    db.session.commit()
    flash(f"Supplier diversity: {org.diversity.value}." if changed else
          "The certification was already that; nothing changed.", "success")
    return redirect(url_for("auth.organization"))


@bp.route("/account")
@policy.rule("account.manage")
def account():
    return render_template("auth/account.html")


@bp.route("/account/password", methods=["GET", "POST"])
@policy.rule("account.manage")
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, current_user, form.current_password.data,
                                     form.new_password.data)
        except WorkflowError as refused:
            db.session.rollback()
            form.current_password.errors.append(refused.message)
        else:
            return _stay_signed_in("Your password is changed. You were signed out everywhere "
                                   "else.")
    return render_template("auth/password.html", form=form)


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@policy.rule("account.manage")
def sign_out_everywhere():
    accounts.sign_out_everywhere(db.session, current_user)
    return _stay_signed_in("You are signed out on every other device and browser.")


def _stay_signed_in(message: str):
    """Commit the ended sessions, and stamp this one with the new version (it goes on)."""
    db.session.commit()
    login_user(current_user._get_current_object())
    flash(message, "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@policy.rule("account.tokens")
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = accounts.make_token(db.session, current_user, form.password.data,
                                            form.name.data, days=int(form.days.data),
                                            read_only=bool(form.read_only.data))
        except WorkflowError as refused:
            db.session.rollback()
            form.password.errors.append(refused.message)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    return render_template("auth/tokens.html", tokens=accounts.tokens_of(db.session, current_user),
                           new_token=new_token, form=form), 400 if form.errors else 200


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@policy.rule("account.tokens")
def revoke_token(token_id: int):
    token = accounts.revoke_token(db.session, current_user, token_id)
    db.session.commit()
    flash(f"The token “{token.name}” is revoked: it no longer works.", "success")
    return redirect(url_for("auth.tokens"))
