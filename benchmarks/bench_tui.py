"""How quickly the app responds on a city-scale database, driven headless.

Usage:
    python benchmarks/bench_tui.py [--database-url URL] [--runs 5]

Without --database-url it uses (and, once, builds) the city file that
bench_queries.py uses: benchmarks/.data/city-200000.sqlite3. Lists and records are
timed on a copy of it whose queue is made 500 pages long (`with_deep_queue`).

Start-up is timed in fresh processes (imports included), side by side with a minimal
Textual app. Everything else is timed from the keypress until the rows are painted.
Targets: frame within 1.5x and figures within 2.5x of the minimal app's start; lists
and records within 150 ms (a merge, closing a case and recording a death too: commit and
repaint; the work tray too, beside the same worker's caseload as its baseline); cursor
moves within 20 ms; the possible-duplicate check on the new-referral form within 50 ms
of the key that completes the date of birth; no event-loop stall over 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench_tray import tray_figures
from city import city_engine, default_url

from intapp.screens.queue import PAGE_SIZE

CITY_PEOPLE = 200_000
DEEP_PAGE = 500

MINIMAL_APP = """
import time, asyncio, json
start = time.perf_counter()
from textual.app import App
from textual.widgets import Header, Footer, Static
class Minimal(App):
    def compose(self):
        yield Header(); yield Static("hello"); yield Footer()
async def main():
    app = Minimal()
    async with app.run_test(size=(120, 40)) as pilot:
        while app.screen.query_one(Static).region.height == 0:
            await asyncio.sleep(0.002)
        print(json.dumps({"frame": time.perf_counter() - start}))
asyncio.run(main())
"""

INTAPP_START = """
import time, asyncio, json, sys
start = time.perf_counter()
from intapp.app import IntApp
IntApp.ASK_WHO_I_AM = False  # the coordinator's start, not the question "who are you?"
async def main():
    app = IntApp(database_url=sys.argv[1])
    async with app.run_test(size=(120, 40)) as pilot:
        # Painted: the dashboard is laid out (its tiles have a size on screen).
        while (
            app.screen.__class__.__name__ != "DashboardScreen"
            or app.screen.query_one("#awaiting").region.height == 0
        ):
            await asyncio.sleep(0.002)
        frame = time.perf_counter() - start
        tile = app.screen.query_one("#awaiting")
        while "…" in str(tile.label):
            await asyncio.sleep(0.002)
        figures = time.perf_counter() - start
        # A key pressed as soon as the figures show, while the data layer still loads.
        pressed = time.perf_counter()
        press = asyncio.ensure_future(pilot.press("q"))
        while app.screen.__class__.__name__ != "QueueScreen" or not app.screen.rows:
            await asyncio.sleep(0.0005)
        await pilot._wait_for_screen()
        queue = time.perf_counter() - pressed
        await press
        print(json.dumps({"frame": frame, "figures": figures, "first_queue": queue}))
asyncio.run(main())
"""


# The minimal app is timed the same way: until its widget is laid out.
def in_fresh_process(script: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


class StallWatch:
    """Measures the longest gap between event-loop ticks (a frozen UI shows as a big gap)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - 0.005)
            last = now

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._tick())

    def stop(self) -> None:
        if self._task:
            self._task.cancel()


async def until(pilot: Any, condition: Any, start: float | None = None) -> float:
    """Seconds from `start` (default: now) until `condition()` holds and the screen has
    handled every message that followed, its repaint included."""
    start = time.perf_counter() if start is None else start
    while not condition():
        await asyncio.sleep(0.0005)
        if time.perf_counter() - start > 30:
            raise TimeoutError("the app never reached the expected state")
    await pilot._wait_for_screen()
    return time.perf_counter() - start


async def after_key(pilot: Any, key: str, condition: Any) -> float:
    """Seconds from pressing `key` until `condition()` holds, as `until` measures it.

    Pilot.press sends the key at once but then waits for the app to go idle (20 ms at
    the least) before it returns, so the time runs from the send, not from its return.
    """
    start = time.perf_counter()
    press = asyncio.ensure_future(pilot.press(key))
    elapsed = await until(pilot, condition, start)
    await press
    return elapsed


