"""Writing report files: whole or not at all, and one line when the disk refuses.

:func:`write_output` writes a report (``leaderboard --out``, ``--plot``, ``compare
--markdown``, the demo's files) to a temporary name beside the target and renames it into
place (``os.replace``, atomic on POSIX), so a full disk never leaves half a report under the
real name; on failure the temporary file is removed and the error is a
:class:`~harmonybench.errors.HarmonyBenchError` that says what happened in one line ("no space
left on the device", "the folder is read-only"), which the CLI prints with exit status 2
(issue 12, "disk full or a read-only output folder"). :func:`disk_errors` words the same
failures for code that writes many files itself (the demo's data generation).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from harmonybench.errors import HarmonyBenchError

_REASONS: tuple[tuple[int, str], ...] = (
    (errno.ENOSPC, "no space left on the device (disk full)"),
    (errno.EDQUOT, "the disk quota is exceeded"),
    (errno.EROFS, "the file system is read-only"),
    (errno.EACCES, "permission denied (a read-only folder?)"),
    (errno.EPERM, "operation not permitted (a read-only folder?)"),
)


class OutputWriteError(HarmonyBenchError):
    """A file harmonybench was asked to write could not be written (exit status 2)."""


def os_reason(exc: OSError) -> str:
    """What an :class:`OSError` means for a file being written, in a few words."""
    for number, words in _REASONS:
        if exc.errno == number:
            return words
    return exc.strerror or str(exc) or type(exc).__name__


def write_output(path: str | Path, data: str | bytes, *, what: str = "the output") -> Path:
    """Write ``data`` (text is UTF-8) to ``path`` atomically, creating its folder.

    Args:
        path: the file to write.
        data: its whole content.
        what: what the file is, for the message (``"the leaderboard"``).

    Returns:
        ``path``.

    Raises:
        OutputWriteError: the folder cannot be created or the file written (disk full,
            read-only folder, ...); no temporary file is left behind.
    """
    target = Path(path).expanduser()
    payload = data.encode("utf-8") if isinstance(data, str) else data
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as handle:
            handle.write(payload)
        os.replace(partial, target)
    except OSError as exc:
        with suppress(OSError):  # a folder that refuses even that holds no partial file
            partial.unlink(missing_ok=True)
        raise OutputWriteError(f"cannot write {what} to {target}: {os_reason(exc)}") from None
    return target


@contextmanager
def disk_errors(what: str) -> Iterator[None]:
    """Turn an :class:`OSError` of writing (disk full, read-only, permissions) raised inside
    into one :class:`OutputWriteError` naming the file; other errors pass through.

    Args:
        what: what was being written (``"the demo data"``).
    """
    try:
        yield
    except HarmonyBenchError:
        raise
    except OSError as exc:
        if exc.errno not in {number for number, _ in _REASONS}:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        raise OutputWriteError(f"cannot write {what}{where}: {os_reason(exc)}") from None
