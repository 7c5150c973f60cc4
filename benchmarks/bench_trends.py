"""What the monthly trends cost on a city-scale database, each figure beside baselines
taken in the same run.

Usage:
    python benchmarks/bench_trends.py [--database-url URL] [--people 200000] [--runs 5]
        [--no-screen | --screen-only]

Without --database-url it uses (and, once, builds) benchmarks/.data/city-PEOPLE.sqlite3;
the PostgreSQL city is `--database-url postgresql://postgres@127.0.0.1:5432/intapp_bench_city_200000`
(`city.postgres_city_url`). Medians (and the slowest run) in milliseconds:

1. The trends of the whole city, a locality and a team (`services.trends.monthly_trends`),
   beside the very same SQL statements run through the bare driver (what the service
   adds), and beside one pass counting the referrals of the 24 months (the floor: every
   trend reads at least that table once).
2. Each part alone (`services.trends.PARTS`): the screen reads the part of the chart in
   view first and paints it, then the others.
3. The screen, driven headless at 120x40 (`--no-screen` leaves it out): from the key on
   the dashboard until the first chart is painted, and until every chart is read; then
   from choosing another scope (Enter in the scope list) until its chart is painted.
   Targets: 1 s to paint from the key, 300 ms from a later scope change.

`measure(engine)` returns the printed rows of 1 and 2, for benchmarks/bench_returns.py.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

from city import city_engine
from sqlalchemy import Engine, event, text

from intapp import clock
from intapp.services.trends import PARTS, last_months, monthly_trends, part_values
from intapp.store.engine import read_session

RUNS = 5
PAINT_TARGET_MS = 1000.0
SCOPE_TARGET_MS = 300.0


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds each of `runs` runs of `action` took (after one unmeasured run)."""
    action()
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        found.append((time.perf_counter() - start) * 1000)
    return found


def row(label: str, ms: list[float], baseline: str = "") -> str:
    return (
        f"{label:46} median {statistics.median(ms):8.1f} ms  slowest {max(ms):8.1f} ms"
        f"{'  ' + baseline if baseline else ''}"
    )


def scopes(engine: Engine) -> list[tuple[str, list[int] | None]]:
    """The whole city, its first locality and that locality's first team."""
    with engine.connect() as connection:
        teams = connection.execute(
            text("SELECT id, locality_id FROM team ORDER BY locality_id, code")
        ).all()
    locality = [team_id for team_id, place in teams if place == teams[0][1]]
    return [("whole city", None), ("a locality", locality), ("a team", [teams[0][0]])]


def statements_of(engine: Engine, team_ids: list[int] | None) -> list[tuple[str, Any]]:
    """The SQL the service runs for these teams, as the driver received it."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with read_session(engine) as session:
            monthly_trends(session=session, team_ids=team_ids, scope="bench")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def raw_sql(engine: Engine, statements: list[tuple[str, Any]]) -> Callable[[], None]:
    """Run `statements` through the bare DB-API cursor, fetching every row."""

    def run() -> None:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            cursor.close()
            connection.rollback()
        finally:
            connection.close()

    return run


def one_pass(engine: Engine) -> Callable[[], None]:
    """Count the referrals received in the 24 months: one read of the largest table."""
    months = last_months()
    first, end = months[0].starts_at, months[-1].ends_at
    sqlite = engine.dialect.name == "sqlite"
    values = {
        "first": first.replace(tzinfo=None).isoformat(" ") if sqlite else first,
        "end": end.replace(tzinfo=None).isoformat(" ") if sqlite else end,
    }

    def run() -> None:
        with engine.connect() as connection:
            connection.execute(
                text(
                    "SELECT count(*) FROM referral"
                    " WHERE received_at >= :first AND received_at < :end"
                ),
                values,
            ).one()

    return run


def measure(engine: Engine, runs: int = RUNS) -> list[str]:
    """The service's figures beside their baselines, as printed rows."""
    rows = []
    floor = timed(one_pass(engine), runs)
    rows.append(row("baseline: one pass over 24 months of referrals", floor))
    for label, team_ids in scopes(engine):

        def service(team_ids: list[int] | None = team_ids) -> None:
            with read_session(engine) as session:
                monthly_trends(session=session, team_ids=team_ids, scope="bench")

        ms = timed(service, runs)
        raw = timed(raw_sql(engine, statements_of(engine, team_ids)), runs)
        rows.append(
            row(
                f"trends, {label}",
                ms,
                f"same SQL, bare driver {statistics.median(raw):7.1f} ms"
                f" ({statistics.median(ms) / statistics.median(raw):.2f}x)",
            )
        )
    months = last_months()
    for label, team_ids in (scopes(engine)[0], scopes(engine)[2]):
        for part in PARTS:

            def one_part(part: str = part, team_ids: list[int] | None = team_ids) -> None:
                with read_session(engine) as session:
                    part_values(
                        session=session,
                        part=part,
                        months=months,
                        team_ids=team_ids,
                        now=clock.now(),
                    )

            rows.append(row(f"  part {part}, {label}", timed(one_part, runs)))
    return rows