async def interactions(url: str, runs: int, notes_only: bool = False) -> dict[str, list[float]]:
    from sqlmodel import col, select
    from textual.widgets import Input, Select

    from intapp.app import IntApp
    from intapp.models import Person, Referral
    from intapp.screens.allocation import AllocationScreen
    from intapp.screens.board import BoardScreen
    from intapp.screens.case_dialogs import CloseCaseDialog, RecordDeathDialog
    from intapp.screens.caseload import CaseloadScreen
    from intapp.screens.dashboard import DashboardScreen
    from intapp.screens.new_referral import NewReferralScreen
    from intapp.screens.person import PersonScreen
    from intapp.screens.queue import QueueScreen
    from intapp.screens.search import PAGE_SIZE as SEARCH_PAGE
    from intapp.screens.search import SearchScreen
    from intapp.screens.transfer_dialogs import AllocateNowDialog, TransferDialog
    from intapp.screens.triage import TriageScreen
    from intapp.store.engine import create_db_engine, read_session

    with read_session(create_db_engine(url)) as session:
        queue_keys = session.exec(
            select(Referral.due_by, Referral.id)
            .where(Referral.status == "received")
            .order_by(col(Referral.due_by), col(Referral.id))
        ).all()
        # Someone to type again on a new referral, with the family name misspelt: the
        # form offers them as a possible match (same birth, a name that sounds alike).
        typed = session.exec(
            select(Person.given_name, Person.family_name, Person.date_of_birth).where(
                Person.family_name == "Jackson"
            )
        ).first()
        assert typed is not None
    # The page measured must have a page after it, for "page down".
    deep_page = min(DEEP_PAGE, (len(queue_keys) - 1) // PAGE_SIZE)
    figures: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        figures.setdefault(name, []).append(seconds * 1000)

    # The coordinator's flows, not the first start's question "who are you?".
    IntApp.ASK_WHO_I_AM = False

    async def one_run() -> None:
        app = IntApp(database_url=url)
        watch = StallWatch()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await until(pilot, lambda: "…" not in str(app.screen.query_one("#awaiting").label))
            watch.start()

            def queue_shown() -> bool:
                return isinstance(app.screen, QueueScreen) and bool(app.screen.rows)

            # At once, while the data layer is still loading; then once start-up is over.
            add("open the queue, as soon as figures show", await after_key(pilot, "q", queue_shown))
            await pilot.press("escape")
            assert app.warming_up is not None
            await app.warming_up.wait()
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            add("open the queue", await after_key(pilot, "q", queue_shown))
            queue = app.screen
            shown_first = queue.rows[0].referral_id
            queue.paged.jump(
                [None, *[tuple(k) for k in queue_keys[PAGE_SIZE - 1 :: PAGE_SIZE]][: deep_page - 1]]
            )
            await until(pilot, lambda: queue.rows and queue.rows[0].referral_id != shown_first)
            table = queue.paged.table
            before = table.cursor_row
            add(
                f"cursor down (page {deep_page})",
                await after_key(pilot, "down", lambda: table.cursor_row != before),
            )
            first = queue.rows[0].referral_id
            add(
                f"page down (page {deep_page})",
                await after_key(
                    pilot, "pagedown", lambda: queue.rows and queue.rows[0].referral_id != first
                ),
            )
            add(
                "open triage (person and history)",
                await after_key(
                    pilot,
                    "enter",
                    lambda: isinstance(app.screen, TriageScreen) and app.screen.data,
                ),
            )
            app.screen.query_one("#pathway").value = "case_management"
            # Saved, the worker choice opens at once (triage to allocation in one flow).
            add(
                "save a triage (worker choice shown)",
                await after_key(
                    pilot,
                    "ctrl+s",
                    lambda: isinstance(app.screen, AllocateNowDialog) and app.screen.candidates,
                ),
            )
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen))

            add(
                "open allocation (referrals awaiting)",
                await after_key(
                    pilot,
                    "a",
                    lambda: isinstance(app.screen, AllocationScreen) and app.screen.referrals,
                ),
            )
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("/")
            await until(pilot, lambda: isinstance(app.screen, SearchScreen))
            search = app.screen
            start = time.perf_counter()
            search.query_one(Input).value = "smith"  # a common name: a full first page
            add(
                "search by name (first page)",
                await until(pilot, lambda: len(search.results) == SEARCH_PAGE, start),
            )
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen))

            await pilot.press("b")
            await until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.loads)
            add(
                "open a caseload",
                await after_key(
                    pilot,
                    "enter",
                    lambda: isinstance(app.screen, CaseloadScreen) and app.screen.rows,
                ),
            )
            caseload = app.screen
            # A case not already on its way to another team (an earlier run sent one).
            row = next(i for i, r in enumerate(caseload.rows) if r.transfer is None)
            caseload.paged.table.move_cursor(row=row)
            sent = caseload.rows[row].referral_id
            await pilot.press("t")
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, TransferDialog)
                    and len(app.screen.query_one("#team", Select)._options) > 1
                ),
            )
            team = app.screen.query_one("#team", Select)
            team.value = team._options[1][1]
            app.screen.query_one("#reason", Input).value = "Moved across the city"
            add(
                "transfer a case (commit and repaint)",
                await after_key(
                    pilot,
                    "ctrl+s",
                    lambda: (
                        app.screen is caseload
                        and any(r.referral_id == sent and r.transfer for r in caseload.rows)
                    ),
                ),
            )
            closing_case = next(r for r in caseload.rows if r.transfer is None)
            caseload.paged.table.move_cursor(row=caseload.rows.index(closing_case))
            await pilot.press("c")
            await until(pilot, lambda: isinstance(app.screen, CloseCaseDialog))
            app.screen.query_one("#outcome").value = "goals_met"
            app.screen.query_one("#reason").value = "Goals met"
            add(
                "close a case (commit and repaint)",
                await after_key(
                    pilot,
                    "ctrl+s",
                    lambda: (
                        app.screen is caseload
                        and caseload.rows
                        and closing_case.allocation_id
                        not in {r.allocation_id for r in caseload.rows}
                    ),
                ),
            )
            person_id = caseload.rows[0].person_id
            start = time.perf_counter()
            app.push_screen(PersonScreen(person_id=person_id))
            add(
                "open a person record",
                await until(
                    pilot,
                    lambda: isinstance(app.screen, PersonScreen) and app.screen.record,
                    start,
                ),
            )
            record = app.screen
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, RecordDeathDialog))
            app.screen.query_one("#died-on").value = time.strftime("%d/%m/%Y")
            app.screen.query_one("#source").value = "gp"
            add(
                "record a death (commit and repaint)",
                await after_key(
                    pilot,
                    "ctrl+s",
                    lambda: (
                        app.screen is record
                        and record.record.overview.person.is_deceased
                        and "(deceased)" in str(record.query_one("#person-header").render())
                    ),
                ),
            )
            await pilot.press("escape")
            while not isinstance(app.screen, DashboardScreen):
                app.pop_screen()
                await until(pilot, lambda: True)
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, NewReferralScreen))
            form = app.screen
            await until(pilot, lambda: form.focused is not None)  # its first field, first
            given, _, born = typed
            dob = born.strftime("%d/%m/%Y")
            form.query_one("#given").value = given
            form.query_one("#family").value = "Jakson"
            field = form.query_one("#dob")
            field.select_on_focus = False  # the key typed adds to the date, not replaces it
            field.focus()
            field.value = dob[:-1]
            field.cursor_position = len(field.value)
            await until(pilot, lambda: True)
            add(
                "possible-duplicate check while typing",
                await after_key(pilot, dob[-1], lambda: bool(form.candidates)),
            )
            form.query_one("#given").value = ""  # nothing typed to keep: leaves at once
            form.query_one("#family").value = ""
            field.value = ""
            await pilot.press("escape")
            watch.stop()
            add("longest event-loop stall", watch.longest)
            add("merge two records", await merge_two_records(app, pilot, url))
            await notes_run(app, pilot)

    async def notes_run(app: Any, pilot: Any) -> None:
        for name, seconds in (await notes_on_a_record(app, pilot, url)).items():
            add(name, seconds)

    async def notes_only_run() -> None:
        app = IntApp(database_url=url)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await until(pilot, lambda: app.warming_up is not None)
            await app.warming_up.wait()
            await notes_run(app, pilot)

    for _ in range(runs):
        await (notes_only_run() if notes_only else one_run())
        if not notes_only:
            await tray_figures(url, add, until, after_key)
    return figures


