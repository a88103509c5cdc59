"""The results framework (goals → indicators) as a typed, validated registry.

Loaded from ``framework.yaml`` (bundled) or a file named by
``BICENTENNIAL_FRAMEWORK_FILE``; every error names the file, the indicator and the field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bicentennial.core.errors import ConfigError

KINDS = ("outcome", "output", "input")
DIRECTIONS = ("lower_is_better", "higher_is_better")
LEVELS = ("country", "state", "municipality", "county")
FREQUENCIES = ("annual", "monthly", "fiscal_year", "12m_ending")
AGGREGATES = ("sum", "none")


@dataclass(frozen=True)
class Text:
    en: str
    es: str

    def __call__(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


@dataclass(frozen=True)
class Mark:
    period: str
    value: float
    illustrative: bool = False


@dataclass(frozen=True)
class Indicator:
    id: str
    name: Text
    definition: Text
    unit: Text
    kind: str
    direction: str
    levels: tuple[str, ...]
    frequency: str
    aggregate: str
    source_name: str
    source_title: str
    goal: str
    rate_of: str | None = None  # derived: this indicator = rate_of ÷ population × 100,000
    baseline: Mark | None = None
    target: Mark | None = None

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_is_better"


@dataclass(frozen=True)
class Goal:
    id: str
    name: Text
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Framework:
    goals: tuple[Goal, ...]
    indicators: dict[str, Indicator]
    source: str

    def get(self, indicator_id: str) -> Indicator | None:
        return self.indicators.get(indicator_id)


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, field: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}: {where}, field {field!r}: {problem}")

    def text(self, spec: dict[str, Any], where: str, field: str) -> Text:
        value = spec.get(field)
        if not isinstance(value, dict) or not all(isinstance(value.get(k), str) and value[k] for k in ("en", "es")):
            raise self.fail(where, field, "needs non-empty 'en' and 'es' texts")
        if set(value) != {"en", "es"}:  # an unquoted comma in a {en: ..., es: ...} line splits the text
            raise self.fail(
                where, field, f"unexpected keys {sorted(set(value) - {'en', 'es'})}: quote texts with commas"
            )
        return Text(value["en"], value["es"])

    def choice(self, spec: dict[str, Any], where: str, field: str, allowed: tuple[str, ...]) -> str:
        value = spec.get(field)
        if value not in allowed:
            raise self.fail(where, field, f"{value!r} is not one of {', '.join(allowed)}")
        return str(value)

    def mark(self, spec: dict[str, Any], where: str, field: str) -> Mark | None:
        value = spec.get(field)
        if value is None:
            return None
        if not isinstance(value, dict) or "period" not in value or not isinstance(value.get("value"), int | float):
            raise self.fail(where, field, "needs 'period' and a numeric 'value'")
        return Mark(str(value["period"]), float(value["value"]), bool(value.get("illustrative", False)))


def parse(raw: Any, source: str) -> Framework:
    check = _Checker(source)
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("indicators"), dict)
        or not isinstance(raw.get("goals"), list)
    ):
        raise ConfigError(f"{source}: expected mappings 'goals' (a list) and 'indicators'")
    goal_of: dict[str, str] = {}
    goals = []
    for i, g in enumerate(raw["goals"], start=1):
        where = f"goal {g.get('id', i)!r}" if isinstance(g, dict) else f"goal {i}"
        if not isinstance(g, dict) or not g.get("id") or not isinstance(g.get("indicators"), list):
            raise check.fail(where, "indicators", "each goal needs an 'id' and a list of 'indicators'")
        goals.append(
            Goal(
                str(g["id"]),
                check.text({"name": {"en": g.get("en"), "es": g.get("es")}}, where, "name"),
                tuple(g["indicators"]),
            )
        )
        goal_of.update({ind: str(g["id"]) for ind in g["indicators"]})
    indicators = {}
    for ind_id, spec in raw["indicators"].items():
        where = f"indicator {ind_id!r}"
        if not isinstance(spec, dict):
            raise check.fail(where, "(all)", "expected a mapping")
        source_spec = spec.get("source") or {}
        if not source_spec.get("name"):
            raise check.fail(where, "source", "needs a 'name'")
        levels = spec.get("levels")
        if not isinstance(levels, list) or not levels or any(lv not in LEVELS for lv in levels):
            raise check.fail(where, "levels", f"a list drawn from {', '.join(LEVELS)}")
        formula = spec.get("formula")
        rate_of = formula.get("rate_per_100k") if isinstance(formula, dict) else None
        if formula is not None and not rate_of:
            raise check.fail(where, "formula", "only {rate_per_100k: INDICATOR} is supported")
        if ind_id not in goal_of:
            raise check.fail(where, "goal", "the indicator is listed under no goal")
        indicators[ind_id] = Indicator(
            id=ind_id,
            name=check.text(spec, where, "name"),
            definition=check.text(spec, where, "definition"),
            unit=check.text(spec, where, "unit"),
            kind=check.choice(spec, where, "kind", KINDS),
            direction=check.choice(spec, where, "direction", DIRECTIONS),
            levels=tuple(levels),
            frequency=check.choice(spec, where, "frequency", FREQUENCIES),
            aggregate=check.choice(spec, where, "aggregate", AGGREGATES),
            source_name=str(source_spec["name"]),
            source_title=str(source_spec.get("title", "")),
            goal=goal_of[ind_id],
            rate_of=rate_of,
            baseline=check.mark(spec, where, "baseline"),
            target=check.mark(spec, where, "target"),
        )
    for goal in goals:
        for listed in goal.indicators:
            if listed not in indicators:
                raise check.fail(f"goal {goal.id!r}", "indicators", f"{listed!r} is not defined under 'indicators'")
    for defined in indicators.values():
        if defined.rate_of and defined.rate_of not in indicators:
            raise check.fail(f"indicator {defined.id!r}", "formula", f"{defined.rate_of!r} is not an indicator")
    return Framework(tuple(goals), indicators, source)


def load_text(text: str, source: str) -> Framework:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{source}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return parse(raw, source)


@cache
def framework() -> Framework:
    override = os.environ.get("BICENTENNIAL_FRAMEWORK_FILE")
    if override:
        path = Path(override)
        try:
            return load_text(path.read_text("utf-8"), str(path))
        except OSError as exc:
            raise ConfigError(f"BICENTENNIAL_FRAMEWORK_FILE {path}: {exc.strerror}") from None
    bundled = resources.files("bicentennial.outcomes").joinpath("framework.yaml")
    return load_text(bundled.read_text("utf-8"), "bicentennial/outcomes/framework.yaml")
