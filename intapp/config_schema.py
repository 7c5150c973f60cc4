"""The config file's schema: pydantic models that forbid unknown keys and check each value.

Imported only when a config file exists. The settings model is built from
`config.Settings` and `config.BOUNDS`, so a setting and its allowed range are written once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import MISSING, fields
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from intapp.config import (
    ALERT_CODE,
    BADGE_CELLS,
    BOUNDS,
    DAYS,
    DEFAULT_RESPONSE_TARGETS_HOURS,
    HOURS,
    AlertKind,
    ConfigError,
    Settings,
    UnitCosts,
)

Hours = Annotated[int, Field(ge=HOURS[0], le=HOURS[1])]
Days = Annotated[int, Field(ge=DAYS[0], le=DAYS[1])]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ResponseTargets(_Strict):
    """``[response_targets_hours]``: hours from referral to response, per priority."""

    urgent: Hours = DEFAULT_RESPONSE_TARGETS_HOURS["urgent"]
    medically_optimised: Hours = DEFAULT_RESPONSE_TARGETS_HOURS["medically_optimised"]
    discharge_or_falls: Hours = DEFAULT_RESPONSE_TARGETS_HOURS["discharge_or_falls"]
    soon: Hours = DEFAULT_RESPONSE_TARGETS_HOURS["soon"]
    routine: Hours = DEFAULT_RESPONSE_TARGETS_HOURS["routine"]


class _SettingsRules(_Strict):
    """The rules between settings, checked once every value is in range."""

    @model_validator(mode="after")
    def _consistent(self) -> _SettingsRules:
        values: Any = self
        low, high = values.case_weight_min, values.case_weight_max
        if low > high:
            raise ValueError("case_weight_min must not be more than case_weight_max")
        if not low <= values.default_case_weight <= high:
            raise ValueError(
                f"default_case_weight must be between case_weight_min ({low})"
                f" and case_weight_max ({high})"
            )
        if values.reablement_warning_day > values.reablement_standard_days:
            raise ValueError("the reablement warning day must not be after its standard days")
        if values.reablement_max_days < values.reablement_standard_days:
            raise ValueError("reablement max_days must not be less than standard_days")
        return self


def _field(name: str, kind: Any, default: Any) -> tuple[Any, Any]:
    if name in BOUNDS:
        low, high = BOUNDS[name]
        return Annotated[int, Field(ge=low, le=high)], default
    return kind, default


# Settings that are not a whole number.
NOT_WHOLE_NUMBERS: dict[str, Any] = {
    "earliest_birth_date": date,
    "me": str | None,
    # A council's code is digits (352), often written without quotes: it is still text.
    "la_code": Annotated[
        str | None, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)
    ],
}
# Settings written as tables of their own rather than as one value under ``[settings]``.
TABLES = ("response_targets_hours", "alert_kinds", "unit_costs")
SettingsModel: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "SettingsModel",
    __base__=_SettingsRules,
    response_targets_hours=(dict[str, int], Field(default_factory=dict)),
    **{
        f.name: _field(f.name, NOT_WHOLE_NUMBERS.get(f.name, int), f.default)
        for f in fields(Settings)
        if f.default is not MISSING and f.name not in TABLES
    },
)
SETTINGS_KEYS = tuple(name for name in SettingsModel.model_fields if name not in TABLES)


class ReablementSection(_Strict):
    """``[reablement]``: the episode's length, its warning day and the follow-up."""

    standard_days: Days | None = None
    warning_day: Days | None = None
    followup_days: Days | None = None
    max_days: Days | None = None


def cells(text: str) -> int:
    """How many terminal cells `text` takes (wide characters take two)."""
    return sum(
        0
        if unicodedata.combining(c) or c == "\ufe0f"
        else 2
        if unicodedata.east_asian_width(c) in "WF"
        else 1
        for c in text
    )


class AlertKindEntry(_Strict):
    """``[alert_kinds.CODE]``: one kind of alert, its label and its badge in lists."""

    label: str = Field(min_length=1, max_length=80)
    badge: str = Field(min_length=1)

    @field_validator("label", "badge")
    @classmethod
    def _one_line(cls, value: str) -> str:
        value = value.strip()
        if not value or "\n" in value or "[" in value:
            raise ValueError("must be one line of text, not blank, without [")
        return value

    @field_validator("badge")
    @classmethod
    def _short(cls, value: str) -> str:
        if cells(value) > BADGE_CELLS:
            raise ValueError(
                f"must fit in {BADGE_CELLS} columns (a symbol or a few letters): "
                "lists show it beside the name at 80 columns"
            )
        return value


# The highest each unit cost may be: a pound figure, or hours in a week.
UNIT_COST_LIMITS = {"pounds": 1_000_000.0, "per_week": 168.0}


def _unit_limit(name: str) -> float:
    return UNIT_COST_LIMITS["per_week" if name.endswith("per_week") else "pounds"]


Pounds = Annotated[float, Field(ge=0, le=UNIT_COST_LIMITS["pounds"], allow_inf_nan=False)]
WeeklyHours = Annotated[float, Field(ge=0, le=UNIT_COST_LIMITS["per_week"], allow_inf_nan=False)]
Source = Annotated[str, Field(min_length=1, max_length=300)]


