"""A writer process for the backup test: adds people through the service, one audited
transaction each, until told to stop. Run as `python backup_writer.py URL NAME STOP`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from intapp.services.people import PersonIn, create_person
from intapp.store.engine import create_db_engine, unit_of_work


def main(url: str, name: str, stop: Path) -> None:
    engine = create_db_engine(url)
    n = 0
    while not stop.exists() and n < 2000:
        with unit_of_work(engine) as session:
            create_person(
                session=session,
                user=name,
                person_in=PersonIn(
                    given_name="Writer",
                    family_name=f"{name} {n}",
                    date_of_birth=date(1950, 1, 1),
                    team_id=1,
                    local_id=f"{name}-{n}",
                ),
            )
        n += 1
    print(n)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
