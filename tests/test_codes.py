"""The code lists' labels, as the forms and lists show them."""

from __future__ import annotations

import pytest

from intapp.codes import Pathway, ReablementOutcome, ReferralSource


@pytest.mark.parametrize(
    ("code", "label"),
    [
        (ReferralSource.GP, "GP"),
        (ReferralSource.A_AND_E, "A&E"),
        (ReferralSource.FAMILY_OR_CARER, "Family or carer"),
        (ReablementOutcome.EARLY_CESSATION_NHS_FUNDED, "Early cessation NHS funded"),
        (Pathway.NO_FURTHER_ACTION, "No further action"),
    ],
)
def test_labels_read_as_people_write_them(code, label):
    assert code.label == label


def _code_lists() -> list[type]:
    from intapp import codes

    return [
        value
        for value in vars(codes).values()
        if isinstance(value, type) and issubclass(value, codes.Label) and value is not codes.Label
    ]


def test_every_code_of_every_list_has_a_label_from_the_one_function():
    from intapp.codes import code_label

    lists = _code_lists()
    assert len(lists) >= 15
    for code_list in lists:
        for member in code_list:
            shown = code_label(member.value)
            assert shown == member.label, member
            assert shown and "_" not in shown and shown[0].isupper(), member
            assert code_label(member.value, capitalised=False).lower() == shown.lower()
    assert code_label("a_and_e", capitalised=False) == "A&E"
    assert code_label("hospital_discharge", capitalised=False) == "hospital discharge"
    assert code_label(None) == ""


def test_care_plan_item_kinds_have_labels_too():
    from intapp.codes import code_label
    from intapp.services.care_plans import ITEM_KINDS

    for kind in ITEM_KINDS:
        assert code_label(kind) and "_" not in code_label(kind)


# Hand-formatting a code (``.replace("_", " ")``, ``.capitalize()``) is how "A&E" became
# "a and e" on one screen; these places format something that is not a code.
NOT_CODES = {
    ("services/referrals.py", "field.replace"),  # a field name in a message
    ("services/audit.py", "__tablename__"),  # a table's name
    ("cli/root.py", "name.replace"),  # the demo's row counts, by table
    ("widgets/paged_list.py", "noun.capitalize"),  # what a list calls its rows
}


def test_screens_exports_and_messages_never_hand_format_a_code():
    from pathlib import Path

    import intapp

    root = Path(intapp.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root).as_posix()
        if where in ("codes.py",) or where.startswith(("migrations/", "demo/vocabulary")):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            hand_made = any(
                pattern in line
                for pattern in ('.replace("_", " ")', ".replace('_', ' ')", ".capitalize()")
            )
            if hand_made and not any(where == f and mark in line for f, mark in NOT_CODES):
                found.append(f"{where}:{number}: {line.strip()}")
    assert found == []
