"""``replay-images``: images generated elsewhere, answered as if generated now.

``harmonybench run --model replay-images:DIR`` answers ``t2i`` and ``edit`` requests with the
image files a folder already holds, so that another tool's generations (AnyText's evaluation
script, TextHarmony's ``inference.py``, an earlier harmonybench run) are scored by harmonybench's
tasks and protocols without running any model.

**Naming schemes**, tried in this order for each request (``--model-arg scheme=id|anytext|
textharmony`` allows only one); ``{k}`` is the image's index, ``0 .. n-1``:

1. ``id``: files named after the sample id, in ``DIR``: ``<id>_{k}.<ext>``, or for a single
   image ``<id>.<ext>``, or the file named exactly ``<id>`` when the id is itself an image name
   (replaying a folder of ground-truth images gives the real images' scores). ``<id>`` is tried
   as is (an id with ``/`` then names a sub-folder) and with every character outside
   ``[A-Za-z0-9._-]`` replaced by ``_`` (what harmonybench's adapters write, so an earlier run's
   ``images`` folder replays).
2. ``anytext``: AnyText's ``eval/anytext_singleGPU.py`` naming, ``<stem of img_name>_{k}.jpg``
   in ``DIR`` (``Request.layout.image_name``, the task's ``img_name``, e.g. ``001253546.jpg`` ->
   ``001253546_0.jpg`` .. ``001253546_3.jpg``; tyxsspa/AnyText 3d4a260c67d9).
3. ``textharmony``: TextHarmony's ``inference.py`` naming, ``gen_img_<YYYYmmddHHMM>/
   <i>_<iter>_{k}.png`` with ``i = request.index`` (the sample's position in the annotation file)
   and ``iter`` the generation round (``--model-arg iteration=``, default 0, the round the
   released ``image_eval/eval_dgocr.py`` reads; bytedance/TextHarmony f98ac34b206f). With several
   ``gen_img_*`` folders in ``DIR`` the newest (the greatest time stamp in its name) is used,
   or the one ``--model-arg folder=NAME`` names (a name inside ``DIR`` or a path); ``DIR``
   itself when it has none.

Extensions are matched case-insensitively, preferring ``.png``, then ``.jpg``, ``.jpeg``,
``.webp``, ``.bmp``. **How many images**: when the request's generation settings give
``num_images`` = ``n``, images ``0 .. n-1`` must all exist (extra ones are ignored, e.g. the
first of AnyText's 4 for a 1-image protocol); without it, every consecutive index from 0 that
exists is taken. ``--model-arg num_images=N`` sets the requests' count (the run loop passes it
into their settings), and ``--model-arg take=all`` takes every consecutive index whatever the
request asks (to replay a folder of ground-truth images, one per sample, under a 4-image
protocol). A request none of the schemes answers gets ``Output(error=...)`` naming every
file name it looked for.

**Copies.** The images found are **copied** byte for byte (not linked: the run folder must stay
whole when the source folder is moved or deleted) into ``context.image_dir`` as
``{sample_id}_{k}<original extension>`` (a JPEG stays the same JPEG, so what is scored is
exactly what was generated). ``spec()`` records a digest of the folder's image list (relative
path and size of every image file), their count and the TextHarmony folder used.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from harmonybench.model import (
    GenerationContext,
    ModelAdapter,
    ModelArgError,
    parse_number,
    unsupported_outputs,
)
from harmonybench.models.imageio import RequestError, copy_image, positive_int, safe_stem
from harmonybench.schema import IMAGE_OUT_KINDS, Output, Request, RequestKind, short_hash

Scheme = Literal["id", "anytext", "textharmony"]

SCHEMES: tuple[Scheme, ...] = ("id", "anytext", "textharmony")
"""The naming schemes, in the order they are tried."""

IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
"""Image file extensions, in order of preference."""

GEN_FOLDER = re.compile(r"^gen_img_.+")
"""TextHarmony's output folder name (``gen_img_<YYYYmmddHHMM>``)."""

MAX_IMAGES = 1000
"""The most images taken for one request when its settings do not say how many."""

REPLAY_ARGS: frozenset[str] = frozenset({"scheme", "folder", "iteration", "take"})


@dataclass(frozen=True)
class Candidate:
    """One way to name a request's images: a pattern per index, or one single file."""

    scheme: Scheme
    describe: str
    names: tuple[str, ...] = ()
    """Relative file names without extension, with ``{k}`` for the image index."""
    single: tuple[str, ...] = ()
    """Relative names (without extension) of a lone image, for one-image requests."""
    exact: tuple[str, ...] = ()
    """Relative names, with extension, of a lone image."""


def index_images(root: Path) -> dict[str, Path]:
    """Every image file under ``root``: relative POSIX path (extension lowercased) -> path."""
    found: dict[str, Path] = {}
    for folder, _, files in os.walk(root):
        base = Path(folder)
        for name in files:
            path = base / name
            suffix = path.suffix.lower()
            if suffix in IMAGE_SUFFIXES:
                rel = path.relative_to(root).as_posix()
                found[rel[: len(rel) - len(suffix)] + suffix] = path
    return found


