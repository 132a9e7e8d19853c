"""The main window: navigator of panels on the left, the panel beside it, HUD on top.

Panels are built when first shown (the app builds the rest in idle time after its first
paint, so the window appears fast); code that builds a window itself gets them all at
once. The window fits the screen it opens on, zooms as a whole (Ctrl+= / Ctrl+- /
Ctrl+0), goes full screen (F11), and can collapse every explanation to its first line
(Ctrl+E) when a teacher talks over it. The error list takes no room until an error
comes: then a badge with the count opens it.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo import settings
from guidemo.panels import PANELS, SLUGS
from guidemo.panels.base import Panel
from guidemo.services import PanelContext, ServerControl
from guidemo.ui.error_log import ErrorLog
from guidemo.ui.hud import Hud
from guidemo.ui.qt_types import make_qt_types
from guidemo.ui.tour import Tour
from guidemo.widgets import access, palette, source_view, themes
from guidemo.widgets.kit import make_button, named
from guidemo.widgets.palette import ZOOM_STEPS

log = logging.getLogger(__name__)
DEFAULT_SIZE = QtCore.QSize(1440, 920)
SCREENSHOT_SIZE = QtCore.QSize(1600, 1000)
NAVIGATOR_EM = 24  # navigator width in letter widths: it grows with the zoom
BACKGROUND_BUILD_MS = 150  # after the first paint, one more panel every so often
BACKGROUND_START_MS = 1000  # ... starting a moment after it, once the window is up
# Imported on a thread after the first paint: pyqtgraph (with numpy) took 0.26-0.56 s, a
# freeze in front of the class the first time a panel with a chart was built, and a panel's
# modules up to half its build; on a thread the loop's longest gap meanwhile was 18-23 ms.
# (The panel modules create no Qt object when imported, only classes; and every PySide6
# type is made on the GUI thread before the thread starts, see qt_types.py.)
# Between two pieces the thread lets go of the GIL this long: pure-Python work on a thread
# makes the GUI thread wait for the GIL at each call into Python (a 211 ms freeze of the
# start page's first paint while it highlighted without a pause).
WARM_UP_PAUSE_S = 0.02
HEAVY_IMPORTS = ("pyqtgraph", *(entry.path.split(":")[0] for entry in PANELS))
QT_TYPES_SLICE_S = 0.01  # the GUI thread makes PySide6 types this long at a time ...
QT_TYPES_PAUSE_MS = 20  # ... with this pause between two slices
TOUR_BAND_SHARE = 0.28  # the tour's band takes at most this share of the window's height


def warm_up(stop: threading.Event) -> None:
    """Import the panels and what they need, and highlight the code each one shows first,
    off the GUI thread (see HEAVY_IMPORTS; Pygments took 10-110 ms a panel). Between two
    pieces it looks at `stop`: a quit does not wait for the rest."""
    for name in HEAVY_IMPORTS:
        if stop.wait(WARM_UP_PAUSE_S):
            return
        importlib.import_module(name)
    for entry in PANELS:
        if stop.wait(WARM_UP_PAUSE_S):
            return
        source_view.warm_up(entry.load().sources)


class _LazyPanels(Mapping[str, Panel]):
    """`window.panels`: every panel by slug, in order; a panel not built yet is built
    when asked for, so code outside never sees the difference."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def __getitem__(self, slug: str) -> Panel:
        return self._window.panel(slug)

    def __iter__(self) -> Iterator[str]:
        return iter(SLUGS)

    def __len__(self) -> int:
        return len(SLUGS)