NOTES_ON_RECORD = 500


async def notes_on_a_record(app: Any, pilot: Any, url: str) -> dict[str, float]:
    """Seconds to open a record and to save a note on it, before and after the record
    holds NOTES_ON_RECORD notes: the figures with notes are printed beside the ones
    without, taken in the same run on the same record.

    The person is picked at random (alive, not merged, with referrals), so the notes
    added by one run do not pile up on the record the next run opens.
    """
    from datetime import timedelta

    from sqlalchemy import insert, text

    from intapp import clock
    from intapp.models import CaseNote
    from intapp.screens.note_editor import NoteEditorScreen
    from intapp.screens.person import PersonScreen
    from intapp.store.engine import create_db_engine, unit_of_work

    engine = create_db_engine(url)
    with unit_of_work(engine) as session:
        person_id = session.execute(
            text(
                "SELECT id FROM person WHERE merged_into_id IS NULL AND date_of_death IS NULL"
                " AND id IN (SELECT person_id FROM referral) ORDER BY random() LIMIT 1"
            )
        ).scalar_one()
    figures: dict[str, float] = {}

    async def open_record() -> float:
        start = time.perf_counter()
        app.push_screen(PersonScreen(person_id=person_id))
        return await until(
            pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record, start
        )

    async def save_note(record: Any, words: str) -> float:
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NoteEditorScreen))
        app.screen.query_one("#note-text").text = words
        return await after_key(
            pilot,
            "ctrl+s",
            lambda: (
                app.screen is record
                and record.record is not None
                and any(e.text.endswith(words) for _, e in record.record.timeline.rows[:1])
            ),
        )

    # Once first, so the screen's code is loaded and its styles cached before timing.
    await open_record()
    app.pop_screen()
    await until(pilot, lambda: True)
    figures["open a person record (no notes)"] = await open_record()
    figures["save a note and repaint (no notes)"] = await save_note(app.screen, "First visit.")
    app.pop_screen()
    # The notes, written straight to the table (the service would audit each one).
    now = clock.now()
    with unit_of_work(engine) as session:
        session.execute(
            insert(CaseNote),
            [
                {
                    "person_id": person_id,
                    "kind": ("home_visit", "phone_call", "mdt_meeting")[n % 3],
                    "contact_with": "person",
                    "contact_at": now - timedelta(hours=n + 1),
                    "author": "bench",
                    "written_at": now - timedelta(hours=n),
                    "text": f"Note {n}: visited and talked through the plan.\n" + "More. " * 150,
                    "significant": n % 25 == 0,
                }
                for n in range(NOTES_ON_RECORD)
            ],
        )
    engine.dispose()
    # Opened once untimed, as the baseline was, so both figures start from the same state.
    await open_record()
    app.pop_screen()
    await until(pilot, lambda: True)
    figures[f"open a person record ({NOTES_ON_RECORD} notes)"] = await open_record()
    figures[f"save a note and repaint ({NOTES_ON_RECORD} notes)"] = await save_note(
        app.screen, "Another visit."
    )
    app.pop_screen()
    await until(pilot, lambda: True)
    return figures


