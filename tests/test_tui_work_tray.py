"""Pilot tests: the first start asks who is using the app; a key worker clears an
overdue action from their work tray."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from factories import plan_seen_version
from identity_support import signed_in
from sqlalchemy import Engine
from sqlmodel import Session, select
from textual.widgets import Input, Static
from tui_support import seed_case_work, wait_for

from intapp import clock, paths
from intapp.app import IntApp
from intapp.config import load_settings, write_setting
from intapp.models import CarePlan, CarePlanVersion, PlanAction, Worker
from intapp.screens.dashboard import DashboardScreen
from intapp.screens.me_picker import MePicker
from intapp.screens.work_tray import WorkTrayScreen
from intapp.services import care_plans
from intapp.services.work_tray import TrayKind
from intapp.store.engine import unit_of_work


def give_ann_actions(engine: Engine) -> None:
    """Two actions for Ann on Mary's plan, written three days ago: one due two days ago
    (overdue now), one due in four days; and one for a service."""
    now = clock.now()
    clock.freeze(now - timedelta(days=3))
    try:
        with unit_of_work(engine) as session:
            ann = session.exec(select(Worker).where(Worker.staff_id == "W1")).one()
            person_id = session.exec(select(CarePlan)).one().person_id
            for what, days in (("Ring the GP about the falls clinic", 1), ("Order a perch", 7)):
                care_plans.add_action(
                    session=session,
                    user="setup",
                    person_id=person_id,
                    worker_id=ann.id,
                    what=what,
                    by_when=clock.today() + timedelta(days=days),
                    expected_version=plan_seen_version(session, person_id),
                )
    finally:
        clock.freeze(now)


async def open_tray(app: IntApp, pilot) -> WorkTrayScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    await pilot.press("f2")
    await wait_for(
        pilot, lambda: isinstance(app.screen, WorkTrayScreen) and app.screen.rows, seconds=20
    )
    assert isinstance(app.screen, WorkTrayScreen)
    return app.screen


async def test_clear_an_overdue_action_from_the_tray(sqlite_engine, write_config):
    seed_case_work(sqlite_engine)
    give_ann_actions(sqlite_engine)
    write_config('[settings]\nme = "W1"\n')
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "ann.lee"))
    async with app.run_test(size=(120, 40)) as pilot:
        tray = await open_tray(app, pilot)
        title = str(tray.query_one("#tray-title", Static).render())
        assert "Ann Lee" in title and "1 OVERDUE" in title
        first = tray.rows[0]
        assert (first.kind, first.overdue, first.what) == (
            TrayKind.ACTION,
            True,
            "Ring the GP about the falls clinic",
        )
        neighbour = tray.rows[1]
        await pilot.press("d")
        await wait_for(pilot, lambda: all(r.what != first.what for r in tray.rows))
        # The highlight moves to the item that followed it.
        assert tray.paged.highlighted == neighbour
        await wait_for(
            pilot, lambda: "nothing overdue" in str(tray.query_one("#tray-title").render())
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    with Session(sqlite_engine) as session:
        rows = session.exec(select(PlanAction).order_by(PlanAction.position)).all()
        assert [(r.what, r.status) for r in rows] == [
            ("Kitchen trolley", "open"),
            ("Ring the GP about the falls clinic", "done"),
            ("Order a perch", "open"),
        ]


async def test_enter_opens_the_plan_of_an_action(sqlite_engine, write_config):
    from intapp.screens.care_plan import CarePlanScreen

    seed_case_work(sqlite_engine)
    give_ann_actions(sqlite_engine)
    write_config('[settings]\nme = "W1"\n')
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "ann.lee"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tray(app, pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen))


@pytest.fixture
def asking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(IntApp, "ASK_WHO_I_AM", True)


async def test_the_first_start_asks_who_i_am_and_keeps_the_config_files_comments(
    sqlite_engine, write_config, asking
):
    seed_case_work(sqlite_engine)
    path = write_config("# Our council's settings\n[settings]\nfollowup_days = 84  # 12 weeks\n")
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "ann.lee"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MePicker) and app.screen.shown)
        app.screen.query_one("#me-filter", Input).value = "ann"
        await wait_for(pilot, lambda: [c.staff_id for c in app.screen.shown] == ["W1"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(
            pilot, lambda: "My work overdue" in str(app.screen.query_one("#my-work").label)
        )
    text = path.read_text()
    assert text.startswith("# Our council's settings\n[settings]\nfollowup_days = 84  # 12 weeks\n")
    assert 'me = "W1"' in text
    load_settings.cache_clear()
    assert load_settings().me == "W1" and load_settings().followup_days == 84


async def test_the_question_can_be_skipped_and_is_not_asked_once_answered(sqlite_engine, asking):
    seed_case_work(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "ann.lee"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MePicker))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        # Skipped: nothing written, and the tile says who is not set.
        await wait_for(pilot, lambda: "who are you" in str(app.screen.query_one("#my-work").label))
        assert not paths.config_file().exists()
        # The tray says how to set it, and offers the choice.
        await pilot.press("m")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, WorkTrayScreen)
                and "Nobody is set as you" in str(app.screen.query_one("#tray-unset").render())
            ),
        )
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, MePicker) and app.screen.shown)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkTrayScreen) and app.screen.rows)
    assert stat.S_IMODE(paths.config_file().stat().st_mode) == 0o600
    # Answered: a second start does not ask.
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "ann.lee"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: app.warming_up is not None)
        await pilot.pause(0.5)
        assert isinstance(app.screen, DashboardScreen)


def test_writing_a_setting_makes_a_private_file_and_keeps_an_existing_ones_text(tmp_path):
    path = tmp_path / "config" / "config.toml"
    write_setting("me", "SW1", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == '[settings]\nme = "SW1"\n'
    path.write_text(
        '# top\n[reablement]\nstandard_days = 42 # six weeks\n\n[settings]\nme = "SW1"\n'
    )
    write_setting("me", "OT7", path)
    assert path.read_text() == (
        '# top\n[reablement]\nstandard_days = 42 # six weeks\n\n[settings]\nme = "OT7"\n'
    )


def test_writing_a_setting_replaces_the_file_whole_and_makes_an_open_one_private(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[settings]\nfollowup_days = 84\n")
    path.chmod(0o644)
    write_setting("me", "SW1", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == '[settings]\nfollowup_days = 84\nme = "SW1"\n'
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temporary left


@pytest.mark.parametrize("fault", ["folder is a file", "read-only folder", "not TOML"])
def test_a_setting_that_cannot_be_saved_holds_for_the_session_and_says_what_to_add(
    tmp_path, monkeypatch, fault
):
    from intapp.config import SettingNotSaved

    if fault == "folder is a file":
        (tmp_path / "config").write_text("")
        path = tmp_path / "config" / "config.toml"
    elif fault == "read-only folder":
        path = tmp_path / "config.toml"
        path.write_text("[settings]\n")
        tmp_path.chmod(0o500)
        if os.access(tmp_path, os.W_OK):  # root ignores the mode: make the write fail
            monkeypatch.setattr(os, "replace", _refused)
    else:
        path = tmp_path / "config.toml"
        path.write_text("[settings\nme = \n")
    monkeypatch.setattr(paths, "config_file", lambda: path)
    try:
        with pytest.raises(
            SettingNotSaved, match='add under \\[settings\\] in that file: me = "SW1"'
        ):
            write_setting("me", "SW1")
    finally:
        tmp_path.chmod(0o700)
    if fault != "not TOML":  # a file that is not TOML cannot be read at all
        assert load_settings().me == "SW1"


def _refused(*_args: object) -> None:
    raise PermissionError(13, "Permission denied")


async def test_choosing_me_when_the_config_cannot_be_written_keeps_me_and_says_so(
    sqlite_engine, asking, monkeypatch, tmp_path
):
    seed_case_work(sqlite_engine)
    (tmp_path / "config").write_text("")
    monkeypatch.setattr(paths, "config_file", lambda: tmp_path / "config" / "config.toml")
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "ann.lee"))
    notes: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        monkeypatch.setattr(app, "notify", lambda message, **_: notes.append(message))
        await wait_for(pilot, lambda: isinstance(app.screen, MePicker) and app.screen.shown)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_for(pilot, lambda: bool(notes))
        assert load_settings().me == "W1"
    assert "for now" in notes[0] and 'me = "W1"' in notes[0]


async def test_the_plan_editor_assigns_an_action_to_a_worker_and_cancels_another(sqlite_engine):
    from textual.widgets import Select

    from intapp.screens.care_plan import CarePlanScreen
    from intapp.screens.plan_dialogs import ActionDialog

    seed_case_work(sqlite_engine)
    with Session(sqlite_engine) as session:
        plan = session.exec(select(CarePlan)).one()
        ann = session.exec(select(Worker).where(Worker.staff_id == "W1")).one()
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "ann.lee"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        app.push_screen(CarePlanScreen(person_id=plan.person_id))
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen) and app.screen.actions)
        screen = app.screen
        await pilot.press("ctrl+x")  # the OT's kitchen trolley will not happen
        assert screen.actions[0]["status"] == "cancelled"
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog))
        app.screen.query_one("#assignee", Select).value = ann.id
        app.screen.query_one("#what", Input).value = "Ring Mary's daughter"
        app.screen.query_one("#by", Input).value = "30/11/2026"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and len(screen.actions) == 2)
        screen.query_one("#note", Input).value = "Trolley not needed; call the family"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.data.plan and screen.data.plan.number == 2)
    with Session(sqlite_engine) as session:
        rows = session.exec(select(PlanAction).order_by(PlanAction.position)).all()
        assert [(r.worker_id, r.service, r.status) for r in rows] == [
            (None, "OT", "cancelled"),
            (ann.id, None, "open"),
        ]
        version = session.exec(select(CarePlanVersion).where(CarePlanVersion.number == 2)).one()
        assert version.actions[1]["who"] == "Ann Lee"
