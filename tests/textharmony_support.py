"""What the ``textharmony`` adapter tests share: a request with defaults, a box polygon, split
checkpoint parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harmonybench.schema import Request

BOX = ((0, 0), (100, 0), (100, 40), (0, 40))


def make_request(kind: str, **kwargs: Any) -> Request:
    fields: dict[str, Any] = {
        "sample_id": "s1", "task": "toy", "kind": kind, "prompt": "rendered", "template_id": "t",
        "template_hash": "h", "question": "What is written?", "images": (),
    }
    fields.update(kwargs)
    return Request(**fields)


def write_parts(folder: Path, sizes: tuple[int, ...] = (1000, 700, 33)) -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    data = b""
    for index, size in enumerate(sizes):
        chunk = bytes((index * 7 + i) % 251 for i in range(size))
        suffix = chr(ord("a") + index // 26) + chr(ord("a") + index % 26)
        (folder / f"pytorch_model.bin{suffix}").write_bytes(chunk)
        data += chunk
    return data
