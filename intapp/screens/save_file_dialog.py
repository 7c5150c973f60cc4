"""Choose a file's format and where to save it: the weekly summary and the person's copy
of their plan are both saved through this dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from intapp.screens.episode_dialogs import FormDialog


class SaveFileDialog(FormDialog):
    """A format and a path; choosing a format changes the path's extension to match.
    Dismisses with ``{"fmt", "path"}``, or None when cancelled."""

    FORMATS: tuple[tuple[str, str], ...] = ()
    """(what the choice says, the format, which is also the file's extension)."""
    NOTE = ""
    """A line under the fields, when the file needs a word of explanation."""

    def __init__(self, default_stem: Path, *, subject: str = "") -> None:
        super().__init__(subject=subject)
        self.default_stem = default_stem

    def fields(self) -> ComposeResult:
        yield Label("Format")
        yield Select(self.FORMATS, id="format", allow_blank=False)
        yield Label("Save as")
        yield Input(str(self.default_stem.with_suffix(f".{self.FORMATS[0][1]}")), id="path")
        if self.NOTE:
            yield Static(self.NOTE, classes="dialog-hint")

    def on_select_changed(self, event: Select.Changed) -> None:
        path = self.query_one("#path", Input)
        path.value = str(Path(path.value).with_suffix(f".{event.value}"))

    def values(self) -> dict[str, Any] | None:
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.refuse("Say where to save the file.", "#path")
            return None
        path = Path(text).expanduser()
        if not path.parent.is_dir():
            self.refuse(f"There is no folder {path.parent}.", "#path")
            return None
        if path.is_dir():
            self.refuse(f"{path} is a folder: add a file name.", "#path")
            return None
        return {"fmt": str(self.query_one("#format", Select).value), "path": path}
