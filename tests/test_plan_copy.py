"""The person's copy of their plan: their own words first, then what will happen, in plain
words with no internal codes; escaped; refused without a plan; saved privately and audited."""

from __future__ import annotations

import html
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from factories import USER, add_worker, person_in, receive, small_organisation
from sqlmodel import Session, select

from intapp import clock
from intapp.codes import AssessmentStatus, AssessmentType, OutcomeAchievement, Profession
from intapp.models import PERSON_OUTCOMES, AuditEvent, CarePlan, CarePlanVersion, Person
from intapp.services import assessments, care_plans, merge
from intapp.services.assessments import AssessmentIn
from intapp.services.care_plans import ITEM_KINDS, PlanContent
from intapp.services.case_closure import close_plan
from intapp.services.errors import InvalidInput, NotFound
from intapp.services.person_record import person_timeline
from intapp.services.plan_copy import (
    ActionLine,
    copy_file_name,
    export_plan_copy,
    plan_copy,
    read_action,
)
from intapp.services.plan_copy_render import render

REVIEW = date(2027, 2, 1)


def _person_with_plan(session: Session, *, given_name: str = "Mary") -> tuple[int, int]:
    """(person id, lead worker id): a care coordinator leads a plan with an open, a done
    and a second open action, two items, and a signed-off assessment."""
    org = small_organisation(session)
    lead = add_worker(
        session,
        org.team.id,
        "CC1",
        given_name="Ann",
        family_name="Lee",
        profession=Profession.CARE_COORDINATOR,
    )
    person = receive(session, person_in(org.team.id, 0, given_name=given_name)).person_id
    care_plans.create_plan(
        session=session,
        user=USER,
        person_id=person,
        content=PlanContent(
            lead_worker_id=lead,
            review_date=REVIEW,
            goals=["I want to make my own breakfast again", "See my grandson at the park"],
            actions=[
                {"who": "OT", "what": "Kitchen trolley", "by_when": "01/12/2026"},
                {"who": "person", "what": "Walk to the end of the road", "by_when": "15/12/2026"},
                {"who": "family", "what": "Set up online shopping", "by_when": "10/12/2026"},
            ],
            items=[
                {"kind": "equipment", "description": "Perching stool", "cost_pounds": 35},
                {"kind": "small_package", "description": "Morning calls", "cost_pounds": 620},
            ],
        ),
    )
    session.flush()
    care_plans.mark_action_done(
        session=session,
        user=USER,
        person_id=person,
        action_index=2,
        expected_version=_plan_version(session, person),
    )
    outcomes = assessments.blank_outcomes(AssessmentType.INTEGRATED)
    outcomes[0].update(achievement=OutcomeAchievement.WITH_SUPPORT, reason="Needs a perching stool")
    outcomes[4].update(achievement=OutcomeAchievement.UNABLE)
    draft = assessments.start_assessment(
        session=session,
        user=USER,
        person_id=person,
        content=AssessmentIn(
            what_matters="Staying in my own home with my cat",
            strengths="Was a nurse for thirty years",
            family_community_assets="Son lives nearby",
            outcomes=outcomes,
            risks="Private risk note for staff",
            needs_arise_from_condition=True,
            significant_wellbeing_impact=True,
        ),
    )
    session.flush()
    assessments.sign_off_assessment(
        session=session, user=USER, assessment_id=draft.id, expected_version=draft.version
    )
    session.flush()
    return person, lead


def _plan_version(session: Session, person_id: int) -> int:
    session.flush()
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == person_id)).one()
    session.refresh(plan)
    return plan.version


