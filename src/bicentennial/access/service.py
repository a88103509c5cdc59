"""Agencies and user accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bicentennial.access import policy
from bicentennial.access.models import Agency, Country, User
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core import security
from bicentennial.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bicentennial.core.i18n import N_

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


def seed_agencies(*, session: Session) -> int:
    """Insert the bundled countries and agencies that are missing; return how many agencies were added."""
    raw = yaml.safe_load(resources.files("bicentennial.access").joinpath("agencies.yaml").read_text("utf-8"))
    for code, names in raw["countries"].items():
        if session.get(Country, code) is None:
            session.add(Country(code=code, name_en=names["en"], name_es=names["es"]))
    session.flush()
    known = set(session.scalars(select(Agency.code)))
    added = 0
    for spec in raw["agencies"]:
        if spec["code"] not in known:
            session.add(
                Agency(
                    code=spec["code"],
                    country=spec["country"],
                    name_en=spec["en"],
                    name_es=spec["es"],
                    law_enforcement=spec.get("law_enforcement", True),
                )
            )
            added += 1
    session.flush()
    return added


def list_agencies(*, session: Session, country: str | None = None) -> list[Agency]:
    query = select(Agency).order_by(Agency.country, Agency.code)
    if country:
        query = query.where(Agency.country == country.upper())
    return list(session.scalars(query))


def get_agency(*, session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code.upper()))
    if agency is None:
        raise NotFound(f"Unknown agency {code!r}")
    return agency


def create_agency(*, session: Session, actor: User, code: str, country: str, name_en: str, name_es: str) -> Agency:
    policy.require(actor, "agencies.manage")
    code, country = code.strip().upper(), country.strip().upper()
    if not re.fullmatch(r"[A-Z0-9-]{2,32}", code):
        raise InvalidInput(N_("Agency code: 2–32 letters, digits or dashes"))
    if session.get(Country, country) is None:
        raise InvalidInput(f"Country: unknown country {country!r} (MX or US)")
    if not name_en.strip() or not name_es.strip():
        raise InvalidInput(N_("Agency names in English and Spanish are required"))
    if session.scalar(select(Agency).where(Agency.code == code)):
        raise Conflict(f"Agency {code} already exists")
    agency = Agency(code=code, country=country, name_en=name_en.strip(), name_es=name_es.strip())
    session.add(agency)
    session.flush()
    audit.record(
        session,
        events.RecordCreated(**events.by(actor), target=f"agency:{code}", fields={"country": country}),
    )
    return agency


@dataclass(frozen=True)
class NewUser:
    username: str
    agency: str
    role: str
    display_name: str = ""
    clearance: str = "restricted"  # highest sensitivity level the user may read


def validate_password(password: str) -> None:
    if len(password) < security.MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Password: at least {security.MIN_PASSWORD_LENGTH} characters")


def create_user(*, session: Session, spec: NewUser, password: str, actor: User | None) -> User:
    """Create an account. ``actor=None`` is the operator at the console (CLI)."""
    username = spec.username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput(N_("Username: 2–63 lower-case letters, digits, dots, dashes or underscores"))
    if spec.role not in policy.roles():
        raise InvalidInput(f"Role: unknown role {spec.role!r} (one of {', '.join(policy.roles())})")
    if spec.clearance not in ("basic", "restricted", "confidential"):
        raise InvalidInput(f"Clearance: {spec.clearance!r} is not one of basic, restricted, confidential")
    agency = get_agency(session=session, code=spec.agency)
    if actor is not None:
        _check_may_manage(actor, agency.id, spec.role)
        order = ("basic", "restricted", "confidential")
        if not policy.can(actor, "users.manage_any_agency") and order.index(spec.clearance) > order.index(
            actor.clearance
        ):
            raise PermissionDenied(N_("You cannot give a clearance above your own."))
    validate_password(password)
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"User {username!r} already exists")
    user = User(
        username=username,
        display_name=spec.display_name.strip(),
        agency=agency,
        role=spec.role,
        clearance=spec.clearance,
        password_hash=security.hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        events.RecordCreated(
            actor=actor.username if actor else None,
            agency=actor.agency.code if actor else None,
            target=f"user:{username}",
            fields={"agency": agency.code, "role": spec.role, "clearance": spec.clearance},
        ),
    )
    return user


def _check_may_manage(actor: User, agency_id: int, role: str) -> None:
    if not policy.can_manage_agency_users(actor, agency_id):
        raise PermissionDenied(N_("You may only manage accounts of your own agency."))
    if role == "system_admin" and not policy.can(actor, "users.manage_any_agency"):
        raise PermissionDenied(N_("Only a system administrator can create another."))


def get_user(*, session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"Unknown user {username!r}")
    return user


def list_users(*, session: Session, actor: User | None, agency: str | None = None) -> list[User]:
    """Users the actor may see: all for system admins and the console, own agency for agency admins."""
    query = select(User).order_by(User.username)
    if actor is not None:
        policy.require(actor, "users.read")
        if not policy.can(actor, "users.manage_any_agency"):
            query = query.where(User.agency_id == actor.agency_id)
    if agency:
        query = query.where(User.agency_id == get_agency(session=session, code=agency).id)
    return list(session.scalars(query))


def set_active(*, session: Session, username: str, active: bool, actor: User | None) -> User:
    user = get_user(session=session, username=username)
    if actor is not None:
        _check_may_manage(actor, user.agency_id, user.role)
        if actor.id == user.id and not active:
            raise InvalidInput(N_("You cannot disable your own account."))
    if user.is_active != active:
        user.is_active = active
        if active:
            user.failed_logins, user.locked_until = 0, None
        audit.record(
            session,
            events.RecordUpdated(
                actor=actor.username if actor else None,
                agency=actor.agency.code if actor else None,
                target=f"user:{user.username}",
                changes={"is_active": active},
            ),
        )
    return user


def ensure_first_admin(*, session: Session, agency: str) -> tuple[str, str] | None:
    """Create ``admin`` when no system administrator exists; return (username, one-time password)."""
    exists = session.scalar(select(func.count()).select_from(User).where(User.role == "system_admin"))
    if exists:
        return None
    username = "admin"
    if session.scalar(select(User).where(User.username == username)):
        username = f"admin-{security.random_password(6).lower()}"
    password = security.random_password()
    create_user(
        session=session, spec=NewUser(username, agency, "system_admin", "Administrator"), password=password, actor=None
    )
    return username, password
