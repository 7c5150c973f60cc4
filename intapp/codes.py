"""The vocabularies (code lists) intapp stores as text, with readable labels.

Kept apart from the models so that code reading the store before SQLAlchemy has loaded
(`services.plain_sql`) names the same stored values the models do.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self, cast

# Words a label shows in capitals (or spelled as people write them), not as stored.
ACRONYMS = {"gp": "GP", "nhs": "NHS", "a and e": "A&E", "mdt": "MDT"}
# Codes the generic rule would spell wrong: the INT cohorts' abbreviations, and the national
# wording of case outcomes.
LABELS = {
    "frail_older": "Frail older people",
    "ltc_end_of_life": "LTC or end of life",
    "complex_lives": "Complex lives",
    "mh_ld_dementia": "MH, LD or dementia",
    "cyp_with_ltc": "CYP with LTC",
    # Case outcomes in the national (CLD) wording, which a code cannot hold.
    "goals_met": "Support ended: goals met",
    "long_term_support": "Progress to long-term support",
    "nfa_support_declined": "NFA – support declined",
    "nfa_moved_to_another_la": "NFA – moved to another local authority",
    "nfa_nhs_funded_care": "NFA – 100% NHS-funded care",
    "nfa_deceased": "NFA – deceased",
    "nfa_signposting": "NFA – information & advice / signposting only",
    "nfa_no_services": "NFA – no services offered",
    "nhs_spine": "NHS Spine (demographics service)",
    # Routes of access in the national wording.
    "community_other": "Community / other route",
    "planned_entry": "Planned entry (transition)",
    "transfer_from_other_la": "Transfer from other LA",
    "from_prison": "Prison",
}


def code_label(code: str | None, *, capitalised: bool = True) -> str:
    """How every screen, export and message shows a stored code.

    ``early_cessation_nhs_funded`` -> ``Early cessation NHS funded``; ``a_and_e`` -> ``A&E``.
    With ``capitalised=False`` it reads mid-sentence: ``from hospital discharge``, ``from GP``.
    None (a code not yet set) shows as an empty string.
    """
    if not code:
        return ""
    if code in LABELS:
        text = LABELS[code]
        return text if capitalised or text[:2].isupper() else text[:1].lower() + text[1:]
    text = f" {code.replace('_', ' ')} "
    for word, shown in ACRONYMS.items():
        text = text.replace(f" {word} ", f" {shown} ")
    text = text.strip()
    return text[:1].upper() + text[1:] if capitalised else text


class Label(StrEnum):
    """A code list whose members have a readable label."""

    @property
    def label(self) -> str:
        """``early_cessation_nhs_funded`` -> ``Early cessation NHS funded``."""
        return code_label(self.value)


class RiskTier(Label):
    HIGHEST = "highest"
    HIGH = "high"
    RISING = "rising"
    LOW = "low"


class Profession(Label):
    SOCIAL_WORKER = "social_worker"
    DISTRICT_NURSE = "district_nurse"
    OCCUPATIONAL_THERAPIST = "occupational_therapist"
    PHYSIOTHERAPIST = "physiotherapist"
    REABLEMENT_OFFICER = "reablement_officer"
    COMMUNITY_CONNECTOR = "community_connector"
    MENTAL_HEALTH_PRACTITIONER = "mental_health_practitioner"
    CARE_COORDINATOR = "care_coordinator"
    GP = "gp"
    PHARMACIST = "pharmacist"


class ReferralSource(Label):
    GP = "gp"
    HOSPITAL_DISCHARGE = "hospital_discharge"
    A_AND_E = "a_and_e"
    AMBULANCE = "ambulance"
    COMMUNITY_ALARM = "community_alarm"
    DISTRICT_NURSE = "district_nurse"
    SELF = "self"
    FAMILY_OR_CARER = "family_or_carer"
    HOUSING = "housing"
    VOLUNTARY_SECTOR = "voluntary_sector"
    OTHER = "other"


class RouteOfAccess(Label):
    """CLD Request_Route_of_Access (release 1): the three SALT routes first, then the
    routes CLD added. A carer's route not recorded is Community / Other."""

    DISCHARGE_FROM_HOSPITAL = "discharge_from_hospital"
    DIVERSION_FROM_HOSPITAL = "diversion_from_hospital"
    COMMUNITY_OTHER = "community_other"
    PLANNED_ENTRY = "planned_entry"
    PRISON = "from_prison"
    SELF_FUNDER = "self_funder"
    DISCHARGE_FROM_REABLEMENT = "discharge_from_reablement"
    TRANSFER_FROM_OTHER_LA = "transfer_from_other_la"


