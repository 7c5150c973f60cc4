"""`intapp import`: bring people, workers or referrals in from CSV or XLSX files."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from intapp.cli.context import Context, pass_context

if TYPE_CHECKING:
    from intapp.services.importing import ImportOutcome

KINDS = ("people", "workers", "referrals")
SHOWN_PROBLEMS = 50
# The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130
# Files with fewer rows than this finish before a progress bar would be any use.
PROGRESS_FROM_ROWS = 2_000

_EXISTING_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
_NEW_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS), metavar="KIND")
@click.argument("file", type=_EXISTING_FILE)
@click.option(
    "--people",
    "people_file",
    type=_EXISTING_FILE,
    help="With referrals: a people file imported first, in the same transaction, so "
    "referrals can be for people it brings in.",
)
@click.option("--dry-run", is_flag=True, help="Check and report what would happen; write nothing.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid rows and write the rejected ones, with a reason, to a rejects CSV.",
)
@click.option(
    "--rejects",
    "rejects_path",
    type=_NEW_FILE,
    help="Where --skip-invalid writes rejected rows. Default: FILE.rejects.csv beside FILE.",
)
@click.option(
    "--errors",
    "errors_path",
    type=_NEW_FILE,
    help=f"Write every problem to this CSV (the screen shows the first {SHOWN_PROBLEMS}).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@pass_context
def import_command(
    context: Context,
    kind: str,
    file: Path,
    people_file: Path | None,
    dry_run: bool,
    skip_invalid: bool,
    rejects_path: Path | None,
    errors_path: Path | None,
    quiet: bool,
) -> None:
    """Import people, workers or referrals from a CSV (UTF-8) or XLSX file.

    KIND is people, workers or referrals. Column headings are matched in any case;
    templates are in intapp/data/templates/ and every column is described in the README.
    Every row is checked before anything is written: by default one bad row means
    nothing is imported (exit code 1). Records already stored are matched (people on
    NHS number, else local id; workers on staff id; referrals on referral_ref) and
    updated, never duplicated, so importing the same file twice changes nothing.

    \b
    Examples:
      intapp import people people.csv
      intapp import people people.xlsx --dry-run
      intapp import workers staff.csv --skip-invalid --errors problems.csv
      intapp import referrals referrals.csv --people new-people.csv
    """
    if people_file is not None and kind != "referrals":
        raise click.UsageError("--people goes with `intapp import referrals`")
    commit = _Commit()
    with _Interrupts() as interrupts:
        try:
            _import(
                context,
                kind=kind,
                file=file,
                people_file=people_file,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                rejects_path=rejects_path,
                errors_path=errors_path,
                quiet=quiet,
                interrupts=interrupts,
                commit=commit,
            )
        except KeyboardInterrupt:
            # Later presses are ignored from here on (see _Interrupts), so this line
            # is always said, and the exit code is the shell's for Ctrl-C.
            click.echo(f"Interrupted: {commit.what_happened()}", err=True)
            raise click.exceptions.Exit(INTERRUPTED) from None


def _import(
    context: Context,
    *,
    kind: str,
    file: Path,
    people_file: Path | None,
    dry_run: bool,
    skip_invalid: bool,
    rejects_path: Path | None,
    errors_path: Path | None,
    quiet: bool,
    interrupts: _Interrupts,
    commit: _Commit,
) -> None:
    """The import itself; `commit` records the moment it is committed."""
    from rich.console import Console

    from intapp.services.importing import SourceFile, import_records
    from intapp.store.engine import read_session, refresh_statistics, unit_of_work

    source = SourceFile.from_path(file)
    people = SourceFile.from_path(people_file) if people_file is not None else None
    engine = context.engine(sound=True)
    session_for = read_session if dry_run else unit_of_work
    progress = _Progress(enabled=not quiet and _stderr_is_terminal())
    try:
        with progress, session_for(engine) as session:
            outcome = import_records(
                session=session,
                user=context.user,
                kind=kind,
                source=source,
                people=people,
                skip_invalid=skip_invalid,
                dry_run=dry_run,
                progress=progress,
            )
            # From here the commit, as the block ends, runs to its end whatever is
            # pressed: then what happened is known, not guessed.
            interrupts.hold()
    except BaseException:
        interrupts.release(raise_held=False)
        raise
    if outcome.written:
        commit.done(outcome)
    interrupts.release()
    console = Console(highlight=False)
    _show_problems(outcome)
    if errors_path is not None:
        from intapp.services.importing import write_problems

        count = write_problems(outcome.problems, errors_path)
        click.echo(f"{count} problem(s) written to {errors_path}")
    if outcome.written and skip_invalid:
        _write_rejects(outcome, [(file, source, rejects_path), (people_file, people, None)])
    _show_summary(console, outcome)
    # What happened has been said: a press from here on changes nothing. Marked here,
    # inside the command's `try`, since a press landing between the return and the
    # `with` block's exit would escape it and be reported by click as "Aborted!".
    interrupts.finished = True
    if outcome.written:
        refresh_statistics(engine)
    _finish(outcome, skip_invalid=skip_invalid)


class _Commit:
    """Whether the import's transaction was committed, and what it held."""

    def __init__(self) -> None:
        self.created = 0
        self.updated = 0
        self.committed = False

    def done(self, outcome: ImportOutcome) -> None:
        self.created = sum(f.created for f in outcome.files)
        self.updated = sum(f.updated for f in outcome.files)
        self.committed = True

    def what_happened(self) -> str:
        if not self.committed:
            return "nothing was imported."
        rows = self.created + self.updated
        return (
            f"the import had already been committed: {rows:,} rows "
            f"({self.created:,} created, {self.updated:,} updated)."
        )


