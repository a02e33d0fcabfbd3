"""People and organisations: passwords (argon2), sign-in, revocable sessions, registration with
a confirmed email, colleagues, API tokens (expiry, scope, revoke), deactivation, storage quota.

Sessions are revocable: the session holds "user id:session version" (User.get_id); bumping the
version (sign-out, password change, deactivation) ends every session that carries the old one.
Mail (confirmation links, notices) is returned to the caller to send after the commit."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Sequence

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from procure import audit, clock, policy
from procure.mail import one_line
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


def end_tokens(session: Session, user: User) -> int:
    """Every API token of the person stops working (revoked); how many were revoked."""
    return session.execute(update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked.is_(False)).values(revoked=True)
        .execution_options(synchronize_session=False)).rowcount


def sign_out_everywhere(session: Session, user: User) -> None:
    """Every session ends, and every API token with them (the caller may stamp the current
    session anew)."""
    end_sessions(session, user)
    revoked = end_tokens(session, user)
    audit.record(session, actor=user, entity_type="user", entity_id=user.id,
                 event="sign_out_everywhere", data={"tokens_revoked": revoked})


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password; every other session of the person ends, and every API token."""
    if not _verify(user.password_hash, current):
        refuse("Your current password is not right.")
    _require_strong(new)
    user.password_hash = hash_password(new)
    end_sessions(session, user)
    revoked = end_tokens(session, user)
    audit.record(session, actor=user, entity_type="user", entity_id=user.id,
                 event="change_password", data={"tokens_revoked": revoked})


def deactivate(session: Session, user: User, actor: User | str) -> None:
    """An administrator stops an account: its sessions end and its API tokens stop working.
    The last active administrator stays (under the same lock as a change of role)."""
    _lock_administrators(session, user)
    if _counts_as_administrator(user) and _active_administrators(session) <= 1:
        refuse("This is the last active administrator: make someone else an administrator "
               "first.")
    user.active = False
    end_sessions(session, user)
    revoked = end_tokens(session, user)
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
    _lock_administrators(session, user)
    if user.role is role:
        refuse(f"{user.name} is already {role.value.lower()}.")
    if _counts_as_administrator(user) and _active_administrators(session) <= 1:
        refuse("This is the last active administrator: make someone else an administrator "
               "first.")
    before = user.role
    user.role = role
    session.flush()
    audit.record(session, actor=actor, entity_type="user", entity_id=user.id,
                 event="change_role", data={"what": user.email, "from": before.name,
                                            "to": role.name})


def promote(session: Session, email: str, actor: User | str) -> User:
    """The operators' way back (`procure admin promote EMAIL`): a member of the agency's staff
    becomes an administrator, active again if they were deactivated. Bidders stay bidders."""
    user = _by_email(session, email)
    if user is None:
        raise NotFound(f"There is no account with the address {email.strip()}.")
    _lock_administrators(session, user)
    if user.role not in AGENCY_ROLES:
        refuse(f"{user.email} is a bidder of a provider organisation: bidders do not become "
               "administrators. Use `procure admin create` with a staff address.")
    if user.role is Role.admin and user.active:
        refuse(f"{user.email} is already an active administrator.")
    before, was_active = user.role, user.active
    user.role, user.active = Role.admin, True
    session.flush()
    audit.record(session, actor=actor, entity_type="user", entity_id=user.id,
                 event="change_role", data={"what": user.email, "from": before.name,
                                            "to": Role.admin.name, "reactivated": not was_active})
    return user


def _lock_administrators(session: Session, user: User) -> None:
    """Take the rows of the active administrators and of `user` (SELECT ... FOR UPDATE, in id
    order), then read `user` afresh: two administrators demoting or deactivating each other at
    once are served one after the other, and the second sees what the first did."""
    session.flush()
    session.execute(select(User.id).where(
        (User.id == user.id) | ((User.role == Role.admin) & User.active.is_(True)))
        .order_by(User.id).with_for_update())
    session.refresh(user)


def _counts_as_administrator(user: User) -> bool:
    return user.role is Role.admin and user.active and user.email_confirmed


def _active_administrators(session: Session) -> int:
    """Administrators who can sign in (an invitation not yet accepted does not count)."""
    return len(session.scalars(select(User.id).where(
        User.role == Role.admin, User.active.is_(True), User.email_confirmed.is_(True))).all())


_WEB_ADDRESS = re.compile(r"(?i)(://|\bhttps?:|\bwww\.|\bmailto:)")


def _person_name(name: str) -> str:
    """A person's name as mail writes it: one line of plain text (no line breaks or control
    characters), with no web address in it (mail from the agency's sender reaches any address:
    a name must not carry a link)."""
    line = one_line(name, 200)
    if not line:
        refuse("Give the person's name.")
    if _WEB_ADDRESS.search(line):
        refuse("A name is plain text: it cannot hold a web address.")
    return line


