"""Finding a sample's generated images in a folder, by the file names other tools write.

Used by ``harmonybench score --predictions DIR`` (:mod:`harmonybench.image_scoring`) and by the
``replay-images`` adapter (``run --model replay-images:DIR``), so that both find the same files.

**Naming schemes**, tried in this order for each sample (:data:`SCHEMES`); ``{k}`` is the
image's index, ``0 .. n-1``:

1. ``id``: files named after the sample id: ``<id>_{k}.<ext>``, or for a single image
   ``<id>.<ext>``, or the file named exactly ``<id>`` when the id is itself an image name
   (a folder of ground-truth images gives the real images' scores). ``<id>`` is tried as is
   (an id with ``/``, MARIO-Eval's ``<Subset>/<i>``, then names a sub-folder) and with every
   character outside ``[A-Za-z0-9._-]`` replaced by ``_`` (:func:`safe_stem`: what
   harmonybench's adapters write, so an earlier run's ``images`` folder is found).
2. ``anytext``: AnyText's ``eval/anytext_singleGPU.py`` naming, ``<stem of img_name>_{k}.jpg``
   (the sample's ``layout.image_name``, AnyText's ``img_name``: ``001253546.jpg`` ->
   ``001253546_0.jpg`` .. ``001253546_3.jpg``, ``num_samples = 4``; its ``eval/eval_dgocr.py``
   reads the same names; tyxsspa/AnyText edb145da55c0).
3. ``mask``: an edited image saved under its input's name. TextHarmony's
   ``configs/release/edit_annt.json`` names each editing input
   ``laion_word/edit_images/<stem of img_name>_mask.jpg`` (bytedance/TextHarmony
   f98ac34b206f), so a folder of edits saved under the input names holds
   ``<stem>_mask.<ext>`` (one image), or ``<stem>_mask_{k}.<ext>``.
4. ``textharmony``: TextHarmony's ``inference.py`` naming, ``gen_img_<YYYYmmddHHMM>/
   <i>_<iter>_{k}.png`` with ``i`` the sample's position in the annotation file and ``iter``
   the generation round (0 by default, the round the released ``image_eval/eval_dgocr.py``
   reads, as ``<i>_0_0.jpg``; bytedance/TextHarmony f98ac34b206f). The newest ``gen_img_*``
   folder of the root is used (the greatest time stamp in its name) unless another is given;
   the root itself when it has none (the root may be the ``gen_img_*`` folder).

Extensions are matched case-insensitively, preferring ``.png``, then ``.jpg``, ``.jpeg``,
``.webp``, ``.bmp``. **How many images**: with a count ``n``, images ``0 .. n-1`` must all
exist (extra ones are ignored: the first of AnyText's 4 for a 1-image protocol); without one,
every consecutive index from 0 that exists is taken. When a sample has fewer images than asked,
the error says how many were found and the option that takes that many
(:class:`MissingImagesError`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harmonybench.errors import HarmonyBenchError
from harmonybench.schema import Request, Sample

Scheme = Literal["id", "anytext", "mask", "textharmony"]

SCHEMES: tuple[Scheme, ...] = ("id", "anytext", "mask", "textharmony")
"""The naming schemes, in the order they are tried."""

SCHEME_NAMES: dict[Scheme, str] = {
    "id": "named after the sample id (<id>_<k>)",
    "anytext": "AnyText naming (<stem>_<k>.jpg)",
    "mask": "named after the editing input (<stem>_mask.jpg)",
    "textharmony": "TextHarmony naming (gen_img_*/<i>_<iter>_<k>.png)",
}
"""Each scheme in words, for messages."""

IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
"""Image file extensions, in order of preference."""

GEN_FOLDER = re.compile(r"^gen_img_.+")
"""TextHarmony's output folder name (``gen_img_<YYYYmmddHHMM>``)."""

MAX_IMAGES = 1000
"""The most images taken for one sample when no count is asked."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_stem(sample_id: str) -> str:
    """``sample_id`` with every character outside ``[A-Za-z0-9._-]`` replaced by ``_``."""
    return _UNSAFE.sub("_", sample_id)


class MissingImagesError(HarmonyBenchError):
    """No naming scheme finds a sample's images (the message lists what was looked for).

    Attributes:
        found: the most images some scheme found for the sample (fewer than asked; 0: none).
        scheme: the scheme that found them (``None``: none did).
    """

    def __init__(self, message: str, found: int = 0, scheme: Scheme | None = None) -> None:
        super().__init__(message)
        self.found = found
        self.scheme = scheme


@dataclass(frozen=True)
class ImageKey:
    """What a sample's image files can be named after."""

    sample_id: str
    image_name: str | None = None
    """The dataset's name of the target image (AnyText's ``img_name``), if any."""
    index: int | None = None
    """The sample's position in the annotation file (TextHarmony's file names)."""

    @classmethod
    def of_request(cls, request: Request) -> ImageKey:
        """The key of a request (its layout's ``image_name`` and its ``index``)."""
        layout = request.layout
        return cls(request.sample_id, layout.image_name if layout else None, request.index)

    @classmethod
    def of_sample(cls, sample: Sample, index: int) -> ImageKey:
        """The key of the ``index``-th sample of an annotation file."""
        layout = sample.layout
        return cls(sample.id, layout.image_name if layout else None, index)


