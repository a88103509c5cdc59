"""The one place that decides what a user may do. Default deny.

Roles and their actions are data (``roles.yaml``); this module validates the
file at import and answers ``can``/``require``. Record-level rules (ownership,
grants) build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Protocol

import yaml

from bicentennial.core.errors import ConfigError, PermissionDenied
from bicentennial.core.i18n import N_


class Actor(Protocol):
    role: str
    agency_id: int
    is_active: bool


@dataclass(frozen=True)
class Role:
    name: str
    label_en: str
    label_es: str
    actions: frozenset[str]

    def label(self, lang: str) -> str:
        return self.label_es if lang == "es" else self.label_en


@cache
def roles() -> dict[str, Role]:
    source = "bicentennial/access/roles.yaml"
    raw = yaml.safe_load(resources.files("bicentennial.access").joinpath("roles.yaml").read_text("utf-8"))
    defined = raw.get("roles") if isinstance(raw, dict) else None
    if not isinstance(defined, dict) or not defined:
        raise ConfigError(f"{source}: expected a mapping 'roles'")
    out: dict[str, Role] = {}
    for name, spec in defined.items():  # inheritance only from roles listed earlier
        parent = spec.get("inherits")
        if parent is not None and parent not in out:
            raise ConfigError(f"{source}: role {name!r} field 'inherits': unknown role {parent!r}")
        label = spec.get("label") or {}
        if not {"en", "es"} <= set(label):
            raise ConfigError(f"{source}: role {name!r} field 'label': needs 'en' and 'es'")
        actions = frozenset(spec.get("actions") or []) | (out[parent].actions if parent else frozenset())
        out[name] = Role(name, label["en"], label["es"], actions)
    return out


def can(user: Actor | None, action: str) -> bool:
    if user is None or not user.is_active:
        return False
    role = roles().get(user.role)
    return role is not None and action in role.actions


def require(user: Actor | None, action: str) -> None:
    if not can(user, action):
        raise PermissionDenied(N_("You are not allowed to do this."))


def can_manage_agency_users(user: Actor, agency_id: int) -> bool:
    """Agency admins manage their own agency's accounts; system admins any."""
    if can(user, "users.manage_any_agency"):
        return True
    return can(user, "users.manage") and user.agency_id == agency_id