async def screen_figures(url: str, runs: int) -> list[str]:
    """The screen's figures, as printed rows (see the module's docstring, 3)."""
    from bench_tui import until
    from textual.widgets import OptionList

    from intapp.app import IntApp
    from intapp.screens.dashboard import DashboardScreen
    from intapp.screens.scope import ScopeScreen
    from intapp.screens.trends import TrendsScreen
    from intapp.widgets.trend_chart import CHARTS

    IntApp.ASK_WHO_I_AM = False
    figures: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        figures.setdefault(name, []).append(seconds * 1000)

    def shown(app: IntApp, everything: bool = False) -> Callable[[], bool]:
        def check() -> bool:
            screen = app.screen
            if not isinstance(screen, TrendsScreen):
                return False
            read = screen.parts_ready(screen.scope.team_ids)
            return read == set(PARTS) if everything else CHARTS[screen.chart_index].part in read

        return check

    async def one_run() -> None:
        app = IntApp(database_url=url)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await until(pilot, lambda: "…" not in str(app.screen.query_one("#awaiting").label))
            await pilot.pause(0.5)
            start = time.perf_counter()
            press = asyncio.ensure_future(pilot.press("g"))
            painted = await until(pilot, shown(app), start)
            everything = await until(pilot, shown(app, everything=True), start)
            await press
            add("screen: key g until the first chart is painted", painted)
            add("screen: key g until every chart is read", everything)
            # The first locality's first team, the locality, then the city (read before).
            for option, name in ((2, "a team"), (1, "a locality"), (0, "the city, read before")):
                await pilot.press("t")
                await until(
                    pilot,
                    lambda: (
                        isinstance(app.screen, ScopeScreen)
                        and app.screen.query_one(OptionList).option_count > 2
                    ),
                )
                app.screen.query_one(OptionList).highlighted = option
                start = time.perf_counter()
                press = asyncio.ensure_future(pilot.press("enter"))
                painted = await until(pilot, shown(app), start)
                everything = await until(pilot, shown(app, everything=True), start)
                await press
                add(f"screen: scope changed to {name}, chart painted", painted)
                if option:
                    add(f"screen: scope changed to {name}, every chart read", everything)

    for run in range(runs + 1):  # the first run warms the caches and is not counted
        await one_run()
        if run == 0:
            figures.clear()
    rows = []
    for name, ms in figures.items():
        target = PAINT_TARGET_MS if name.startswith("screen: key g until the first") else None
        if "chart painted" in name:
            target = SCOPE_TARGET_MS
        verdict = ""
        if target is not None:
            verdict = (
                f"target {target:.0f} ms: {'ok' if statistics.median(ms) <= target else 'OVER'}"
            )
        rows.append(row(name, ms, verdict))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--no-screen", action="store_true", help="leave out the screen (3)")
    parser.add_argument("--screen-only", action="store_true", help="only the screen (3)")
    args = parser.parse_args()
    engine, loaded = city_engine(args.database_url, args.people)
    print(f"database: {engine.url.render_as_string(hide_password=True)}, {loaded:,} people")
    if not args.screen_only:
        for line in measure(engine, args.runs):
            print(line)
    if not args.no_screen:
        for line in asyncio.run(screen_figures(str(engine.url), args.runs)):
            print(line)


if __name__ == "__main__":
    main()
