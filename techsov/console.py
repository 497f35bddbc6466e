"""Terminal output shared by the commands: one place maps errors to messages and exit codes."""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import click
import typer
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from typer.exceptions import TyperException

from ontology.errors import (
    BadSetting,
    CannotUse,
    StoreUnavailable,
    TechsovError,
    ValidationFailed,
)
from store.base import ProgressCallback

P = ParamSpec("P")
R = TypeVar("R")

err_console = Console(stderr=True)


def step(message: str) -> None:
    """Say what a command is doing now, so a wait is never silent."""
    err_console.print(f"[dim]→[/] {message}", highlight=False, soft_wrap=True)


def note(message: str) -> None:
    """:func:`step` on a terminal only: commands whose stderr programs read stay quiet."""
    if err_console.is_terminal:
        step(message)


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner with the elapsed time while a step without countable parts runs.

    On a terminal the line stays, with its duration, once the step is done; elsewhere
    (a pipe, CI, a test) nothing is printed, so output meant for reading by programs stays
    as it was.
    """
    if not err_console.is_terminal:
        yield
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        task = bar.add_task(message, total=1)
        yield
        bar.update(task, completed=1)


def report_error(exc: TechsovError) -> None:
    """Print an error for a person: every validation problem on its own line."""
    if isinstance(exc, ValidationFailed):
        err_console.print(f"[bold red]{len(exc.problems)} problem(s) found[/]")
        for problem in exc.problems:
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    else:
        message = exc.message
        if isinstance(exc, StoreUnavailable):
            message += f"; {STORE_FIX}"
        err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


_debug = {"on": os.environ.get("TECHSOV_DEBUG", "") not in ("", "0", "false")}


STORE_FIX = (
    "check that Neo4j runs and TECHSOV_NEO4J_URI, TECHSOV_NEO4J_USER and "
    'TECHSOV_NEO4J_PASSWORD point at it (a local one: eval "$(techsov neo4j start)")'
)


def set_debug(on: bool) -> None:
    """``--debug``: let unexpected errors show their traceback, and the driver's retries."""
    _debug["on"] = on or _debug["on"]
    # The driver logs each retry of an unreachable server as a multi-line warning; the
    # command's own one-line error says it once. With --debug they are worth seeing.
    logging.getLogger("neo4j").setLevel(logging.DEBUG if _debug["on"] else logging.ERROR)


def as_techsov_error(exc: BaseException) -> TechsovError | None:
    """The project error an exception means to a user, or None for a genuine bug.

    A malformed setting arrives as pydantic's error about :class:`Settings`; the machine
    refusing a file arrives as an ``OSError``. Both become one line naming the fix.
    """
    if isinstance(exc, TechsovError):
        return exc
    if isinstance(exc, PydanticValidationError) and exc.title == "Settings":
        return BadSetting("; ".join(_setting_problem(e) for e in exc.errors()))
    if isinstance(exc, SettingsError):
        # A list or mapping setting that is not JSON: pydantic-settings names only the field.
        field = re.search(r'field "(\w+)"', str(exc))
        variable = f"TECHSOV_{field.group(1).upper()}" if field else "a TECHSOV_ setting"
        return BadSetting(
            f"bad setting {variable}: not valid JSON (a list is written like "
            '["a", "b"]); fix or unset it (environment or .env)'
        )
    if isinstance(exc, OSError) and exc.filename is not None:
        verb = "write" if isinstance(exc, IsADirectoryError | FileExistsError) else "use"
        return CannotUse(
            f"cannot {verb} {exc.filename}: {exc.strerror or exc}; check the path and "
            "its permissions"
        )
    return None


def _setting_problem(error: Any) -> str:
    name = "_".join(str(part) for part in error.get("loc", ()) if not isinstance(part, int))
    variable = f"TECHSOV_{name.upper()}" if name else "a TECHSOV_ setting"
    value = error.get("input")
    shown = f"={value!r}" if isinstance(value, str | int | float) else ""
    return (
        f"bad setting {variable}{shown}: {error.get('msg', 'invalid')}; fix or unset it "
        "(environment or .env)"
    )


def exits_on_error(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn every failure into one line and an exit code that says which kind it is.

    The project's errors carry their own code (see the README's table); an unexpected
    error is a bug: one line and exit 1, with the traceback only under ``--debug``.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException, click.ClickException):
            raise  # usage errors and deliberate exits: typer prints and exits with them
        except KeyboardInterrupt:
            err_console.print("interrupted", highlight=False)
            raise typer.Exit(130) from None
        except Exception as exc:
            error = as_techsov_error(exc)
            if error is None:
                if _debug["on"]:
                    raise
                err_console.print(
                    f"[bold red]internal error:[/] {type(exc).__name__}: {exc} "
                    "(run again with --debug for the traceback)",
                    highlight=False,
                    markup=True,
                    soft_wrap=True,
                )
                raise typer.Exit(1) from None
            report_error(error)
            raise typer.Exit(error.exit_code) from None

    return wrapper


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressCallback]:
    """A rich progress bar driven by ``progress(stage, done, total)`` callbacks.

    Quiet when stderr is not a terminal (CI logs, pipes): a bar redrawn there is noise.
    """
    if not enabled or not err_console.is_terminal:
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
