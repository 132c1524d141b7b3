"""Staff accounts, their roles per study, sessions, recovery codes and setup links."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from savor.research.staff.roles import StaffRole
from savor.sqltypes import UTCDateTime


class StaffAccount(SQLModel, table=True):
    """A person of a study team. Never a participant: her email is staff-only data."""

    __tablename__ = "staff_account"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(max_length=254, unique=True, description="stored lower-case")
    display_name: str = Field(max_length=200)
    # None until she has followed her setup link.
    password_hash: str | None = Field(default=None, max_length=200)
    # Sealed with the server's key (research/staff/seeds.py); None without two-factor.
    totp_secret: str | None = Field(default=None, max_length=200)
    # The last time step whose code she used: each code opens one session at most.
    totp_last_step: int | None = Field(default=None, sa_type=sa.BigInteger)
    failed_attempts: int = 0
    locked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


class StaffStudyRole(SQLModel, table=True):
    """The one role a person holds in one study."""

    __tablename__ = "staff_role"

    staff_id: uuid.UUID = Field(primary_key=True, foreign_key="staff_account.id")
    study_id: uuid.UUID = Field(primary_key=True, foreign_key="study.id", ondelete="CASCADE")
    role: str = Field(max_length=32)
    granted_by: str = Field(max_length=300)
    granted_at: datetime = Field(sa_type=UTCDateTime)


class StaffSession(SQLModel, table=True):
    """A signed-in browser: the cookie and its CSRF token are kept only as digests."""

    __tablename__ = "staff_session"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    staff_id: uuid.UUID = Field(foreign_key="staff_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    csrf_hash: str = Field(max_length=64)
    two_factor: bool = Field(description="signed in with a TOTP or recovery code")
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffRecoveryCode(SQLModel, table=True):
    __tablename__ = "staff_recovery_code"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    staff_id: uuid.UUID = Field(foreign_key="staff_account.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffSetupLink(SQLModel, table=True):
    """A one-time link to choose a password and enroll two-factor; shown to whoever made it."""

    __tablename__ = "staff_setup_link"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    staff_id: uuid.UUID = Field(foreign_key="staff_account.id", index=True)
    # No two-factor seed is kept here: the seed it offers is derived from the token (seeds.py).
    token_hash: str = Field(max_length=64, unique=True)
    created_by: str = Field(max_length=300)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SignIn(SQLModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    totp_code: str | None = Field(default=None, max_length=12, description="from her app")
    recovery_code: str | None = Field(default=None, max_length=32, description="used once")


class StudyRolePublic(SQLModel):
    study: str
    role: StaffRole


class StaffPublic(SQLModel):
    id: uuid.UUID
    email: str
    display_name: str
    two_factor: bool
    locked: bool
    roles: list[StudyRolePublic]


class SessionPublic(SQLModel):
    staff: StaffPublic
    csrf_token: str = Field(description="send it as X-CSRF-Token with every change")
    idle_expires_at: datetime
    expires_at: datetime


class SetupBegin(SQLModel):
    token: str = Field(max_length=100)


class SetupOffer(SQLModel):
    email: str
    display_name: str
    two_factor_required: bool
    totp_secret: str
    otpauth_uri: str
    qr_svg: str = Field(description="the otpauth URI as a QR code for her authenticator app")


class SetupComplete(SQLModel):
    token: str = Field(max_length=100)
    password: str = Field(max_length=256)
    totp_code: str | None = Field(default=None, max_length=12)


class RecoveryCodes(SQLModel):
    recovery_codes: list[str] = Field(description="each works once; shown only now")


class StaffInvite(SQLModel):
    email: str = Field(max_length=254, schema_extra={"examples": ["ana@site.example.org"]})
    display_name: str = Field(min_length=1, max_length=200)
    role: StaffRole


class RoleUpdate(SQLModel):
    role: StaffRole


class SetupLinkPublic(SQLModel):
    staff: StaffPublic
    setup_link: str = Field(description="give it to her yourself; it works once, for 72 hours")
    expires_at: datetime


class PersonalTokenCreate(SQLModel):
    label: str = Field(min_length=1, max_length=60)
    scopes: list[str] | None = Field(default=None, description="default: all of her role's")
    expires_in_days: int = Field(default=90, ge=1, le=365)


class PersonalTokenPublic(SQLModel):
    id: uuid.UUID
    label: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    token: str | None = Field(default=None, description="shown only when made")