def _require_strong(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        refuse(f"A password has at least {MIN_PASSWORD} characters.")


# --- people and organisations ------------------------------------------------------------------

# Letters of other scripts that read as Latin ones in a domain (Unicode's confusables, the
# ones that matter for lower-case domain names): a skeleton made with them shows a lookalike.
_LOOKALIKES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "ӏ": "l", "м": "m", "п": "n", "о": "o", "р": "p", "ԛ": "q", "г": "r", "ѕ": "s",
    "т": "t", "ц": "u", "ѵ": "v", "ԝ": "w", "х": "x", "у": "y", "ү": "y", "з": "3", "ь": "b",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w",
    # Latin letters that pass for others, and Armenian
    "ı": "i", "ɩ": "i", "ɑ": "a", "ɡ": "g", "ℓ": "l", "ɢ": "g", "ꞁ": "l", "օ": "o", "ս": "u",
    "հ": "h", "ո": "n", "ց": "g",
})
_DOTS = str.maketrans({"。": ".", "．": ".", "｡": "."})


def email_domain(email: str) -> str:
    """The domain of an address as IDNA reads it: dots of other scripts are dots, `xn--` labels
    decoded, compatibility forms folded (NFKC) and case folded; no trailing dot."""
    domain = email.rsplit("@", 1)[-1].strip().translate(_DOTS).rstrip(".")
    labels = []
    for label in domain.split("."):
        if label.lower().startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        labels.append(unicodedata.normalize("NFKC", label).casefold())
    return ".".join(labels)


def _skeleton(domain: str) -> str:
    """What the domain looks like: lookalike letters of other scripts as the Latin ones, marks
    dropped (é reads as e)."""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", domain.translate(_LOOKALIKES))
                   if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", bare).translate(_LOOKALIKES)


def _require_not_agency(email: str, agency_domains: Sequence[str], *,
                        staff: bool = False) -> None:
    """Agency addresses are for staff (`staff`: an invitation, where they are welcome); an
    address that only looks like one (a Cyrillic а for a Latin a, a punycode spelling,
    fullwidth letters) is refused to everyone."""
    domain = email_domain(email)
    looks = _skeleton(domain)
    for agency in agency_domains:
        agency = email_domain(agency)
        if domain == agency or domain.endswith("." + agency):
            if staff:
                return
            refuse(f"Addresses at {agency} are for agency staff. Register with your "
                   "organisation's own email address.")
        if looks == agency or looks.endswith("." + agency):
            refuse(f"That address looks like one at {agency}, the agency's domain, written "
                   "with letters of another alphabet. Use a real address.")


