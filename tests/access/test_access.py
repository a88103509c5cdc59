"""Accounts: hashing, lock-out, agency boundaries for administrators, tokens."""

from __future__ import annotations

import pytest

from bicentennial.access import credentials, policy
from bicentennial.access import service as access
from bicentennial.access.models import ApiToken
from bicentennial.audit import service as audit
from bicentennial.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.conftest import PASSWORD, make_user

LOCKOUT = credentials.Lockout(max_failures=3, minutes=15)


def test_password_is_stored_as_argon2id(db) -> None:
    make_user(db, "ana", "FGR", "analyst")
    with db.session() as s:
        user = access.get_user(session=s, username="ana")
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("username", "agency", "role", "password", "error"),
    [
        ("Bad Name!", "FGR", "viewer", PASSWORD, InvalidInput),
        ("ok.name", "NOPE", "viewer", PASSWORD, Exception),
        ("ok.name", "FGR", "emperor", PASSWORD, InvalidInput),
        ("ok.name", "FGR", "viewer", "short", InvalidInput),
    ],
)
def test_create_user_rejects_bad_input(db, username, agency, role, password, error) -> None:
    with pytest.raises(error), db.session() as s:
        access.create_user(session=s, spec=access.NewUser(username, agency, role), password=password, actor=None)


def test_duplicate_username_conflicts(db) -> None:
    make_user(db, "ana", "FGR", "analyst")
    with pytest.raises(Conflict):
        make_user(db, "ANA", "DEA", "viewer")


def test_lockout_after_repeated_failures_even_with_right_password(db) -> None:
    make_user(db, "ana", "FGR", "analyst")
    for _ in range(3):
        with db.session() as s:
            assert credentials.authenticate(session=s, username="ana", password="wrong", lockout=LOCKOUT) is None
    with db.session() as s:
        assert credentials.authenticate(session=s, username="ana", password=PASSWORD, lockout=LOCKOUT) is None
    with db.session() as s:
        kinds = [e.kind for e in audit.recent(s, limit=5)]
    assert "auth.account_locked" in kinds and kinds.count("auth.sign_in_failed") >= 4
    with db.session() as s:  # an administrator re-enables: lock cleared
        access.set_active(session=s, username="ana", active=False, actor=None)
        access.set_active(session=s, username="ana", active=True, actor=None)
    with db.session() as s:
        assert credentials.authenticate(session=s, username="ana", password=PASSWORD, lockout=LOCKOUT) is not None


def test_disabled_user_cannot_sign_in(db) -> None:
    make_user(db, "ana", "FGR", "analyst")
    with db.session() as s:
        access.set_active(session=s, username="ana", active=False, actor=None)
    with db.session() as s:
        assert credentials.authenticate(session=s, username="ana", password=PASSWORD, lockout=LOCKOUT) is None


def test_agency_admin_manages_only_own_agency(db) -> None:
    make_user(db, "boss", "FGR", "agency_admin")
    make_user(db, "other", "DEA", "viewer")
    with db.session() as s:
        boss = access.get_user(session=s, username="boss")
        access.create_user(session=s, spec=access.NewUser("mine", "FGR", "analyst"), password=PASSWORD, actor=boss)
        with pytest.raises(PermissionDenied):
            access.create_user(
                session=s, spec=access.NewUser("theirs", "DEA", "analyst"), password=PASSWORD, actor=boss
            )
        with pytest.raises(PermissionDenied):
            access.create_user(
                session=s, spec=access.NewUser("root2", "FGR", "system_admin"), password=PASSWORD, actor=boss
            )
        with pytest.raises(PermissionDenied):
            access.set_active(session=s, username="other", active=False, actor=boss)
        assert {u.username for u in access.list_users(session=s, actor=boss)} == {"boss", "mine"}


def test_viewer_cannot_list_users(db) -> None:
    make_user(db, "vic", "CBP", "viewer")
    with db.session() as s:
        viewer = access.get_user(session=s, username="vic")
        assert not policy.can(viewer, "users.read")
        with pytest.raises(PermissionDenied):
            access.list_users(session=s, actor=viewer)


def test_tokens_hashed_at_rest_and_revocable(db) -> None:
    make_user(db, "bot", "ATF", "analyst")
    with db.session() as s:
        token, plaintext = credentials.create_token(session=s, username="bot", name="etl")
        token_id = token.id
    with db.session() as s:
        stored = s.get(ApiToken, token_id)
        assert plaintext not in stored.token_hash and len(stored.token_hash) == 64
        assert credentials.user_for_token(session=s, plaintext=plaintext, method="GET", path="/x").username == "bot"
        assert credentials.user_for_token(session=s, plaintext=plaintext + "x", method="GET", path="/x") is None
        credentials.revoke_token(session=s, token_id=token_id)
    with db.session() as s:
        assert credentials.user_for_token(session=s, plaintext=plaintext, method="GET", path="/x") is None


def test_first_admin_created_once_with_random_password(db) -> None:
    with db.session() as s:
        assert not any(u.role == "system_admin" for u in access.list_users(session=s, actor=None))
        first = access.ensure_first_admin(session=s, agency="SSPC")
        assert first is not None and len(first[1]) >= 16
        assert access.ensure_first_admin(session=s, agency="SSPC") is None
