"""Settings that councils set differently: response targets, time limits, caseload weights.

Defaults and their sources are listed in docs/rules.md. A TOML file at
`paths.config_file()` overrides any of them, for example::

    [response_targets_hours]
    routine = 672

    [reablement]
    standard_days = 42

    [settings]
    review_due_soon_days = 14

    [alert_kinds.key_safe]
    label = "Key safe"
    badge = "key"

    [unit_costs]
    reablement_hour_pounds = 32.5
    reablement_hour_source = "Council commissioned rate 2025-26"

The file is checked by the pydantic models in `config_schema` (imported only when there
is a file, to keep start-up fast): a mistake raises `ConfigError`, naming the file, the
key and what is allowed.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from intapp import paths

DEFAULT_RESPONSE_TARGETS_HOURS: dict[str, int] = {
    "urgent": 2,  # urgent community response
    "medically_optimised": 4,  # from the "medically optimised for transfer" notice
    "discharge_or_falls": 24,  # hospital discharge referrals and falls
    "soon": 7 * 24,
    "routine": 28 * 24,  # (decision) docs/rules.md
}

# The lowest and highest value each whole-number setting may take.
HOURS = (1, 24 * 366)
DAYS = (1, 3660)
BOUNDS: dict[str, tuple[int, int]] = {
    "reablement_standard_days": DAYS,
    "reablement_warning_day": DAYS,
    "followup_days": DAYS,
    "reablement_max_days": DAYS,
    "rereferral_window_days": DAYS,
    "reopen_window_days": DAYS,
    # The store holds weights of 1 to 20 (a check constraint): a council may narrow that.
    "default_case_weight": (1, 20),
    "case_weight_min": (1, 20),
    "case_weight_max": (1, 20),
    "limit_points_per_fte": (1, 10_000),
    "due_soon_hours": HOURS,
    "review_due_soon_days": DAYS,
    "first_review_days": DAYS,
    "received_backdate_days": DAYS,
    "draft_assessment_days": DAYS,
    # A year at most: a rate from long ago says little about this week.
    "forecast_rate_weeks": (1, 52),
}


@dataclass(frozen=True)
class AlertKind:
    """A kind of alert on a person: a stable code (stored on each alert), a label, and the
    very short badge lists show beside the name."""

    code: str
    label: str
    badge: str


# The alerts a team can raise unless the config file lists its own (`[alert_kinds.CODE]`).
# A list is read at 80 columns, so a badge is a symbol or a few letters.
DEFAULT_ALERT_KINDS: tuple[AlertKind, ...] = (
    AlertKind("risk_to_staff", "Risk to staff / do not visit alone", "⚠ risk"),
    AlertKind("safeguarding", "Safeguarding concern", "⚑ sg"),
    AlertKind("communication", "Interpreter or communication needs", "comms"),
    AlertKind("key_safe", "Key safe", "key"),
    AlertKind("sensory_loss", "Hearing or sight loss", "sens"),
    AlertKind("lives_alone", "Lives alone", "alone"),
)
# How long a badge may be, in terminal cells, and the shape of a code.
BADGE_CELLS = 8
ALERT_CODE = r"^[a-z][a-z0-9_]{1,39}$"


# Where a default unit cost comes from. The council reports intapp's design follows give
# no unit costs for these, so each default is a round figure for a council to replace
# with its own commissioned rate; the national reference to compare with is named.
SET_LOCALLY = (
    "set locally (a round default: replace it with the council's own rate; national "
    "estimates to compare with are in PSSRU, Unit Costs of Health and Social Care)"
)


@dataclass(frozen=True)
class UnitCosts:
    """``[unit_costs]``: what the evaluation table prices its estimated costs at, each with
    where the figure comes from (printed beside the table)."""

    reablement_hour_pounds: float = 30.0
    reablement_hour_source: str = SET_LOCALLY
    # Reablement hours are not recorded per visit, so an episode's hours are its days
    # times this weekly figure, divided by 7.
    reablement_hours_per_week: float = 10.0
    reablement_hours_per_week_source: str = (
        "set locally (a round default: replace it with the reablement service's own "
        "average hours of care a week)"
    )
    residential_week_pounds: float = 900.0
    residential_week_source: str = SET_LOCALLY


class ConfigError(ValueError):
    """The config file cannot be used: the message names the file, the key and what is
    allowed."""


@dataclass(frozen=True)
class Settings:
    """Every configurable number in intapp."""

    response_targets_hours: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_RESPONSE_TARGETS_HOURS)
    )
    reablement_standard_days: int = 42
    reablement_warning_day: int = 35
    followup_days: int = 91
    # The longest a reablement episode may be planned for, extensions included.
    reablement_max_days: int = 365
    rereferral_window_days: int = 183  # "within 6 months"
    # A closed case may be reopened within this many days of closing; after, it is a new
    # referral (and a re-referral).
    reopen_window_days: int = 28
    default_case_weight: int = 6
    case_weight_min: int = 1
    case_weight_max: int = 20
    limit_points_per_fte: int = 100
    due_soon_hours: int = 24
    # A plan review is "due soon" within this many days (the dashboard tile and its list).
    review_due_soon_days: int = 7
    # A new care plan's review date, counted from today (12 weeks).
    first_review_days: int = 84
    # How far back a referral's received time may be typed (imports carry history).
    received_backdate_days: int = 30
    # The earliest date of birth the app and the import accept.
    earliest_birth_date: date = date(1900, 1, 1)
    # An assessment still in draft this many days after it was started joins its
    # assessor's work tray.
    draft_assessment_days: int = 14
    # The breach forecast takes each team's triage rate over this many recent weeks.
    forecast_rate_weeks: int = 4
    # Who "me" is on a single-user store: a worker's staff id (the work tray is theirs).
    me: str | None = None
    # The council's code, written as LA_Code in every row of the CLD return.
    la_code: str | None = None
    # The kinds of alert that can be raised on a person, in the order lists show them.
    alert_kinds: tuple[AlertKind, ...] = DEFAULT_ALERT_KINDS
    # The evaluation table's unit costs (`[unit_costs]` in the file).
    unit_costs: UnitCosts = field(default_factory=UnitCosts)

    def alert_kind(self, code: str) -> AlertKind | None:
        """The configured kind with this code, or None (no longer configured)."""
        return next((kind for kind in self.alert_kinds if kind.code == code), None)


_THIS_SESSION: dict[str, Any] = {}
"""Settings chosen in this session that could not be saved to the file (`write_setting`)."""


@lru_cache(maxsize=1)
def load_settings(path: Path | None = None) -> Settings:
    """The settings from the config file, or the defaults when there is none, with any
    chosen this session that could not be saved."""
    return replace(_from_file(path or paths.config_file()), **_THIS_SESSION)


def forget_session_settings() -> None:
    """Drop the settings kept only for this session (tests start afresh)."""
    _THIS_SESSION.clear()
    load_settings.cache_clear()


def _from_file(path: Path) -> Settings:
    if not path.exists():
        return Settings()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Config file {path}: not valid TOML ({error})") from None
    except OSError as error:
        raise ConfigError(f"Config file {path}: cannot be read ({error.strerror})") from None
    from intapp.config_schema import settings_from

    return settings_from(data, path=path)


def as_period(days: int) -> str:
    """A number of days as people say it: whole weeks or months where it is one, else days."""
    months = round(days / (365.25 / 12))
    if months >= 2 and abs(days - months * 365.25 / 12) <= 2:
        return f"{months} months"
    if days % 7 == 0 and days >= 14:
        return f"{days // 7} weeks"
    return f"{days} days" if days != 1 else "1 day"


def configured(text: str) -> str:
    """`text` with its day counts filled in from the settings, so no label goes stale.

    ``{warning}``, ``{standard}``, ``{followup}``, ``{review_soon}`` and ``{first_review}``
    are the reablement warning day, its standard length, the follow-up, the plan review
    window and a first plan's review, in days; ``{rereferral}`` is the re-referral window
    as people say it ("6 months", "90 days").
    """
    settings = load_settings()
    return text.format(
        rereferral=as_period(settings.rereferral_window_days),
        warning=settings.reablement_warning_day,
        standard=settings.reablement_standard_days,
        followup=settings.followup_days,
        review_soon=settings.review_due_soon_days,
        first_review=settings.first_review_days,
    )


class SettingNotSaved(Exception):
    """A setting could not be written to the config file; it holds for this session.
    The message says why and gives the line to add by hand."""


def write_setting(name: str, value: str, path: Path | None = None) -> Path:
    """Set ``[settings] name = value`` in the config file, keeping everything else in it
    (comments, order, other settings) as written. The file is replaced whole (a private
    temporary file in the same folder, then renamed over it), so it is never left half
    written and is readable only by its owner afterwards, even if it was not before.

    When the file cannot be written or is not valid TOML, the setting holds for this
    session only and `SettingNotSaved` says what to add by hand. The settings are read
    again on next use."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    path = path or paths.config_file()
    line = f"{name} = {tomlkit.item(value).as_string()}"
    try:
        _write_atomically(path, _with_setting(path, name, value))
    except (OSError, TOMLKitError) as error:
        _THIS_SESSION[name] = value
        load_settings.cache_clear()
        why = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise SettingNotSaved(
            f"Could not save to {path} ({why}); it holds until you quit. "
            f"To keep it, add under [settings] in that file: {line}"
        ) from None
    _THIS_SESSION.pop(name, None)
    load_settings.cache_clear()
    return path


def _with_setting(path: Path, name: str, value: str) -> str:
    import tomlkit

    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else None
    if document is None:
        document = tomlkit.document()
    section = document.get("settings")
    if section is None:
        section = tomlkit.table()
        document["settings"] = section
    section[name] = value
    return tomlkit.dumps(document)


def _write_atomically(path: Path, text: str) -> None:
    import tempfile

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".tmp")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
