"""The triage queue: referrals awaiting triage, soonest deadline first, a page at a time.

Plain SQL (`plain_sql`), like the dashboard's figures: the queue is the list a coordinator
opens first, often before SQLAlchemy has finished loading, so on the embedded SQLite store
it is read with the standard library's sqlite3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from intapp import clock
from intapp.codes import ReferralStatus, TransferState
from intapp.formatting import deceased_marked
from intapp.services.alert_badges import open_alert_badges
from intapp.services.forecast import forecast
from intapp.services.transfer_marks import TransferMark, transfer_marks
from intapp.services.worklists import tiles
from intapp.store.paging import Cursor, Page
from intapp.store.plain_sql import (
    PlainSQL,
    contains,
    contains_pattern,
    stored_datetime,
    through_session,
)

if TYPE_CHECKING:
    from sqlmodel import Session

# The columns a typed word is looked for in.
SEARCHED = ("person.family_name", "person.given_name", "referral.reason", "referral.reference")


@dataclass(frozen=True)
class QueueItem:
    """One row of the triage queue."""

    referral_id: int
    reference: str
    person_id: int
    person_name: str
    nhs_number: str | None
    received_at: datetime
    source: str
    reason: str
    priority: str
    due_by: datetime
    is_rereferral: bool
    overdue: bool
    version: int
    transfer: TransferMark | None = None
    """A transfer waiting for this team's accept or return, or one returned to it."""
    alerts: tuple[str, ...] = ()
    """The badges of the person's open alerts, most pressing first."""
    likely_breach: str | None = None
    """The horizon ("24 h", "7 days") the breach forecast says it will miss its deadline
    within, or None (`services.forecast`)."""

    @property
    def is_transfer(self) -> bool:
        """Transferred in and waiting for accept or return, not for triage."""
        return self.transfer is not None and self.transfer.state == TransferState.PENDING


def triage_queue(
    *,
    session: Session,
    team_ids: list[int] | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
    text: str = "",
) -> list[QueueItem]:
    """Referrals awaiting triage, soonest deadline first; `after` is the keyset cursor.

    `team_ids` None means the whole city; `text` keeps rows whose person, reason or
    reference contain every word. Pass the last row's ``(due_by, referral_id)``
    as `after` for the next page, so page 500 costs what page 1 does.
    """
    page = queue_page(
        through_session(session), team_ids=team_ids, after=after, limit=limit, text=text
    )
    return page.rows


# The dashboard figures the queue can show: all awaiting triage, or one tile's part.
QUEUE_TILES = ("awaiting_triage", "triage_overdue", "due_next_24h")

COLUMNS = (
    "referral.id, referral.reference, person.id, person.given_name,"
    " person.family_name, person.nhs_number, referral.received_at, referral.source,"
    " referral.reason, referral.priority, referral.due_by, referral.is_rereferral,"
    " referral.version, referral.status, person.date_of_death"
)


def queue_page(
    db: PlainSQL,
    *,
    team_ids: list[int] | None = None,
    tile: str = "awaiting_triage",
    after: Cursor | None = None,
    limit: int = 50,
    text: str = "",
    count: bool = True,
) -> Page[QueueItem]:
    """A page of the queue through `db` (a Session's connection, or sqlite3), and how many
    referrals the whole (filtered) queue holds.

    `tile` names the dashboard figure whose rows to list (`QUEUE_TILES`): the same
    definition the figure counts.
    """
    if tile not in QUEUE_TILES:
        raise ValueError(f"the queue lists {', '.join(QUEUE_TILES)}, not {tile!r}")
    rows = tiles(team_ids)[tile].rows
    for i, word in enumerate(text.split()):
        rows = rows.narrowed(
            " OR ".join(contains(column, f"word_{i}") for column in SEARCHED),
            {f"word_{i}": contains_pattern(word)},
            reads_joined=True,
        )
    now = clock.now()
    items = []
    found = rows.page(db, COLUMNS, after=after, limit=limit)
    marks = transfer_marks(db, [row[0] for row in found])
    badges = open_alert_badges(db, [row[2] for row in found])
    # Overdue ones are breaches already, never forecast: that list has nothing to mark.
    marking = found and tile != "triage_overdue"
    likely = forecast(db, team_ids=team_ids, now=now).likely if marking else {}
    for row in found:
        due_by = stored_datetime(row[10])
        in_transfer = row[13] == ReferralStatus.TRANSFER
        mark = marks.get(row[0])
        if mark is not None and mark.state == TransferState.ACCEPTED:
            mark = None  # taken in long ago: an ordinary referral of this team now
        items.append(
            QueueItem(
                referral_id=row[0],
                reference=row[1],
                person_id=row[2],
                # A death learnt from an import closes nothing by itself: mark it here.
                person_name=deceased_marked(f"{row[3]} {row[4]}", row[14]),
                nhs_number=row[5],
                received_at=stored_datetime(row[6]),
                source=row[7],
                reason=row[8],
                priority=row[9],
                due_by=due_by,
                is_rereferral=bool(row[11]),
                # A transfer's deadline was its first team's; the decision is this one's.
                overdue=due_by < now and not in_transfer,
                version=row[12],
                transfer=mark,
                alerts=badges.get(row[2], ()),
                likely_breach=likely[row[0]].within(now) if row[0] in likely else None,
            )
        )
    return Page(items, rows.count(db) if count else None)


def queue_cursor(item: QueueItem) -> Cursor:
    """Where the page after `item` starts."""
    return (item.due_by, item.referral_id)
