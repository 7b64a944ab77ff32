"""Weight files that fail to load: one :class:`ModelArgError` naming the broken file.

A truncated or corrupt ``model.safetensors`` makes ``from_pretrained`` (transformers, diffusers,
peft) raise ``safetensors.SafetensorError``, which is a bare ``Exception`` ("Error while
deserializing header: incomplete metadata, file not fully covered") and names no file; a
truncated PyTorch ``.bin`` raises ``RuntimeError``, ``EOFError`` or ``pickle.UnpicklingError``
(issue 12, "bad files that still end in a traceback"). The adapters catch
:func:`load_errors` around their loading and turn what they catch into one message with
:func:`load_failure`, which looks through a local checkpoint for the weight file that does
not open (``safetensors.safe_open`` reads each header and checks that the tensors it lists
fit in the file, the check that failed).
"""

from __future__ import annotations

import pickle
from pathlib import Path

from harmonybench.model import ModelArgError

WEIGHT_SUFFIXES: tuple[str, ...] = (".safetensors",)
"""Weight files :func:`broken_weight_file` can check without loading them."""


def load_errors(*more: type[Exception]) -> tuple[type[Exception], ...]:
    """What loading a checkpoint raises for a bad file (``SafetensorError`` when installed),
    and ``more``."""
    errors: tuple[type[Exception], ...] = (OSError, ValueError, EOFError, RuntimeError,
                                           KeyError, pickle.UnpicklingError, *more)
    try:
        from safetensors import SafetensorError
    except ImportError:
        return errors
    return (*errors, SafetensorError)


def broken_weight_file(location: str | Path) -> tuple[Path, str] | None:
    """The first ``.safetensors`` file under the local folder ``location`` (or ``location``
    itself, a file) that does not open, and why; ``None`` when all open, or ``location`` is
    not local."""
    place = Path(location).expanduser()
    if place.is_file():
        candidates = [place]
    elif place.is_dir():
        candidates = sorted(place.rglob("*"))
    else:
        return None
    try:
        from safetensors import safe_open
    except ImportError:
        return None
    for path in candidates:
        if path.suffix not in WEIGHT_SUFFIXES or not path.is_file():
            continue
        try:
            with safe_open(str(path), framework="numpy"):
                pass
        except Exception as exc:  # SafetensorError, OSError: what is wrong with this file
            return path, str(exc)
    return None


def load_failure(adapter: str, what: str, location: str | Path,
                 exc: BaseException) -> ModelArgError:
    """The error to raise for ``exc``, caught loading ``what`` from ``location``.

    Args:
        adapter: the adapter's name, first in the message (``hf-vlm``).
        what: what was being loaded (``a model``, ``a pipeline``, ``LoRA adapter(s)``).
        location: the checkpoint's folder (or hub id).
        exc: what the loader raised.
    """
    broken = broken_weight_file(location)
    if broken is not None:
        path, why = broken
        return ModelArgError(f"{adapter}: cannot load {what} from {str(location)!r}: the weight "
                             f"file {path} is truncated or corrupt ({why}); download it again")
    reason = str(exc) or type(exc).__name__
    return ModelArgError(f"{adapter}: cannot load {what} from {str(location)!r}: {reason}")