def test_own_words_come_first_then_what_will_happen_then_the_assessment(
    session: Session,
) -> None:
    person, _ = _person_with_plan(session)
    copy = plan_copy(session=session, person_id=person)
    for fmt in ("md", "html"):
        text = html.unescape(render(copy, fmt))
        places = [
            text.index(part)
            for part in (
                "I want to make my own breakfast again",
                "See my grandson at the park",
                "Kitchen trolley",
                "Already done",
                "Set up online shopping",
                "Perching stool",
                "1 Feb 2027",
                "Ann Lee, care coordinator, leads your plan",
                "Staying in my own home with my cat",
                "Was a nurse for thirty years",
                "Managing and maintaining nutrition",
                "meet the national eligibility criteria",
                "version 2 of your plan",
            )
        ]
        assert places == sorted(places), fmt
        assert "Kitchen trolley** – OT, by 1 Dec 2026" in text or (
            "Kitchen trolley</strong> – OT, by 1 Dec 2026" in text
        )
        # The person and their family read as "you" and "your family".
        assert "Walk to the end of the road" in text and "– you, by 15 Dec 2026" in text
        assert "– your family, done" in text
        assert "Private risk note" not in text  # risks are the staff's, not in the copy


@pytest.mark.parametrize("closed_by", ["closing the case", "an older record"])
def test_done_actions_are_marked_done_and_cancelled_ones_left_out_of_an_ended_plan(
    session: Session, closed_by: str
) -> None:
    person, _ = _person_with_plan(session)
    ended = clock.now() + timedelta(days=2)
    if closed_by == "closing the case":  # a final version cancels the open actions
        close_plan(session=session, user=USER, person_id=person, closed_at=ended, note="ended")
    else:  # closed with its actions left as they were
        plan = session.exec(select(CarePlan).where(CarePlan.person_id == person)).one()
        plan.closed_at = ended
        session.add(plan)
    session.flush()
    copy = plan_copy(session=session, person_id=person)
    assert copy.ended_on == date(2026, 11, 25)
    assert [(a.what, a.status) for a in copy.actions] == [("Set up online shopping", "done")]
    text = render(copy, "md")
    assert "This plan ended on 25 Nov 2026" in text
    assert "Kitchen trolley" not in text and "Walk to the end" not in text
    assert "## What was done\n\n- **Set up online shopping** – your family, done" in text
    # No promise of a review, of work to come or of a worker once the plan has ended.
    assert "Your review" not in text and "What will happen" not in text
    assert "leads your plan" not in text
    assert "If you need support again, contact the Ardwick and Longsight team." in text


def test_actions_stored_either_way_read_the_same() -> None:
    old = [
        {"who": "OT", "what": "Rails", "by_when": "2026-12-01", "done": False},
        {"who": "OT", "what": "Rails", "by_when": "2026-12-01", "done": True},
        {"who": "OT", "what": "Rails", "by_when": "2026-12-01", "done": False, "cancelled": True},
    ]
    new = [
        {"who": "OT", "worker_id": 3, "what": "Rails", "by_when": "2026-12-01", "status": s}
        for s in ("open", "done", "cancelled")
    ]
    expected = [
        ActionLine("Rails", "OT", date(2026, 12, 1), status)
        for status in ("open", "done", "cancelled")
    ]
    assert [read_action(a) for a in old] == expected
    assert [read_action(a) for a in new] == expected


def test_a_plan_whose_actions_carry_a_status_is_copied_the_same_way(session: Session) -> None:
    person, lead = _person_with_plan(session)
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == person)).one()
    version = session.exec(
        select(CarePlanVersion).where(
            CarePlanVersion.plan_id == plan.id, CarePlanVersion.number == plan.current_number
        )
    ).one()
    version.actions = [
        {"who": "Ann Lee", "worker_id": lead, "what": "Ring the GP", "by_when": "2026-12-02",
         "status": "open"},
        {"who": "Ann Lee", "worker_id": lead, "what": "Order a key safe", "by_when": "2026-12-03",
         "status": "cancelled"},
        {"who": "Ann Lee", "worker_id": lead, "what": "Visit", "by_when": "2026-11-20",
         "status": "done"},
    ]  # fmt: skip
    session.add(version)
    session.flush()
    text = render(plan_copy(session=session, person_id=person), "md")
    assert "Ring the GP** – Ann Lee, by 2 Dec 2026" in text
    assert "Visit** – Ann Lee, done" in text
    assert "key safe" not in text


