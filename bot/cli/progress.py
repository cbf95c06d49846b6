"""A progress bar (rich) for the long commands: a township's exports, a large roster import.

Shown on stderr only when it is a terminal, so that scripts and tests see nothing of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

#: ``step(done, total, what)``: how far the work has come, and what it is at now.
Step = Callable[[int, int, str], None]


@contextmanager
def progress_bar(title: str) -> Iterator[Step]:
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[what]}"),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    )  # fmt: skip
    with bar:
        task = bar.add_task(title, total=None, what="")

        def step(done: int, total: int, what: str = "") -> None:
            bar.update(task, completed=done, total=total, what=what)

        yield step