class Priority(Label):
    """Triage priority; each maps to a response target in `config.Settings`."""

    URGENT = "urgent"
    MEDICALLY_OPTIMISED = "medically_optimised"
    DISCHARGE_OR_FALLS = "discharge_or_falls"
    SOON = "soon"
    ROUTINE = "routine"


class ReferralStatus(Label):
    RECEIVED = "received"
    TRIAGED = "triaged"
    ALLOCATED = "allocated"
    SIGNPOSTED = "signposted"
    NO_FURTHER_ACTION = "no_further_action"
    CLOSED = "closed"
    # Sent to another team, waiting for its coordinator to accept or return it.
    TRANSFER = "transfer"


class TransferState(Label):
    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    CANCELLED = "cancelled"  # the person died while it waited


class ActionStatus(Label):
    """A care plan action's state: open until done, or cancelled (its plan closed, or
    it will not be done)."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class AbsenceKind(Label):
    LEAVE = "leave"
    SICKNESS = "sickness"
    TRAINING = "training"


class Pathway(Label):
    CASE_MANAGEMENT = "case_management"
    REABLEMENT_STANDARD = "reablement_standard"
    REABLEMENT_COMPLEX = "reablement_complex"
    INTERMEDIATE_CARE = "intermediate_care"
    CRISIS_RESPONSE = "crisis_response"
    HIGH_IMPACT_PRIMARY_CARE = "high_impact_primary_care"
    EARLY_HELP = "early_help"
    COMMUNITY_LINKS = "community_links"
    INFORMATION_ADVICE = "information_advice"
    NO_FURTHER_ACTION = "no_further_action"


class AssessmentType(Label):
    INTEGRATED = "integrated"  # integrated / trusted assessment
    CARER = "carer"
    REVIEW = "review"


class AssessmentStatus(Label):
    DRAFT = "draft"
    SIGNED_OFF = "signed_off"
    SUPERSEDED = "superseded"


class OutcomeAchievement(Label):
    """How far a person achieves one Care Act outcome."""

    ACHIEVABLE = "achievable"
    WITH_SUPPORT = "with_support"
    UNABLE = "unable"


class EpisodeType(Label):
    STANDARD = "standard"
    COMPLEX = "complex"


class EpisodeState(Label):
    PLANNED = "planned"
    ACTIVE = "active"
    ENDED = "ended"
    CANCELLED = "cancelled"


class ReablementOutcome(Label):
    """SALT STS002a sequels to short-term support to maximise independence."""

    NO_ONGOING_SUPPORT = "no_ongoing_support"
    ONGOING_LOW_LEVEL_SUPPORT = "ongoing_low_level_support"
    LONG_TERM_SUPPORT_COMMUNITY = "long_term_support_community"
    LONG_TERM_SUPPORT_RESIDENTIAL = "long_term_support_residential"
    EARLY_CESSATION_HOSPITAL = "early_cessation_hospital"
    EARLY_CESSATION_NHS_FUNDED = "early_cessation_nhs_funded"
    EARLY_CESSATION_DECEASED = "early_cessation_deceased"
    EARLY_CESSATION_DECLINED = "early_cessation_declined"


class FollowupResult(Label):
    AT_HOME = "at_home"
    IN_HOSPITAL = "in_hospital"
    RESIDENTIAL_OR_NURSING = "residential_or_nursing"
    DIED = "died"
    UNKNOWN = "unknown"


class CaseOutcome(Label):
    """Why a case closed: the national Client Level Data event outcomes.

    The first seven are chosen when a case closes (`CLOSING_OUTCOMES`); the last two
    are set by triage on a referral it signposts or takes no further.
    """

    GOALS_MET = "goals_met"
    LONG_TERM_SUPPORT = "long_term_support"
    NFA_SUPPORT_DECLINED = "nfa_support_declined"
    NFA_MOVED_TO_ANOTHER_LA = "nfa_moved_to_another_la"
    NFA_NHS_FUNDED_CARE = "nfa_nhs_funded_care"
    NFA_DECEASED = "nfa_deceased"
    OTHER = "other"
    NFA_SIGNPOSTING = "nfa_signposting"
    NFA_NO_SERVICES = "nfa_no_services"


# What a person closing a case chooses from; death has its own flow but may be chosen too.
CLOSING_OUTCOMES = tuple(CaseOutcome)[:7]

# Codes stored before the outcomes followed CLD, and what each now reads as (migration 0010).
EARLIER_CASE_OUTCOMES = {
    "needs_met": CaseOutcome.GOALS_MET,
    "ongoing_long_term_support": CaseOutcome.LONG_TERM_SUPPORT,
    "transferred": CaseOutcome.OTHER,
    "declined": CaseOutcome.NFA_SUPPORT_DECLINED,
    "moved_away": CaseOutcome.NFA_MOVED_TO_ANOTHER_LA,
    "died": CaseOutcome.NFA_DECEASED,
}


class DeathSource(Label):
    """How the team learnt of a death."""

    FAMILY_OR_CARER = "family_or_carer"
    GP = "gp"
    HOSPITAL = "hospital"
    CARE_PROVIDER = "care_provider"
    NHS_SPINE = "nhs_spine"
    OTHER = "other"


class NoteKind(Label):
    """What a case note records."""

    HOME_VISIT = "home_visit"
    PHONE_CALL = "phone_call"
    OFFICE_VISIT = "office_visit"
    MDT_MEETING = "mdt_meeting"
    EMAIL = "email"
    LETTER = "letter"
    OTHER = "other"


class NoteContact(Label):
    """Whom the contact a case note records was with."""

    PERSON = "person"
    CARER = "carer"
    PROFESSIONAL = "professional"
    OTHER = "other"


# --- The person's national (Client Level Data) fields ----------------------------------------


class NationalCode(Label):
    """A national code list: each member is a short stored code with the national wording
    as its label, which every screen, export and message shows (`code_label`).

    Every list has an UNKNOWN member: "unknown" may be recorded, and a person with
    nothing recorded is reported as unknown too (`national_label`).
    """

    wording: str

    def __new__(cls, code: str, wording: str) -> NationalCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.wording = wording
        return member

    @classmethod
    def of(cls, code: str) -> Self:
        """The member stored as `code` (``ClientType.of("carer")``); ValueError if none."""
        member = cls._value2member_map_.get(code)
        if member is None:
            raise ValueError(f"{code!r} is not a {cls.__name__} code")
        return cast(Self, member)

    @classmethod
    def from_text(cls, text: str) -> NationalCode | None:
        """The member whose code or wording `text` is, in any case and spacing ("a",
        "white - irish", "Owner occupier or shared ownership scheme", "service user");
        "not known" is Unknown in every list. None when it is neither."""
        return _national_lookup(cls).get(_loose(text))


def _loose(text: str) -> str:
    """Text as a code list lookup compares it: case-folded, one space between words,
    dashes and underscores as spaces, so "Tenant – private landlord" is "Tenant - private
    landlord" and "service_user" is "service user"."""
    plain = text.replace("–", "-").replace("—", "-").replace("_", " ").casefold()
    return " ".join(plain.split())


