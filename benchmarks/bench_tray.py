"""The work tray on the city: opened (f2) for the busiest key worker and for the
coordinator of the busiest team, each beside the opening of the same worker's caseload
in the same run (`bench_tui.py` prints both).

"me" is set in a private config file for the run (`XDG_CONFIG_HOME` points to a
temporary folder), never in the user's own.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

from sqlalchemy import text


def tray_workers(url: str) -> list[tuple[str, str, int, int]]:
    """(label, staff id, team id, worker id) of the worker with the most open actions and reviews
    due, and of the coordinator of the team with most referrals awaiting triage."""
    from intapp.store.engine import create_db_engine, read_session

    with read_session(create_db_engine(url)) as session:
        busy = session.execute(
            text(
                "SELECT worker.staff_id, worker.team_id, worker.id FROM worker"
                " JOIN (SELECT worker_id, count(*) AS n FROM plan_action"
                " WHERE status = 'open' GROUP BY worker_id) AS a ON a.worker_id = worker.id"
                " JOIN (SELECT lead_worker_id, count(*) AS n FROM care_plan"
                " WHERE closed_at IS NULL GROUP BY lead_worker_id) AS p"
                " ON p.lead_worker_id = worker.id"
                " WHERE worker.active ORDER BY a.n + p.n DESC, worker.id LIMIT 1"
            )
        ).one()
        coordinator = session.execute(
            text(
                "SELECT worker.staff_id, worker.team_id, worker.id FROM worker"
                " JOIN (SELECT team_id, count(*) AS n FROM referral"
                " WHERE status IN ('received', 'transfer') GROUP BY team_id) AS q"
                " ON q.team_id = worker.team_id"
                " WHERE worker.active AND worker.profession = 'care_coordinator'"
                " ORDER BY q.n DESC, worker.id LIMIT 1"
            )
        ).one()
    return [
        ("busiest key worker", busy[0], busy[1], busy[2]),
        ("coordinator of the busiest queue", coordinator[0], coordinator[1], coordinator[2]),
    ]


async def tray_figures(
    url: str,
    add: Callable[[str, float], None],
    until: Callable[..., Any],
    after_key: Callable[..., Any],
) -> None:
    """Time the tray and, as the baseline, the caseload screen, for each worker."""
    from intapp.config import load_settings, write_setting
    from intapp.services.caseloads import team_board
    from intapp.store.engine import create_db_engine, read_session

    workers = tray_workers(url)
    with tempfile.TemporaryDirectory() as config_home:
        before = os.environ.get("XDG_CONFIG_HOME")
        os.environ["XDG_CONFIG_HOME"] = config_home
        try:
            for label, staff_id, team_id, worker_id in workers:
                with read_session(create_db_engine(url)) as session:
                    load = next(
                        w
                        for w in team_board(session=session, team_id=team_id)
                        if w.worker_id == worker_id
                    )
                write_setting("me", staff_id)
                await _one_worker(url, label, load, add, until, after_key)
        finally:
            if before is None:
                os.environ.pop("XDG_CONFIG_HOME", None)
            else:
                os.environ["XDG_CONFIG_HOME"] = before
            load_settings.cache_clear()


async def _one_worker(
    url: str,
    label: str,
    load: Any,
    add: Callable[[str, float], None],
    until: Callable[..., Any],
    after_key: Callable[..., Any],
) -> None:
    from intapp.app import IntApp
    from intapp.screens.caseload import CaseloadScreen
    from intapp.screens.dashboard import DashboardScreen
    from intapp.screens.work_tray import WorkTrayScreen

    app = IntApp(database_url=url)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await until(pilot, lambda: app.warming_up is not None)
        assert app.warming_up is not None
        await app.warming_up.wait()
        app.push_screen(CaseloadScreen(worker=load))
        add(
            f"baseline: open the caseload, {label}",
            await until(pilot, lambda: isinstance(app.screen, CaseloadScreen) and app.screen.rows),
        )
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        add(
            f"the work tray opens, {label}",
            await after_key(
                pilot, "f2", lambda: isinstance(app.screen, WorkTrayScreen) and app.screen.rows
            ),
        )
