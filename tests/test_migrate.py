"""The fast start-up check agrees with Alembic."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from intapp.store.migrate import alembic_config, current_revision, head_revision, upgrade


def test_head_read_from_the_files_is_alembics_head():
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_migrated_database_is_at_head(engine):
    assert current_revision(engine) == head_revision()


def test_upgrade_of_an_empty_file_reaches_head(tmp_path):
    from intapp.store.engine import create_db_engine

    engine = create_db_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
