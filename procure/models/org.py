"""Reference data (agencies, geography, service models) and the people and organisations."""

from __future__ import annotations

import enum
import re
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.models.base import Base, enum_column


class Agency(Base):
    __tablename__ = "agency"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)   # DCF, DMH
    name: Mapped[str] = mapped_column(String(200))


class Region(Base):
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    area_offices: Mapped[list[AreaOffice]] = relationship(back_populates="region",
                                                          order_by="AreaOffice.name")


class AreaOffice(Base):
    """One of the 29 area offices; each is one service area."""

    __tablename__ = "area_office"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    region: Mapped[Region] = relationship(back_populates="area_offices")


class ServiceModel(Base):
    __tablename__ = "service_model"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class SupplierDiversity(enum.Enum):
    none = "Not certified"
    minority_owned = "Minority-owned business"
    women_owned = "Women-owned business"
    minority_and_women_owned = "Minority- and women-owned business"


class Organization(Base):
    """A provider organisation that bids (the bidder)."""

    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200), unique=True)
    fein: Mapped[str] = mapped_column(String(10), unique=True)        # NN-NNNNNNN
    address: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    diversity: Mapped[SupplierDiversity] = mapped_column(
        enum_column(SupplierDiversity), default=SupplierDiversity.none)
    members: Mapped[list[User]] = relationship(back_populates="organization")

    def names_it_prints(self) -> list[str]:
        """What names this bidder in its own pages: its legal name (with and without the
        corporate suffix), tax id (with and without the dash), contact and contact email. A
        blind panel reads its pages with these blacked out."""
        name = self.legal_name.strip()
        short = re.sub(r"[,.\s]+(inc|incorporated|llc|l\.l\.c|corp|corporation|co|ltd)\.?$",
                       "", name, flags=re.IGNORECASE).strip()
        found = [name, short, self.fein, self.fein.replace("-", ""), self.contact_name,
                 self.contact_email]
        return list(dict.fromkeys(n.strip() for n in found if n and len(n.strip()) >= 4))


class Role(enum.Enum):
    admin = "Administrator"
    officer = "Procurement officer"
    bidder = "Bidder"
    panelist = "Panelist"

    @property
    def as_a(self) -> str:
        """The role as a person is named to it: 'a panelist', 'an administrator'."""
        word = self.value.lower()
        return ("an " if word[0] in "aeiou" else "a ") + word


class User(UserMixin, Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    organization: Mapped[Organization | None] = relationship(back_populates="members")
    active: Mapped[bool] = mapped_column(default=True)
    # False until the person follows the link mailed to the address (self-service accounts).
    email_confirmed: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Stamped into each session at sign-in; bumped to end every session (sign-out, password
    # change, deactivation): a cookie carrying an older number is no longer signed in.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login: the session holds "id:version" (accounts.py)
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.name}>"


class ApiToken(Base):
    """A bearer token for an API user; only its SHA-256 is kept. It works until it expires or
    is revoked, and only while its user is active; a read-only token only reads."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    user: Mapped[User] = relationship()
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    read_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    revoked: Mapped[bool] = mapped_column(default=False)
