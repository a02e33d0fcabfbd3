"""People and organisations: passwords (argon2), sign-in with lockout, registration, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procure import audit, clock
from procure.models import ApiToken, Organization, Role, SupplierDiversity, User
from procure.workflows.base import refuse

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

SIGN_IN_REFUSED = "Email or password is not right, or the account is locked for a while."


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(session: Session, email: str, password: str, *, lockout_failures: int,
                 lockout_minutes: int) -> User | None:
    """The user, or None with one message for every failure (unknown, wrong, locked)."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    now = clock.now()
    if user is None:
        _verify(_DUMMY_HASH, password)
        return None
    locked = user.locked_until is not None and user.locked_until > now
    good = _verify(user.password_hash, password)
    if locked or not user.active:
        return None
    if not good:
        user.failed_logins += 1
        if user.failed_logins >= lockout_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
            audit.record(session, actor=user, entity_type="user", entity_id=user.id,
                         event="lock", reason=f"{lockout_failures} failed sign-ins")
        return None
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(session: Session, *, email: str, name: str, password: str, role: Role,
                organization: Organization | None = None, actor: User | str | None = None) -> User:
    email = email.strip().lower()
    if session.scalar(select(User.id).where(func.lower(User.email) == email)):
        refuse("An account with that email already exists; sign in instead, or use another email.")
    if len(password) < 12:
        refuse("A password has at least 12 characters.")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=role,
                organization=organization)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor or user, entity_type="user", entity_id=user.id,
                 event="create_user", data={"role": role.name})
    return user


def register_organization(session: Session, *, legal_name: str, fein: str, address: str,
                          contact_phone: str, diversity: SupplierDiversity, name: str,
                          email: str, password: str) -> User:
    """A provider organisation signs up with its first user (who is its contact)."""
    if session.scalar(select(Organization.id).where(
            func.lower(Organization.legal_name) == legal_name.strip().lower())):
        refuse("An organisation with that legal name is registered; ask a colleague there to "
               "add you.")
    if session.scalar(select(Organization.id).where(Organization.fein == fein.strip())):
        refuse("That FEIN is already registered; ask a colleague there to add you.")
    organization = Organization(legal_name=legal_name.strip(), fein=fein.strip(),
                                address=address.strip(), contact_name=name.strip(),
                                contact_email=email.strip().lower(),
                                contact_phone=contact_phone.strip(), diversity=diversity)
    session.add(organization)
    session.flush()
    user = create_user(session, email=email, name=name, password=password, role=Role.bidder,
                       organization=organization)
    audit.record(session, actor=user, entity_type="organization", entity_id=organization.id,
                 event="register", data={"legal_name": organization.legal_name})
    return user


def issue_token(session: Session, user: User, name: str) -> str:
    """A new bearer token, shown once; only its SHA-256 is kept."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, name=name.strip() or "API token", created_at=clock.now(),
                         token_sha256=hashlib.sha256(token.encode()).hexdigest()))
    session.flush()
    audit.record(session, actor=user, entity_type="user", entity_id=user.id, event="issue_token",
                 data={"name": name})
    return token