def test_no_internal_code_appears_in_either_format(session: Session) -> None:
    person, _ = _person_with_plan(session)
    text = "\n".join(
        render(plan_copy(session=session, person_id=person), f) for f in ("md", "html")
    )
    # Codes that are one plain word ("equipment", "unable") may appear as words; the rest,
    # written with underscores, and the team's code must not.
    codes = {
        *(p.value for p in Profession),
        *(s.value for s in AssessmentStatus),
        *(a.value for a in OutcomeAchievement),
        *ITEM_KINDS,
        *(code for code, _ in PERSON_OUTCOMES),
    }
    leaked = {code for code in codes if "_" in code and code in text}
    assert not leaked
    assert "CEN1" not in text  # the copy names the team, not its code
    assert "care_coordinator" in codes and "signed_off" in codes  # the check checks something
    assert "Care coordinator" in text or "care coordinator" in text
    assert "Ardwick and Longsight" in text
    assert "a short package of care, £620.00" in text


def test_names_and_words_are_escaped_in_html_and_markdown(session: Session) -> None:
    person, _ = _person_with_plan(session, given_name="<script>alert(1)</script>")
    plan = session.exec(select(CarePlan).where(CarePlan.person_id == person)).one()
    version = session.exec(
        select(CarePlanVersion).where(
            CarePlanVersion.plan_id == plan.id, CarePlanVersion.number == plan.current_number
        )
    ).one()
    version.goals = ["# not a heading *or* <b>bold</b> & [a link](http://x)"]
    session.add(version)
    session.flush()
    copy = plan_copy(session=session, person_id=person)
    page = render(copy, "html")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>" not in page and "&amp;" in page
    assert (
        page.startswith("<!DOCTYPE html>")
        and "<style>" in page
        and "http" not in page.split("<body>")[0]
    )
    markdown = render(copy, "md")
    assert "\\<script\\>" in markdown and "<script>" not in markdown
    assert "\\*or\\*" in markdown and "\\[a link\\]" in markdown


def test_refused_without_a_plan(session: Session) -> None:
    org = small_organisation(session)
    person = receive(session, person_in(org.team.id, 0, given_name="Joe")).person_id
    session.flush()
    with pytest.raises(NotFound, match=r"Joe .* has no care plan yet"):
        plan_copy(session=session, person_id=person)


def test_a_merged_record_gives_its_survivors_plan(session: Session) -> None:
    survivor, _ = _person_with_plan(session)
    team_id = session.get(Person, survivor).team_id  # type: ignore[union-attr]
    # The same person registered again under a local id, with no plan of their own.
    duplicate = receive(session, person_in(team_id, 1, nhs_number=None, local_id="OLD-1")).person_id
    session.flush()
    merge.merge_people(session=session, user=USER, survivor_id=survivor, merged_id=duplicate)
    session.flush()
    copy = plan_copy(session=session, person_id=duplicate)
    assert copy.person_id == survivor
    assert copy.goals[0] == "I want to make my own breakfast again"


def test_saved_privately_and_audited_without_its_content(session: Session, tmp_path: Path) -> None:
    person, _ = _person_with_plan(session)
    saved = export_plan_copy(
        session=session, user="key.worker", person_id=person, fmt="html", folder=tmp_path
    )
    session.flush()
    assert saved.path == tmp_path / copy_file_name(saved.name, person, "html", clock.today())
    assert saved.path.name.startswith("care-plan-mary-")
    assert stat.S_IMODE(saved.path.stat().st_mode) == 0o600
    assert "Kitchen trolley" in saved.path.read_text(encoding="utf-8")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "export_plan")).one()
    assert (event.user, event.entity, event.entity_id) == ("key.worker", "person", str(person))
    assert event.changes == {"format": "html", "plan_version": 2, "saved_as": saved.path.name}
    timeline = person_timeline(session=session, person_id=person)
    assert any(e.text == "copy for the person (version 2, HTML) by key.worker" for e in timeline)


