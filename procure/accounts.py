"""People and organisations: passwords (argon2), sign-in, revocable sessions, registration with
a confirmed email, colleagues, API tokens (expiry, scope, revoke), deactivation, storage quota.

Sessions are revocable: the session holds "user id:session version" (User.get_id); bumping the
version (sign-out, password change, deactivation) ends every session that carries the old one.
Mail (confirmation links, notices) is returned to the caller to send after the commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from procure import audit, clock, policy
from procure.models import ApiToken, Organization, Role, SupplierDiversity, User
from procure.workflows.base import NotFound, refuse

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both paths cost the same (no user enumeration).
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def use_hash_profile(name: str) -> None:
    """Pick argon2-cffi's parameter profile (PASSWORD_HASH_PROFILE; the test suite uses CHEAPEST)."""
    global _hasher, _DUMMY_HASH
    parameters = getattr(profiles, name)
    if _hasher.time_cost != parameters.time_cost or _hasher.memory_cost != parameters.memory_cost:
        _hasher = PasswordHasher.from_parameters(parameters)
        _DUMMY_HASH = _hasher.hash("not-a-real-password")


SIGN_IN_REFUSED = "Email or password is not right."
MIN_PASSWORD = 12


@dataclass
class Mail:
    """A message to send once the transaction that decided it has committed (procure.mail)."""
    to: str
    subject: str
    body: str


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


# --- signing in and out ------------------------------------------------------------------------

def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user, or None with one message for every failure (unknown address, wrong password);
    with the right password, a deactivated account is told it is deactivated.
    Repeated failures are slowed down by the caller (per account and address), never locked.
    A right password on an account whose email is not yet confirmed is refused with a reason."""
    user = _by_email(session, email)
    if user is None:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password):
        return None
    if not user.active:   # told only to whoever knows the password
        refuse("Your account is deactivated, so it cannot sign in. Ask the agency's "
               "administrator to reactivate it.")
    if not user.email_confirmed:
        refuse("Confirm your email address first: follow the link we emailed to "
               f"{user.email}. We have sent it again.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def user_for_session(session: Session, stamp: str) -> User | None:
    """The signed-in user for a session's "id:version", or None when that session was ended."""
    user_id, _, version = str(stamp).partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = session.get(User, int(user_id))
    return user if user is not None and session_is_current(user, stamp) else None


def session_is_current(user: User, stamp: str) -> bool:
    return user.active and stamp == user.get_id()


def end_sessions(session: Session, user: User) -> None:
    """Every session of this person ends (the caller may stamp the current one anew)."""
    session.execute(update(User).where(User.id == user.id).values(
        session_version=User.session_version + 1))
    session.refresh(user)


