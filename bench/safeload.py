"""Parse JSON and YAML from a user's file without a traceback: one :class:`DataError` instead.

:func:`json_loads` is :func:`json.loads` for every JSON file harmonybench reads (data files,
prediction files, answer files, manifests), :func:`yaml_load` ``yaml.safe_load`` for its YAML
specs. Beyond malformed JSON (``json.JSONDecodeError``, which it lets
through for the caller to word with its own line and column), Python's parser fails in two
ways that are not ``JSONDecodeError`` (issue 12, "bad files that still end in a traceback"):

- nesting deeper than the interpreter's recursion limit (about 1000 levels) raises
  ``RecursionError``;
- an integer of more than 4300 digits raises ``ValueError`` (CPython's limit on converting
  a decimal string to ``int``, ``sys.get_int_max_str_digits``, Python >= 3.11; see the
  ``json`` module's documentation, "Integer string conversion length limitation").

Both become a :class:`~harmonybench.errors.DataError` naming the file and the line (PyYAML
fails the same two ways, and :func:`yaml_load` words them the same). Nesting
that does parse is still refused beyond :data:`MAX_DEPTH` levels: no benchmark file nests
that deep, and code that walks a value recursively (``json.dumps(indent=...)``, copying a
record) would otherwise fail later, far from the file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from harmonybench.errors import DataError

MAX_DEPTH = 100
"""The deepest nesting of arrays and objects accepted in one JSON value."""

_LONG_INTEGER = re.compile(r"(?<![\d.eE])-?\d{4301,}")


def _line_of(text: str, position: int, first_line: int) -> str:
    return f"line {first_line + text.count(chr(10), 0, position)}"


def _depth(value: Any) -> int:
    """The nesting depth of arrays and objects in ``value`` (0 for a scalar), iteratively."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                return deepest
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return deepest if isinstance(value, (dict, list)) else 0


def json_loads(
    text: str | bytes,
    path: str | Path,
    *,
    record: str | None = None,
    first_line: int = 1,
) -> Any:
    """``json.loads(text)``, with its non-syntax failures as one :class:`DataError`.

    Args:
        text: the JSON text (a whole file, or one line of a JSON Lines file).
        path: the file it comes from (for the message).
        record: where ``text`` is in the file (``"line 12"``); ``None`` when ``text`` is the
            whole file, and the line is found in it where possible.
        first_line: the line number of ``text``'s first line in the file.

    Raises:
        json.JSONDecodeError: the text is not JSON (the caller words it).
        DataError: nesting deeper than :data:`MAX_DEPTH` levels, or an integer too long for
            Python to convert (more than 4300 digits).
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise DataError(path, f"JSON nested too deeply to parse (more than {MAX_DEPTH} levels "
                        "of lists or mappings)", record=record) from None
    except ValueError as exc:
        decoded = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        raise (_long_integer(decoded, path, first_line, record)
               or DataError(path, f"cannot be read as JSON: {exc}", record=record)) from None
    _check_depth(value, path, record, "JSON")
    return value


def _check_depth(value: Any, path: str | Path, record: str | None, kind: str) -> None:
    if isinstance(value, (dict, list)) and _depth(value) > MAX_DEPTH:
        raise DataError(path, f"{kind} nested more than {MAX_DEPTH} levels deep (lists or "
                        "mappings); no benchmark file nests that deep", record=record)


def _long_integer(text: str, path: str | Path, first_line: int,
                  record: str | None) -> DataError | None:
    match = _LONG_INTEGER.search(text)
    if match is None:
        return None
    digits = len(match.group().lstrip("-"))
    return DataError(path, f"a number of {digits} digits: Python reads integers of at most "
                     f"{sys.get_int_max_str_digits()} digits",
                     record=record or _line_of(text, match.start(), first_line))


def yaml_load(text: str, path: str | Path) -> Any:
    """``yaml.safe_load(text)``, with its non-syntax failures as one :class:`DataError`.

    Raises:
        yaml.YAMLError: the text is not YAML (the caller words it).
        DataError: nesting deeper than :data:`MAX_DEPTH` levels, or an integer too long for
            Python to convert.
    """
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        raise
    except RecursionError:
        raise DataError(path, f"YAML nested too deeply to parse (more than {MAX_DEPTH} levels "
                        "of lists or mappings)") from None
    except ValueError as exc:
        raise (_long_integer(text, path, 1, None)
               or DataError(path, f"cannot be read as YAML: {exc}")) from None
    _check_depth(value, path, None, "YAML")
    return value