async def merge_two_records(app: Any, pilot: Any, url: str) -> float:
    """Seconds from confirming a merge until the surviving record is shown again.

    A person picked at random (with referrals, so rows move) is merged into a second
    record of the same person, known only by a local id. Picked at random so that the
    records the other figures open do not grow from one run to the next.
    """
    import uuid

    from sqlalchemy import text

    from intapp.screens.merge_dialog import MergeDialog
    from intapp.screens.person import PersonScreen
    from intapp.services.people import PersonIn, create_person, get_person
    from intapp.store.engine import create_db_engine, unit_of_work

    engine = create_db_engine(url)
    with unit_of_work(engine) as session:
        person_id = session.execute(
            text(
                "SELECT id FROM person WHERE merged_into_id IS NULL AND date_of_death IS NULL"
                " AND id IN (SELECT person_id FROM referral) ORDER BY random() LIMIT 1"
            )
        ).scalar_one()
        p = get_person(session=session, person_id=person_id)
        survivor = create_person(
            session=session,
            user="bench",
            person_in=PersonIn(
                given_name=f"{p.given_name} (again)",
                family_name=p.family_name,
                date_of_birth=p.date_of_birth,
                team_id=p.team_id,
                local_id=f"BENCH-{uuid.uuid4().hex[:12]}",
            ),
        ).id
    engine.dispose()
    app.push_screen(PersonScreen(person_id=person_id))
    await until(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record)
    record = app.screen
    app.push_screen(MergeDialog(survivor_id=survivor, merged_id=person_id), record.show_person)
    await until(pilot, lambda: isinstance(app.screen, MergeDialog) and app.screen.preview)
    shown = record.record
    return await after_key(
        pilot,
        "y",
        lambda: (
            app.screen is record
            and record.record is not shown
            and record.record is not None
            and record.record.person_id == survivor
        ),
    )