def sign_out_everywhere(session: Session, user: User) -> None:
    end_sessions(session, user)
    audit.record(session, actor=user, entity_type="user", entity_id=user.id,
                 event="sign_out_everywhere")


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password; every other session of the person ends."""
    if not _verify(user.password_hash, current):
        refuse("Your current password is not right.")
    _require_strong(new)
    user.password_hash = hash_password(new)
    end_sessions(session, user)
    audit.record(session, actor=user, entity_type="user", entity_id=user.id,
                 event="change_password")


def deactivate(session: Session, user: User, actor: User | str) -> None:
    """An administrator stops an account: its sessions end and its API tokens stop working."""
    user.active = False
    end_sessions(session, user)
    revoked = session.execute(update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked.is_(False)).values(revoked=True)).rowcount
    audit.record(session, actor=actor, entity_type="user", entity_id=user.id, event="deactivate",
                 data={"tokens_revoked": revoked})


def reactivate(session: Session, user: User, actor: User | str) -> None:
    """An administrator lets a deactivated account sign in again (its old sessions and API
    tokens stay ended: the person signs in afresh and makes new tokens)."""
    if user.active:
        refuse(f"{user.name} is already active.")
    user.active = True
    audit.record(session, actor=actor, entity_type="user", entity_id=user.id, event="reactivate",
                 data={"what": user.email})


AGENCY_ROLES = (Role.admin, Role.officer, Role.panelist)


def change_role(session: Session, user: User, role: Role, actor: User) -> None:
    """An administrator moves a member of the agency's staff between administrator, officer and
    panelist. Bidders belong to a provider organisation and stay bidders; nobody changes their
    own role, and the last active administrator stays one."""
    if user.id == actor.id:
        refuse("You cannot change your own role: ask another administrator.")
    if role not in AGENCY_ROLES or user.role not in AGENCY_ROLES:
        refuse("Bidders belong to a provider organisation: a bidder's role does not change, and "
               "agency staff do not become bidders.")
    if user.role is role:
        refuse(f"{user.name} is already {role.value.lower()}.")
    if user.role is Role.admin and user.active and session.scalar(
            select(func.count(User.id)).where(User.role == Role.admin,
                                              User.active.is_(True))) <= 1:
        refuse("This is the last active administrator: make someone else an administrator "
               "first.")
    before = user.role
    user.role = role
    session.flush()
    audit.record(session, actor=actor, entity_type="user", entity_id=user.id,
                 event="change_role", data={"what": user.email, "from": before.name,
                                            "to": role.name})


def _require_strong(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        refuse(f"A password has at least {MIN_PASSWORD} characters.")


# --- people and organisations ------------------------------------------------------------------

def _require_not_agency(email: str, agency_domains: Sequence[str]) -> None:
    domain = email.rsplit("@", 1)[-1].strip().lower()
    for agency in agency_domains:
        if domain == agency or domain.endswith("." + agency):
            refuse(f"Addresses at {agency} are for agency staff. Register with your "
                   "organisation's own email address.")


def create_user(session: Session, *, email: str, name: str, password: str, role: Role,
                organization: Organization | None = None, actor: User | str | None = None,
                email_confirmed: bool = True) -> User:
    email = email.strip().lower()
    if _by_email(session, email) is not None:
        refuse("An account with that email already exists; sign in instead, or use another email.")
    _require_strong(password)
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=role,
                organization=organization, email_confirmed=email_confirmed)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor or user, entity_type="user", entity_id=user.id,
                 event="create_user", data={"role": role.name})
    return user


def register_organization(session: Session, *, legal_name: str, fein: str, address: str,
                          contact_phone: str, diversity: SupplierDiversity, name: str,
                          email: str, password: str, email_confirmed: bool = True) -> User:
    """A provider organisation signs up with its first user (who is its contact)."""
    _require_new_organization(session, legal_name, fein)
    organization = Organization(legal_name=legal_name.strip(), fein=fein.strip(),
                                address=address.strip(), contact_name=name.strip(),
                                contact_email=email.strip().lower(),
                                contact_phone=contact_phone.strip(), diversity=diversity)
    session.add(organization)
    session.flush()
    user = create_user(session, email=email, name=name, password=password, role=Role.bidder,
                       organization=organization, email_confirmed=email_confirmed)
    audit.record(session, actor=user, entity_type="organization", entity_id=organization.id,
                 event="register", data={"legal_name": organization.legal_name})
    return user


def change_diversity(session: Session, organization: Organization, actor: User,
                     diversity: SupplierDiversity) -> bool:
    """A bidder of the organisation changes its supplier-diversity certification (it may be
    certified, or lose it, after registering); audited. Whether it changed."""
    policy.require(actor, "organization.manage")
    if actor.organization_id != organization.id:
        raise policy.Denied("Only the organisation's own people change its certification.")
    if organization.diversity is diversity:
        return False
    before, organization.diversity = organization.diversity, diversity
    audit.record(session, actor=actor, entity_type="organization", entity_id=organization.id,
                 event="change_diversity", data={"from": before.name, "to": diversity.name})
    session.flush()
    return True


def _require_new_organization(session: Session, legal_name: str, fein: str) -> None:
    if session.scalar(select(Organization.id).where(
            func.lower(Organization.legal_name) == legal_name.strip().lower())):
        refuse("An organisation with that legal name is registered; ask a colleague there to "
               "add you.")
    if session.scalar(select(Organization.id).where(Organization.fein == fein.strip())):
        refuse("That FEIN is already registered; ask a colleague there to add you.")


def self_register(session: Session, *, agency_domains: Sequence[str], link: ConfirmLink,
                  **details: object) -> list[Mail]:
    """Registration from the public page: the same answer whether or not the email has an
    account. A new account waits for its emailed link; an existing one gets a notice."""
    email = str(details["email"]).strip().lower()
    _require_not_agency(email, agency_domains)
    _require_strong(str(details["password"]))
    _require_new_organization(session, str(details["legal_name"]), str(details["fein"]))
    existing = _by_email(session, email)
    if existing is not None:
        hash_password(str(details["password"]))   # the same work either way (no timing tell)
        return [_already_registered(existing, link.site)]
    user = register_organization(session, email_confirmed=False,
                                 **details)  # type: ignore[arg-type]
    return [confirmation_mail(user, link)]


def add_colleague(session: Session, organization: Organization, actor: User, *, name: str,
                  email: str, password: str, agency_domains: Sequence[str],
                  link: ConfirmLink) -> list[Mail]:
    """A bidder adds a colleague to the organisation: the same answer whether or not the email
    has an account; the colleague signs in once they follow the emailed link."""
    email = email.strip().lower()
    _require_not_agency(email, agency_domains)
    _require_strong(password)
    existing = _by_email(session, email)
    if existing is not None:
        hash_password(password)   # the same work either way (no timing tell)
        return [_already_registered(existing, link.site)]
    user = create_user(session, email=email, name=name, password=password, role=Role.bidder,
                       organization=organization, actor=actor, email_confirmed=False)
    return [confirmation_mail(user, link, added_by=actor)]


# --- confirming an email -----------------------------------------------------------------------

@dataclass
class ConfirmLink:
    """How to write a confirmation link: the signing key and the site's address."""
    secret_key: str
    site: str            # https://procure.example.org (no trailing slash)
    max_days: int = 7

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt="confirm-email")

    def for_user(self, user: User) -> str:
        return f"{self.site}/verify-email/{self._serializer().dumps([user.id, user.email])}"


