"""The main window: navigator of panels on the left, the panel beside it, HUD on top."""

from __future__ import annotations

import asyncio
import logging

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.panels import PANELS, SLUGS
from guidemo.panels.base import Panel
from guidemo.services import PanelContext, ServerControl
from guidemo.ui.error_log import ErrorLog
from guidemo.ui.hud import Hud
from guidemo.widgets.palette import STYLE_SHEET

log = logging.getLogger(__name__)
DEFAULT_SIZE = QtCore.QSize(1440, 920)
SCREENSHOT_SIZE = QtCore.QSize(1600, 1000)
NAVIGATOR_WIDTH = 210


class MainWindow(QtWidgets.QMainWindow):
    """Build it inside a running event loop; `await window.closed.wait()` then `shutdown()`."""

    def __init__(
        self,
        server_url: str,
        parent: QtWidgets.QWidget | None = None,
        server: ServerControl | None = None,
        context: PanelContext | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle("guidemo: event-driven programming, live")
        self.server_url = server_url
        self.loop = asyncio.get_running_loop()
        self.closed = asyncio.Event()
        self.settings = QtCore.QSettings("guidemo", "guidemo")
        self.remember_state = True  # save size and last panel on close

        self.error_log = ErrorLog()
        # The services come from the composition root (app.py); code that builds a window
        # on its own (tests, the benchmark) gets a fresh set, stopped by shutdown().
        self._owns_context = context is None
        self.context = context or PanelContext.start(server_url, server)
        self.context.errors.listeners.append(self.error_log.report)
        self.monitor = self.context.monitor
        self.executor = self.context.executor
        self.setStyleSheet(STYLE_SHEET)

        self.panels: dict[str, Panel] = {}
        self.panel_list = QtWidgets.QListWidget()
        self.panel_list.setObjectName("panelList")
        self.panel_list.setToolTip("The panels; Ctrl+1..9 switch between them")
        self.stack = QtWidgets.QStackedWidget()
        for number, entry in enumerate(PANELS, start=1):
            panel = entry.load()(self.context)
            self.panels[entry.slug] = panel
            self.stack.addWidget(panel)
            item = QtWidgets.QListWidgetItem(f"{number}  {entry.title}")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, entry.slug)
            item.setToolTip(f"{entry.title} (Ctrl+{number})")
            self.panel_list.addItem(item)
        self.panel_list.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.panel_list.setWordWrap(True)
        self.panel_list.setFixedWidth(NAVIGATOR_WIDTH)

        self.hud = Hud(self.monitor, self.context.loop_kind)
        central = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(central)
        grid.setContentsMargins(6, 6, 6, 0)
        grid.addWidget(self.hud, 0, 0, 1, 2)
        grid.addWidget(self.panel_list, 1, 0)
        grid.addWidget(self.stack, 1, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(1, 1)
        self.setCentralWidget(central)

        errors = QtWidgets.QDockWidget("Errors", self)
        errors.setObjectName("errorDock")
        errors.setWidget(self.error_log)
        errors.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, errors)
        self.resizeDocks([errors], [80], QtCore.Qt.Orientation.Vertical)

        self._add_shortcuts()
        self._restore_settings()
        self.monitor.current_panel = lambda: self.current_panel().slug
        self.monitor.start(self.loop)

    # --- public API -------------------------------------------------------------------
    def show_panel(self, slug: str) -> Panel:
        """Switch to the panel `slug` and return it (KeyError for an unknown slug)."""
        panel = self.panels[slug]
        self.panel_list.setCurrentRow(SLUGS.index(slug))
        return panel

    def current_panel(self) -> Panel:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def report_error(self, error: BaseException, context: str) -> None:
        """Show an unhandled error in the errorLog (and in logging); the app carries on."""
        self.context.report_error(error, context)

    async def shutdown(self) -> None:
        """Stop all work, in order: panel tasks and workers, the monitor, the thread pool."""
        await asyncio.gather(*(panel.shutdown() for panel in self.panels.values()))
        self.monitor.current_panel = lambda: ""  # the monitor may outlive this window
        self.context.errors.listeners.remove(self.error_log.report)
        if self._owns_context:
            self.context.stop()

    # --- behaviour ----------------------------------------------------------------------
    def _add_shortcuts(self) -> None:
        quit_action = QtGui.QAction("Quit", self)
        quit_action.setShortcut(QtGui.QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        self.addAction(quit_action)
        for number, slug in enumerate(SLUGS[:9], start=1):
            action = QtGui.QAction(f"Show {slug}", self)
            action.setShortcut(QtGui.QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _=False, s=slug: self.show_panel(s))
            self.addAction(action)

    def _restore_settings(self) -> None:
        size = self.settings.value("size")
        self.resize(size if isinstance(size, QtCore.QSize) and size.isValid() else DEFAULT_SIZE)
        last = self.settings.value("lastPanel", "")
        self.show_panel(last if last in SLUGS else SLUGS[0])

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self.remember_state:
            self.settings.setValue("size", self.size())
            self.settings.setValue("lastPanel", self.current_panel().slug)
            self.settings.sync()
        self.closed.set()
        event.accept()