_LOOKUPS: dict[type[NationalCode], dict[str, NationalCode]] = {}
# Other ways a national list writes an entry: the Data Dictionary's "99" (not known).
_ALIASES = {"Ethnicity": {"99": "unknown"}}


def _national_lookup(codes: type[NationalCode]) -> dict[str, NationalCode]:
    if codes not in _LOOKUPS:
        found: dict[str, NationalCode] = {}
        for member in codes:
            found[_loose(member.value)] = member
            found[_loose(member.wording)] = member
        found.setdefault("not known", found["unknown"])
        for alias, code in _ALIASES.get(codes.__name__, {}).items():
            found.setdefault(alias, found[code])
        _LOOKUPS[codes] = found
    return _LOOKUPS[codes]


class Ethnicity(NationalCode):
    """The NHS Data Dictionary's ETHNIC CATEGORY (the 2001 census groups, national codes
    A to S, and Z "Not stated"), as the UK Core FHIR EthnicCategoryEngland code system
    publishes it; with Unknown (the Data Dictionary's "99 Not known")."""

    WHITE_BRITISH = ("A", "White - English, Welsh, Scottish, Northern Irish or British")
    WHITE_IRISH = ("B", "White - Irish")
    WHITE_OTHER = ("C", "White - Any other White background")
    MIXED_WHITE_BLACK_CARIBBEAN = ("D", "Mixed - White and Black Caribbean")
    MIXED_WHITE_BLACK_AFRICAN = ("E", "Mixed - White and Black African")
    MIXED_WHITE_ASIAN = ("F", "Mixed - White and Asian")
    MIXED_OTHER = ("G", "Mixed - Any other mixed background")
    ASIAN_INDIAN = ("H", "Asian or Asian British - Indian")
    ASIAN_PAKISTANI = ("J", "Asian or Asian British - Pakistani")
    ASIAN_BANGLADESHI = ("K", "Asian or Asian British - Bangladeshi")
    ASIAN_OTHER = ("L", "Asian or Asian British - Any other Asian background")
    BLACK_CARIBBEAN = ("M", "Black or Black British - Caribbean")
    BLACK_AFRICAN = ("N", "Black or Black British - African")
    BLACK_OTHER = ("P", "Black or Black British - Any other Black background")
    CHINESE = ("R", "Other ethnic groups - Chinese")
    OTHER = ("S", "Other ethnic groups - Any other ethnic group")
    NOT_STATED = ("Z", "Not stated")
    UNKNOWN = ("unknown", "Unknown")


