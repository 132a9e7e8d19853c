"""The http panel's widgets, built apart from what they do: `HttpPanel` wires them."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from guidemo.net import MAX_URLS
from guidemo.panels.http.examples import EXAMPLES
from guidemo.panels.http.run import WAYS
from guidemo.panels.http.table import ResultsTable
from guidemo.panels.ways import summary_label
from guidemo.widgets import palette, waterfall
from guidemo.widgets.kit import (
    FitLabel,
    FlowRow,
    ThemedFrame,
    column,
    dspin,
    label,
    line_edit,
    make_button,
    named,
    spin,
    vsplit,
)

LONG_LINE = 10_000  # characters: a line this long in the URL box is wrapped
# Okabe-Ito: told apart under the common colour-vision deficiencies; each band is also
# named on the axis and sits in its own place (sync on top).
BAR_COLORS = {
    "sync": palette.VERMILLION,
    "threads": palette.SKY_BLUE,
    "async": palette.BLUISH_GREEN,
}


class HttpControls(QtWidgets.QWidget):
    """The URL box, the news and limit fields, the run buttons, progress and summary, the
    results table and the waterfall."""

    def __init__(self) -> None:
        super().__init__()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self._build_url_box())
        layout.addWidget(self._build_form())
        layout.addWidget(self._build_buttons())
        layout.addWidget(self._build_confirm())
        self.summary = summary_label(
            "Pick a way to run the requests. Try sync, then async, and compare.",
            "summaryLabel",
            "The run: requests, failures, time, the word count, the speed-up",
        )
        layout.addWidget(self.summary)
        layout.addWidget(self._build_results(), 1)

    def _build_url_box(self) -> QtWidgets.QPlainTextEdit:
        self.url_edit = named(
            QtWidgets.QPlainTextEdit(),
            "urlEdit",
            "One URL per line, http:// or https:// only; spaces are stripped and empty lines "
            f"skipped; at most {MAX_URLS:,} are requested. Leave it empty for the news scenario",
        )
        self.url_edit.setPlaceholderText(
            "Empty: the news scenario (a list of sources, then each source's articles).\n"
            "Or your own URLs, one per line (http and https only)."
        )
        self.url_edit.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self.url_edit.setWordWrapMode(QtGui.QTextOption.WrapMode.WrapAnywhere)  # when wrapped
        self.url_edit.setFixedHeight(52)
        return self.url_edit

    def _build_form(self) -> FlowRow:
        self.count_spin = spin(
            "countSpin", 1, 200, 10, "How many news sources (requests = 1 + sources)"
        )
        self.latency_spin = dspin(
            "latencySpin", 0.0, 5.0, 0.2, "How long the demo server waits before each answer"
        )
        self.concurrency_spin = spin(
            "concurrencySpin",
            1,
            500,
            20,
            "At most this many requests in flight (async and threads)",
        )
        self.timeout_spin = dspin(
            "timeoutSpin", 0.2, 120.0, 5.0, "A request that takes longer than this fails", step=1.0
        )
        self.size_cap_spin = dspin(
            "sizeCapSpin",
            0.01,
            500.0,
            5.0,
            "Stop reading a body that grows beyond this",
            suffix=" MB",
            step=1.0,
        )
        self.word_edit = line_edit(
            "wordEdit", "The word to count in every article's title and description", "async"
        )
        self.word_edit.setMaximumWidth(110)
        self.examples = named(
            QtWidgets.QComboBox(), "examplesCombo", "Fill the URL box with a ready-made list to try"
        )
        self.examples.addItems(EXAMPLES)

        form = FlowRow()
        fields: list[tuple[str, QtWidgets.QWidget]] = [
            ("Sources", self.count_spin),
            ("Latency", self.latency_spin),
            ("Word", self.word_edit),
            ("Concurrency", self.concurrency_spin),
            ("Timeout", self.timeout_spin),
            ("Size cap", self.size_cap_spin),
        ]
        self.scenario_labels: list[QtWidgets.QLabel] = []
        for index, (text, widget) in enumerate(fields):
            caption = QtWidgets.QLabel(text)
            caption.setBuddy(widget)
            if index < 3:
                self.scenario_labels.append(caption)
            form.add((caption, widget))
        form.add(self.examples)
        return form

    def _build_buttons(self) -> FlowRow:
        self.buttons: dict[str, QtWidgets.QPushButton] = {
            "asyncButton": make_button(
                "async (aiohttp)",
                "asyncButton",
                "One ClientSession, all requests concurrent up to the limit, on the GUI "
                "thread's event loop",
                role="good",
            ),
            "syncButton": make_button(
                "sync, one by one",
                "syncButton",
                "The same requests one after another with a blocking client, in the GUI "
                "thread: the window freezes",
                role="danger",
            ),
            "threadsButton": make_button(
                "thread pool",
                "threadsButton",
                "The same requests on a pool of threads, as many as the limit",
            ),
            "cancelButton": make_button(
                "Cancel",
                "cancelButton",
                "Async: stops at once. Threads: drops the queued requests; running ones finish",
            ),
        }
        self.progress = named(
            QtWidgets.QProgressBar(),
            "progressBar",
            "Requests answered (well or not) out of all requests of the run: the same "
            "numbers as the sentence below, drawn at the same moment",
        )
        self.progress.setFormat("no run yet")
        self.progress.setValue(0)
        return FlowRow(*self.buttons.values(), self.progress)

    def _build_confirm(self) -> QtWidgets.QFrame:
        """Asked in the panel, not in a dialog, before a sync run that would freeze the
        window for long: a test (or a learner) answers it like any other button."""
        self.confirm = named(
            ThemedFrame("late_background"), "syncConfirm", "A sync run this long freezes the window"
        )
        self.confirm_text = label("", "syncConfirmText", "How long the window would freeze", True)
        self.confirm_yes = make_button(
            "Freeze the window",
            "syncConfirmButton",
            "Run the requests one by one in the GUI thread anyway",
            role="danger",
        )
        self.confirm_no = make_button(
            "Don't run", "syncDeclineButton", "Keep the window live; nothing is requested"
        )
        row = QtWidgets.QHBoxLayout(self.confirm)
        row.setContentsMargins(6, 4, 6, 4)
        row.addWidget(self.confirm_text, 1)
        row.addWidget(self.confirm_yes)
        row.addWidget(self.confirm_no)
        self.confirm.hide()
        return self.confirm

    def ask(self, question: str) -> None:
        self.confirm_text.setText(question)
        self.confirm.show()
        self.confirm_no.setFocus()

    def _build_results(self) -> QtWidgets.QSplitter:
        self.table = ResultsTable()
        self.timeline = named(
            waterfall.Waterfall(
                [(way, BAR_COLORS[way]) for way in WAYS],
                "time since the run started",
                "Run a way: its requests appear here",
            ),
            "timeline",
            "Waterfall: one bar per request from start to end, for the last run of each way. "
            "Stairs = one after another; a block of overlapping bars = concurrent. Above the "
            "bars: what the run ran with; a faded band ran with other inputs than the latest",
        )
        self.legend = named(
            FitLabel(
                " · ".join(
                    [
                        f"<span style='color:{palette.css(palette.shade(color))}'>■</span> {name}"
                        for name, color in BAR_COLORS.items()
                    ]
                    + [f"{waterfall.FAILED_GLYPH} failed (cross-hatched)"]
                    + [f"{waterfall.CANCELLED_GLYPH} cancelled (dotted)"]
                )
                + " · pale: still running · faded band: other inputs than the latest run"
            ),  # its height at its width: in a splitter pane, a second line was drawn over
            "waterfallLegend",
            "What the colours of the waterfall's bars mean",
        )
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.legend.setStyleSheet(f"color: {palette.MUTED};")
        chart = column((self.timeline, 1), self.legend, top=0)
        if (chart_layout := chart.layout()) is not None:
            chart_layout.setSpacing(0)  # the legend is the chart's caption: right under it
        results = vsplit(self.table, chart, sizes=(250, 230))
        results.setStretchFactor(0, 1)
        results.setStretchFactor(1, 1)
        return results

    def wrap_long_lines(self) -> None:
        """Wrap the URL box while a line in it is very long (a 1 MB URL): unwrapped, Qt lays
        that line out again for every repaint of the box (0.5 s each)."""
        document = self.url_edit.document()
        long = document.characterCount() > LONG_LINE and any(
            len(line) > LONG_LINE for line in self.url_edit.toPlainText().splitlines()
        )
        mode = QtWidgets.QPlainTextEdit.LineWrapMode
        wanted = mode.WidgetWidth if long else mode.NoWrap
        if self.url_edit.lineWrapMode() != wanted:
            self.url_edit.setLineWrapMode(wanted)

    def show_mode(self, idle: bool) -> None:
        """The news fields count only while the URL box is empty (and no run is going)."""
        scenario = self.url_edit.document().isEmpty()
        for widget in [self.count_spin, self.latency_spin, self.word_edit, *self.scenario_labels]:
            widget.setEnabled(scenario and idle)