def confirmation_mail(user: User, link: ConfirmLink, added_by: User | None = None) -> Mail:
    why = (f"{added_by.name} added you to {user.organization.legal_name} on procure"
           if added_by is not None and user.organization is not None
           else "You registered a provider organisation on procure")
    return Mail(user.email, "Confirm your email address for procure",
                f"Hello {user.name},\n\n{why}. To confirm that this address is yours, open this "
                f"link within {link.max_days} days:\n\n{link.for_user(user)}\n\n"
                "Then sign in. If you did not expect this, ignore this message: nothing more "
                "happens.\n")


def _already_registered(user: User, site: str) -> Mail:
    return Mail(user.email, "Someone tried to register this address on procure",
                f"Hello {user.name},\n\nSomeone tried to register this email address on "
                "procure, but it already has an account. If it was you, sign in at "
                f"{site}/login. If you forgot your password, set a new one at "
                f"{site}/forgot-password. If it was not you, ignore this message.\n")


def confirm_email(session: Session, link: ConfirmLink, token: str) -> User | None:
    """The user whose address the link confirms, or None for a forged or stale link (or one
    for an address the account no longer has). Following it twice does no harm."""
    try:
        user_id, email = link._serializer().loads(token, max_age=link.max_days * 24 * 3600)
    except (BadSignature, ValueError, TypeError):
        return None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.email != email:
        return None
    if not user.email_confirmed:
        user.email_confirmed = True
        audit.record(session, actor=user, entity_type="user", entity_id=user.id,
                     event="confirm_email")
    return user


# --- resetting a forgotten password ------------------------------------------------------------

@dataclass
class ResetLink:
    """How to write a password-reset link: signed (the key), time-limited (`max_hours`) and
    single-use, since it carries a fingerprint of the password and the session version that
    changes once it is used (or the password changes, or the person signs out everywhere)."""
    secret_key: str
    site: str
    max_hours: int = 2

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt="reset-password")

    def for_user(self, user: User) -> str:
        return f"{self.site}/reset-password/{self._serializer().dumps([user.id, _stamp(user)])}"


def _stamp(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}:{user.session_version}".encode()).hexdigest()[:32]