class AccommodationStatus(NationalCode):
    """CLD Accommodation_Status, in the national wording (release 1, as NHS England's
    published ASCOF-from-CLD code reads it). The first nine count as settled (living in
    their own home or with family) for ASCOF 2E."""

    OWNER_OCCUPIER = ("owner_occupier", "Owner occupier or shared ownership scheme")
    TENANT = ("tenant", "Tenant")
    TENANT_PRIVATE = ("tenant_private", "Tenant - private landlord")
    WITH_FAMILY = ("with_family", "Settled mainstream housing with family / friends")
    SUPPORTED = (
        "supported_accommodation",
        "Supported accommodation / supported lodgings / supported group home",
    )
    SHARED_LIVES = ("shared_lives", "Shared Lives scheme")
    APPROVED_PREMISES = (
        "approved_premises",
        "Approved premises for offenders released from prison or under probation supervision",
    )
    SHELTERED = (
        "sheltered_housing",
        "Sheltered housing / extra care housing / other sheltered housing",
    )
    MOBILE = (
        "mobile_accommodation",
        "Mobile accommodation for Gypsy / Roma and Traveller communities",
    )
    ROUGH_SLEEPER = ("rough_sleeper", "Rough sleeper / squatting")
    NIGHT_SHELTER = ("night_shelter", "Night shelter / emergency hostel / direct access hostel")
    REFUGE = ("refuge", "Refuge")
    TEMPORARY_BY_COUNCIL = (
        "temporary_by_council",
        "Placed in temporary accommodation by the council (inc. homelessness resettlement)",
    )
    SHORT_TERM_GUEST = ("short_term_guest", "Staying with family / friends as a short-term guest")
    HEALTHCARE = (
        "healthcare_residential",
        "Acute / long-term healthcare residential facility or hospital",
    )
    CARE_HOME = ("care_home", "Registered care home")
    NURSING_HOME = ("nursing_home", "Registered nursing home")
    PRISON = ("prison", "Prison / Young offenders institution / detention centre")
    OTHER_TEMPORARY = ("other_temporary", "Other temporary accommodation")
    UNKNOWN = ("unknown", "Unknown")


