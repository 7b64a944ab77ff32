"""``replay-images``: images generated elsewhere, answered as if generated now.

``harmonybench run --model replay-images:DIR`` answers ``t2i`` and ``edit`` requests with the
image files a folder already holds, so that another tool's generations (AnyText's evaluation
script, TextHarmony's ``inference.py``, an earlier harmonybench run) are scored by harmonybench's
tasks and protocols without running any model. ``harmonybench score --predictions DIR`` scores
the same folder without a run folder.

**Naming schemes** (``id``, ``anytext``, ``mask``, ``textharmony``) are
:mod:`harmonybench.image_files`'s, tried in that order for each request; ``--model-arg
scheme=NAME`` allows only one. TextHarmony's ``i`` is ``request.index`` (the sample's position
in the annotation file), its round ``--model-arg iteration=`` (default 0), its folder the newest
``gen_img_*`` of ``DIR`` or the one ``--model-arg folder=NAME`` names (a name inside ``DIR`` or a
path inside it).

**How many images**: when the request's generation settings give ``num_images`` = ``n``,
images ``0 .. n-1`` must all exist (extra ones are ignored, e.g. the first of AnyText's 4 for a
1-image protocol); without it, every consecutive index from 0 that exists is taken.
``--model-arg num_images=N`` sets the requests' count (the run loop passes it into their
settings, and the run id records it): a folder with one image per prompt under AnyText's
4-image protocol needs ``num_images=1``, and a request that finds fewer images than it asks
gets an error that says how many were found and names that option. ``--model-arg take=all``
takes every consecutive index whatever the request asks (to replay a folder of ground-truth
images, one per sample, under a 4-image protocol). A request none of the schemes answers gets
``Output(error=...)`` naming every file name it looked for.

**Copies.** The images found are **copied** byte for byte (not linked: the run folder must stay
whole when the source folder is moved or deleted) into ``context.image_dir`` as
``{sample_id}_{k}<original extension>`` (a JPEG stays the same JPEG, so what is scored is
exactly what was generated). ``spec()`` records a digest of the folder's image list (relative
path and size of every image file), their count and the TextHarmony folder used.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from harmonybench.image_files import (
    SCHEMES,
    Found,
    ImageFolder,
    ImageKey,
    MissingImagesError,
    Scheme,
    newest_gen_folder,
)
from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    parse_number,
    unsupported_outputs,
)
from harmonybench.models.imageio import RequestError, copy_image, positive_int
from harmonybench.schema import IMAGE_OUT_KINDS, Output, Request, RequestKind, short_hash

REPLAY_ARGS: frozenset[str] = frozenset({"scheme", "folder", "iteration", "take", "num_images"})
"""The ``--model-arg`` keys taken; ``num_images`` is a generation setting the run loop passes
into every request (read from there, as every image-out adapter does)."""

COUNT_OPTION = "--model-arg num_images={n}"
"""The option named when a request finds fewer images than it asks."""


class ReplayImagesModel(ModelAdapter):
    """Answers image-out requests with images generated elsewhere, copied into the run."""

    name: ClassVar[str] = "replay-images"
    kinds: ClassVar[frozenset[RequestKind]] = IMAGE_OUT_KINDS

    def __init__(
        self,
        location: str | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        unknown = sorted(set(self.args) - REPLAY_ARGS)
        if unknown:
            raise ModelArgError(f"replay-images: unknown --model-arg {', '.join(unknown)} "
                                f"(known: {', '.join(sorted(REPLAY_ARGS))})")
        if not location:
            raise ModelArgError("replay-images needs a folder: --model replay-images:DIR")
        self.root = Path(location).expanduser()
        if not self.root.is_dir():
            raise ModelArgError(f"replay-images: {self.root} is not a folder")
        if "num_images" in self.args:
            try:
                positive_int("num_images", parse_number("num_images", self.args["num_images"]))
            except RequestError as exc:
                raise ModelArgError(f"--model-arg {exc}") from exc
        scheme = self.args.get("scheme", "auto").strip().lower()
        if scheme != "auto" and scheme not in SCHEMES:
            raise ModelArgError(f"--model-arg scheme={scheme!r}: expected auto, "
                                f"{', '.join(SCHEMES)}")
        schemes: tuple[Scheme, ...] = SCHEMES if scheme == "auto" else tuple(
            s for s in SCHEMES if s == scheme
        )
        iteration = parse_number("iteration", self.args.get("iteration", "0"))
        if not isinstance(iteration, int) or iteration < 0:
            raise ModelArgError(f"--model-arg iteration={iteration!r}: expected an integer >= 0")
        take = self.args.get("take", "request").strip().lower()
        if take not in ("request", "all"):
            raise ModelArgError(f"--model-arg take={take!r}: expected request or all")
        self.take_all = take == "all"
        self.folder = ImageFolder(self.root, schemes=schemes, iteration=iteration,
                                  gen_folder=self._gen_folder())

    @property
    def schemes(self) -> tuple[Scheme, ...]:
        """The naming schemes tried, in order."""
        return self.folder.schemes

    def _gen_folder(self) -> Path:
        given = self.args.get("folder")
        if given is None:
            return newest_gen_folder(self.root) or self.root
        path = Path(given).expanduser()
        folder = path if path.is_absolute() else self.root / path
        if not folder.is_dir():
            raise ModelArgError(f"--model-arg folder={given!r}: {folder} is not a folder")
        try:
            folder.resolve().relative_to(self.root.resolve())
        except ValueError as exc:
            raise ModelArgError(f"--model-arg folder={given!r}: must be inside {self.root}"
                                ) from exc
        return folder

    def spec(self) -> dict[str, Any]:
        """Base spec plus a digest of the image list, its size and the TextHarmony folder."""
        listing = sorted((rel, path.stat().st_size) for rel, path in self.folder.images.items())
        return {
            **super().spec(),
            "files_sha256": short_hash(listing, length=16),
            "files": len(listing),
            "textharmony_folder": self.folder.gen_folder_name,
        }

    def lookup(self, request: Request) -> Found:
        """The scheme that names ``request``'s images and the files (in order).

        Raises:
            RequestError: no scheme finds them (the message lists what was looked for, and
                names ``--model-arg num_images=N`` when fewer images than asked were found).
        """
        value = request.generation.get("num_images")
        count = None if value is None else positive_int("num_images", value)
        if self.take_all:
            count = None
        try:
            return self.folder.lookup(ImageKey.of_request(request), count, COUNT_OPTION)
        except MissingImagesError as exc:
            raise RequestError(str(exc)) from exc

    def answer(self, request: Request, context: GenerationContext) -> Output:
        """Copy one request's images into the run folder."""
        started = time.perf_counter()
        try:
            found = self.lookup(request)
        except RequestError as exc:
            return Output(sample_id=request.sample_id, error=str(exc))
        paths = tuple(copy_image(path, context.image_dir, request.sample_id, k)
                      for k, path in enumerate(found.paths))
        sources = [path.relative_to(self.root).as_posix() for path in found.paths]
        return Output(sample_id=request.sample_id, images=paths,
                      latency_s=time.perf_counter() - started,
                      metadata={"scheme": found.scheme, "replayed": sources})

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """One output per request, in order."""
        outputs: list[Output] = []
        for request in requests:
            if self.supports(request.kind):
                outputs.append(self.answer(request, context))
            else:
                outputs.extend(unsupported_outputs([request], self.name))
        return outputs
