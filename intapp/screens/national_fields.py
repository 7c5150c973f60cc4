"""The person's national fields on a form: four keyboard-friendly selects.

Each lists its national code list (`codes.PERSON_CODE_LISTS`); typing jumps to the
entry whose wording (or, for ethnicity, national letter) starts with what was typed.
Blank is "not recorded", reported as unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.widget import Widget
from textual.widgets import Label, Select

from intapp.codes import PERSON_CODE_LISTS, Ethnicity

# What each select is called on a form: short enough for the forms' label column.
FORM_LABELS = {
    "ethnicity": "Ethnicity",
    "accommodation_status": "Accommodation",
    "primary_support_reason": "Support reason",
    "client_type": "Client type",
}
PROMPTS = {"client_type": "Not recorded (a carer if linked as one)"}


def options(name: str) -> list[tuple[str, str]]:
    """(shown, code) for each entry of the field's list; an ethnicity shows its letter."""
    codes = PERSON_CODE_LISTS[name]
    return [
        (
            f"{m.value} {m.wording}"
            if codes is Ethnicity and m is not Ethnicity.UNKNOWN
            else m.wording,
            m.value,
        )
        for m in codes
    ]


def national_selects(prefix: str) -> Iterator[Widget]:
    """A label and a select for each field, with ids ``{prefix}-{field}``."""
    for name, label in FORM_LABELS.items():
        yield Label(label)
        yield Select(
            options(name),
            id=f"{prefix}-{name.replace('_', '-')}",
            prompt=PROMPTS.get(name, "Not recorded"),
        )


def selector(prefix: str, name: str) -> str:
    return f"#{prefix}-{name.replace('_', '-')}"


def chosen(select: Select[Any]) -> str | None:
    """The code chosen, or None for not recorded."""
    value = select.value
    return None if value is Select.NULL else str(value)
