"""What every command shares: error reporting, console output, JSON printing."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

from harmonybench.errors import HarmonyBenchError

EXIT_DATA_ERROR = 2


def stderr_console() -> Console:
    """A console on stderr (messages, warnings, progress), so stdout stays machine-readable."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


PIPED_WIDTH = 1000
"""Columns of a stdout console that is not a terminal: wide enough that no table is cut."""


def stdout_console() -> Console:
    """A console on stdout for tables.

    On a terminal it is the terminal's width; piped or redirected (``| cat``, a file, a test
    runner) it is :data:`PIPED_WIDTH` columns wide, so that rich never cuts a table (or its
    cells) to the 80 columns it assumes otherwise.
    """
    console = Console(highlight=False)
    if console.is_terminal:
        return console
    return Console(highlight=False, width=PIPED_WIDTH)


def fail(message: str, code: int = EXIT_DATA_ERROR) -> None:
    """Print one error line on stderr and exit with ``code``."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def warn(message: str) -> None:
    """Print one warning line on stderr."""
    print(f"warning: {message}", file=sys.stderr)


@contextmanager
def report_errors() -> Iterator[None]:
    """Turn harmonybench's own errors into one message and exit status 2."""
    try:
        yield
    except HarmonyBenchError as exc:
        fail(str(exc))


def print_json(value: Any) -> None:
    """Exactly one JSON object on stdout."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, sort_keys=False) + "\n")
    sys.stdout.flush()


def setup_logging(verbose: bool = False) -> None:
    """Log to stderr: warnings by default, info with ``--verbose``."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