class _Interrupts:
    """Ctrl-C during an import, made to tell the truth.

    The first press stops the import (as KeyboardInterrupt) unless a commit is under
    way, when it is held until the commit has finished. Later presses are ignored, so
    the rollback, the closing of the session and the message saying which of the two
    happened are never cut short. So are presses once the command has finished, until
    click has closed its context: click would otherwise report one as "Aborted!" with
    exit code 1, after the import had been committed and its summary shown.
    """

    def __init__(self) -> None:
        self.stopping = False
        self.finished = False
        self.holding = False
        self.held = False
        self.previous: Any = None

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is not threading.main_thread():
            return self  # only the main thread may handle signals
        self.previous = signal.signal(signal.SIGINT, self._pressed)
        context = click.get_current_context(silent=True)
        if context is not None:
            context.find_root().call_on_close(self._restore)
        return self

    def __exit__(self, *exc: object) -> None:
        self.finished = True
        if click.get_current_context(silent=True) is None:
            self._restore()

    def _restore(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None

    def _pressed(self, _signum: int, _frame: object) -> None:
        if self.stopping or self.finished:
            return
        if self.holding:
            self.held = True
            return
        self.stopping = True
        raise KeyboardInterrupt

    def hold(self) -> None:
        """Hold Ctrl-C until `release`."""
        self.holding = True

    def release(self, *, raise_held: bool = True) -> None:
        """Stop holding; a press held meanwhile stops the command now."""
        self.holding = False
        if self.held and raise_held and not self.stopping:
            self.stopping = True
            raise KeyboardInterrupt


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _show_problems(outcome: ImportOutcome) -> None:
    problems = outcome.problems
    for p in problems[:SHOWN_PROBLEMS]:
        where = f"{p.file} line {p.line}" + (f", {p.column}" if p.column else "")
        click.echo(f"{where}: {p.reason}", err=True)
    if len(problems) > SHOWN_PROBLEMS:
        click.echo(
            f"… and {len(problems) - SHOWN_PROBLEMS} more; use --errors FILE to see them all",
            err=True,
        )


def _write_rejects(outcome: ImportOutcome, files: list[tuple[Any, Any, Path | None]]) -> None:
    from intapp.services.importing import write_rejects

    by_name = {f.file_name: f for f in outcome.files}
    for path, source, chosen in files:
        if path is None or source is None:
            continue
        result = by_name[source.name]
        if not result.rejected:
            continue
        target = chosen or path.with_name(f"{path.name}.rejects.csv")
        count = write_rejects(source, result.problems, target)
        click.echo(f"{count} rejected row(s) written to {target}")


def _show_summary(console: Any, outcome: ImportOutcome) -> None:
    from rich.table import Table

    from intapp.services.importing import summary_columns, summary_counts, summary_line

    if outcome.dry_run:
        title = "Dry run: nothing was written"
    elif outcome.written:
        title = "Imported"
    else:
        title = "Nothing was imported"
    table = Table(title=title)
    table.add_column("file")
    table.add_column("kind")
    for heading in summary_columns(outcome):
        table.add_column(heading, justify="right")
    for f in outcome.files:
        table.add_row(f.file_name, f.kind, *(f"{n:,}" for n in summary_counts(outcome, f)))
    console.print(table)
    # The same in one line per file, for scripts and logs.
    for f in outcome.files:
        click.echo(summary_line(outcome, f))


def _finish(outcome: ImportOutcome, *, skip_invalid: bool) -> None:
    unreadable = [f for f in outcome.files if f.unreadable]
    if unreadable:
        raise click.ClickException(
            f"{unreadable[0].file_name} cannot be imported as it is (see above); "
            "nothing was imported"
        )
    problems = len(outcome.problems)
    if problems and not skip_invalid:
        rows = sum(f.rejected for f in outcome.files)
        raise click.ClickException(
            f"{problems} problem(s) in {rows} row(s); nothing was imported. Correct them, "
            "or use --skip-invalid to import the valid rows."
        )


class _Progress:
    """A rich progress bar on stderr, one task per stage, that the import service drives."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if done >= total and total < PROGRESS_FROM_ROWS:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=False)
            self.bar.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total or None)
        self.bar.update(self.tasks[stage], completed=done, total=max(total, done) or None)
