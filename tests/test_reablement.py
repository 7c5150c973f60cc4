"""Reablement: 42 days, extensions with reasons, Barthel scores, outcomes, 91-day follow-up."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import (
    USER,
    add_team,
    add_worker,
    allocated_case,
    count,
    person_in,
    receive,
    seen_version,
)
from sqlmodel import Session, select

from intapp import clock
from intapp.models import ReablementEpisode
from intapp.services import people, reablement
from intapp.services.errors import InvalidInput

TODAY = date(2026, 11, 23)
DAYS = timedelta(days=1)
GOALS = ["Get in and out of the bath on my own"]
BARTHEL_LOW = [1, 1, 0, 1, 1, 1, 1, 1, 0, 0]  # total 7
BARTHEL_FULL = [2, 2, 1, 2, 2, 3, 3, 2, 2, 1]  # total 20


@pytest.fixture
def team_id(session: Session) -> int:
    return add_team(session).id


@pytest.fixture
def person_id(session: Session, team_id: int) -> int:
    return receive(session, person_in(team_id, 0)).person_id


def _row(session: Session, episode_id: int) -> ReablementEpisode:
    session.flush()
    session.expire_all()
    row = session.get(ReablementEpisode, episode_id)
    assert row is not None
    return row


def _start(session: Session, person_id: int, start: date, **kwargs: object):
    return reablement.start_episode(
        session=session,
        user=USER,
        person_id=person_id,
        start_date=start,
        goals=GOALS,
        **kwargs,  # type: ignore[arg-type]
    )


def test_episode_started_today_is_active_for_42_days(
    session: Session, team_id: int, person_id: int
) -> None:
    worker = add_worker(session, team_id, "RO1", profession="reablement_officer")
    episode = _start(session, person_id, TODAY, worker_id=worker, barthel_start=BARTHEL_LOW)
    row = _row(session, episode.id)
    assert (row.state, row.start_date, row.planned_end_date) == ("active", TODAY, TODAY + 42 * DAYS)
    assert (row.worker_id, row.episode_type, row.goals) == (worker, "standard", GOALS)
    assert row.barthel_start == BARTHEL_LOW
    assert episode.barthel_start_total == 7
    assert episode.days_running(TODAY + 10 * DAYS) == 10
    # Started in the past: active too, and still 42 days from its start.
    other = receive(session, person_in(team_id, 1)).person_id
    earlier = _start(session, other, TODAY - 5 * DAYS)
    assert (earlier.state, earlier.planned_end_date) == ("active", TODAY + 37 * DAYS)


def test_future_episode_is_planned_until_begun_on_its_start_date(
    session: Session, person_id: int
) -> None:
    planned = _start(session, person_id, TODAY + 3 * DAYS)
    assert _row(session, planned.id).state == "planned"
    with pytest.raises(InvalidInput, match="planned to start on 26/11/2026") as caught:
        reablement.begin_episode(
            session=session, user=USER, episode_id=planned.id, expected_version=planned.version
        )
    assert caught.value.field == "started_on"
    clock.freeze(clock.now() + 5 * DAYS)  # two days after its planned start
    with pytest.raises(InvalidInput, match="between the planned start") as caught:
        reablement.begin_episode(
            session=session,
            user=USER,
            episode_id=planned.id,
            expected_version=planned.version,
            started_on=TODAY + 2 * DAYS,
        )
    begun = reablement.begin_episode(
        session=session,
        user=USER,
        episode_id=planned.id,
        expected_version=planned.version,
        started_on=TODAY + 4 * DAYS,  # as it happened: yesterday
    )
    row = _row(session, planned.id)
    start = TODAY + 4 * DAYS
    assert (row.state, row.start_date, row.planned_end_date) == ("active", start, start + 42 * DAYS)
    assert begun.version == 2
    with pytest.raises(InvalidInput, match="is active; it cannot be started"):
        reablement.begin_episode(
            session=session,
            user=USER,
            episode_id=planned.id,
            expected_version=seen_version(session, ReablementEpisode, planned.id),
        )


def test_a_planned_episode_is_cancelled_with_a_reason(session: Session, person_id: int) -> None:
    planned = _start(session, person_id, TODAY + 3 * DAYS)
    with pytest.raises(InvalidInput, match="Say why") as caught:
        reablement.cancel_episode(
            session=session, user=USER, episode_id=planned.id, reason="", expected_version=1
        )
    assert caught.value.field == "reason"
    cancelled = reablement.cancel_episode(
        session=session,
        user=USER,
        episode_id=planned.id,
        reason="Went into hospital",
        expected_version=1,
    )
    row = _row(session, planned.id)
    assert (row.state, row.cancel_reason, row.followup_due) == (
        "cancelled",
        "Went into hospital",
        None,
    )
    assert cancelled.cancel_reason == "Went into hospital"
    with pytest.raises(InvalidInput, match="is cancelled; it cannot be started"):
        reablement.begin_episode(
            session=session, user=USER, episode_id=planned.id, expected_version=2
        )
    # A cancelled episode is not running, so another can be planned.
    _start(session, person_id, TODAY)


def test_an_episode_started_in_the_app_records_the_case_and_its_worker(
    session: Session, team_id: int
) -> None:
    worker = add_worker(session, team_id, "RO1", profession="reablement_officer")
    case = allocated_case(session, team_id, worker, 4)
    episode = _start(session, case.person_id, TODAY + 2 * DAYS)
    assert (episode.referral_id, episode.worker_id) == (case.referral_id, worker)
    # Nobody holds the case yet: begun later, once it is allocated, it gains both.
    other = receive(session, person_in(team_id, 5)).person_id
    unheld = _start(session, other, TODAY)
    assert (unheld.referral_id, unheld.worker_id) == (None, None)


def test_followup_and_end_dates_as_they_happened(session: Session, person_id: int) -> None:
    started = _start(session, person_id, TODAY - 40 * DAYS)
    with pytest.raises(InvalidInput, match="between the start and today") as caught:
        reablement.end_episode(
            session=session,
            user=USER,
            episode_id=started.id,
            outcome="no_ongoing_support",
            ended_on=TODAY + DAYS,
            expected_version=1,
        )
    assert caught.value.field == "ended_on"
    ended = reablement.end_episode(
        session=session,
        user=USER,
        episode_id=started.id,
        outcome="no_ongoing_support",
        ended_on=TODAY - 10 * DAYS,
        expected_version=1,
    )
    assert ended.followup_due == TODAY + 81 * DAYS
    clock.freeze(clock.now() + 90 * DAYS)
    for wrong in (TODAY + 80 * DAYS, TODAY + 91 * DAYS):
        with pytest.raises(InvalidInput, match="between the day it was due") as caught:
            reablement.record_followup(
                session=session,
                user=USER,
                episode_id=started.id,
                result="at_home",
                expected_version=2,
                recorded_on=wrong,
            )
        assert caught.value.field == "recorded_on"
    reablement.record_followup(
        session=session,
        user=USER,
        episode_id=started.id,
        result="at_home",
        expected_version=2,
        recorded_on=TODAY + 85 * DAYS,
    )
    assert _row(session, started.id).followup_recorded_on == TODAY + 85 * DAYS


def test_planning_beyond_42_days_needs_a_reason(
    session: Session, team_id: int, person_id: int
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _start(session, person_id, TODAY, planned_end_date=TODAY + 43 * DAYS)
    assert caught.value.field == "extension_reason"
    with pytest.raises(InvalidInput) as caught:
        _start(
            session,
            person_id,
            TODAY,
            planned_end_date=TODAY + 43 * DAYS,
            extension_reason="   ",
        )
    assert caught.value.field == "extension_reason"
    with pytest.raises(InvalidInput) as caught:
        _start(session, person_id, TODAY, planned_end_date=TODAY - DAYS)
    assert caught.value.field == "planned_end"
    with pytest.raises(InvalidInput) as caught:
        reablement.start_episode(
            session=session, user=USER, person_id=person_id, start_date=TODAY, goals=["  "]
        )
    assert caught.value.field == "goals"
    assert count(session, ReablementEpisode) == 0

    exactly = _start(session, person_id, TODAY, planned_end_date=TODAY + 42 * DAYS)
    assert exactly.extension_reason is None
    other = receive(session, person_in(team_id, 1)).person_id
    complex_episode = _start(
        session,
        other,
        TODAY,
        episode_type="complex",
        planned_end_date=TODAY + 70 * DAYS,
        extension_reason="Complex: stroke rehabilitation",
    )
    row = _row(session, complex_episode.id)
    assert (row.planned_end_date, row.extension_reason, row.episode_type) == (
        TODAY + 70 * DAYS,
        "Complex: stroke rehabilitation",
        "complex",
    )


def test_extend_needs_a_reason_and_a_later_date(session: Session, person_id: int) -> None:
    episode = _start(session, person_id, TODAY - 40 * DAYS)
    end = TODAY + 2 * DAYS
    for new_end, reason, field in [
        (TODAY + 20 * DAYS, "  ", "reason"),
        (end, "Needs stairs practice", "planned_end"),
        (end - DAYS, "Needs stairs practice", "planned_end"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            reablement.extend_episode(
                session=session,
                user=USER,
                episode_id=episode.id,
                new_planned_end=new_end,
                reason=reason,
                expected_version=seen_version(session, ReablementEpisode, episode.id),
            )
        assert caught.value.field == field
    assert _row(session, episode.id).planned_end_date == end

    reablement.extend_episode(
        session=session,
        user=USER,
        episode_id=episode.id,
        new_planned_end=TODAY + 14 * DAYS,
        reason=" Needs stairs practice ",
        expected_version=seen_version(session, ReablementEpisode, episode.id),
    )
    row = _row(session, episode.id)
    assert (row.planned_end_date, row.extension_reason) == (
        TODAY + 14 * DAYS,
        "Needs stairs practice",
    )


def test_end_sets_the_91_day_followup(session: Session, team_id: int, person_id: int) -> None:
    episode = _start(session, person_id, TODAY - 30 * DAYS, barthel_start=BARTHEL_LOW)
    ended = reablement.end_episode(
        session=session,
        user=USER,
        episode_id=episode.id,
        outcome="no_ongoing_support",
        ended_on=TODAY - 2 * DAYS,
        barthel_end=BARTHEL_FULL,
        expected_version=seen_version(session, ReablementEpisode, episode.id),
    )
    row = _row(session, episode.id)
    assert (row.state, row.ended_on, row.outcome) == (
        "ended",
        TODAY - 2 * DAYS,
        "no_ongoing_support",
    )
    assert row.followup_due == TODAY - 2 * DAYS + 91 * DAYS
    assert row.barthel_end == BARTHEL_FULL
    assert (ended.barthel_start_total, ended.barthel_end_total) == (7, 20)
    assert ended.days_running(TODAY + 100 * DAYS) == 28

    with pytest.raises(InvalidInput, match="is ended; it cannot be ended"):
        reablement.end_episode(
            session=session,
            user=USER,
            episode_id=episode.id,
            outcome="no_ongoing_support",
            expected_version=seen_version(session, ReablementEpisode, episode.id),
        )

    # Nobody is followed up after their death.
    other = receive(session, person_in(team_id, 1)).person_id
    died = _start(session, other, TODAY - 10 * DAYS)
    reablement.end_episode(
        session=session,
        user=USER,
        episode_id=died.id,
        outcome="early_cessation_deceased",
        expected_version=seen_version(session, ReablementEpisode, died.id),
    )
    row = _row(session, died.id)
    assert (row.ended_on, row.outcome, row.followup_due) == (
        TODAY,
        "early_cessation_deceased",
        None,
    )
    # Admitted to hospital is still followed up.
    third = receive(session, person_in(team_id, 2)).person_id
    admitted = _start(session, third, TODAY - 10 * DAYS)
    reablement.end_episode(
        session=session,
        user=USER,
        episode_id=admitted.id,
        outcome="early_cessation_hospital",
        expected_version=seen_version(session, ReablementEpisode, admitted.id),
    )
    assert _row(session, admitted.id).followup_due == TODAY + 91 * DAYS


def test_end_is_validated(session: Session, person_id: int) -> None:
    episode = _start(session, person_id, TODAY - 10 * DAYS)
    for kwargs, field in [
        ({"outcome": "cured"}, "outcome"),
        ({"outcome": "no_ongoing_support", "ended_on": TODAY - 11 * DAYS}, "ended_on"),
        ({"outcome": "no_ongoing_support", "ended_on": TODAY + DAYS}, "ended_on"),
        # Regression: bad Barthel scores used to be checked after the episode was ended.
        ({"outcome": "no_ongoing_support", "barthel_end": BARTHEL_FULL[:9]}, "barthel_end"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            reablement.end_episode(
                session=session,
                user=USER,
                episode_id=episode.id,
                expected_version=episode.version,
                **kwargs,  # type: ignore[arg-type]
            )
        assert caught.value.field == field, kwargs
    row = _row(session, episode.id)
    assert (row.state, row.outcome, row.followup_due) == ("active", None, None)


def test_ending_past_day_42_needs_an_extension_reason(session: Session, person_id: int) -> None:
    episode = _start(session, person_id, TODAY - 50 * DAYS)
    # Day 50, and nobody recorded why it ran past day 42.
    with pytest.raises(InvalidInput) as caught:
        reablement.end_episode(
            session=session,
            user=USER,
            episode_id=episode.id,
            outcome="no_ongoing_support",
            expected_version=seen_version(session, ReablementEpisode, episode.id),
        )
    assert caught.value.field == "extension_reason"
    assert _row(session, episode.id).state == "active"

    reablement.extend_episode(
        session=session,
        user=USER,
        episode_id=episode.id,
        new_planned_end=TODAY,
        reason="Waiting for a stairlift",
        expected_version=seen_version(session, ReablementEpisode, episode.id),
    )
    ended = reablement.end_episode(
        session=session,
        user=USER,
        episode_id=episode.id,
        outcome="ongoing_low_level_support",
        expected_version=seen_version(session, ReablementEpisode, episode.id),
    )
    assert (ended.state, ended.ended_on) == ("ended", TODAY)


def test_ending_on_day_42_needs_no_reason(session: Session, person_id: int) -> None:
    episode = _start(session, person_id, TODAY - 42 * DAYS)
    ended = reablement.end_episode(
        session=session,
        user=USER,
        episode_id=episode.id,
        outcome="no_ongoing_support",
        expected_version=seen_version(session, ReablementEpisode, episode.id),
    )
    assert ended.days_running(TODAY) == 42
    assert _row(session, episode.id).state == "ended"


def test_invalid_barthel_scores_are_refused(session: Session, person_id: int) -> None:
    bad_scores = [
        BARTHEL_FULL[:9],  # nine items
        [*BARTHEL_FULL, 0],  # eleven
        [2, 2, 2, 2, 2, 3, 3, 2, 2, 1],  # grooming is 0-1
        [2, 2, 1, 2, 2, 4, 3, 2, 2, 1],  # transfer is 0-3
        [2, 2, 1, 2, 2, 3, 3, 2, 2, 2],  # bathing is 0-1
        [-1, 2, 1, 2, 2, 3, 3, 2, 2, 1],
        [1.5, 2, 1, 2, 2, 3, 3, 2, 2, 1],
        [],
    ]
    for scores in bad_scores:
        with pytest.raises(InvalidInput) as caught:
            _start(session, person_id, TODAY, barthel_start=scores)
        assert caught.value.field == "barthel_start", scores
    assert count(session, ReablementEpisode) == 0
    assert reablement.checked_barthel(BARTHEL_FULL, field="b") == BARTHEL_FULL
    assert reablement.checked_barthel([0] * 10, field="b") == [0] * 10
    assert sum(top for _, top in reablement.BARTHEL_ITEMS) == 20


def test_followup_is_recorded_once_and_only_when_due_unrecorded_is_listed(
    session: Session, team_id: int
) -> None:
    episodes = {}
    # (ended days ago, outcome): follow-up due 91 days after the end.
    plan = {
        "overdue": (100, "no_ongoing_support"),  # due 9 days ago
        "due_today": (91, "long_term_support_community"),  # due today
        "not_yet": (10, "no_ongoing_support"),  # due in 81 days
        "recorded": (95, "no_ongoing_support"),  # due 4 days ago, then recorded
        "deceased": (100, "early_cessation_deceased"),  # never due
    }
    for n, (key, (ago, outcome)) in enumerate(plan.items()):
        person = receive(session, person_in(team_id, n)).person_id
        started = _start(session, person, TODAY - (ago + 20) * DAYS)
        episodes[key] = reablement.end_episode(
            session=session,
            user=USER,
            episode_id=started.id,
            outcome=outcome,
            ended_on=TODAY - ago * DAYS,
            expected_version=seen_version(session, ReablementEpisode, started.id),
        ).id
    result = reablement.record_followup(
        session=session,
        user=USER,
        episode_id=episodes["recorded"],
        result="at_home",
        expected_version=seen_version(session, ReablementEpisode, episodes["recorded"]),
    )
    assert result.followup_result == "at_home"
    row = _row(session, episodes["recorded"])
    assert (row.followup_result, row.followup_recorded_on) == ("at_home", TODAY)

    due = reablement.episodes_page(session=session, which="followups_due").rows
    assert [r.episode.id for r in due] == [episodes["overdue"], episodes["due_today"]]
    assert due[0].person_name == "Ada Okafor"
    clock.freeze(clock.now() + 81 * DAYS)
    later = reablement.episodes_page(session=session, which="followups_due").rows
    assert [r.episode.id for r in later][-1] == episodes["not_yet"]
    assert (
        reablement.episodes_page(
            session=session, which="followups_due", team_ids=[team_id + 1000]
        ).rows
        == []
    )

    with pytest.raises(InvalidInput) as caught:
        reablement.record_followup(
            session=session,
            user=USER,
            episode_id=episodes["deceased"],
            result="at_home",
            expected_version=seen_version(session, ReablementEpisode, episodes["deceased"]),
        )
    assert caught.value.field == "followup"
    with pytest.raises(InvalidInput) as caught:
        reablement.record_followup(
            session=session,
            user=USER,
            episode_id=episodes["overdue"],
            result="somewhere",
            expected_version=seen_version(session, ReablementEpisode, episodes["overdue"]),
        )
    assert caught.value.field == "followup_result"
    assert _row(session, episodes["overdue"]).followup_result is None


def test_followup_needs_an_ended_episode(session: Session, person_id: int) -> None:
    running = _start(session, person_id, TODAY - DAYS)
    with pytest.raises(InvalidInput, match="is active"):
        reablement.record_followup(
            session=session,
            user=USER,
            episode_id=running.id,
            result="at_home",
            expected_version=seen_version(session, ReablementEpisode, running.id),
        )


def test_one_running_episode_per_person(session: Session, team_id: int, person_id: int) -> None:
    planned = _start(session, person_id, TODAY + 7 * DAYS)
    with pytest.raises(
        InvalidInput, match=r"already has a reablement episode \(planned\)"
    ) as caught:
        _start(session, person_id, TODAY)
    assert caught.value.field == "person"
    clock.freeze(clock.now() + 7 * DAYS)  # its start date
    reablement.begin_episode(
        session=session,
        user=USER,
        episode_id=planned.id,
        expected_version=seen_version(session, ReablementEpisode, planned.id),
    )
    with pytest.raises(InvalidInput, match=r"already has a reablement episode \(active\)"):
        _start(session, person_id, TODAY)
    assert count(session, ReablementEpisode, ReablementEpisode.person_id == person_id) == 1

    reablement.end_episode(
        session=session,
        user=USER,
        episode_id=planned.id,
        outcome="no_ongoing_support",
        expected_version=seen_version(session, ReablementEpisode, planned.id),
    )
    again = _start(session, person_id, TODAY)
    listed = reablement.person_episodes(session=session, person_id=person_id)
    assert {e.id for e in listed} == {planned.id, again.id}

    active = reablement.episodes_page(session=session, which="active", team_ids=[team_id]).rows
    assert [r.episode.id for r in active] == [again.id]
    states = sorted(session.exec(select(ReablementEpisode.state)).all())
    assert states == ["active", "ended"]


def test_no_reablement_after_death(session: Session, team_id: int) -> None:
    person = people.create_person(
        session=session, user=USER, person_in=person_in(team_id, 3, date_of_death=TODAY - 2 * DAYS)
    ).id
    with pytest.raises(InvalidInput, match="they cannot be started on reablement") as caught:
        _start(session, person, TODAY)
    assert caught.value.field == "person"
    assert count(session, ReablementEpisode) == 0


def test_followup_cannot_be_recorded_before_it_is_due(session: Session, person_id: int) -> None:
    episode = _start(session, person_id, TODAY - 10 * DAYS)
    ended = reablement.end_episode(
        session=session,
        user=USER,
        episode_id=episode.id,
        outcome="no_ongoing_support",
        expected_version=seen_version(session, ReablementEpisode, episode.id),
    )
    with pytest.raises(InvalidInput, match="due on") as caught:
        reablement.record_followup(
            session=session,
            user=USER,
            episode_id=ended.id,
            result="at_home",
            expected_version=seen_version(session, ReablementEpisode, ended.id),
        )
    assert caught.value.field == "followup_result"
    assert session.get(ReablementEpisode, ended.id).followup_result is None


def test_weekly_figures_count_episodes_started_in_the_app_and_not_cancelled_ones(
    session: Session, team_id: int
) -> None:
    from intapp.services.weekly_summary.counts import worker_figures
    from intapp.services.weekly_summary.period import IsoWeek

    worker = add_worker(session, team_id, "RO1", profession="reablement_officer")
    begun_now = allocated_case(session, team_id, worker, 4)
    planned = allocated_case(session, team_id, worker, 5)
    cancelled = allocated_case(session, team_id, worker, 6)
    _start(session, begun_now.person_id, TODAY)  # as the person record starts one: no worker
    later = _start(session, planned.person_id, TODAY + 2 * DAYS)
    dropped = _start(session, cancelled.person_id, TODAY + DAYS)
    reablement.cancel_episode(
        session=session, user=USER, episode_id=dropped.id, reason="Declined", expected_version=1
    )
    week = IsoWeek.of(TODAY)
    assert worker_figures(session=session, week=week)[worker].reablement_started == 1
    clock.freeze(clock.now() + 2 * DAYS)
    reablement.begin_episode(
        session=session, user=USER, episode_id=later.id, expected_version=later.version
    )
    assert worker_figures(session=session, week=week)[worker].reablement_started == 2
