"""The customers list (客户, F2): the acting person's customers, searched as you type, filtered, sorted and
paged from the store; enter opens the customer 360."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from rm_console.domain.customer_dto import CustomerFilters, CustomerPage, CustomerSort, FilterChoices
from rm_console.domain.enums import Status, Tier
from rm_console.domain.money import format_yuan
from rm_console.domain.words import status_label, tier_label
from rm_console.i18n import N_, _, failure_text, language, with_chinese
from screens.customer360 import Customer360Screen, customer_service
from screens.localized import LocalizedBindings
from widgets.data_table import FixedWidthTable, column_widths
from widgets.search_input import SearchInput
from widgets.shell_footer import ShellFooter
from widgets.shell_header import ShellHeader
from widgets.tier_badge import status_text, tier_text

if TYPE_CHECKING:
    from rm_console.services import Services

#: Rows per page when the caller does not say (the service allows up to 2,000): more than a 40-line
#: screen shows, and few enough that a keystroke's new page is drawn at once; page down / page up move
#: through the rest.
PAGE_SIZE = 50
#: The widest the name and institution columns get (longer ones are cut with an ellipsis), so that a
#: corporate customer's or an outlet's long name does not push the phone column off a 120-column screen.
CAPPED_WIDTH = 14
#: Below this many cells of width the list drops its low-priority columns.
COMPACT_BELOW = 110
#: The name of each order, as the title line shows it.
SORT_NAMES = {
    CustomerSort.CIF: N_("CIF"),
    CustomerSort.NAME: N_("name"),
    CustomerSort.TIER: N_("tier"),
    CustomerSort.AUM: N_("AUM"),
}


class CustomersScreen(LocalizedBindings, Screen[None]):
    """The customers the acting person may see, one page at a time: search, filter, sort, open."""

    CSS_PATH = "customers.tcss"

    BINDINGS = [
        Binding(
            "slash",
            "search",
            N_("Search"),
            tooltip=N_("Search by name, CIF or the last digits of the phone"),
            id="customers.search",
        ),
        Binding(
            "f",
            "filters",
            N_("Filters"),
            tooltip=N_("Filter by tier, status, institution or RM"),
            id="customers.filters",
        ),
        Binding("o", "sort", N_("Sort"), tooltip=N_("Sort by CIF, name, tier or AUM"), id="customers.sort"),
        Binding(
            "pagedown",
            "next_page",
            N_("Next page"),
            tooltip=N_("The next page of customers"),
            id="customers.next_page",
            priority=True,
        ),
        Binding(
            "pageup",
            "previous_page",
            N_("Previous page"),
            tooltip=N_("The previous page of customers"),
            id="customers.previous_page",
            priority=True,
        ),
        Binding(
            "enter",
            "open",
            N_("Open"),
            tooltip=N_("Open the highlighted customer's 360 view"),
            id="customers.open",
            priority=True,
        ),
        Binding("escape", "back", N_("Back"), tooltip=N_("Leave the list"), id="customers.back"),
    ]

    class PageLoaded(Message):
        """A page of the list arrived from the store."""

        def __init__(self, page: CustomerPage, request: int) -> None:
            super().__init__()
            self.page = page
            self.request = request

    class ChoicesLoaded(Message):
        """The institutions and RMs to filter by arrived."""

        def __init__(self, choices: FilterChoices) -> None:
            super().__init__()
            self.choices = choices

    def __init__(self, services: Services, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self._services = services
        self._customers = customer_service(services)
        self._page_size = page_size
        self._filters = CustomerFilters()
        self._sort = CustomerSort.CIF
        self._page: CustomerPage | None = None
        self._request = 0
        #: Whether a page is being read; while one is, a changed search waits for it (see search_typed).
        self._reading = False
        #: Whether the search changed while a page was being read, so that page is already stale.
        self._stale = False
        self._open_when_loaded = False
        self._compact = False
        #: The theme whose CSS variables the badges were last coloured from, and those variables.
        self._theme_colours: tuple[str, dict[str, str]] | None = None
        #: What the table's columns were built for (the AUM column's title, compact or not, widths).
        self._columns: tuple[str, bool, tuple[int, ...]] | None = None
        #: What the table shows: the page's rows, its AUM month, and how they were drawn (compact or not,
        #: the theme, the language).
        self._shown: tuple[object, ...] | None = None

    # -- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, title line, search and filters, the table, problems, footer."""
        yield ShellHeader()
        yield Static("", id="title")
        with Horizontal(id="search-row"):
            yield SearchInput(placeholder=_("Search: name, CIF or phone tail"), id="search")
            yield Static("", id="filter-summary")
        with Horizontal(id="filters"):
            yield Select(
                [(tier_label(t.value, language()), t.value) for t in Tier],
                prompt=_("Any tier"),
                id="tier",
            )
            yield Select(
                [(status_label(s.value, language()), s.value) for s in Status],
                prompt=_("Any status"),
                id="status",
            )
            yield Select([], prompt=_("Any institution"), id="institution")
            yield Select([], prompt=_("Any RM"), id="rm")
        yield FixedWidthTable(cursor_type="row", zebra_stripes=True, id="customers")
        yield Static("", id="problem")
        yield ShellFooter()

    def on_mount(self) -> None:
        """Load the first page and the filter choices."""
        self.query_one("#customers", DataTable).focus()
        self._reload()
        self.load_choices()

    def on_resize(self, event: events.Resize) -> None:
        """Drop low-priority columns on a narrow terminal."""
        compact = event.size.width < COMPACT_BELOW
        if compact != self._compact:
            self._compact = compact
            self._fill()

    # -- loading ------------------------------------------------------------------------------------

    def _reload(self, offset: int = 0) -> None:
        """Ask for the page at ``offset`` with the current filters and order; older answers are ignored."""
        self._request += 1
        self._reading = True
        self._stale = False
        self.load_page(self._filters, self._sort, offset, self._request)

    @work(thread=True, exclusive=True, group="customers-page", exit_on_error=False)
    def load_page(self, filters: CustomerFilters, sort: CustomerSort, offset: int, request: int) -> None:
        """Read one page in a thread and post it back (unless a newer request replaced this one)."""
        page = self._customers.page(filters, sort, offset, self._page_size)
        if not get_current_worker().is_cancelled:
            self.post_message(self.PageLoaded(page, request))

    @work(thread=True, exclusive=True, group="customers-choices", exit_on_error=False)
    def load_choices(self) -> None:
        """Read the institutions and RMs to filter by."""
        self.post_message(self.ChoicesLoaded(self._customers.choices()))

    @on(PageLoaded)
    def show_page(self, message: PageLoaded) -> None:
        """Fill the table with a page, unless a newer request is on its way."""
        if message.request != self._request:
            return
        self._reading = False
        if self._stale:
            self._reload()
            return
        offered = self._offered()
        self._page = message.page
        self._show("#problem", "")
        self._fill()
        if self._offered() != offered:
            self.refresh_bindings()
        if self._open_when_loaded:
            self._open_when_loaded = False
            if message.page.rows:
                self._open(message.page.rows[0].cif)

    @on(ChoicesLoaded)
    def show_choices(self, message: ChoicesLoaded) -> None:
        """Offer the institutions and RMs of the customers in scope."""
        self.query_one("#institution", Select).set_options(
            [(f"{code} {name}", code) for code, name in message.choices.institutions]
        )
        self.query_one("#rm", Select).set_options(
            [(f"{code} {name}", code) for code, name in message.choices.rms]
        )

    @on(Worker.StateChanged)
    def show_failure(self, event: Worker.StateChanged) -> None:
        """A failed read shows its sentence, never a traceback."""
        if event.state != WorkerState.ERROR:
            return
        if event.worker.group == "customers-page":
            self._reading = False
            if self._stale:
                self._reload()
                return
        self._open_when_loaded = False
        error = event.worker.error
        text = failure_text(error)
        self._show("#problem", Text(text))

    # -- showing ------------------------------------------------------------------------------------

    def _fill(self) -> None:
        """Rebuild the title line and the table from the page in hand."""
        page = self._page
        if page is None or not self.is_mounted:
            return
        self._show_title(page)
        table: FixedWidthTable[Text | str] = self.query_one("#customers", FixedWidthTable)
        lang = language()
        # Typing a search often finds the same first page again (each digit of a CIF, until it narrows
        # the list): then the table already shows it, and keeps its cursor, rather than being drawn anew.
        shown = (page.rows, page.aum_month, self._compact, self.app.theme, lang)
        if page.rows and shown == self._shown and table.row_count == len(page.rows):
            return
        self._shown = shown
        colours = self._colours()
        month = page.aum_month or ""
        aum_title = _("AUM {month}").format(month=month) if month else _("AUM")
        headers: list[str | Text] = [
            _("CIF"),
            _("Name"),
            _("Tier"),
            _("Status"),
            Text(aum_title, justify="right"),
        ]
        keys = ["cif", "name", "tier", "status", "aum"]
        if not self._compact:
            headers += [_("Primary RM"), _("Institution"), _("Phone")]
            keys += ["rm", "institution", "phone"]
        rows: list[list[str | Text]] = []
        # Every cell is Text, never a str, which the table would read as markup: a name with a "[" in
        # it shows as typed, and a page is drawn without parsing markup 150 times.
        for row in page.rows:
            aum = Text(format_yuan(row.aum_fen) if row.aum_fen is not None else "—", justify="right")
            cells: list[str | Text] = [
                Text(row.cif),
                Text(row.name, no_wrap=True, overflow="ellipsis"),
                tier_text(row.tier, colours, lang),
                status_text(row.status, colours, lang),
                aum,
            ]
            if not self._compact:
                institution = Text(row.institution_name, no_wrap=True, overflow="ellipsis")
                cells += [Text(row.rm_name or "—"), institution, Text(row.phone_masked)]
            rows.append(cells)
        # The columns are sized here, from the page, so that the table need not measure each cell; they
        # only widen while the same columns are shown, so that they keep still as a search is typed.
        caps = {1: CAPPED_WIDTH} if self._compact else {1: CAPPED_WIDTH, 6: CAPPED_WIDTH}  # name, institution
        widths = column_widths(headers, rows, caps=caps)
        shown = self._columns
        if shown is not None and shown[:2] == (aum_title, self._compact):
            if all(width <= before for width, before in zip(widths, shown[2], strict=True)):
                widths = list(shown[2])
            else:
                widths = [max(width, before) for width, before in zip(widths, shown[2], strict=True)]
        columns = (aum_title, self._compact, tuple(widths))
        if columns == shown:
            table.clear()
        else:
            self._columns = columns
            table.clear(columns=True)
            for header, key, width in zip(headers, keys, widths, strict=True):
                table.add_column(header, key=key, width=width)
        table.add_keyed_rows((row.cif, cells) for row, cells in zip(page.rows, rows, strict=True))
        if not page.rows:
            self._show("#problem", _("No customer matches."))

    def _colours(self) -> dict[str, str]:
        """The app's CSS variables, which colour the badges: worked out once a theme, not once a page."""
        theme = self.app.theme
        if self._theme_colours is None or self._theme_colours[0] != theme:
            self._theme_colours = (theme, self.app.get_css_variables())
        return self._theme_colours[1]

    def _show_title(self, page: CustomerPage) -> None:
        first = page.offset + 1 if page.rows else 0
        last = page.offset + len(page.rows)
        parts = [
            with_chinese("Customers"),
            _("{total} customers").format(total=f"{page.total:,}"),
            _("sorted by {order}").format(order=_(SORT_NAMES[page.sort])),
            _("page {page} of {pages} (rows {first}–{last})").format(
                page=page.page_number, pages=page.pages, first=f"{first:,}", last=f"{last:,}"
            ),
        ]
        # The title is one line high whatever it says, so it is redrawn without laying the screen out.
        self._show("#title", " · ".join(parts), layout=False)
        self._show("#filter-summary", self._filter_summary())

    def _show(self, selector: str, content: str | Text, *, layout: bool = True) -> None:
        """Show ``content`` in the Static ``selector``, unless it shows that already (an update asks for
        the screen to be laid out again, which a keystroke need not pay for)."""
        static = self.query_one(selector, Static)
        if static.content != content:
            static.update(content, layout=layout)

    def _filter_summary(self) -> str:
        filters = self._filters
        lang = language()
        found = []
        if filters.tier:
            found.append(tier_label(filters.tier, lang))
        if filters.status:
            found.append(status_label(filters.status, lang))
        if filters.institution:
            found.append(filters.institution)
        if filters.rm:
            found.append(filters.rm)
        if not found:
            return _("no filters (f)")
        return _("filters: {list}").format(list=", ".join(found))

    # -- reacting -------------------------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def search_typed(self, event: Input.Changed) -> None:
        """Search as you type: at once when no page is being read, else as soon as the one being read
        arrives (it is then dropped, being stale). So each keystroke's page is read without waiting
        for typing to pause, and a slow store never has more than one search on its hands."""
        if event.value == self._filters.text:
            return
        self._filters = replace(self._filters, text=event.value)
        if self._reading:
            self._stale = True
        else:
            self._reload()

    @on(Select.Changed)
    def filter_changed(self, event: Select.Changed) -> None:
        """A changed filter reloads from the first page."""
        values = {
            key: (None if widget.is_blank() else str(widget.value))
            for key, widget in (
                (k, self.query_one(f"#{k}", Select)) for k in ("tier", "status", "institution", "rm")
            )
        }
        filters = CustomerFilters(text=self._filters.text, **values)
        if filters != self._filters:
            self._filters = filters
            self._reload()

    @on(DataTable.RowSelected, "#customers")
    def open_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens that customer."""
        if event.row_key.value is not None:
            self._open(str(event.row_key.value))

    def _open(self, cif: str) -> None:
        self.app.push_screen(Customer360Screen(self._services, cif))

    # -- actions --------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer paging only where there is a page to go to, opening only with a customer listed."""
        page = self._page
        if action == "next_page":
            return page is not None and page.has_next
        if action == "previous_page":
            return page is not None and page.has_previous
        if action == "open":
            focused = self.focused
            if not isinstance(focused, (DataTable, Input)):
                return False
            return page is not None and (bool(page.rows) or self._searching())
        if action == "back":
            return len(self.app.screen_stack) > 1 or not isinstance(self.focused, DataTable)
        return True

    def _offered(self) -> tuple[bool | None, ...]:
        """Which page-dependent actions the footer offers now."""
        return tuple(self.check_action(action, ()) for action in ("next_page", "previous_page", "open"))

    def _searching(self) -> bool:
        """True while the list does not yet show what the search box says."""
        wanted = self.query_one("#search", Input).value
        return self._stale or self._page is None or self._page.filters.text != wanted

    def action_search(self) -> None:
        """Focus the search box."""
        self.query_one("#search", Input).focus()

    def action_filters(self) -> None:
        """Show the filters (or hide them when they are shown) and focus the first."""
        bar = self.query_one("#filters", Horizontal)
        bar.display = not bar.display
        if bar.display:
            self.query_one("#tier", Select).focus()
        else:
            self.query_one("#customers", DataTable).focus()

    def action_sort(self) -> None:
        """Sort by the next order."""
        self._sort = self._sort.next()
        self._reload()

    def action_next_page(self) -> None:
        """The next page."""
        if self._page is not None and self._page.has_next:
            self._reload(self._page.offset + self._page.limit)

    def action_previous_page(self) -> None:
        """The previous page."""
        if self._page is not None and self._page.has_previous:
            self._reload(max(0, self._page.offset - self._page.limit))

    def action_open(self) -> None:
        """Open the highlighted customer's 360; typed ahead of the list, open the first match once the
        search has caught up."""
        if self._searching():
            self._open_when_loaded = True
            return
        table = self.query_one("#customers", DataTable)
        if table.row_count == 0:
            return
        row_key, _column = table.coordinate_to_cell_key(table.cursor_coordinate)
        if row_key.value is not None:
            self._open(str(row_key.value))

    def action_back(self) -> None:
        """From the search box or the filters back to the table; from the table, leave the list."""
        focused = self.focused
        table = self.query_one("#customers", DataTable)
        if focused is not None and focused is not table:
            self.query_one("#filters", Horizontal).display = False
            table.focus()
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
