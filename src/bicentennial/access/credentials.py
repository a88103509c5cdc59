"""Proving who you are: passwords with lock-out, API tokens, web sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bicentennial.access import policy
from bicentennial.access.models import ApiToken, User, WebSession
from bicentennial.access.service import get_user
from bicentennial.audit import events
from bicentennial.audit import service as audit
from bicentennial.core import security
from bicentennial.core.db import utcnow
from bicentennial.core.errors import InvalidInput, NotFound, PermissionDenied
from bicentennial.core.i18n import N_


@dataclass(frozen=True)
class Lockout:
    max_failures: int = 5
    minutes: float = 15.0


def authenticate(
    *, session: Session, username: str, password: str, lockout: Lockout, channel: str = "web"
) -> User | None:
    """Return the user when the password is right and the account usable, else None.

    The caller commits either way: failures are audited and counted. The
    reason is in the audit log only; the client always hears the same thing.
    """
    name = username.strip().lower()
    user = session.scalar(select(User).where(User.username == name))
    now = utcnow()
    ok = security.verify_password(user.password_hash if user else None, password)
    reason = ""
    if user is None:
        reason = "unknown_user"
    elif not user.is_active:
        reason = "disabled"
    elif user.locked_until is not None and user.locked_until > now:
        reason = "locked"
    elif not ok:
        reason = "bad_password"
        user.failed_logins += 1
        if user.failed_logins >= lockout.max_failures:
            user.locked_until = now + timedelta(minutes=lockout.minutes)
            user.failed_logins = 0
            audit.record(
                session,
                events.AccountLocked(**events.by(user), until=user.locked_until.isoformat()),
            )
    if reason:
        audit.record(
            session, events.SignInFailed(username=name[:64], reason=reason, agency=user.agency.code if user else None)
        )
        return None
    assert user is not None
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    audit.record(session, events.SignIn(**events.by(user), channel=channel))
    return user


# --- API tokens ---------------------------------------------------------------


def create_token(
    *, session: Session, username: str, name: str = "", days: int | None = None, actor: User | None = None
) -> tuple[ApiToken, str]:
    """Issue a token; the plaintext is returned once and never stored."""
    owner = get_user(session=session, username=username)
    if actor is not None and actor.id != owner.id and not policy.can_manage_agency_users(actor, owner.agency_id):
        raise PermissionDenied(N_("You may only manage accounts of your own agency."))
    if not owner.is_active:
        raise InvalidInput(f"User {owner.username!r} is disabled")
    if days is not None and days <= 0:
        raise InvalidInput("Token lifetime: days must be positive")
    plaintext = security.new_token()
    token = ApiToken(
        user=owner,
        name=name,
        token_hash=security.digest(plaintext),
        prefix=plaintext[:12],
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        events.TokenCreated(
            actor=actor.username if actor else None,
            agency=owner.agency.code,
            target=f"token:{token.id}",
            token_prefix=token.prefix,
            token_owner=owner.username,
        ),
    )
    return token, plaintext


def list_tokens(*, session: Session, username: str | None = None) -> list[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.id)
    if username:
        query = query.where(ApiToken.user_id == get_user(session=session, username=username).id)
    return list(session.scalars(query))


def revoke_token(*, session: Session, token_id: int, actor: User | None = None) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or (actor is not None and not _may_manage_token(actor, token)):
        raise NotFound(f"No token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            events.TokenRevoked(
                actor=actor.username if actor else None,
                agency=token.user.agency.code,
                target=f"token:{token.id}",
                token_prefix=token.prefix,
            ),
        )
    return token


def _may_manage_token(actor: User, token: ApiToken) -> bool:
    return actor.id == token.user_id or policy.can_manage_agency_users(actor, token.user.agency_id)


def user_for_token(*, session: Session, plaintext: str, method: str, path: str) -> User | None:
    """Resolve a bearer token; audit the use. None for unknown, revoked, expired or disabled."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == security.digest(plaintext)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    token.last_used_at = now
    audit.record(
        session,
        events.TokenUsed(
            actor=token.user.username,
            agency=token.user.agency.code,
            token_prefix=token.prefix,
            method=method,
            path=path[:200],
        ),
    )
    return token.user


# --- Web sessions ---------------------------------------------------------------


def start_session(*, session: Session, user: User, hours: float) -> str:
    plaintext = security.new_token()
    session.add(
        WebSession(token_hash=security.digest(plaintext), user=user, expires_at=utcnow() + timedelta(hours=hours))
    )
    session.flush()
    return plaintext


def user_for_session(*, session: Session, plaintext: str) -> User | None:
    row = session.scalar(select(WebSession).where(WebSession.token_hash == security.digest(plaintext)))
    if row is None or row.ended_at is not None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row.user


def end_session(*, session: Session, plaintext: str) -> None:
    row = session.scalar(select(WebSession).where(WebSession.token_hash == security.digest(plaintext)))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        audit.record(session, events.SignOut(actor=row.user.username, agency=row.user.agency.code))
