"""Errors that the CLI turns into one clear message and exit status 2."""

from __future__ import annotations

from pathlib import Path


class HarmonyBenchError(Exception):
    """Base class of the errors harmonybench reports to users (exit status 2)."""


class DataError(HarmonyBenchError):
    """Bad input data: names the file, the record (line or position) and the field.

    Args:
        path: the file (or folder) that holds the bad data.
        problem: what is wrong, in words.
        record: which record: ``"line 12"``, ``"record 3"``, ``"question_id 34602"``.
        field: the field (key) that is missing or malformed.
    """

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.record = record
        self.field = field
        where = [self.path]
        if record is not None:
            where.append(record)
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{': '.join([', '.join(where), problem])}")


class ImageError(HarmonyBenchError, OSError):
    """An input image that cannot be opened: names the file (or the embedded image).

    Also an :class:`OSError`, so code that catches PIL's errors catches this one.

    Args:
        where: the image's path, or the dataset's name for embedded bytes.
        reason: why it cannot be opened, in words.
    """

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"cannot open image {where}: {reason}")


class OutputError(HarmonyBenchError):
    """A model output that cannot be used (a generated image that is missing or unreadable).

    Raised by a task's ``extract``; the scoring stage journals it as that sample's failure (the
    model's, retried by ``--retry-failed``), not as a scoring error.
    """


class RegistryError(HarmonyBenchError):
    """An unknown task, model or protocol name, or a plugin that fails to load."""


class ProtocolError(HarmonyBenchError):
    """A protocol asked of a task it does not apply to."""
