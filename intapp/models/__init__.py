"""The table models. Importing this package registers every table on `SQLModel.metadata`."""

from sqlmodel import SQLModel

from intapp.models.access import AccessPolicy, BreakGlass, StaffLogin, StaffTeam
from intapp.models.alert import PersonAlert
from intapp.models.assessment import CARER_OUTCOMES, PERSON_OUTCOMES, Assessment
from intapp.models.audit import AuditEvent, ImportBatch
from intapp.models.care_plan import CarePlan, CarePlanVersion, PlanAction
from intapp.models.carer import CarerLink
from intapp.models.case_note import CaseNote, CaseNoteAddendum
from intapp.models.organisation import GpPractice, Locality, Team, Worker, WorkerAbsence
from intapp.models.person import Person
from intapp.models.reablement import ReablementEpisode
from intapp.models.referral import Allocation, Referral, Transfer

metadata = SQLModel.metadata

__all__ = [
    "CARER_OUTCOMES",
    "PERSON_OUTCOMES",
    "AccessPolicy",
    "Allocation",
    "Assessment",
    "AuditEvent",
    "BreakGlass",
    "CarePlan",
    "CarePlanVersion",
    "CarerLink",
    "CaseNote",
    "CaseNoteAddendum",
    "GpPractice",
    "ImportBatch",
    "Locality",
    "Person",
    "PersonAlert",
    "PlanAction",
    "ReablementEpisode",
    "Referral",
    "StaffLogin",
    "StaffTeam",
    "Team",
    "Transfer",
    "Worker",
    "WorkerAbsence",
    "metadata",
]
