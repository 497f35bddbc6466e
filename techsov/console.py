"""Terminal output shared by the commands: one place maps errors to messages and exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from ontology.errors import TechsovError, ValidationFailed
from store.base import ProgressCallback

P = ParamSpec("P")
R = TypeVar("R")

err_console = Console(stderr=True)


def report_error(exc: TechsovError) -> None:
    """Print an error for a person: every validation problem on its own line."""
    if isinstance(exc, ValidationFailed):
        err_console.print(f"[bold red]{len(exc.problems)} problem(s) found[/]")
        for problem in exc.problems:
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    else:
        err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False)


def exits_on_error(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's errors into a message and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except TechsovError as exc:
            report_error(exc)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressCallback]:
    """A rich progress bar driven by ``progress(stage, done, total)`` callbacks."""
    if not enabled:
        yield lambda stage, done, total: None
        return
    with Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update
