"""The config file: a mistake names the file, the key and what is allowed."""

from __future__ import annotations

from datetime import date

import pytest

from intapp.config import ConfigError, load_settings


def _refused(write_config, text: str) -> str:
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"Config file {path}: ")
    return message


def test_no_file_gives_the_defaults() -> None:
    settings = load_settings()
    assert (settings.reablement_standard_days, settings.followup_days) == (42, 91)
    assert (settings.case_weight_min, settings.default_case_weight, settings.case_weight_max) == (
        1,
        6,
        20,
    )
    assert (settings.review_due_soon_days, settings.first_review_days) == (7, 84)
    assert settings.earliest_birth_date == date(1900, 1, 1)


def test_every_section_is_read(write_config) -> None:
    write_config(
        "[response_targets_hours]\nurgent = 3\n"
        "[reablement]\nstandard_days = 56\nwarning_day = 49\nfollowup_days = 84\nmax_days = 200\n"
        "[settings]\nreview_due_soon_days = 14\nfirst_review_days = 42\n"
        "earliest_birth_date = 1880-06-01\ncase_weight_max = 12\n"
    )
    s = load_settings()
    assert s.response_targets_hours["urgent"] == 3
    assert s.response_targets_hours["routine"] == 28 * 24
    assert (s.reablement_standard_days, s.reablement_warning_day) == (56, 49)
    assert (s.followup_days, s.reablement_max_days) == (84, 200)
    assert (s.review_due_soon_days, s.first_review_days, s.case_weight_max) == (14, 42, 12)
    assert s.earliest_birth_date == date(1880, 6, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[settings]\nreview_soon_days = 3\n",
            "settings.review_soon_days: unknown key; the keys here are: reablement_standard_days,",
        ),
        (
            "[reablement]\nstandard = 42\n",
            "reablement.standard is 42: unknown key; the keys here are: standard_days, warning_day,"
            " followup_days, max_days",
        ),
        (
            "[response_targets_hours]\nwhenever = 1\n",
            "response_targets_hours.whenever is 1: unknown key; the keys here are: urgent,",
        ),
        ("[weights]\nx = 1\n", "weights: unknown key; the keys here are: response_targets_hours"),
    ],
)
def test_an_unknown_key_is_named_with_the_keys_allowed(write_config, text, expected) -> None:
    assert expected in _refused(write_config, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[settings]\ndefault_case_weight = "six"\n',
            "settings.default_case_weight is 'six': must be a whole number from 1 to 20",
        ),
        (
            "[response_targets_hours]\nroutine = 1.5\n",
            "response_targets_hours.routine is 1.5: must be a whole number from 1 to 8784",
        ),
        (
            "[reablement]\nfollowup_days = true\n",
            "reablement.followup_days is True: must be a whole number from 1 to 3660",
        ),
        (
            '[settings]\nearliest_birth_date = "1 Jan 1900"\n',
            "settings.earliest_birth_date is '1 Jan 1900': must be a date, written like 1900-01-01",
        ),
        ("reablement = 3\n", "reablement is 3: must be a table of keys and values"),
    ],
)
def test_a_value_of_the_wrong_type_is_named_with_what_is_allowed(
    write_config, text, expected
) -> None:
    assert expected in _refused(write_config, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[reablement]\nstandard_days = 0\n",
            "reablement.standard_days is 0: must be a whole number from 1 to 3660",
        ),
        (
            "[settings]\ncase_weight_max = 25\n",
            "settings.case_weight_max is 25: must be a whole number from 1 to 20",
        ),
        (
            "[response_targets_hours]\nurgent = -2\n",
            "response_targets_hours.urgent is -2: must be a whole number from 1 to 8784",
        ),
        (
            "[settings]\ncase_weight_max = 5\n",
            "default_case_weight must be between case_weight_min (1) and case_weight_max (5)",
        ),
        (
            "[reablement]\nstandard_days = 30\n",
            "the reablement warning day must not be after its standard days",
        ),
    ],
)
def test_a_value_out_of_range_is_named_with_the_range(write_config, text, expected) -> None:
    assert expected in _refused(write_config, text)


def test_a_file_that_is_not_toml_is_named(write_config) -> None:
    assert "not valid TOML" in _refused(write_config, "[settings\n")


def test_config_error_is_a_value_error_so_older_callers_still_catch_it() -> None:
    assert issubclass(ConfigError, ValueError)


def test_the_alert_kinds_default_and_a_file_replaces_them_in_its_order(write_config) -> None:
    codes = [k.code for k in load_settings().alert_kinds]
    assert codes == [
        "risk_to_staff",
        "safeguarding",
        "communication",
        "key_safe",
        "sensory_loss",
        "lives_alone",
    ]
    write_config(
        '[alert_kinds.dog]\nlabel = "Dog on the premises"\nbadge = "dog"\n'
        '[alert_kinds.risk_to_staff]\nlabel = "Risk to staff"\nbadge = "⚠ risk"\n'
    )
    kinds = load_settings().alert_kinds
    assert [(k.code, k.label, k.badge) for k in kinds] == [
        ("dog", "Dog on the premises", "dog"),
        ("risk_to_staff", "Risk to staff", "⚠ risk"),
    ]
    assert load_settings().alert_kind("key_safe") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[alert_kinds.Dog]\nlabel = "Dog"\nbadge = "dog"\n',
            "alert_kinds: the code 'Dog' must be 2 to 40 lower-case letters, digits or _",
        ),
        (
            '[alert_kinds.dog]\nlabel = "Dog"\nbadge = "big dog!!"\n',
            "alert_kinds.dog.badge is 'big dog!!': must fit in 8 columns",
        ),
        (
            '[alert_kinds.dog]\nlabel = "Dog"\n',
            "alert_kinds.dog.badge: Field required",
        ),
        (
            '[alert_kinds.dog]\nlabel = "Dog"\nbadge = "dog"\ncolour = "red"\n',
            "alert_kinds.dog.colour is 'red': unknown key; the keys here are: label, badge",
        ),
        ("[alert_kinds]\n", "alert_kinds: list at least one kind"),
        ('[settings]\nalert_kinds = "x"\n', "settings.alert_kinds: unknown key"),
    ],
)
def test_a_mistake_in_the_alert_kinds_is_named(write_config, text, expected) -> None:
    assert expected in _refused(write_config, text)


def test_a_council_code_written_as_a_number_is_still_its_code(write_config) -> None:
    write_config("[settings]\nla_code = 352\n")
    assert load_settings().la_code == "352"
    write_config('[settings]\nla_code = "E08000003"\n')
    assert load_settings().la_code == "E08000003"