def test_file_names_are_plain_ascii() -> None:
    assert copy_file_name("Łukasz O'Brien-Smith", 42, "md", date(2026, 12, 1)) == (
        "care-plan-lukasz-o-brien-smith-id42-2026-12-01.md"
    )


def test_a_copy_never_overwrites_a_file_unless_asked_nor_follows_a_link(
    session: Session, tmp_path: Path
) -> None:
    from intapp.services.plan_copy import CopyExists

    person, _ = _person_with_plan(session)
    first = export_plan_copy(
        session=session, user=USER, person_id=person, fmt="md", folder=tmp_path
    )
    first.path.write_text("a letter kept here")
    first.path.chmod(0o644)
    with pytest.raises(CopyExists, match="already exists"):
        export_plan_copy(session=session, user=USER, person_id=person, fmt="md", folder=tmp_path)
    assert first.path.read_text() == "a letter kept here"
    again = export_plan_copy(
        session=session, user=USER, person_id=person, fmt="md", folder=tmp_path, replace=True
    )
    assert "Kitchen trolley" in again.path.read_text()
    assert stat.S_IMODE(again.path.stat().st_mode) == 0o600
    target = tmp_path / "elsewhere.txt"
    target.write_text("not the copy")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    for replace in (False, True):
        with pytest.raises(InvalidInput):
            export_plan_copy(
                session=session, user=USER, person_id=person, fmt="md", path=link, replace=replace
            )
    assert target.read_text() == "not the copy"


def test_two_people_of_the_same_name_get_different_default_names(session: Session) -> None:
    org = small_organisation(session)
    ids = [
        receive(
            session, person_in(org.team.id, n, given_name="Mary", family_name="Smith")
        ).person_id
        for n in (0, 1)
    ]
    names = {copy_file_name("Mary Smith", i, "html", date(2026, 12, 1)) for i in ids}
    assert len(names) == 2


def test_agreed_on_is_the_last_change_to_what_was_agreed_not_a_tick(session: Session) -> None:
    person, _ = _person_with_plan(session)
    agreed = plan_copy(session=session, person_id=person).agreed_on
    clock.freeze(clock.now() + timedelta(days=3))
    care_plans.mark_action_done(
        session=session,
        user=USER,
        person_id=person,
        action_index=0,
        expected_version=_plan_version(session, person),
    )
    assert plan_copy(session=session, person_id=person).agreed_on == agreed
    care_plans.add_action(
        session=session,
        user=USER,
        person_id=person,
        who="OT",
        what="Grab rail",
        by_when=clock.today() + timedelta(days=9),
        expected_version=_plan_version(session, person),
    )
    assert plan_copy(session=session, person_id=person).agreed_on == clock.today()
    assert (
        copy_file_name("<>", 7, "html", date(2026, 12, 1)) == "care-plan-person-id7-2026-12-01.html"
    )


def test_a_file_that_cannot_be_written_is_refused_and_nothing_recorded(
    session: Session, tmp_path: Path
) -> None:
    person, _ = _person_with_plan(session)
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder")
    with pytest.raises(InvalidInput, match=r"Cannot save the copy as .*notes\.txt/copy\.md"):
        export_plan_copy(
            session=session, user=USER, person_id=person, fmt="md", path=not_a_folder / "copy.md"
        )
    with pytest.raises(InvalidInput, match="Format must be one of: html, md"):
        export_plan_copy(session=session, user=USER, person_id=person, fmt="pdf", folder=tmp_path)
    # The export is recorded before the file is written; the refusal rolls the caller's
    # transaction back, and the record with it.
    session.rollback()
    assert not session.exec(select(AuditEvent).where(AuditEvent.action == "export_plan")).all()
