"""One person's case notes for a period, with their addenda, as Markdown or CSV.

The file is private (0600), its cells cannot run as spreadsheet formulas, and the
export is audited, as for the weekly summary (whose writers these reuse).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session

from intapp import paths
from intapp.access import require_for
from intapp.clock import LOCAL_TZ
from intapp.codes import code_label
from intapp.formatting import markdown_escaped, uk_date, uk_datetime
from intapp.services import audit
from intapp.services.case_notes import NoteView, contact_words, person_notes
from intapp.services.errors import InvalidInput
from intapp.services.people import person_by_identifier
from intapp.services.weekly_summary.cells import spreadsheet_safe

FORMATS = ("md", "csv")
CSV_HEADER = (
    "entry",
    "note",
    "contact at",
    "kind",
    "with",
    "case",
    "significant",
    "written by",
    "written at",
    "text",
)
# Starts of a line that Markdown would read as a heading, quote, list or rule.
_BLOCK_STARTS = ("#", ">", "-", "+", "=", "*")


@dataclass(frozen=True)
class NotesExport:
    """What was exported: whose notes, how many, for which days."""

    person_id: int
    name: str
    notes: int
    first_day: date | None
    last_day: date | None
    data: bytes


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def export_notes(
    *,
    session: Session,
    user: str,
    identifier: str,
    first_day: date | None,
    last_day: date | None,
    fmt: str,
    path: Path,
) -> NotesExport:
    """Save the notes of the person with this NHS number (or local id) whose contact fell
    on `first_day` to `last_day` (UK dates, both included; open-ended when None) to
    `path`, and audit the export in the caller's transaction (flushed before the file is
    written). The folder must exist: it is not created."""
    require_for(session, "export_notes")
    if fmt not in FORMATS:
        raise InvalidInput(f"Format must be one of: {', '.join(FORMATS)}", field="format")
    if first_day and last_day and first_day > last_day:
        raise InvalidInput(
            f"The period starts ({uk_date(first_day)}) after it ends ({uk_date(last_day)})",
            field="from",
        )
    if not path.parent.is_dir():
        raise InvalidInput(
            f"There is no folder {path.parent}: create it first, or save the notes elsewhere",
            field="output",
        )
    person = person_by_identifier(session=session, identifier=identifier, field="nhs_number")
    assert person.id is not None
    notes = person_notes(
        session=session,
        person_id=person.id,
        start=_uk_midnight(first_day) if first_day else None,
        end=_uk_midnight(last_day + timedelta(days=1)) if last_day else None,
        newest_first=False,
    )
    name = person.display_name
    period = f"{uk_date(first_day) if first_day else 'the first note'} to " + (
        uk_date(last_day) if last_day else "the last"
    )
    data = (
        render_markdown(name, period, notes).encode("utf-8")
        if fmt == "md"
        else render_csv(notes).encode("utf-8-sig")
    )
    audit.record(
        session=session,
        user=user,
        entity="case_notes",
        entity_id=person.id,
        action="export",
        changes={
            "from": first_day.isoformat() if first_day else None,
            "to": last_day.isoformat() if last_day else None,
            "format": fmt,
            "notes": len(notes),
            "saved_as": path.name,
        },
    )
    # Recorded before the file is written: an export the trail cannot hold is not made.
    # The caller removes the file if its transaction then fails (as `intapp export notes` does).
    session.flush()
    paths.create_private_file(path)
    path.write_bytes(data)
    return NotesExport(person.id, name, len(notes), first_day, last_day, data)


def render_csv(notes: list[NoteView]) -> str:
    """A row per note, each followed by a row per addendum; text cells neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for n in notes:
        cells = [
            "note",
            n.id,
            uk_datetime(n.contact_at),
            code_label(n.kind),
            code_label(n.contact_with),
            n.referral_reference or "",
            "yes" if n.significant else "no",
            n.author,
            uk_datetime(n.written_at),
            n.text,
        ]
        writer.writerow([spreadsheet_safe(c) if isinstance(c, str) else c for c in cells])
        for a in n.addenda:
            cells = ["addendum", n.id, "", "", "", "", "", a.author, uk_datetime(a.written_at)]
            cells.append(a.text)
            writer.writerow([spreadsheet_safe(c) if isinstance(c, str) else c for c in cells])
    return out.getvalue()


def _markdown_lines(text: str) -> str:
    """Text kept line by line (hard breaks), each line reading as itself."""
    lines = []
    for line in text.splitlines():
        shown = markdown_escaped(line)
        lines.append("\\" + shown if shown.startswith(_BLOCK_STARTS) else shown)
    return "  \n".join(lines)


def render_markdown(name: str, period: str, notes: list[NoteView]) -> str:
    """A heading per note (oldest first), its text, and its addenda beneath."""
    parts = [f"# Case notes: {markdown_escaped(name)}", "", f"{period} · {len(notes)} notes", ""]
    for n in notes:
        flags = " · **significant**" if n.significant else ""
        case = f" · case {markdown_escaped(n.referral_reference)}" if n.referral_reference else ""
        parts += [
            f"## {uk_datetime(n.contact_at)} · {code_label(n.kind)} with "
            f"{contact_words(n.contact_with)}{flags}{case}",
            "",
            f"Written by {markdown_escaped(n.author)} on {uk_datetime(n.written_at)}",
            "",
            _markdown_lines(n.text),
            "",
        ]
        for a in n.addenda:
            parts += [
                f"**Addendum** by {markdown_escaped(a.author)} on {uk_datetime(a.written_at)}",
                "",
                _markdown_lines(a.text),
                "",
            ]
    return "\n".join(parts)
