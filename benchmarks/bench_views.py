"""What recording views costs: each figure beside its baseline, taken in the same run.

Usage:
    python benchmarks/bench_views.py [--database-url URL] [--people 20000] [--runs 20]

Without --database-url it uses (and, once, builds) benchmarks/.data/city-PEOPLE.sqlite3.
Three figures, medians and 95th percentiles in milliseconds:

1. Opening a person record in the app, from the push until the record is painted, with
   views recorded (queued, written by the background recorder) and without (the
   recorder swapped for one that drops them). The opens alternate, on the same people.
   "back to back" opens the next record at once, while the last view may be being
   written; "paused" waits for the write first.
2. Reading a record as the record screen does, in a read-only session (the baseline),
   against doing it in a write transaction that also records the view: the "same
   transaction" design, which the app does not use.
3. The recorder's write of a batch of 1 and of 20 views: the work moved off the screen.

And first what a screen pays on the event loop to queue a view (per 1,000 views).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench_tui import until
from city import city_engine
from sqlalchemy import Engine, text

RUNS = 20


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"{label:58} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ms)})"


def people_with_history(engine: Engine, n: int) -> list[int]:
    with engine.connect() as connection:
        ids = connection.execute(
            text(
                "SELECT DISTINCT person_id FROM referral JOIN person ON person.id = person_id"
                " WHERE person.merged_into_id IS NULL"
            )
        ).scalars()
        found = list(ids)
    return random.Random(7).sample(found, min(n, len(found)))


class DroppedViews:
    """A recorder that records nothing: the baseline."""

    written = 0

    def add(self, view: Any) -> None:
        pass

    def flush(self) -> bool:
        return True

    def close(self, timeout: float = 5.0) -> None:
        pass


async def record_opens(url: str, people: list[int]) -> dict[str, list[float]]:
    from intapp.app import IntApp
    from intapp.screens.person import PersonScreen

    IntApp.ASK_WHO_I_AM = False
    app = IntApp(database_url=url, user="bench")
    recorder = app.views
    figures: dict[str, list[float]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.screen.__class__.__name__ == "DashboardScreen")
        if app.warming_up is not None:
            while not app.warming_up.is_finished:
                await asyncio.sleep(0.01)

        async def open_record(person_id: int) -> float:
            start = time.perf_counter()
            app.push_screen(PersonScreen(person_id=person_id))
            seconds = await until(
                pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.record, start
            )
            app.pop_screen()
            await until(pilot, lambda: not isinstance(app.screen, PersonScreen))
            return seconds

        await open_record(people[0])  # the screen's code loaded and styled once
        for pause in (True, False):
            how = "paused" if pause else "back to back"
            for person_id in people:
                for recording in (True, False):
                    app.views = recorder if recording else DroppedViews()  # type: ignore[assignment]
                    seconds = await open_record(person_id)
                    label = f"open a record, {how}, " + ("with views" if recording else "baseline")
                    figures.setdefault(label, []).append(seconds)
                    if pause:
                        await asyncio.sleep(0.4)  # the view written, before the next open
        app.views = recorder
        recorder.flush()
        figures["(views written by the recorder)"] = [recorder.written / 1000]
    return figures


def read_vs_same_transaction(engine: Engine, people: list[int]) -> dict[str, list[float]]:
    from intapp.services.person_record import open_person_record
    from intapp.services.views import record_view
    from intapp.store.engine import read_session, unit_of_work

    figures: dict[str, list[float]] = {}

    def timed(label: str, run: Callable[[], object]) -> None:
        start = time.perf_counter()
        run()
        figures.setdefault(label, []).append(time.perf_counter() - start)

    for person_id in people:

        def read(person_id: int = person_id) -> None:
            with read_session(engine) as session:
                open_person_record(session=session, person_id=person_id, timeline_limit=40)

        def read_and_record(person_id: int = person_id) -> None:
            with unit_of_work(engine) as session:
                open_person_record(session=session, person_id=person_id, timeline_limit=40)
                record_view(
                    session=session,
                    user="bench",
                    entity="person",
                    entity_id=person_id,
                    person_id=person_id,
                )

        timed("read a record, read-only session (baseline)", read)
        timed("read a record and record the view in one transaction", read_and_record)
    return figures


def recorder_writes(engine: Engine, people: list[int]) -> dict[str, list[float]]:
    from intapp.services.views import View, ViewRecorder, page_details
    from intapp.store.engine import unit_of_work

    def write(work: Any) -> None:
        with unit_of_work(engine) as session:
            work(session)

    recorder = ViewRecorder(write, delay=3600)  # flushed here, by hand
    figures: dict[str, list[float]] = {}
    for batch in (1, 20):
        for person_id in people:
            for n in range(batch):
                if n % 2:
                    details = page_details(1, people[:25], teams=None)
                    recorder.add(View("bench", "queue", "awaiting_triage", details=details))
                else:
                    recorder.add(View("bench", "person", person_id, person_id=person_id))
            start = time.perf_counter()
            assert recorder.flush()
            figures.setdefault(f"recorder writes a batch of {batch} view(s)", []).append(
                time.perf_counter() - start
            )
    recorder.close()
    return figures


def queueing(people: list[int]) -> dict[str, list[float]]:
    """What a screen pays to record a view: building it and queueing it, on the loop."""
    from intapp.services.views import View, ViewRecorder, page_details

    recorder = ViewRecorder(lambda work: None, delay=3600)
    figures: dict[str, list[float]] = {}
    for person_id in people:
        start = time.perf_counter()
        for _ in range(100):
            recorder.add(View("bench", "person", person_id, person_id=person_id))
            recorder.add(
                View("bench", "queue", "awaiting_triage", details=page_details(1, people[:25]))
            )
        figures.setdefault("queue a view on the event loop (per 1,000)", []).append(
            (time.perf_counter() - start) * 5
        )
        recorder.flush()
    recorder.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    engine, loaded = city_engine(args.database_url, args.people)
    url = engine.url.render_as_string(hide_password=False)
    print(f"{engine.dialect.name}, {loaded:,} people, {args.runs} records")
    people = people_with_history(engine, args.runs)
    figures = queueing(people)
    figures |= asyncio.run(record_opens(url, people))
    figures |= read_vs_same_transaction(engine, people)
    figures |= recorder_writes(engine, people)
    for label, seconds in figures.items():
        if label.startswith("("):
            print(f"{label:58} {seconds[0] * 1000:.0f}")
        else:
            print(summary(label, seconds))


if __name__ == "__main__":
    main()