def with_deep_queue(city: Path) -> str:
    """A copy of the city file whose whole-city queue has a page after page DEEP_PAGE.

    The demo's city-wide queue is about 143 pages long. The copy adds received referrals,
    cloned from closed ones, so that the deep-page figures are taken at page 500. The
    shared city file is not changed.
    """
    copy = city.with_name(f"{city.stem}-deep-queue.sqlite3")
    if not copy.exists():
        with closing(sqlite3.connect(city)) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)
        os.sync()  # so the copy's writeback does not slow the figures that follow
    wanted = (DEEP_PAGE + 1) * PAGE_SIZE + 100  # each run triages one
    with closing(sqlite3.connect(copy)) as target, target:
        (received,) = target.execute(
            "SELECT count(*) FROM referral WHERE status = 'received'"
        ).fetchone()
        if received < wanted:
            target.execute(
                "INSERT INTO referral (reference, person_id, team_id, received_at, source,"
                " route_of_access, reason, priority, due_by, status, is_rereferral, version)"
                " SELECT 'DEEP-' || id, person_id, team_id, received_at, source,"
                " route_of_access, reason, priority, due_by, 'received', 0, 1"
                " FROM referral AS closed WHERE status = 'closed' AND NOT EXISTS"
                " (SELECT 1 FROM referral WHERE reference = 'DEEP-' || closed.id) LIMIT ?",
                (wanted - received,),
            )
    copy.chmod(0o600)
    return f"sqlite:///{copy}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--notes-only", action="store_true", help="Only the case-note figures (and baselines)."
    )
    args = parser.parse_args()
    if args.database_url:
        url = deep_url = args.database_url
    else:
        engine, _ = city_engine(None, CITY_PEOPLE)
        url = default_url(CITY_PEOPLE)
        engine.dispose()
        deep_url = with_deep_queue(Path(url.removeprefix("sqlite:///")))

    if args.notes_only:
        print(f"case notes: {deep_url}")
        print_figures(asyncio.run(interactions(deep_url, args.runs, notes_only=True)))
        return
    minimal = [in_fresh_process(MINIMAL_APP)["frame"] for _ in range(args.runs)]
    ours = [in_fresh_process(INTAPP_START, url) for _ in range(args.runs)]
    base = statistics.median(minimal)
    frame = statistics.median(o["frame"] for o in ours)
    filled = statistics.median(o["figures"] for o in ours)
    first_queue = statistics.median(o["first_queue"] for o in ours) * 1000
    print(f"database: {url}")
    print(f"{'measure':42} {'median':>10}  target")
    print(f"{'minimal Textual app painted':42} {base * 1000:8.0f} ms")
    print(f"{'dashboard frame painted':42} {frame * 1000:8.0f} ms  {frame / base:.2f}x (<= 1.5x)")
    print(
        f"{'dashboard figures filled':42} {filled * 1000:8.0f} ms  {filled / base:.2f}x (<= 2.5x)"
    )
    print(
        f"{'queue opened by the first key (fresh app)':42} {first_queue:8.1f} ms"
        f"  <= 150 ms {'ok' if first_queue <= 150 else 'SLOW'}"
    )
    print(f"lists and records: {deep_url}")
    print_figures(asyncio.run(interactions(deep_url, args.runs)))


def print_figures(figures: dict[str, list[float]]) -> None:
    """Each figure's median beside its target; a note figure beside its baseline."""
    for name, values in figures.items():
        target = (
            20
            if name.startswith("cursor")
            else 100
            if "stall" in name
            else 50
            if "duplicate" in name
            else 150
        )
        median = statistics.median(values)
        verdict = "ok" if median <= target else "SLOW"
        baseline = name.replace(f"({NOTES_ON_RECORD} notes)", "(no notes)")
        beside = (
            f"  (no notes: {statistics.median(figures[baseline]):.1f} ms)"
            if baseline != name and baseline in figures
            else ""
        )
        print(f"{name:42} {median:8.1f} ms  <= {target} ms {verdict}{beside}")


if __name__ == "__main__":
    main()
