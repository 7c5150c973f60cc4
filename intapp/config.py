"""Settings that councils set differently: response targets, time limits, caseload weights.

Defaults come from the Manchester reports (see DOMAIN.md). A TOML file at
`paths.config_file()` overrides any of them, for example::

    [response_targets_hours]
    routine = 672

    [reablement]
    standard_days = 42
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from intapp import paths

DEFAULT_RESPONSE_TARGETS_HOURS: dict[str, int] = {
    "urgent": 2,  # urgent community response
    "medically_optimised": 4,  # from the "medically optimised for transfer" notice
    "discharge_or_falls": 24,  # hospital discharge referrals and falls
    "soon": 7 * 24,
    "routine": 28 * 24,  # (decision) DOMAIN.md
}


@dataclass(frozen=True)
class Settings:
    """Every configurable number in intapp."""

    response_targets_hours: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_RESPONSE_TARGETS_HOURS)
    )
    reablement_standard_days: int = 42
    followup_days: int = 91
    rereferral_window_days: int = 183  # "within 6 months"
    default_case_weight: int = 6
    limit_points_per_fte: int = 100
    due_soon_hours: int = 24
    reablement_warning_day: int = 35


def _from_toml(data: dict[str, Any]) -> Settings:
    settings = Settings()
    targets = dict(settings.response_targets_hours)
    unknown = set(data.get("response_targets_hours", {})) - set(targets)
    if unknown:
        raise ValueError(f"config: unknown priority in response_targets_hours: {sorted(unknown)}")
    targets.update({k: int(v) for k, v in data.get("response_targets_hours", {}).items()})
    flat: dict[str, Any] = {"response_targets_hours": targets}
    reablement = data.get("reablement", {})
    if "standard_days" in reablement:
        flat["reablement_standard_days"] = int(reablement["standard_days"])
    if "followup_days" in reablement:
        flat["followup_days"] = int(reablement["followup_days"])
    names = {f.name for f in fields(Settings)}
    for key, value in data.get("settings", {}).items():
        if key not in names:
            raise ValueError(f"config: unknown setting {key!r}")
        flat[key] = int(value)
    return replace(settings, **flat)


@lru_cache(maxsize=1)
def load_settings(path: Path | None = None) -> Settings:
    """The settings from the config file, or the defaults when there is none."""
    path = path or paths.config_file()
    if not path.exists():
        return Settings()
    with path.open("rb") as fh:
        return _from_toml(tomllib.load(fh))