class UnitCostsSection(_Strict):
    """``[unit_costs]``: the evaluation table's unit costs, each with its source."""

    reablement_hour_pounds: Pounds | None = None
    reablement_hour_source: Source | None = None
    reablement_hours_per_week: WeeklyHours | None = None
    reablement_hours_per_week_source: Source | None = None
    residential_week_pounds: Pounds | None = None
    residential_week_source: Source | None = None

    @field_validator(
        "reablement_hour_source", "reablement_hours_per_week_source", "residential_week_source"
    )
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or "\n" in value):
            raise ValueError("must be one line of text, not blank")
        return value.strip() if value is not None else None

    def unit_costs(self) -> UnitCosts:
        """The unit costs: a figure set here without its source says so, rather than
        keep the default's source beside a figure it did not give."""
        given = {name: value for name, value in self.model_dump().items() if value is not None}
        for cost, source in (
            ("reablement_hour_pounds", "reablement_hour_source"),
            ("reablement_hours_per_week", "reablement_hours_per_week_source"),
            ("residential_week_pounds", "residential_week_source"),
        ):
            if cost in given and source not in given:
                given[source] = f"set in the config file ([unit_costs] {cost}); no source given"
        return UnitCosts(**given)


class ConfigFile(_Strict):
    """The whole config file; ``[settings]`` is checked against `Settings` itself."""

    response_targets_hours: ResponseTargets = ResponseTargets()
    reablement: ReablementSection = ReablementSection()
    settings: dict[str, Any] = Field(default_factory=dict)
    alert_kinds: dict[str, AlertKindEntry] | None = None
    unit_costs: UnitCostsSection = UnitCostsSection()

    @field_validator("alert_kinds")
    @classmethod
    def _codes(cls, kinds: dict[str, AlertKindEntry] | None) -> dict[str, AlertKindEntry] | None:
        if kinds is None:
            return None
        if not kinds:
            raise ValueError("list at least one kind, or leave the table out for the defaults")
        for code in kinds:
            if not re.match(ALERT_CODE, code):
                raise ValueError(
                    f"the code {code!r} must be 2 to 40 lower-case letters, digits or _,"
                    " starting with a letter (it is stored on each alert, so keep it once used)"
                )
        return kinds


_REABLEMENT_NAMES = {
    "standard_days": "reablement_standard_days",
    "warning_day": "reablement_warning_day",
    "followup_days": "followup_days",
    "max_days": "reablement_max_days",
}


def _flatten(config: ConfigFile) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings by name, and where in the file each one was written."""
    flat: dict[str, Any] = {k: v for k, v in config.settings.items() if k in SETTINGS_KEYS}
    where = {name: f"settings.{name}" for name in config.settings}
    for key, name in _REABLEMENT_NAMES.items():
        value = getattr(config.reablement, key)
        if value is not None:
            flat[name] = value
            where[name] = f"reablement.{key}"
    flat["response_targets_hours"] = config.response_targets_hours.model_dump()
    return flat, where


def settings_from(data: dict[str, Any], *, path: Path | str = "(config)") -> Settings:
    """Settings from a parsed config file; a mistake raises `ConfigError`."""
    try:
        config = ConfigFile.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_message(path, error, {})) from None
    flat, where = _flatten(config)
    unknown = sorted(set(config.settings) - set(SETTINGS_KEYS))
    if unknown:
        raise ConfigError(
            f"Config file {path}: settings.{unknown[0]}: unknown key; "
            f"the keys here are: {', '.join(SETTINGS_KEYS)}"
        )
    try:
        checked = SettingsModel.model_validate(flat)
    except ValidationError as error:
        raise ConfigError(_message(path, error, where)) from None
    kinds = (
        tuple(AlertKind(code, k.label, k.badge) for code, k in config.alert_kinds.items())
        if config.alert_kinds is not None
        else Settings.alert_kinds
    )
    return Settings(
        **checked.model_dump(), alert_kinds=kinds, unit_costs=config.unit_costs.unit_costs()
    )


def _message(path: Path | str, error: ValidationError, where: dict[str, str]) -> str:
    lines = []
    for detail in error.errors():
        location = tuple(str(part) for part in detail["loc"])
        if location and location[0] in where:
            key = where[location[0]]
        else:
            key = ".".join(location) or "the settings together"
        value = detail.get("input")
        shown = "" if isinstance(value, dict) or not location else f" is {value!r}"
        lines.append(f"{key}{shown}: {_allowed(detail['type'], detail, location)}")
    return f"Config file {path}: " + "; ".join(lines)


def _allowed(kind: str, detail: Any, location: tuple[str, ...]) -> str:
    if kind == "extra_forbidden":
        sections: dict[str, type[BaseModel]] = {
            "response_targets_hours": ResponseTargets,
            "reablement": ReablementSection,
            "alert_kinds": AlertKindEntry,
            "unit_costs": UnitCostsSection,
        }
        section = sections.get(location[0] if len(location) > 1 else "", ConfigFile)
        return f"unknown key; the keys here are: {', '.join(section.model_fields)}"
    if location[:1] == ("unit_costs",) and kind.startswith(("greater", "less", "float", "finite")):
        return f"must be a number from 0 to {_unit_limit(location[-1]):,.0f}"
    bounds = _bounds(location[-1]) if location else {}
    if bounds and kind in ("greater_than_equal", "less_than_equal", "int_type", "int_parsing"):
        return f"must be a whole number from {bounds['ge']} to {bounds['le']}"
    if kind.startswith("int"):
        return "must be a whole number"
    if kind.startswith("date"):
        return "must be a date, written like 1900-01-01"
    if kind.startswith(("dict", "model")):
        return "must be a table of keys and values"
    return str(detail["msg"]).removeprefix("Value error, ")


def _bounds(name: str) -> dict[str, int]:
    name = _REABLEMENT_NAMES.get(name, name)
    field = SettingsModel.model_fields.get(name) or ResponseTargets.model_fields.get(name)
    bounds: dict[str, int] = {}
    for meta in field.metadata if field else ():
        for attr in ("ge", "le"):
            if getattr(meta, attr, None) is not None:
                bounds[attr] = getattr(meta, attr)
    return bounds if len(bounds) == 2 else {}
