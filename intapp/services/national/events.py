"""One Client Level Data event, as intapp derives it: the row the CLD extract writes and
the returns (SALT STS001/STS002, ASCOF) are counted from.

Values are in the national wording (``"Request"``, ``"Progress to Reablement/ST-Max"``,
``"Short Term Support: ST-Max"``); None is a field left blank. `person_id` is intapp's
own and is never written out: it keeps one person's events together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CldEvent:
    person_id: int
    # The person, as the CLD person fields.
    nhs_number: str | None
    la_person_id: str
    gp_practice_code: str | None
    gender: str | None
    ethnicity: str
    date_of_birth: date
    date_of_death: date | None
    client_type: str
    primary_support_reason: str
    postcode: str | None
    accommodation_status: str
    has_unpaid_carer: str
    # The event.
    event_type: str  # Request, Assessment, Service or Review
    event_reference: str
    event_start_date: date
    event_end_date: date | None  # only a Service may run on with no end
    event_outcome: str | None
    request_route_of_access: str | None = None
    assessment_type: str | None = None
    eligible_needs_identified: str | None = None
    service_type: str | None = None
    service_component: str | None = None
    review_reason: str | None = None
    unit_cost: float | None = None
