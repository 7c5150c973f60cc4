"""The demo generator keeps no copies of the domain rules: it calls the services' own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from intapp.demo import load_demo
from intapp.models import Person, ReablementEpisode, Referral
from intapp.services import reablement


def _rows(engine: Engine, model) -> list[dict]:
    with engine.connect() as conn:
        table = model.__table__
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]


def test_the_demo_follows_the_configured_rules(
    sqlite_engine: Engine, write_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(
        "[response_targets_hours]\nroutine = 100\nsoon = 30\n"
        "[reablement]\nfollowup_days = 84\n"
        "[settings]\nrereferral_window_days = 400\n"
    )
    # A rule changed in the service shows in the demo only if the demo asks the service.
    outcomes = reablement.NO_FOLLOWUP_OUTCOMES | {"early_cessation_declined"}
    monkeypatch.setattr(reablement, "NO_FOLLOWUP_OUTCOMES", outcomes)
    load_demo(engine=sqlite_engine, people=400, seed=3)

    targets = {"urgent": 2, "medically_optimised": 4, "discharge_or_falls": 24}
    targets |= {"soon": 30, "routine": 100}
    referrals = _rows(sqlite_engine, Referral)
    for r in referrals:
        assert r["due_by"] - r["received_at"] == timedelta(hours=targets[r["priority"]])
    last_closed: dict[int, object] = {}
    flagged_late = 0
    for r in sorted(referrals, key=lambda r: (r["person_id"], r["received_at"])):
        closed = last_closed.get(r["person_id"])
        gap = None if closed is None else r["received_at"] - closed
        assert r["is_rereferral"] == (gap is not None and gap <= timedelta(days=400))
        flagged_late += gap is not None and timedelta(days=183) < gap <= timedelta(days=400)
        if r["closed_at"] is not None:
            last_closed[r["person_id"]] = r["closed_at"]
    assert flagged_late > 0, "no re-referral fell between the default and the set window"

    ended = [e for e in _rows(sqlite_engine, ReablementEpisode) if e["state"] == "ended"]
    dead = {p["id"] for p in _rows(sqlite_engine, Person) if p["date_of_death"] is not None}
    assert {e["outcome"] for e in ended} >= {"early_cessation_declined", "no_ongoing_support"}
    for e in ended:
        if e["outcome"] in outcomes:
            assert e["followup_due"] is None, e["outcome"]
        elif e["followup_due"] is not None or e["person_id"] not in dead:
            # Only recording a death cancels a follow-up.
            assert e["followup_due"] == e["ended_on"] + timedelta(days=84)