class PrimarySupportReason(NationalCode):
    """CLD Primary_Support_Reason (the SALT list; the Interweave SocialCareSupportReason
    value set has the same), with support to a carer for carers."""

    PHYSICAL_MOBILITY = ("physical_mobility", "Physical Support: Access & mobility only")
    PHYSICAL_PERSONAL_CARE = ("physical_personal_care", "Physical Support: Personal care support")
    SENSORY_VISUAL = ("sensory_visual", "Sensory Support: Support for visual impairment")
    SENSORY_HEARING = ("sensory_hearing", "Sensory Support: Support for hearing impairment")
    SENSORY_DUAL = ("sensory_dual", "Sensory Support: Support for dual impairment")
    MEMORY_COGNITION = ("memory_cognition", "Support with Memory & Cognition")
    LEARNING_DISABILITY = ("learning_disability", "Learning Disability Support")
    MENTAL_HEALTH = ("mental_health", "Mental Health Support")
    SUBSTANCE_MISUSE = ("substance_misuse", "Social Support: Substance misuse support")
    ASYLUM_SEEKER = ("asylum_seeker", "Social Support: Asylum seeker support")
    SOCIAL_ISOLATION = ("social_isolation", "Social Support: Support for Social Isolation/Other")
    SUPPORT_TO_CARER = ("support_to_carer", "Social Support: Support to Carer")
    UNKNOWN = ("unknown", "Unknown")


class ClientType(NationalCode):
    """CLD Client_Type. Not recorded, it follows the carer flag (`client_type_of`)."""

    SERVICE_USER = ("service_user", "Service User")
    CARER = ("carer", "Carer")
    UNKNOWN = ("unknown", "Unknown")


# The person's national fields: column -> its code list, in the order the forms show them.
PERSON_CODE_LISTS: dict[str, type[NationalCode]] = {
    "ethnicity": Ethnicity,
    "accommodation_status": AccommodationStatus,
    "primary_support_reason": PrimarySupportReason,
    "client_type": ClientType,
}
# What the forms, the import and the CLI call each of them.
PERSON_CODE_NAMES = {
    "ethnicity": "Ethnicity",
    "accommodation_status": "Accommodation status",
    "primary_support_reason": "Primary support reason",
    "client_type": "Client type",
}

for _codes in PERSON_CODE_LISTS.values():
    for _member in _codes:
        # One label per stored code: a code another list holds must read the same there.
        assert LABELS.get(_member.value, _member.wording) == _member.wording, _member
        LABELS[_member.value] = _member.wording


def client_type_of(client_type: str | None, *, is_carer: bool) -> ClientType:
    """A person's client type: as recorded, else a carer when linked as one (the carer
    flag), else a service user."""
    if client_type:
        return ClientType.of(client_type)
    return ClientType.CARER if is_carer else ClientType.SERVICE_USER


def national_label(code: str | None) -> str:
    """How one of a person's national fields reads: its label, Unknown when not recorded."""
    return code_label(code) if code else ClientType.UNKNOWN.label
