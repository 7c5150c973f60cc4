"""A list read a page at a time, that says honestly where in the list it is.

Every list in the app is a `PagedList`. Its screen gives it a query (`PageQuery`) that
reads one page after a keyset cursor and counts the whole list from the same definition;
the widget runs it in an exclusive thread worker, shows "rows 41–80 of 1,234", keeps the
highlight on the same record when the list is read again, and tells its screen through
its own messages when a row is opened or highlighted.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from rich.console import RenderableType
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from intapp.store.paging import Cursor, Page, Row
from intapp.widgets.markup import table_cell

# Reads the page after a cursor (None: the first page), at most `limit` rows, and counts
# the whole list if the third argument is true; runs in a thread, so it must open its own
# session or connection.
PageQuery = Callable[[Cursor | None, int, bool], Page[Row]]


# A screen whose list may not have the focus (a filter box above it) ends its BINDINGS
# with these, and routes `page` to the list (`DataScreen.action_page`). The status line,
# not the footer, says when there is another page: the footer keeps its room for the
# screen's own keys.
PAGE_KEYS = [
    Binding("pagedown", "page(1)", "Next page", id="list.next", show=False),
    Binding("pageup", "page(-1)", "Previous page", id="list.previous", show=False),
]


class PageRows(DataTable[Any]):
    """A DataTable whose page keys turn the list's pages rather than scroll one page."""

    BINDINGS = [
        Binding("pagedown", "page_down", "Next page", id="list.next", show=False),
        Binding("pageup", "page_up", "Previous page", id="list.previous", show=False),
    ]

    def action_page_down(self) -> None:
        self._paged_list().action_page(1)

    def action_page_up(self) -> None:
        self._paged_list().action_page(-1)

    def _paged_list(self) -> PagedList[Any]:
        parent = self.parent
        assert isinstance(parent, PagedList)
        return parent


@dataclass(frozen=True)
class Wording:
    """What a list calls its rows, and what it says when it has none."""

    one: str
    many: str
    empty: str
    filtered_empty: str = "Nothing matches the filter."


class _ListMessage(Message):
    """A message from a `PagedList`, which is its `control`."""

    def __init__(self, paged_list: PagedList[Any]) -> None:
        super().__init__()
        self.paged_list = paged_list

    @property
    def control(self) -> PagedList[Any]:
        return self.paged_list


class _RowMessage(_ListMessage):
    """A message about one row of a `PagedList`."""

    def __init__(self, paged_list: PagedList[Any], row: Any) -> None:
        super().__init__(paged_list)
        self.row = row