def reset_mail(user: User, link: ResetLink, by: User | None = None) -> Mail:
    why = (f"{by.name}, an administrator of procure, sent you this link to set a new password"
           if by is not None else "Someone (we hope you) asked to reset the password of your "
                                  "procure account")
    return Mail(user.email, "Set a new password for procure",
                f"Hello {user.name},\n\n{why}. To choose a new password, open this link within "
                f"{link.max_hours} hours; it works once:\n\n{link.for_user(user)}\n\n"
                "Setting it signs you out everywhere else. If you did not ask for this, ignore "
                "this message: your password stays as it is.\n")


def request_password_reset(session: Session, email: str, link: ResetLink) -> list[Mail]:
    """The link for an active account with that address; nothing otherwise. The caller answers
    the same either way, so the form never tells who has an account."""
    user = _by_email(session, email)
    if user is None or not user.active:
        return []
    return [reset_mail(user, link)]


def send_reset_link(session: Session, user: User, actor: User, link: ResetLink) -> list[Mail]:
    """An administrator sends a person the reset link (audited; the password is unchanged until
    the person follows it)."""
    if not user.active:
        refuse(f"{user.name} is deactivated: reactivate the account first.")
    audit.record(session, actor=actor, entity_type="user", entity_id=user.id,
                 event="send_password_reset", data={"what": user.email})
    return [reset_mail(user, link, by=actor)]


def reset_user(session: Session, link: ResetLink, token: str) -> User | None:
    """The person a reset link is for, or None: forged, expired, already used (the password or
    session version has changed since), or the account is deactivated."""
    try:
        user_id, stamp = link._serializer().loads(token, max_age=link.max_hours * 3600)
    except (BadSignature, ValueError, TypeError):
        return None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or not isinstance(stamp, str) \
            or not secrets.compare_digest(stamp, _stamp(user)):
        return None
    return user


def reset_password(session: Session, user: User, new: str) -> None:
    """Set the new password from a reset link: every session ends (the link with them), and
    the address is confirmed, since the person read mail sent to it."""
    _require_strong(new)
    user.password_hash = hash_password(new)
    user.email_confirmed = True
    end_sessions(session, user)
    audit.record(session, actor=user, entity_type="user", entity_id=user.id,
                 event="reset_password")


def pending_confirmation(session: Session, email: str, link: ConfirmLink) -> list[Mail]:
    """The link again, for an account that signed in before confirming."""
    user = _by_email(session, email)
    return ([confirmation_mail(user, link)]
            if user is not None and user.active and not user.email_confirmed else [])


# --- API tokens --------------------------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str, *, days: int = 90,
                read_only: bool = False) -> str:
    """A new bearer token, shown once; only its SHA-256 is kept."""
    if not 1 <= days <= 366:
        refuse("A token lasts between 1 and 366 days.")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(user=user, name=name.strip()[:100] or "API token", created_at=now,
                   expires_at=now + timedelta(days=days), read_only=read_only,
                   token_sha256=_digest(token))
    session.add(row)
    session.flush()
    audit.record(session, actor=user, entity_type="user", entity_id=user.id, event="issue_token",
                 data={"token": row.id, "name": row.name, "days": days, "read_only": read_only})
    return token


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The person's tokens that still work or ran out (revoked ones are gone)."""
    return list(session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked.is_(False)).order_by(ApiToken.id)))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked:
        raise NotFound("There is no such token of yours.")
    token.revoked = True
    audit.record(session, actor=user, entity_type="user", entity_id=user.id,
                 event="revoke_token", data={"token": token.id, "name": token.name})
    return token


def token_row(session: Session, raw_token: str) -> ApiToken | None:
    """The working token row for a raw bearer token: not revoked, not expired, user active."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(raw_token),
                                                  ApiToken.revoked.is_(False)))
    if token is None or token.expires_at <= clock.now() or not token.user.active:
        return None
    return token


def user_for_token(session: Session, raw_token: str, needs_write: bool) -> User | None:
    """The user a bearer token acts for, or None. A read-only token on a writing request is
    refused outright (403 with the reason). Each use is recorded (in its own commit)."""
    token = token_row(session, raw_token)
    if token is None:
        return None
    if needs_write and token.read_only:
        raise policy.Denied("This API token is read-only: it cannot change anything. Use a token "
                            "made without the read-only choice.")
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        session.commit()
    return token.user
