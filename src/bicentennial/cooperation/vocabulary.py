"""Request types, deadlines, priorities and the state machine, loaded from YAML and validated."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from bicentennial.core.errors import ConfigError

CLOSED_STAGE = "closed"


@dataclass(frozen=True)
class RequestType:
    code: str
    label_en: str
    label_es: str
    legal_basis: str
    acknowledge_days: int
    complete_days: int
    headline: bool

    def label(self, lang: str) -> str:
        return self.label_es if lang == "es" else self.label_en

    def deadline_days(self, stage: str) -> int | None:
        return {"acknowledge": self.acknowledge_days, "complete": self.complete_days}.get(stage)


@dataclass(frozen=True)
class State:
    code: str
    label_en: str
    label_es: str
    stage: str

    def label(self, lang: str) -> str:
        return self.label_es if lang == "es" else self.label_en

    @property
    def closed(self) -> bool:
        return self.stage == CLOSED_STAGE


def _load(name: str) -> Any:
    return yaml.safe_load(resources.files("bicentennial.cooperation").joinpath(name).read_text("utf-8"))


@cache
def request_types() -> dict[str, RequestType]:
    source = "bicentennial/cooperation/request_types.yaml"
    out = {}
    for code, spec in (_load("request_types.yaml").get("types") or {}).items():
        try:
            deadlines = spec["deadlines"]
            out[code] = RequestType(
                code,
                spec["en"],
                spec["es"],
                spec.get("legal_basis", ""),
                int(deadlines["acknowledge"]),
                int(deadlines["complete"]),
                bool(spec.get("headline", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: type {code!r}: missing or invalid field {exc}") from None
    if not out:
        raise ConfigError(f"{source}: no request types")
    return out


@cache
def priorities() -> dict[str, tuple[str, str]]:
    return {p["code"]: (p["en"], p["es"]) for p in _load("request_types.yaml")["priorities"]}


@cache
def states() -> dict[str, State]:
    raw = _load("lifecycle.yaml")
    return {code: State(code, s["en"], s["es"], s["stage"]) for code, s in raw["states"].items()}


@cache
def transitions() -> dict[tuple[str, str], str]:
    """(from, to) -> side allowed to make the move ("requesting" or "receiving")."""
    source = "bicentennial/cooperation/lifecycle.yaml"
    known = states()
    out = {}
    for i, t in enumerate(_load("lifecycle.yaml")["transitions"], start=1):
        if t["from"] not in known or t["to"] not in known or t["by"] not in ("requesting", "receiving"):
            raise ConfigError(f"{source}: transition {i}: unknown state or side in {t}")
        out[(t["from"], t["to"])] = t["by"]
    return out


def next_states(status: str) -> dict[str, str]:
    return {to: side for (frm, to), side in transitions().items() if frm == status}