class MainWindow(QtWidgets.QMainWindow):
    """Build it inside a running event loop; `await window.closed.wait()` then `shutdown()`.

    `lazy=True` (the app) builds only the first panel now and the others on first show
    or via `build_remaining()`.
    """

    def __init__(
        self,
        server_url: str,
        parent: QtWidgets.QWidget | None = None,
        server: ServerControl | None = None,
        context: PanelContext | None = None,
        lazy: bool = False,
        panel: str | None = None,
        tour: bool = False,
        start_monitor: bool = True,
    ) -> None:
        """`panel` is the panel to open at (else the one open when the app last quit);
        `tour` opens the tour where the learner left it. With `start_monitor=False` the
        caller starts `window.monitor` itself: the app does once the window is painted,
        since what comes before (building, zoom, the first paint) is start-up, not a
        freeze the learner sees."""
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle("guidemo: event-driven programming, live")
        self.server_url = server_url
        self.loop = asyncio.get_running_loop()
        self.closed = asyncio.Event()
        self.settings = QtCore.QSettings("guidemo", "guidemo")
        self.remember_state = True  # save size, zoom and last panel on close
        self.zoom = 1.0
        self._theme_choice = "system"
        self._applied_zoom: float | None = None  # set_zoom() has not run yet
        self._base_font = QtGui.QFont(QtWidgets.QApplication.font())

        self.error_log = ErrorLog()
        # The services come from the composition root (app.py); code that builds a window
        # on its own (tests, the benchmark) gets a fresh set, stopped by shutdown().
        self._owns_context = context is None
        self.context = context or PanelContext.start(server_url, server)
        self.context.errors.listeners.append(self._on_error)
        self.monitor = self.context.monitor
        self.executor = self.context.executor
        self._built: dict[str, Panel] = {}
        self._warmed_up = False
        self._warming: threading.Thread | None = None
        self._warming_up = lazy  # a lazy window imports the heavy modules later, on a thread
        self._stop_warming = threading.Event()
        self._then_built: Callable[[], object] | None = None
        self.panels: Mapping[str, Panel] = _LazyPanels(self)

        chosen = self.settings.value("theme", "system")
        self._apply_theme_choice(chosen if chosen in themes.CHOICES else "system")

        self.panel_list = QtWidgets.QListWidget()
        self.panel_list.setObjectName("panelList")
        self.panel_list.setToolTip(
            "The panels, in the lecture's order; Ctrl+1..9 switch to them, Alt+N comes back here"
        )
        self.panel_list.setWordWrap(True)
        self.stack = QtWidgets.QStackedWidget()
        for number, entry in enumerate(PANELS, start=1):
            self.stack.addWidget(QtWidgets.QWidget())  # a placeholder until it is built
            shortcut = f" (Ctrl+{number})" if number <= 9 else ""
            item = QtWidgets.QListWidgetItem(f"{number}  {entry.nav or entry.title}")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, entry.slug)
            item.setToolTip(f"{entry.title}{shortcut}")
            self.panel_list.addItem(item)
        self.panel_list.currentRowChanged.connect(self._show_row)

        self.hud = Hud(self.monitor, self.context.loop_kind)
        central = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(central)
        grid.setContentsMargins(6, 6, 6, 0)
        grid.addWidget(self.hud, 0, 0, 1, 2)
        grid.addWidget(self.panel_list, 1, 0)
        grid.addWidget(self.stack, 1, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(1, 1)
        self._grid = grid
        self.setCentralWidget(central)
        self._build_error_area()

        self._add_shortcuts()
        self._build_tour()
        if tour and panel is None:
            panel = self.tour.steps[self.tour.index].panel
        self._restore_settings(lazy, panel)
        if tour:
            self.tour.start()
        for view in self.current_panel().findChildren(source_view.SourceView):
            view.render_now()  # start-up's work: after the first paint it would be a stall
        self.monitor.current_panel = lambda: self.current_panel().slug
        if start_monitor:
            self.monitor.start(self.loop)
        access.fill_names(self)  # the HUD, navigator, tour and status bar (panels name theirs)
        self.focus_ring = access.FocusRing(self)  # where Tab went, on buttons too

    # --- public API -------------------------------------------------------------------
    def panel(self, slug: str) -> Panel:
        """The panel `slug`, built now if it was not yet (KeyError for an unknown slug)."""
        if slug not in self._built:
            index = SLUGS.index(slug)
            panel = PANELS[index].load()(self.context)
            panel.panelRequested.connect(self.show_panel)
            panel.labRequested.connect(self._open_in_lab)
            panel.tourRequested.connect(lambda: self.tour.start())
            self._built[slug] = panel
            placeholder = self.stack.widget(index)
            showing = self.stack.currentIndex() == index
            self.stack.insertWidget(index, panel)
            if placeholder is not None:
                self.stack.removeWidget(placeholder)
                placeholder.deleteLater()
            if showing:
                self.stack.setCurrentIndex(index)
        return self._built[slug]

    def _open_in_lab(self, code: str, origin: str) -> None:
        lab = self.show_panel("lab")
        load = getattr(lab, "load_code", None)
        if load is not None:
            load(code, origin)

    def show_panel(self, slug: str) -> Panel:
        """Switch to the panel `slug` and return it (KeyError for an unknown slug)."""
        panel = self.panel(slug)
        self.panel_list.setCurrentRow(SLUGS.index(slug))
        return panel

    def current_panel(self) -> Panel:
        slug = SLUGS[max(0, self.stack.currentIndex())]
        return self.panel(slug)

    def build_remaining(
        self, delay_ms: int = BACKGROUND_START_MS, then: Callable[[], object] | None = None
    ) -> None:
        """Build the panels not built yet, one at a time, so the window stays live
        meanwhile (the app calls this after its first paint); call `then` when done."""
        self._then_built = then
        QtCore.QTimer.singleShot(delay_ms, self, self._build_next)

    def warming_up(self) -> bool:
        """True while the heavy imports are still to come off the GUI thread (a lazy window,
        until build_remaining()'s warm-up has done them): a panel built now would import
        them on it (a 0.48-0.53 s stall when the tour prepared its next step at start-up)."""
        return self._warming_up

    def _build_next(self) -> None:
        if self._stop_warming.is_set():  # shut down: a timer set before must start nothing
            return
        if not self._warmed_up:
            if not make_qt_types(QT_TYPES_SLICE_S):  # before any thread imports Qt code
                QtCore.QTimer.singleShot(QT_TYPES_PAUSE_MS, self, self._build_next)
                return
            self._warmed_up = True
            self._warming = threading.Thread(
                target=warm_up, args=(self._stop_warming,), name="guidemo: warm-up imports"
            )
            self._warming.start()
        if self._warming is not None and self._warming.is_alive():
            # A panel built now would wait for the import, holding the loop: wait for it.
            QtCore.QTimer.singleShot(BACKGROUND_BUILD_MS, self, self._build_next)
            return
        self._warming_up = False
        missing = [slug for slug in SLUGS if slug not in self._built]
        if missing:
            self.panel(missing[0])
            QtCore.QTimer.singleShot(BACKGROUND_BUILD_MS, self, self._build_next)
        elif self._then_built is not None:
            then, self._then_built = self._then_built, None
            then()

    def report_error(self, error: BaseException, context: str) -> None:
        """Show an unhandled error in the errorLog (and in logging); the app carries on."""
        self.context.report_error(error, context)

    def set_zoom(self, factor: float) -> None:
        """Scale every font, row and plot label of the window together (1.0 = normal).

        A factor the window already has costs nothing (a zoom key at the limit). Panels
        not on screen follow when shown: only fonts change (the window has no style sheet;
        themes are palettes), so no widget is restyled.
        """
        zoom = min(max(factor, ZOOM_STEPS[0]), ZOOM_STEPS[-1])
        if zoom == self._applied_zoom:
            return
        self.zoom = self._applied_zoom = zoom
        font = QtGui.QFont(self._base_font)
        font.setPointSizeF(self._base_font.pointSizeF() * self.zoom)
        QtWidgets.QApplication.setFont(font)  # every widget not under a style sheet
        for styled in self.findChildren(QtWidgets.QWidget):  # a style sheet of its own:
            if styled.styleSheet():  # its part of the window does not follow setFont
                styled.setStyleSheet(styled.styleSheet())
        metrics = QtGui.QFontMetrics(font)
        self.panel_list.setFixedWidth(round(metrics.averageCharWidth() * NAVIGATOR_EM))
        self.hud.set_zoom(self.zoom)
        shown = self._built.get(SLUGS[max(0, self.stack.currentIndex())])
        if shown is not None:
            shown.set_zoom(self.zoom)

    def set_theme(self, choice: str) -> None:
        """Switch to the "light", "dark" or "system" theme now: every panel, plot, the
        code and the HUD repaint in it (ValueError for another name)."""
        old = palette.CURRENT
        self._apply_theme_choice(choice)  # the QPalette: Fusion draws from it
        if old != palette.CURRENT:
            themes.recolor([self], old, palette.CURRENT)  # colours set widget by widget
            self._colour_error_badge()
        for action in self.theme_menu.actions():
            action.setChecked(action.data() == choice)

    def theme(self) -> str:
        """The theme in force: "light" or "dark" (what "system" resolved to)."""
        return palette.CURRENT.name

    def theme_choice(self) -> str:
        """What was chosen: "light", "dark" or "system"."""
        return self._theme_choice

    def next_theme(self) -> None:
        """system -> light -> dark -> system (Ctrl+Shift+T)."""
        choices = themes.CHOICES
        self.set_theme(choices[(choices.index(self._theme_choice) + 1) % len(choices)])

    def _apply_theme_choice(self, choice: str) -> None:
        theme = themes.resolve(choice)  # ValueError for an unknown name, before any change
        self._theme_choice = choice
        themes.apply(theme)

    def _system_scheme_changed(self) -> None:
        if self._theme_choice == "system":
            self.set_theme("system")

    def zoom_in(self) -> None:
        self.set_zoom(next((z for z in ZOOM_STEPS if z > self.zoom + 1e-6), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        smaller = [z for z in ZOOM_STEPS if z < self.zoom - 1e-6]
        self.set_zoom(smaller[-1] if smaller else ZOOM_STEPS[0])

    def set_presenting(self, presenting: bool) -> None:
        """Collapse every explanation to its first line, to talk over it (Ctrl+E)."""
        self.presenting = presenting
        self.presenter_action.setChecked(presenting)
        for panel in self._built.values():
            panel.set_explanation_collapsed(presenting)

    def fill_screen(self) -> None:
        """Open maximised, on all of the screen's available area (with no window manager
        to maximise it, the geometry says the same)."""
        screen = self.screen()
        if screen is not None:
            self.setGeometry(screen.availableGeometry())
        self.setWindowState(self.windowState() | QtCore.Qt.WindowState.WindowMaximized)

    def toggle_full_screen(self) -> None:
        self.setWindowState(self.windowState() ^ QtCore.Qt.WindowState.WindowFullScreen)

    async def shutdown(self) -> None:
        """Stop all work, in order: panel tasks and workers, the monitor, the thread pool."""
        self._stop_warming.set()  # and no background build starts after this
        if self._warming is not None:  # a quit within a few seconds of the start
            await asyncio.to_thread(self._warming.join)
        await asyncio.gather(*(panel.shutdown() for panel in self._built.values()))
        self.monitor.current_panel = lambda: ""  # the monitor may outlive this window
        self.hud.detach()
        self.context.errors.listeners.remove(self._on_error)
        if self._owns_context:
            self.context.stop()

    def show_tour_panel(self, visible: bool) -> None:
        """Show or hide the tour's band under the panel."""
        self.tour_dock.setVisible(visible)

    # --- behaviour ----------------------------------------------------------------------
    def _build_tour(self) -> None:
        self.tour = Tour(self)
        # A band under the panel, across the window: a side dock took a third of the width
        # from every panel (they scrolled sideways at 1280x720).
        self.tour_dock = TourBand(self.tour.panel)
        self._grid.addWidget(self.tour_dock, 2, 0, 1, 2)
        self.tour.changed.connect(self.tour_dock.refresh_title)
        self.tour_dock.hide()
        button = make_button(
            "Tour",
            "tourButton",
            "A guided tour through the lecture: one control at a time, with what it measured "
            "(Ctrl+T)",
            lambda: self.tour.stop() if self.tour.active else self.tour.start(),
        )
        self.hud.add_button(button)

    def _show_row(self, row: int) -> None:
        if 0 <= row < len(SLUGS):
            panel = self.panel(SLUGS[row])
            panel.set_zoom(self.zoom)
            panel.set_explanation_collapsed(self.presenting)
            self.stack.setCurrentIndex(row)

    def _build_error_area(self) -> None:
        """The error list lives in a dock that stays hidden until the first error."""
        self.error_dock = QtWidgets.QDockWidget("Errors", self)
        self.error_dock.setObjectName("errorDock")
        self.error_dock.setWidget(self.error_log)
        self.error_dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, self.error_dock)
        self.error_dock.hide()
        self.error_badge = QtWidgets.QToolButton()
        self.error_badge.setObjectName("errorBadge")
        self.error_badge.setToolTip("Unhandled errors so far: click to show or hide the list")
        self._colour_error_badge()
        self.error_badge.clicked.connect(
            lambda: self.error_dock.setVisible(not self.error_dock.isVisible())
        )
        self.error_badge.hide()
        self.statusBar().addPermanentWidget(self.error_badge)
        self.theme_button = QtWidgets.QToolButton()
        self.theme_button.setObjectName("themeButton")
        self.theme_button.setText("Theme")
        self.theme_button.setToolTip(
            "Light, dark, or as the desktop (system); Ctrl+Shift+T switches to the next"
        )
        self.theme_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.theme_menu = QtWidgets.QMenu(self.theme_button)
        self.theme_menu.setObjectName("themeMenu")
        for choice in themes.CHOICES:
            item = self.theme_menu.addAction(f"{choice.title()} theme")
            item.setData(choice)
            item.setCheckable(True)
            item.setChecked(choice == self._theme_choice)
            item.triggered.connect(lambda _=False, c=choice: self.set_theme(c))
        self.theme_button.setMenu(self.theme_menu)
        self.statusBar().addPermanentWidget(self.theme_button)
        self.statusBar().setSizeGripEnabled(False)

    def _colour_error_badge(self) -> None:
        """The error badge in the theme's bad colour, bold (its palette and weight: no
        style sheet, so its size follows the zoom)."""
        colors = self.error_badge.palette()
        for role in (QtGui.QPalette.ColorRole.ButtonText, QtGui.QPalette.ColorRole.WindowText):
            colors.setColor(role, QtGui.QColor(palette.CURRENT.bad))
        self.error_badge.setPalette(colors)
        weight = QtGui.QFont()
        weight.setWeight(QtGui.QFont.Weight.DemiBold)
        self.error_badge.setFont(weight)

    def _on_error(self, error: BaseException, context: str) -> None:
        self.error_log.report(error, context)
        count = self.error_log.list.count()
        self.error_badge.setText(f"⚠ {count} error{'s' if count != 1 else ''}")
        self.error_badge.show()

    def _add_shortcuts(self) -> None:
        def action(
            text: str, keys: str | QtGui.QKeySequence.StandardKey, slot: object
        ) -> QtGui.QAction:
            item = QtGui.QAction(text, self)
            item.setShortcut(QtGui.QKeySequence(keys))
            item.triggered.connect(slot)
            self.addAction(item)
            return item

        action("Quit", "Ctrl+Q", self.close)
        action("Zoom in", "Ctrl+=", self.zoom_in)
        action("Zoom in", "Ctrl++", self.zoom_in)
        action("Zoom out", "Ctrl+-", self.zoom_out)
        action("Normal size", "Ctrl+0", lambda: self.set_zoom(1.0))
        action("Full screen", "F11", self.toggle_full_screen)
        self.presenting = False
        self.presenter_action = action(
            "Collapse explanations", "Ctrl+E", lambda: self.set_presenting(not self.presenting)
        )
        self.presenter_action.setCheckable(True)
        action("Next theme", "Ctrl+Shift+T", self.next_theme)
        # Every action has a key path, not only a mouse one.
        action(
            "Tour", "Ctrl+T", lambda: self.tour.stop() if self.tour.active else self.tour.start()
        )
        action("Freeze history", "Ctrl+H", lambda: self.hud.show_history())
        action("Save report", "Ctrl+Shift+S", lambda: self.hud.export_report())
        action("Navigator", "Alt+N", lambda: self.panel_list.setFocus())
        QtGui.QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)
        for number, slug in enumerate(SLUGS[:9], start=1):
            action(f"Show {slug}", f"Ctrl+{number}", lambda _=False, s=slug: self.show_panel(s))

    def _restore_settings(self, lazy: bool, panel: str | None) -> None:
        wanted = settings.read(self.settings, "size", DEFAULT_SIZE, window_size)
        self.resize(fit_to_screen(wanted, self.screen()))
        self.set_zoom(
            settings.read_float(self.settings, "zoom", 1.0, ZOOM_STEPS[0], ZOOM_STEPS[-1])
        )
        self.show_panel(panel or settings.read_choice(self.settings, "lastPanel", SLUGS[0], SLUGS))
        if not lazy:
            for slug in SLUGS:
                self.panel(slug)
            source_view.warm_up()
            self._warmed_up = True

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.tour_dock.fit(self.height())

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self.remember_state:
            self.settings.setValue("size", self.size())
            self.settings.setValue("zoom", self.zoom)
            self.settings.setValue("lastPanel", self.current_panel().slug)
            self.settings.setValue("theme", self._theme_choice)
            self.settings.sync()
        close_modal_dialogs()  # an exec() dialog's nested loop would hold the shutdown
        self.closed.set()
        event.accept()


def close_modal_dialogs() -> None:
    """Reject every open modal dialog, newest first, so each nested loop (exec()) ends."""
    for _ in range(20):  # a bound: a dialog that refuses to close must not hang the quit
        dialog = QtWidgets.QApplication.activeModalWidget()
        if not isinstance(dialog, QtWidgets.QDialog) or not dialog.isVisible():
            return
        dialog.reject()


def window_size(value: object) -> QtCore.QSize:
    """A remembered window size that makes sense (for `settings.read`)."""
    if not isinstance(value, QtCore.QSize) or not (
        200 <= value.width() <= 100_000 and 150 <= value.height() <= 100_000
    ):
        raise ValueError("not a window size")
    return value


class TourBand(QtWidgets.QFrame):
    """objectName `tourDock`: the tour's band under the panel, across the whole window.

    At most TOUR_BAND_SHARE of the window's height (the step's text scrolls inside it), so
    the panel keeps its width and most of its height; `tourCollapse` folds it to one
    strip: the step's title on the fold button, then Back / Next / Restart / Leave.
    """

    def __init__(self, tour_panel: QtWidgets.QWidget) -> None:
        super().__init__()
        self.setObjectName("tourDock")
        self.tour_panel = tour_panel
        self.collapse_button = named(
            QtWidgets.QToolButton(),
            "tourCollapse",
            "Fold the tour to one strip (its heading and buttons), or unfold it",
        )
        self.collapse_button.setCheckable(True)
        self.collapse_button.setAutoRaise(True)
        self.collapse_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.collapse_button.toggled.connect(self.set_collapsed)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.collapse_button, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        layout.addWidget(tour_panel, 1)
        self._window_height = DEFAULT_SIZE.height()
        self.set_collapsed(False)

    def set_collapsed(self, collapsed: bool) -> None:
        self.collapse_button.setChecked(collapsed)
        for name in ("tourText", "tourHeading"):
            part = self.tour_panel.findChild(QtWidgets.QWidget, name)
            if part is not None:
                part.setVisible(not collapsed)
        self.refresh_title()
        self.fit(self._window_height)
        QtCore.QTimer.singleShot(0, self, lambda: self.fit(self._window_height))  # settled

    def refresh_title(self) -> None:
        """Folded, the fold button says which step this is (the heading is hidden)."""
        heading = self.tour_panel.findChild(QtWidgets.QLabel, "tourHeading")
        title = re.sub(r"<[^>]+>", "", heading.text()) if heading is not None else ""
        self.collapse_button.setText(
            f"▸ {title}" if self.collapsed() and title else ("▸" if self.collapsed() else "▾")
        )

    def collapsed(self) -> bool:
        return self.collapse_button.isChecked()

    def fit(self, window_height: int) -> None:
        """Take TOUR_BAND_SHARE of a window this tall (the text scrolls), or one strip."""
        self._window_height = window_height
        if self.collapsed():
            for layout in (self.tour_panel.layout(), self.layout()):
                if layout is not None:
                    layout.invalidate()  # the hidden parts no longer count
            self.setFixedHeight(self.minimumSizeHint().height())
        else:
            self.setFixedHeight(round(window_height * TOUR_BAND_SHARE))


def fit_to_screen(size: QtCore.QSize, screen: QtGui.QScreen | None) -> QtCore.QSize:
    """`size`, made no larger than the screen's available area (minus a small margin)."""
    if screen is None:
        return size
    room = screen.availableGeometry().size()
    return QtCore.QSize(min(size.width(), room.width()), min(size.height(), room.height()))
