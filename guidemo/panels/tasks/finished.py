"""The `tasks` panel's finished tasks: the last ones that ended, with where their time went
and, for cancelled ones, who cancelled them."""

from __future__ import annotations

from guidemo.panels.section import Host, Section
from guidemo.panels.tasks.cell_table import CellTable
from guidemo.panels.tasks.task_rows import FINISHED_COLUMNS, finished_cells
from guidemo.task_accounting import KEEP_FINISHED, TaskAccounting
from guidemo.widgets.kit import label

WIDTHS = (190, 90, 55, 50, 60, 60, 70, 70, 170, 170, 170)


class FinishedSection(Section):
    """The accounting's last KEEP_FINISHED ended tasks, oldest first (sortable)."""

    title = f"Finished (last {KEEP_FINISHED})"

    def __init__(self, host: Host, accounting: TaskAccounting) -> None:
        super().__init__(host)
        self.accounting = accounting
        self._seen = -1  # accounting.ended_count at the last refresh
        self.summary_label = label(
            "", "finishedSummaryLabel", "How many accounted tasks have ended so far"
        )
        self.cells = CellTable(
            "finishedTasksTable",
            FINISHED_COLUMNS,
            f"The last {KEEP_FINISHED} accounted tasks that ended, oldest first; click a "
            "column's header to sort by it. Hover a header for what it counts",
            WIDTHS,
        )
        self.table = self.cells.widget
        self.lay_out(self.summary_label, (self.table, 1), top=0)

    def refresh(self, now: float) -> None:
        """Add the tasks that ended since the last look, drop those the accounting no
        longer keeps (nothing else changes once a task has ended)."""
        ended = self.accounting.ended_count
        if ended == self._seen:
            return
        self._seen = ended
        kept = list(self.accounting.finished)
        self.cells.begin()
        try:
            for stats in self.cells.keys() - set(kept):
                self.cells.remove(stats)
            for stats in kept:
                if stats not in self.cells:
                    self.cells.show(stats, finished_cells(stats, now))
        finally:
            self.cells.end()
        self.summary_label.setText(
            f"{ended:,} accounted tasks ended so far; the last {len(kept)} are kept here."
        )
