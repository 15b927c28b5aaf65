"""The progress bar of a job on the terminal (rich): records done of the file's, records per second, time left."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Units done per second, over the last half minute."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self._unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} {self._unit}/s" if speed else f"– {self._unit}/s", style="progress.data.speed")


class TerminalProgress:
    """A bar on standard error: done of total (an estimate, corrected at the end), rate, elapsed time and ETA."""

    def __init__(self, description: str, unit: str = "records", console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._bar = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(unit),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=self._console, speed_estimate_period=30.0,
        )  # fmt: skip
        self._description = description
        self._task: TaskID | None = None
        self._done = 0

    def start(self, total: int | None) -> None:
        self._bar.start()
        self._task = self._bar.add_task(self._description, total=total or None)

    def advance(self, records: int) -> None:
        if self._task is None:
            return
        self._done += records
        total = self._bar.tasks[0].total
        if total is not None and self._done > total:
            self._bar.update(self._task, total=None)  # the estimate was short: no ETA rather than a wrong one
        self._bar.update(self._task, advance=records)

    def note(self, message: str) -> None:
        self._bar.console.print(f"[yellow]{message}")

    def finish(self) -> None:
        if self._task is not None:
            self._bar.update(self._task, total=self._done)
        self._bar.stop()
