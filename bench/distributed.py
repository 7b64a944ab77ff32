"""One process per device, on torch.distributed (``torchrun``), gloo on CPU and nccl on CUDA.

``torchrun --nproc_per_node N -m harmonybench run ...`` (or several nodes) sets ``RANK``,
``WORLD_SIZE`` and ``LOCAL_RANK``; without them the run is a single process and torch is not
imported at all. Samples are split with :func:`shard`: strided, so no sample is duplicated and
none is padded (unlike ``DistributedSampler``'s defaults, protocols-and-formats §7 G15).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    """This process's place among the ranks."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def distributed(self) -> bool:
        """Whether there is more than one rank."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Whether this is rank 0, which merges and scores."""
        return self.rank == 0

    def barrier(self) -> None:
        """Wait for every rank (a no-op for a single process)."""
        if self.distributed:
            import torch.distributed as dist

            dist.barrier()

    def broadcast(self, value: Any) -> Any:
        """Rank 0's ``value``, on every rank."""
        if not self.distributed:
            return value
        import torch.distributed as dist

        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def close(self) -> None:
        """Tear the process group down."""
        if self.distributed:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()


def env_world() -> tuple[int, int, int]:
    """``(rank, world_size, local_rank)`` from the torchrun environment (0, 1, 0 without)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", str(rank)))
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"bad torchrun environment: RANK={rank} WORLD_SIZE={world_size}")
    return rank, world_size, local_rank


def init_world(device: str | None, timeout_hours: float = 24.0) -> World:
    """Join the process group when launched by torchrun; otherwise a single-process world.

    The barrier timeout is long (24 h by default) because ranks legitimately finish their
    shards at different times and rank 0 waits for all of them before scoring.
    """
    rank, world_size, local_rank = env_world()
    if world_size == 1:
        return World()
    import torch
    import torch.distributed as dist

    use_cuda = (device or "").startswith("cuda") or (device is None and torch.cuda.is_available())
    backend = "nccl" if use_cuda else "gloo"
    if not dist.is_initialized():
        kwargs: dict[str, Any] = {"timeout": dt.timedelta(hours=timeout_hours)}
        if use_cuda:
            torch.cuda.set_device(local_rank)
            kwargs["device_id"] = torch.device("cuda", local_rank)
        dist.init_process_group(backend=backend, **kwargs)
    return World(rank=rank, world_size=world_size, local_rank=local_rank, backend=backend)


def shard(items: Sequence[T], rank: int, world_size: int) -> list[T]:
    """Rank ``rank``'s share of ``items``: every ``world_size``-th item from ``rank``."""
    return list(items[rank::world_size])


def rank_device(device: str | None, world: World) -> str | None:
    """The device of this rank: ``cuda`` becomes ``cuda:LOCAL_RANK`` when distributed."""
    if device == "cuda" and world.distributed:
        return f"cuda:{world.local_rank}"
    return device