@dataclass(frozen=True)
class Candidate:
    """One way to name a sample's images: a pattern per index, or one single file."""

    scheme: Scheme
    describe: str
    names: tuple[str, ...] = ()
    """Relative file names without extension, with ``{k}`` for the image index."""
    single: tuple[str, ...] = ()
    """Relative names (without extension) of a lone image, for one-image samples."""
    exact: tuple[str, ...] = ()
    """Relative names, with extension, of a lone image."""

    def shown(self, count: int | None) -> str:
        """What this candidate looks for, in words (``s_{0..3}``, ``s_{0, 1, ...}``)."""
        indices = "0" if count == 1 else (f"0..{count - 1}" if count else "0, 1, ...")
        names = [p.replace("{k}", f"{{{indices}}}") for p in self.names]
        if count in (None, 1):
            names += [*self.single, *self.exact]
        return f"{self.describe}: {', '.join(names)}"


@dataclass(frozen=True)
class Found:
    """A sample's images: the scheme that named them and the files, in order."""

    scheme: Scheme
    paths: tuple[Path, ...]


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


class ImageFolder:
    """A folder of generated images, indexed once, looked up per sample.

    Args:
        root: the folder.
        schemes: the naming schemes to try, in order (default all, :data:`SCHEMES`).
        iteration: TextHarmony's generation round in its file names.
        gen_folder: TextHarmony's ``gen_img_*`` folder (default the newest in ``root``, or
            ``root`` itself); must be inside ``root``.
    """

    def __init__(self, root: Path, *, schemes: Sequence[Scheme] = SCHEMES, iteration: int = 0,
                 gen_folder: Path | None = None) -> None:
        self.root = root
        self.schemes = tuple(schemes)
        self.iteration = iteration
        self.gen_folder = gen_folder or newest_gen_folder(root) or root
        self.images = index_images(root)

    @property
    def gen_folder_name(self) -> str:
        """TextHarmony's folder relative to the root (``.`` for the root)."""
        return self.gen_folder.resolve().relative_to(self.root.resolve()).as_posix()

    def candidates(self, key: ImageKey) -> Iterator[Candidate]:
        """The naming schemes that apply to ``key``, in order."""
        for scheme in self.schemes:
            stem = Path(key.image_name).stem if key.image_name and key.image_name.strip() \
                else None
            if scheme == "id":
                stems = list(dict.fromkeys([key.sample_id, safe_stem(key.sample_id)]))
                exact = tuple(s for s in stems if Path(s).suffix.lower() in IMAGE_SUFFIXES)
                yield Candidate("id", f"named after sample id {key.sample_id!r}",
                                names=tuple(f"{s}_{{k}}" for s in stems), single=tuple(stems),
                                exact=exact)
            elif scheme == "anytext" and stem is not None:
                yield Candidate("anytext", f"AnyText naming (img_name {key.image_name!r})",
                                names=(f"{stem}_{{k}}",))
            elif scheme == "mask" and stem is not None:
                yield Candidate("mask", f"named after the editing input ({stem}_mask.jpg)",
                                names=(f"{stem}_mask_{{k}}",), single=(f"{stem}_mask",))
            elif scheme == "textharmony" and key.index is not None:
                rel = self.gen_folder_name
                prefix = "" if rel == "." else f"{rel}/"
                yield Candidate(
                    "textharmony", f"TextHarmony naming (index {key.index})",
                    names=(f"{prefix}{key.index}_{self.iteration}_{{k}}",),
                )

    def _file(self, stem: str) -> Path | None:
        for suffix in IMAGE_SUFFIXES:
            path = self.images.get(stem + suffix)
            if path is not None:
                return path
        return None

    def find(self, candidate: Candidate, count: int | None) -> list[Path]:
        """The files ``candidate`` names: ``count`` of them (every one there when ``None``),
        or none."""
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
                base, suffix = os.path.splitext(name)
                path = self.images.get(base + suffix.lower())
                if path is not None:
                    return [path]
        return []

    def lookup(self, key: ImageKey, count: int | None, option: str | None = None) -> Found:
        """The scheme that names ``key``'s images and ``count`` files (all there: ``None``).

        Args:
            key: the sample.
            count: how many images the sample must have.
            option: how the user asks for another count, with ``{n}`` for it (e.g.
                ``--images-per-sample {n}``); named in the error when fewer are found.

        Raises:
            MissingImagesError: no scheme finds them (the message lists what was looked for, and
                how many images were found if fewer than ``count``).
        """
        tried: list[str] = []
        best: tuple[int, Scheme | None, list[Path]] = (0, None, [])
        for candidate in self.candidates(key):
            found = self.find(candidate, count)
            if found:
                return Found(candidate.scheme, tuple(found))
            tried.append(candidate.shown(count))
            present = self.find(candidate, None)
            if len(present) > best[0]:
                best = (len(present), candidate.scheme, present)
        if not tried:
            raise MissingImagesError(f"no naming scheme applies to sample {key.sample_id!r} "
                                f"(schemes: {', '.join(self.schemes)})")
        many = f"{count} images" if count else "images"
        message = (f"no {many} for sample {key.sample_id!r} in {self.root} (looked for "
                   f"{'; '.join(tried)}; extensions {'/'.join(IMAGE_SUFFIXES)})")
        found_n, scheme, present = best
        if found_n:
            names = ", ".join(p.relative_to(self.root).as_posix() for p in present[:4])
            message += f"; found {found_n} ({names})"
            if option:
                message += f": {option.format(n=found_n)} takes {found_n} per sample"
        raise MissingImagesError(message, found_n, scheme)
