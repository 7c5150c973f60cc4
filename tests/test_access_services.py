"""Every role-restricted service refuses the roles its rule leaves out, and says who may.

The signed-in role is set for the test's engine; the services' own rules (and, on the
team server, the database's) are tested elsewhere. A refusal comes before anything else,
so each entry point is called with nothing but a session: a role the rule allows fails
later, on the missing values, never with `NotAllowed`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from intapp import access
from intapp.access import ACTIONS, Role, SignedIn, who_may
from intapp.services.errors import NotAllowed

GUARDED = {
    "referrals.receive_referral": "receive_referral",
    "referrals.triage_referral": "triage",
    "allocations.allocate": "allocate",
    "allocations.reallocate": "reallocate",
    "allocations.bulk_reassign": "bulk_reassign",
    "allocations.return_covered_cases": "absence",
    "transfers.send_transfer": "transfer",
    "transfers.accept_transfer": "transfer",
    "transfers.return_transfer": "transfer",
    "case_closure.close_case": "close_case",
    "case_closure.reopen_case": "reopen",
    "deaths.record_death": "record_death",
    "deaths.withdraw_death": "withdraw_death",
    "merge.merge_people": "merge",
    "merge.merge_preview": "merge",
    "assessments.start_assessment": "assess",
    "assessments.save_assessment": "assess",
    "assessments.sign_off_assessment": "assess",
    "assessments.supersede_assessment": "assess",
    "assessment_editing.save_draft": "assess",
    "assessment_editing.discard_draft": "assess",
    "care_plans.create_plan": "plan",
    "care_plans.revise_plan": "plan",
    "care_plans.add_action": "plan",
    "care_plans.set_action_status": "plan",
    "care_plans.mark_action_done": "plan",
    "plan_editing.save_plan_version": "plan",
    "case_notes.write_note": "note",
    "case_notes.add_addendum": "note",
    "alerts.raise_alert": "alert",
    "alerts.remove_alert": "alert",
    "alerts.remove_alert_of_kind": "alert",
    "carers.link_carer": "carer_link",
    "carers.unlink_carer": "carer_link",
    "carers.unlink_pair": "carer_link",
    "reablement.start_episode": "reablement",
    "reablement.begin_episode": "reablement",
    "reablement.cancel_episode": "reablement",
    "reablement.extend_episode": "reablement",
    "reablement.end_episode": "reablement",
    "reablement.record_followup": "reablement",
    "person_details.edit_person": "edit_person",
    "absences.record_absence": "absence",
    "absences.mark_back": "absence",
    "absences.come_back": "absence",
    "absences.worker_leaves": "leaver",
    "note_export.export_notes": "export_notes",
    "plan_copy.export_plan_copy": "export_plan",
    "organisation.add_worker": "manage_workers",
    "organisation.update_worker": "manage_workers",
    "organisation.add_team": "manage_workers",
    "organisation.add_locality": "manage_workers",
    "importing.run.import_records": "import",
    "weekly_summary.render.export_weekly_summary": "export_weekly",
    "national.returns_export.year_returns": "export_returns",
    "national.returns_export.export_returns": "export_returns",
}


def entry_point(name: str) -> Callable[..., Any]:
    module, function = name.rsplit(".", 1)
    return getattr(importlib.import_module(f"intapp.services.{module}"), function)  # type: ignore[no-any-return]


def call_bare(function: Callable[..., Any], session: Session) -> None:
    """Call with the session and None for every other required keyword."""
    required = {
        name: None
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is inspect.Parameter.empty and name != "session"
    }
    function(session=session, **required)


@pytest.fixture
def as_role(sqlite_engine: Engine) -> Iterator[Callable[[Role], Session]]:
    """A session on a store where the given role is signed in."""
    sessions: list[Session] = []

    def sign_in(role: Role) -> Session:
        access._signed_in[sqlite_engine.pool] = SignedIn(login="t_user", role=role, team_mode=True)
        session = Session(sqlite_engine)
        sessions.append(session)
        return session

    yield sign_in
    for session in sessions:
        session.rollback()
        session.close()
    access.forget(sqlite_engine)


def test_every_guarded_entry_point_names_a_known_action() -> None:
    assert set(GUARDED.values()) <= set(ACTIONS)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_exactly_what_its_rule_leaves_out(
    role: Role, as_role: Callable[[Role], Session]
) -> None:
    session = as_role(role)
    for name, action in GUARDED.items():
        function = entry_point(name)
        if role in ACTIONS[action]:
            try:
                call_bare(function, session)
            except NotAllowed:  # pragma: no cover - the failure itself
                pytest.fail(f"{name} refused a {role}")
            except Exception:
                pass
            session.rollback()
        else:
            with pytest.raises(NotAllowed) as refused:
                call_bare(function, session)
            assert f"Only {who_may(action)} may" in str(refused.value), name


def test_the_owner_of_a_sqlite_store_may_do_everything(sqlite_engine: Engine) -> None:
    who = access.signed_in(sqlite_engine)
    assert who.role is Role.OWNER
    assert all(access.may(who, action) for action in ACTIONS)


def test_the_cli_shows_a_refusal_plainly_with_exit_code_1(tmp_path: Any) -> None:
    from click.testing import CliRunner
    from factories import fake_nhs_number, person_in, receive, small_organisation

    from intapp import cli
    from intapp.store.engine import get_engine, unit_of_work
    from intapp.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = get_engine(url)  # the engine the command will use
    upgrade(engine)
    with unit_of_work(engine) as s:
        team = small_organisation(s).team.id
        receive(s, person_in(team, 0))
        receive(s, person_in(team, 1))
    access._signed_in[engine.pool] = SignedIn(
        login="t_coord", role=Role.COORDINATOR, team_mode=True
    )
    try:
        result = CliRunner().invoke(
            cli.main,
            [
                "--database-url",
                url,
                "death",
                "withdraw",
                fake_nhs_number(0),
                "--reason",
                "Wrong person",
            ],
        )
    finally:
        access.forget(engine)
    assert result.exit_code == 1
    assert "Only supervisors may withdraw a recorded death." in result.output
    assert "t_coord, a coordinator" in result.output


def test_on_a_team_server_me_is_the_staff_logins_worker(session: Session, write_config) -> None:  # type: ignore[no-untyped-def]
    """Not the setting, which anyone could change; on SQLite the setting stays."""
    from factories import small_organisation

    from intapp.services.work_tray import should_ask_who_i_am, who_is_me
    from intapp.store.plain_sql import through_session

    org = small_organisation(session)
    write_config('[settings]\nme = "SW1"\n')
    engine = session.get_bind()
    db = through_session(session)
    if db.sqlite:
        me = who_is_me(db)
        assert me is not None and me.worker_id == org.social_worker
        return
    assert who_is_me(db) is not None  # the owner keeps the setting
    worker = org.occupational_therapist
    access._signed_in[engine.pool] = SignedIn(
        login="t_kw", role=Role.KEY_WORKER, worker_id=worker, team_mode=True
    )
    try:
        me = who_is_me(db)
        assert me is not None and me.worker_id == worker
        write_config("")
        assert not should_ask_who_i_am(db)
        access._signed_in[engine.pool] = SignedIn(
            login="t_kw", role=Role.KEY_WORKER, team_mode=True
        )
        assert who_is_me(db) is None  # a login not linked to a worker has no tray
    finally:
        access.forget(engine)  # type: ignore[arg-type]