def newest_gen_folder(root: Path) -> Path | None:
    """The ``gen_img_*`` sub-folder of ``root`` with the greatest name (its time stamp)."""
    folders = sorted(p for p in root.iterdir() if p.is_dir() and GEN_FOLDER.match(p.name))
    return folders[-1] if folders else None


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
        scheme = self.args.get("scheme", "auto").strip().lower()
        if scheme != "auto" and scheme not in SCHEMES:
            raise ModelArgError(f"--model-arg scheme={scheme!r}: expected auto, "
                                f"{', '.join(SCHEMES)}")
        self.schemes: tuple[Scheme, ...] = SCHEMES if scheme == "auto" else tuple(
            s for s in SCHEMES if s == scheme
        )
        iteration = parse_number("iteration", self.args.get("iteration", "0"))
        if not isinstance(iteration, int) or iteration < 0:
            raise ModelArgError(f"--model-arg iteration={iteration!r}: expected an integer >= 0")
        self.iteration = iteration
        take = self.args.get("take", "request").strip().lower()
        if take not in ("request", "all"):
            raise ModelArgError(f"--model-arg take={take!r}: expected request or all")
        self.take_all = take == "all"
        self.gen_folder = self._gen_folder()
        self.images = index_images(self.root)

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
        listing = sorted((rel, path.stat().st_size) for rel, path in self.images.items())
        gen = self.gen_folder.resolve().relative_to(self.root.resolve()).as_posix()
        return {
            **super().spec(),
            "files_sha256": short_hash(listing, length=16),
            "files": len(listing),
            "textharmony_folder": gen,
        }

    # -- lookup ----------------------------------------------------------------------------

    def candidates(self, request: Request) -> Iterator[Candidate]:
        """The naming schemes that apply to ``request``, in order."""
        for scheme in self.schemes:
            if scheme == "id":
                stems = list(dict.fromkeys([request.sample_id, safe_stem(request.sample_id)]))
                exact = tuple(s for s in stems if Path(s).suffix.lower() in IMAGE_SUFFIXES)
                yield Candidate("id", f"named after sample id {request.sample_id!r}",
                                names=tuple(f"{s}_{{k}}" for s in stems), single=tuple(stems),
                                exact=exact)
            elif scheme == "anytext":
                img_name = request.layout.image_name if request.layout is not None else None
                if img_name is not None and img_name.strip():
                    stem = Path(img_name).stem
                    yield Candidate("anytext", f"AnyText naming (img_name {img_name!r})",
                                    names=(f"{stem}_{{k}}",))
            elif request.index is not None:
                rel = self.gen_folder.resolve().relative_to(self.root.resolve()).as_posix()
                prefix = "" if rel == "." else f"{rel}/"
                yield Candidate(
                    "textharmony", f"TextHarmony naming (index {request.index})",
                    names=(f"{prefix}{request.index}_{self.iteration}_{{k}}",),
                )

    def _file(self, stem: str) -> Path | None:
        for suffix in IMAGE_SUFFIXES:
            path = self.images.get(stem + suffix)
            if path is not None:
                return path
        return None

    def _find(self, candidate: Candidate, count: int | None) -> list[Path]:
        for pattern in candidate.names:
            found: list[Path] = []
            limit = count if count is not None else MAX_IMAGES
            for k in range(limit):
                path = self._file(pattern.replace("{k}", str(k)))
                if path is None:
                    break
                found.append(path)
            if found and (count is None or len(found) == count):
                return found
        if count in (None, 1):
            for stem in candidate.single:
                path = self._file(stem)
                if path is not None:
                    return [path]
            for name in candidate.exact:
                stem, suffix = os.path.splitext(name)
                path = self.images.get(stem + suffix.lower())
                if path is not None:
                    return [path]
        return []

    def lookup(self, request: Request) -> tuple[Scheme, list[Path]]:
        """The scheme that names ``request``'s images and the files (in order).

        Raises:
            RequestError: no scheme finds them (the message lists what was looked for).
        """
        value = request.generation.get("num_images")
        count = None if value is None else positive_int("num_images", value)
        if self.take_all:
            count = None
        tried: list[str] = []
        for candidate in self.candidates(request):
            found = self._find(candidate, count)
            if found:
                return candidate.scheme, found
            indices = "0" if count == 1 else (f"0..{count - 1}" if count else "0, 1, ...")
            names = [p.replace("{k}", f"{{{indices}}}") for p in candidate.names]
            if count in (None, 1):
                names += [*candidate.single, *candidate.exact]
            tried.append(f"{candidate.describe}: {', '.join(names)}")
        if not tried:
            raise RequestError(
                f"no naming scheme applies to sample {request.sample_id!r} "
                f"(schemes: {', '.join(self.schemes)})"
            )
        many = f"{count} images" if count else "images"
        raise RequestError(
            f"no {many} for sample {request.sample_id!r} in {self.root} (looked for "
            f"{'; '.join(tried)}; extensions {'/'.join(IMAGE_SUFFIXES)})"
        )

    def answer(self, request: Request, context: GenerationContext) -> Output:
        """Copy one request's images into the run folder."""
        started = time.perf_counter()
        try:
            scheme, files = self.lookup(request)
        except RequestError as exc:
            return Output(sample_id=request.sample_id, error=str(exc))
        paths = tuple(copy_image(path, context.image_dir, request.sample_id, k)
                      for k, path in enumerate(files))
        sources = [path.relative_to(self.root).as_posix() for path in files]
        return Output(sample_id=request.sample_id, images=paths,
                      latency_s=time.perf_counter() - started,
                      metadata={"scheme": scheme, "replayed": sources})

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """One output per request, in order."""
        outputs: list[Output] = []
        for request in requests:
            if self.supports(request.kind):
                outputs.append(self.answer(request, context))
            else:
                outputs.extend(unsupported_outputs([request], self.name))
        return outputs
