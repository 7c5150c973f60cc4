"""The demo's case notes: on every kind of case, by its worker, never out of its time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from intapp import clock
from intapp.config import load_settings
from intapp.demo import DemoCounts, load_demo
from intapp.models import (
    Allocation,
    CaseNote,
    CaseNoteAddendum,
    Person,
    ReablementEpisode,
    Referral,
    Worker,
)
from intapp.services.case_notes import add_addendum, write_note
from intapp.store.engine import create_db_engine
from intapp.store.migrate import upgrade

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PEOPLE = 800


def _rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        table = model.__table__
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoCounts]]:
    """One small demo city, loaded once for the read-only tests in this module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        load_settings.cache_clear()
        clock.freeze(NOW)
        try:
            engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'd.sqlite3'}")
            upgrade(engine)
            counts = load_demo(engine=engine, people=PEOPLE, seed=1)
        finally:
            clock.freeze(None)
            load_settings.cache_clear()
    yield engine, counts
    engine.dispose()


def test_cases_have_a_few_notes_of_realistic_kinds(demo: tuple[Engine, DemoCounts]) -> None:
    engine, counts = demo
    notes = _rows(engine, CaseNote)
    allocations = _rows(engine, Allocation)
    assert len(notes) == counts.notes and len(allocations) * 1.5 <= len(notes)
    kinds = Counter(n["kind"] for n in notes)
    assert kinds.most_common(2)[0][0] in {"home_visit", "phone_call"}
    assert {"mdt_meeting", "letter", "email"} <= set(kinds)
    assert 0.05 <= sum(n["significant"] for n in notes) / len(notes) <= 0.16
    assert any("\n" in n["text"] for n in notes)
    assert any(n["episode_id"] is not None for n in notes)
    addenda = _rows(engine, CaseNoteAddendum)
    assert 0.02 * len(notes) <= len(addenda) <= 0.09 * len(notes)
    by_id = {n["id"]: n for n in notes}
    assert all(a["written_at"] >= by_id[a["note_id"]]["written_at"] for a in addenda)
    assert all(a["written_at"] <= NOW for a in addenda)


def test_notes_keep_to_their_case_and_worker(demo: tuple[Engine, DemoCounts]) -> None:
    engine, _ = demo
    referrals = {r["id"]: r for r in _rows(engine, Referral)}
    episodes = {e["id"]: e for e in _rows(engine, ReablementEpisode)}
    emails = {w["id"]: w["email"] for w in _rows(engine, Worker)}
    spans: dict[int, list[tuple[datetime, datetime, int]]] = {}
    for a in _rows(engine, Allocation):
        spans.setdefault(a["referral_id"], []).append(
            (a["started_at"], a["ended_at"] or NOW, a["worker_id"])
        )
    authors: dict[int, set[str]] = {}
    for note in _rows(engine, CaseNote):
        assert referrals[note["referral_id"]]["person_id"] == note["person_id"]
        assert note["contact_at"] <= note["written_at"] <= NOW
        assert note["written_at"] - note["contact_at"] < timedelta(days=2)
        held = [
            w for start, end, w in spans[note["referral_id"]] if start <= note["contact_at"] <= end
        ]
        assert held, note
        authors.setdefault(held[-1], set()).add(note["author"])
        if note["episode_id"] is not None:
            episode = episodes[note["episode_id"]]
            assert episode["referral_id"] == note["referral_id"]
            assert episode["start_date"] <= note["contact_at"].date()
    # Each worker writes under one username, the one their email address starts with.
    assert all(len(names) == 1 for names in authors.values())
    assert len({next(iter(names)) for names in authors.values()}) == len(authors)
    for worker, names in authors.items():
        assert emails[worker] is None or emails[worker] == f"{next(iter(names))}@nhs.example"


def test_notes_stop_when_the_person_died(demo: tuple[Engine, DemoCounts]) -> None:
    """A case that closed on the death ends with the call that told us, and nothing after."""
    engine, _ = demo
    died = {p["id"]: p["date_of_death"] for p in _rows(engine, Person) if p["date_of_death"]}
    last: dict[int, dict[str, Any]] = {}
    for note in _rows(engine, CaseNote):
        if note["person_id"] in died:
            assert note["contact_at"].date() <= died[note["person_id"]]
            if note["contact_at"] >= last.get(note["person_id"], note)["contact_at"]:
                last[note["person_id"]] = note
        else:
            assert "Case closed." not in note["text"]
    closed_on_death = {
        a["person_id"]
        for a in _rows(engine, Allocation)
        if a["ended_at"] and a["ended_at"].date() == died.get(a["person_id"])
    }
    assert closed_on_death
    for person_id, note in last.items():
        told = "Case closed." in note["text"]
        assert told == (person_id in closed_on_death), note


def test_same_seed_gives_the_same_notes(tmp_path: Path) -> None:
    engines = []
    for name in ("a", "b"):
        engine = create_db_engine(f"sqlite:///{tmp_path / name}.sqlite3")
        upgrade(engine)
        load_demo(engine=engine, people=60, seed=5)
        engines.append(engine)
    assert _rows(engines[0], CaseNote) == _rows(engines[1], CaseNote) != []
    assert _rows(engines[0], CaseNoteAddendum) == _rows(engines[1], CaseNoteAddendum)
    for engine in engines:
        engine.dispose()


def test_the_app_adds_notes_after_the_demo(engine: Engine) -> None:
    """On both databases a new note and addendum take the next ids, past the demo's."""
    counts = load_demo(engine=engine, people=120, seed=3)
    assert counts.notes > 0 and counts.addenda > 0
    with Session(engine) as session:
        view = write_note(
            session=session,
            user="asmith",
            person_id=1,
            kind="phone_call",
            contact_with="person",
            contact_at=clock.now() - timedelta(hours=1),
            text="Rang you to check the new visit times suit you.",
        )
        assert view.id == counts.notes + 1
        view = add_addendum(session=session, user="asmith", note_id=1, text="Correction: Tuesday.")
        session.commit()
        assert max(a.id for a in view.addenda) == counts.addenda + 1
