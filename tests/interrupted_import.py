"""Run `intapp` as a user would, with markers on stderr at the moments an import passes.

Used by test_import_interrupt.py, which sends Ctrl-C (SIGINT) when a marker shows:

    python interrupted_import.py PHASE [SECONDS] -- intapp arguments...

PHASE is writing (the import is writing rows, nothing committed), committing (the
commit is about to start), reporting (committed; the summary is about to be shown),
summarised (the summary has been shown; the command's last checks are about to run),
finished (the command is done; click has yet to close), or none. The process pauses
SECONDS at the marker, so the signal lands there.
"PHASE started" and "PHASE reporting" are always written, as the import command starts
and as it shows its summary. With INTAPP_TEST_PROGRESS=1 the progress bar is drawn as
on a terminal.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any


def _marked(name: str, pause: float, original: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        print(f"PHASE {name}", file=sys.stderr, flush=True)
        time.sleep(pause)
        return original(*args, **kwargs)

    return run


def main() -> None:
    separator = sys.argv.index("--")
    phase, *rest = sys.argv[1:separator]
    pause = float(rest[0]) if rest else 0.0
    from sqlmodel import Session

    from intapp import cli
    from intapp.cli import importing
    from intapp.services.importing import run

    def pause_at(name: str) -> float:
        return pause if phase == name else 0.0

    importing._import = _marked("started", 0.0, importing._import)  # type: ignore[assignment]
    summary = importing._show_summary
    importing._show_summary = _marked("reporting", pause_at("reporting"), summary)  # type: ignore[assignment]
    if phase == "summarised":
        importing._finish = _marked("summarised", pause, importing._finish)  # type: ignore[assignment]
    if phase == "writing":
        run._write_files = _marked("writing", pause, run._write_files)  # type: ignore[assignment]
    elif phase == "committing":
        Session.commit = _marked("committing", pause, Session.commit)  # type: ignore[method-assign]
    elif phase == "finished":
        leave = importing._Interrupts.__exit__

        def finished(self: Any, *exc: object) -> None:
            leave(self, *exc)
            print("PHASE finished", file=sys.stderr, flush=True)
            time.sleep(pause)

        importing._Interrupts.__exit__ = finished  # type: ignore[method-assign]
    if os.environ.get("INTAPP_TEST_PROGRESS") == "1":
        importing._stderr_is_terminal = lambda: True  # type: ignore[assignment]
    sys.argv = ["intapp", *sys.argv[separator + 1 :]]
    cli.run()


if __name__ == "__main__":
    main()
