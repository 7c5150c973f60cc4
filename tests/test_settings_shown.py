"""Every configurable number shows as configured: in the export, on the screens, and in
what the app sends; and codes show with their one label."""

from __future__ import annotations

import io
from datetime import timedelta

from identity_support import signed_in
from sqlalchemy import Engine
from sqlmodel import Session
from textual.widgets import Button, DataTable, Input, Label, TabbedContent
from tui_support import seed_small_team, wait_for
from weekly_support import build_week

from intapp import clock
from intapp.app import IntApp
from intapp.services.weekly_summary import render, weekly_summary

CONFIG = (
    "[reablement]\nstandard_days = 56\nwarning_day = 49\nfollowup_days = 84\n"
    "[settings]\nreview_due_soon_days = 14\nfirst_review_days = 42\n"
    "case_weight_max = 12\ndefault_case_weight = 9\n"
)


def test_the_weekly_export_names_the_configured_days(sqlite_engine: Engine, write_config) -> None:
    with Session(sqlite_engine) as session:
        build_week(session)
        default = weekly_summary(session=session, week="2026-W47")
        csv_default = render(default, "csv").decode("utf-8-sig").splitlines()[0]
        md_default = render(default, "md").decode()
        write_config(CONFIG)
        summary = weekly_summary(session=session, week="2026-W47")
        csv_header = render(summary, "csv").decode("utf-8-sig").splitlines()[0]
        markdown = render(summary, "md").decode()
        workbook = render(summary, "xlsx")
    assert '"reablement_over_42_days"' in csv_default
    assert "91-day follow-ups" in md_default and "over 42 days" in md_default
    assert '"reablement_over_56_days"' in csv_header and "42_days" not in csv_header
    assert "Reablement endings and 84-day follow-ups" in markdown
    assert "84-day follow-ups due" in markdown and "over 56 days" in markdown
    assert "91" not in markdown.replace("2026", "") and "42 days" not in markdown

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(workbook)).active
    assert sheet is not None
    assert "reablement_over_56_days" in [c.value for c in sheet[1]]


async def test_screens_show_the_configured_numbers(sqlite_engine: Engine, write_config) -> None:
    write_config(CONFIG)
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DashboardScreen")
        tiles = [str(b.label).split("\n")[0] for b in app.screen.query(Button)]
        assert "Reablement at day 49+" in tiles
        assert "Reablement past day 56" in tiles
        assert "84-day follow-ups due" in tiles
        assert "Plan reviews due (14 days)" in tiles

        await pilot.press("a")  # allocation: the weight's range and its default
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "AllocationScreen")
        labels = [str(w.render()) for w in app.screen.query(Label)]
        assert "Case weight (1–12)" in labels
        assert app.screen.query_one("#allocation-weight", Input).value == "9"
        await pilot.press("escape")

        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DashboardScreen")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ReablementScreen")
        tabs = app.screen.query_one(TabbedContent)
        titles = [str(tab.label) for tab in tabs.query("ContentTab")]
        assert any("Follow-ups due (84 days)" in title for title in titles), titles


async def test_a_new_plan_is_first_reviewed_after_the_configured_days(
    sqlite_engine: Engine, write_config
) -> None:
    from intapp.screens.care_plan import CarePlanScreen
    from intapp.screens.person import PersonScreen

    write_config(CONFIG)
    seed_small_team(sqlite_engine)
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "sw.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DashboardScreen")
        app.push_screen(PersonScreen(person_id=1))
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, CarePlanScreen) and app.screen.data)
        review = app.screen.query_one("#review", Input).value
    assert review == (clock.today() + timedelta(days=42)).strftime("%d/%m/%Y")


async def test_the_queue_labels_a_and_e_as_the_new_referral_form_does(
    sqlite_engine: Engine,
) -> None:
    from intapp.screens.queue import QueueScreen
    from intapp.services import referrals
    from intapp.services.people import PersonIn
    from intapp.store.engine import unit_of_work

    seed_small_team(sqlite_engine)
    with unit_of_work(sqlite_engine) as session:
        referrals.receive_referral(
            session=session,
            user="setup",
            person=PersonIn(
                given_name="Ada",
                family_name="Jones",
                date_of_birth=clock.today() - timedelta(days=80 * 365),
                team_id=1,
                nhs_number="9990000018",
            ),
            source="a_and_e",
            reason="Fell in town",
        )
    app = IntApp(database_url=signed_in(str(sqlite_engine.url), "duty.c1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DashboardScreen")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.rows)
        table = app.screen.query_one(DataTable)
        cells = [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]
    assert "A&E" in cells
    assert not any("a and e" in cell for cell in cells)


def test_the_dashboard_figures_follow_the_configured_windows(session, write_config) -> None:
    from test_dashboard import TEAM, seed

    from intapp.services.dashboard import dashboard_counts

    team, _ = seed(session)
    assert dashboard_counts(session=session, team_ids=[team]) == TEAM
    write_config(
        "[settings]\nreview_due_soon_days = 8\n[reablement]\nstandard_days = 42\nwarning_day = 40\n"
    )
    counts = dashboard_counts(session=session, team_ids=[team])
    assert (counts.reviews_due, counts.episodes_day_35_plus) == (4, 2)
    write_config("[reablement]\nstandard_days = 50\nwarning_day = 35\n")
    assert dashboard_counts(session=session, team_ids=[team]).episodes_past_42 == 0


def test_the_rereferral_window_reads_as_people_say_it(write_config) -> None:
    from intapp.config import as_period, configured

    assert configured("re-referral within {rereferral}") == "re-referral within 6 months"
    write_config("[settings]\nrereferral_window_days = 90\n")
    assert configured("re-referral within {rereferral}") == "re-referral within 3 months"
    assert [as_period(d) for d in (1, 10, 28, 61, 183, 365, 100)] == [
        "1 day",
        "10 days",
        "4 weeks",
        "2 months",
        "6 months",
        "12 months",
        "100 days",
    ]