class PagedList(Widget, Generic[Row]):
    """A DataTable showing one page of a list, with a status line under it."""

    DEFAULT_CSS = """
    PagedList {
        height: 1fr;
    }
    PagedList > DataTable {
        height: 1fr;
    }
    PagedList > .paged-list--status {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    class Opened(_RowMessage):
        """Enter or a click on a row: the screen opens the record behind it."""

    class Highlighted(_RowMessage):
        """The highlight moved to another row (or the rows were read again)."""

    class Shown(_ListMessage):
        """A page has been painted; `total` is how many rows the whole list holds."""

        def __init__(self, paged_list: PagedList[Any], total: int) -> None:
            super().__init__(paged_list)
            self.total = total

    class LoadFailed(_ListMessage):
        """Reading a page failed; the screen reports it."""

        def __init__(self, paged_list: PagedList[Any], error: Exception) -> None:
            super().__init__(paged_list)
            self.error = error

    class _PageRead(Message):
        """A worker's page, for the list that asked (`request` says which read it was)."""

        def __init__(self, request: int, page: Page[Any], keep: Hashable | None, at: int) -> None:
            super().__init__()
            self.request = request
            self.page = page
            self.keep = keep
            self.at = at

    def __init__(
        self,
        *,
        columns: Sequence[tuple[str, int | None]],
        cells: Callable[[Row], Sequence[RenderableType]],
        key: Callable[[Row], Hashable],
        cursor: Callable[[Row], Cursor],
        wording: Wording,
        page_size: int = 40,
        summary: Callable[[list[Row]], str] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = columns
        self.cells = cells
        self.key = key
        self.cursor = cursor
        self.wording = wording
        self.page_size = page_size
        self.summary = summary
        self.rows: list[Row] = []
        """The rows of the page shown."""
        self.total: int | None = None
        """How many rows the whole list holds (None until the first page is read)."""
        self.filtered = False
        """Whether the query is narrowed by a filter the user typed."""
        self.last_recorded: object = None
        """What the screen last recorded as viewed on this list (`DataWork.record_page`)."""
        self._query: PageQuery[Row] | None = None
        self._starts: list[Cursor | None] = [None]
        self._request = 0

    def compose(self) -> ComposeResult:
        yield PageRows(cursor_type="row", zebra_stripes=True)
        yield Static("Loading…", classes="paged-list--status")

    def on_mount(self) -> None:
        self.add_columns()

    def add_columns(self) -> None:
        """(Re)build the columns from `columns`, and show the rows again, the highlight
        where it was (clearing the columns puts the cursor back on row 1)."""
        table = self.table
        at, row = table.cursor_row, self.highlighted
        table.clear(columns=True)
        for label, width in self.columns:
            table.add_column(label, width=width)
        if self.rows:
            self._paint(self.rows, keep=None if row is None else self.key(row), at=at)

    def focus(self, scroll_visible: bool = True) -> PagedList[Row]:
        """Focus goes to the table, so the arrows move through the rows."""
        self.table.focus(scroll_visible)
        return self

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(DataTable)

    @property
    def highlighted(self) -> Row | None:
        """The highlighted row, or None when the page is empty."""
        if not self.rows:
            return None
        return self.rows[min(self.table.cursor_row, len(self.rows) - 1)]

    @property
    def page_number(self) -> int:
        return len(self._starts)

    def show(
        self,
        query: PageQuery[Row],
        *,
        filtered: bool = False,
        first: Page[Row] | None = None,
        keep: Hashable | None = None,
    ) -> None:
        """List what `query` reads, from its first page; `first` is that page when it has
        just been read with something else (so it is painted without a second read), and
        `keep` the key of a record to highlight if it is on that page."""
        self._query = query
        self.filtered = filtered
        self._starts = [None]
        if first is None:
            self._read(keep=None, at=0, count=True)
            return
        self._request += 1  # any read still on its way is now stale
        self.total = first.total
        self._paint(first.rows, keep=keep, at=0)
        self.post_message(self.Shown(self, self.total or 0))

    def reload(self) -> None:
        """Read the shown page again, keeping the highlight on the same record, or on its
        neighbour if the record has left the list."""
        if self._query is not None:
            row = self.highlighted
            key = None if row is None else self.key(row)
            self._read(keep=key, at=self.table.cursor_row, count=True)

    def action_page(self, step: int) -> None:
        if step > 0:
            self.next_page()
        else:
            self.previous_page()

    def next_page(self) -> None:
        """Show the next page, or say that this is the last one."""
        shown = (self.page_number - 1) * self.page_size + len(self.rows)
        if not self.rows or self.total is None or shown >= self.total:
            self.notify(f"That is the end of the {self.wording.many}.")
            return
        self._starts.append(self.cursor(self.rows[-1]))
        self._read(keep=None, at=0, count=False)

    def jump(self, starts: Sequence[Cursor | None]) -> None:
        """Show the page that starts after the last of `starts`, which holds where each
        page up to it starts (None for the first): for callers that already know them."""
        self._starts = list(starts)
        self._read(keep=None, at=0, count=False)

    def previous_page(self) -> None:
        """Show the page before, if there is one."""
        if len(self._starts) > 1:
            self._starts.pop()
            self._read(keep=None, at=0, count=False)

    def open_highlighted(self) -> None:
        """Ask the screen to open the highlighted row (as Enter or a click does)."""
        row = self.highlighted
        if row is not None:
            self.post_message(self.Opened(self, row))

    def _read(self, *, keep: Hashable | None, at: int, count: bool) -> None:
        assert self._query is not None
        self._request += 1
        self._fetch(self._query, self._starts[-1], self._request, keep, at, count)

    @work(thread=True, exclusive=True, exit_on_error=False, group="paged-list")
    def _fetch(
        self,
        query: PageQuery[Row],
        start: Cursor | None,
        request: int,
        keep: Hashable | None,
        at: int,
        count: bool,
    ) -> None:
        try:
            page = query(start, self.page_size, count)
        except Exception as error:  # reported by the screen, never raised on the loop
            if not get_current_worker().is_cancelled:
                self.post_message(self.LoadFailed(self, error))
            return
        # A newer read has started: this page must never be painted.
        if not get_current_worker().is_cancelled:
            self.post_message(self._PageRead(request, page, keep, at))

    @on(_PageRead)
    def _page_read(self, message: _PageRead) -> None:
        message.stop()
        if message.request != self._request:
            return  # superseded while it was on its way
        if not message.page.rows and len(self._starts) > 1:
            # The page emptied (its rows left the list): show the one before, at its end.
            self._starts.pop()
            self._read(keep=None, at=self.page_size - 1, count=True)
            return
        if message.page.total is not None:
            self.total = message.page.total
        self._paint(message.page.rows, keep=message.keep, at=message.at)
        self.post_message(self.Shown(self, self.total or 0))

    def _paint(self, rows: list[Row], *, keep: Hashable | None, at: int) -> None:
        self.rows = rows
        table = self.table
        table.clear()
        index = at
        for i, row in enumerate(rows):
            key = self.key(row)
            if keep is not None and key == keep:
                index = i
            table.add_row(
                *(table_cell(c) if isinstance(c, str) else c for c in self.cells(row)),
                key=str(key),
            )
        if rows:
            table.move_cursor(row=max(0, min(index, len(rows) - 1)), animate=False)
        self._show_status()
        self.post_message(self.Highlighted(self, self.highlighted))

    def _show_status(self) -> None:
        status = self.query_one(".paged-list--status", Static)
        total, words = self.total or 0, self.wording
        if not self.rows:
            status.update(words.filtered_empty if self.filtered else words.empty)
            return
        first = (self.page_number - 1) * self.page_size + 1
        last = first + len(self.rows) - 1
        noun = words.one if total == 1 else words.many
        more = f" · {self.summary(self.rows)}" if self.summary else ""
        if last < total:
            more += " · pgdn next page"
        elif first > 1:
            more += " · pgup previous page"
        status.update(f"{noun.capitalize()} {first:,}–{last:,} of {total:,}{more}")

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.rows):
            self.post_message(self.Highlighted(self, self.rows[event.cursor_row]))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        # Enter on the table, or a click on a row.
        event.stop()
        if 0 <= event.cursor_row < len(self.rows):
            self.post_message(self.Opened(self, self.rows[event.cursor_row]))

    def move(self, step: int) -> None:
        """Move the highlight by `step` rows (for screens whose filter has the focus)."""
        self.table.move_cursor(row=self.table.cursor_row + step)
