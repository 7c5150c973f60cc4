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