def create_user(session: Session, *, email: str, name: str, password: str, role: Role,
                organization: Organization | None = None, actor: User | str | None = None,
                email_confirmed: bool = True) -> User:
    email = email.strip().lower()
    if _by_email(session, email) is not None:
        refuse("An account with that email already exists; sign in instead, or use another email.")
    _require_strong(password)
    user = User(email=email, name=_person_name(name), password_hash=hash_password(password),
                role=role,
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
    organization = Organization(legal_name=one_line(legal_name, 200), fein=fein.strip(),
                                address=address.strip(), contact_name=_person_name(name),
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


def _registered_organization(session: Session, legal_name: str,
                             fein: str) -> Organization | None:
    """The organisation already registered with that legal name or FEIN, if any."""
    return session.scalar(select(Organization).where(
        (func.lower(Organization.legal_name) == legal_name.strip().lower())
        | (Organization.fein == fein.strip())).order_by(Organization.id).limit(1))


def _organization_registered(organization: Organization, email: str, site: str) -> Mail:
    return Mail(organization.contact_email,
                f"Someone tried to register {one_line(organization.legal_name)} on procure again",
                f"Hello {one_line(organization.contact_name)},\n\nSomeone tried to register "
                f"{one_line(organization.legal_name)} (FEIN {organization.fein}) on procure "
                f"again, giving the address {one_line(email, 200)}. Your organisation is "
                "already registered, so nothing was made. If that person works with you, add "
                f"them as a colleague under Organisation once signed in at {site}/login. If "
                "you do not know them, ignore this message.\n")


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
    details["name"] = _person_name(str(details["name"]))
    existing = _by_email(session, email)
    organization = _registered_organization(session, str(details["legal_name"]),
                                            str(details["fein"]))
    if existing is not None or organization is not None:
        hash_password(str(details["password"]))   # the same work either way (no timing tell)
        told = [_already_registered(existing, link.site)] if existing is not None else []
        if organization is not None:   # told to the organisation, never to the registrant
            told.append(_organization_registered(organization, email, link.site))
        return told
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


# --- inviting staff -----------------------------------------------------------------------------

@dataclass
class InvitationLink:
    """How to write the link an invited member of staff sets their password with: signed,
    time-limited (`max_days`) and single-use (it carries the fingerprint a reset link does)."""
    secret_key: str
    site: str
    max_days: int = 7

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt="invitation")

    def for_user(self, user: User) -> str:
        return f"{self.site}/invitation/{self._serializer().dumps([user.id, _stamp(user)])}"


def invite(session: Session, actor: User | str, *, email: str, name: str, role: Role,
           link: InvitationLink, agency_domains: Sequence[str] = ()) -> list[Mail]:
    """An administrator invites a member of staff (an officer, a panelist, an administrator)
    by email: the account waits, with no password anyone knows, until they follow the emailed
    link (once, within `link.max_days`). Inviting again someone who has not yet accepted sends
    a new link (the old one stops working)."""
    if role not in AGENCY_ROLES:
        refuse("Invite agency staff: an administrator, a procurement officer or a panelist. "
               "Providers register their organisation themselves.")
    email = email.strip().lower()
    _require_not_agency(email, agency_domains, staff=True)
    existing = _by_email(session, email)
    if existing is not None:
        if existing.email_confirmed or existing.role not in AGENCY_ROLES:
            refuse(f"{email} already has an account: change its role on the Users page.")
        end_sessions(session, existing)      # the earlier link stops working
        existing.name, existing.role = _person_name(name), role
        user = existing
    else:
        user = create_user(session, email=email, name=name, password=secrets.token_urlsafe(32),
                           role=role, actor=actor, email_confirmed=False)
    audit.record(session, actor=actor, entity_type="user", entity_id=user.id, event="invite",
                 data={"what": user.email, "role": role.name, "days": link.max_days})
    by = actor.name if isinstance(actor, User) else "An administrator"
    return [Mail(user.email, "You are invited to the agency's procurement service",
                 f"Hello {one_line(user.name)},\n\n{one_line(by)} invited you to the agency's "
                 f"procurement service (procure) as {role.as_a}. To set your password, "
                 f"open this link within {link.max_days} days; it works once:\n\n"
                 f"{link.for_user(user)}\n\nThen sign in with this address. If you did not "
                 "expect this, ignore this message: nothing more happens.\n")]


def invited_user(session: Session, link: InvitationLink, token: str) -> User | None:
    """The person an invitation link is for, or None: forged, expired, already used (the
    password changed), replaced by a newer invitation, or the account is deactivated."""
    return _user_of_link(session, link, token, max_age=link.max_days * 24 * 3600)


def accept_invitation(session: Session, user: User, password: str) -> None:
    """The invited person sets their password: the address is confirmed, the link used up."""
    _require_strong(password)
    user.password_hash = hash_password(password)
    user.email_confirmed = True
    end_sessions(session, user)
    audit.record(session, actor=user, entity_type="user", entity_id=user.id,
                 event="accept_invitation")


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
    why = (f"{one_line(added_by.name)} added you to "
           f"{one_line(user.organization.legal_name)} on procure"
           if added_by is not None and user.organization is not None
           else "You registered a provider organisation on procure")
    return Mail(user.email, "Confirm your email address for procure",
                f"Hello {one_line(user.name)},\n\n{why}. To confirm that this address is yours, "
                "open this "
                f"link within {link.max_days} days:\n\n{link.for_user(user)}\n\n"
                "Then sign in. If you did not expect this, ignore this message: nothing more "
                "happens.\n")


def _already_registered(user: User, site: str) -> Mail:
    return Mail(user.email, "Someone tried to register this address on procure",
                f"Hello {one_line(user.name)},\n\nSomeone tried to register this email address on "
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
    why = (f"{one_line(by.name)}, an administrator of procure, sent you this link to set a "
           "new password"
           if by is not None else "Someone (we hope you) asked to reset the password of your "
                                  "procure account")
    return Mail(user.email, "Set a new password for procure",
                f"Hello {one_line(user.name)},\n\n{why}. To choose a new password, open this "
                "link within "
                f"{link.max_hours} hours; it works once:\n\n{link.for_user(user)}\n\n"
                "Setting it signs you out everywhere else. If you did not ask for this, ignore "
                "this message: your password stays as it is.\n")


def request_password_reset(session: Session, email: str,
                           link: ResetLink) -> tuple[Mail, bool]:
    """The reset mail for that address, and whether it goes: yes for an active account; for any
    other address a stand-in written the same way that does not. The caller does the same with
    both (procure.mail.queue_or_not) and answers the same, so neither the answer nor the time it
    takes tells who has an account."""
    user = _by_email(session, email)
    if user is None or not user.active:
        stand_in = User(id=0, email=email.strip().lower(), name="", password_hash=_DUMMY_HASH,
                        session_version=1)
        return reset_mail(stand_in, link), False
    return reset_mail(user, link), True


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
    return _user_of_link(session, link, token, max_age=link.max_hours * 3600)


def _user_of_link(session: Session, link: Any, token: str, *, max_age: int) -> User | None:
    """The active person a signed link names, while its stamp (password and session version)
    still matches and it is younger than max_age seconds; else None."""
    try:
        user_id, stamp = link._serializer().loads(token, max_age=max_age)
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
    revoked = end_tokens(session, user)
    audit.record(session, actor=user, entity_type="user", entity_id=user.id,
                 event="reset_password", data={"tokens_revoked": revoked})


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


def make_token(session: Session, user: User, password: str, name: str, *, days: int = 90,
               read_only: bool = False) -> str:
    """A token made from the token page: the person's current password first (a session left
    open on a shared computer does not hand out lasting access)."""
    if not _verify(user.password_hash, password or ""):
        refuse("Your current password is not right: no token was made.")
    return issue_token(session, user, name, days=days, read_only=read_only)


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
