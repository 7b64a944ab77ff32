"""``rapidocr``: the RapidOCR (PP-OCR) reader of the image-out tasks; options and
conventions are described in :mod:`harmonybench.models.readers`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from harmonybench.models.readers import (
    option_bool,
    option_float,
    option_int,
)

if TYPE_CHECKING:
    from PIL import Image

    from harmonybench.models.rapidocr_engine import RapidOCRModel

class RapidOCRReader:
    """PP-OCR (RapidOCR 3.x, bundled PP-OCRv6 models) as a batched crop and word reader.

    Args:
        batch_size: crops per recognizer forward pass (RapidOCR's ``Rec.rec_batch_num``).
        use_cls: run the 0/180 degree orientation classifier before recognition.
        text_score: detected lines scoring below it are dropped (``words`` only).
        box_thresh: the detector's box score threshold (``words`` only).
        unclip_ratio: the detector's box expansion (``words`` only).
        det_limit_side_len: the detector resizes an image so that its shorter side is at
            least this (RapidOCR's ``Det.limit_side_len`` with ``limit_type: min``).

    Raises:
        ReaderOptionError: an option value it cannot use.
    """

    name: ClassVar[str] = "rapidocr"
    anytext_input: ClassVar[bool] = True
    """Whether crops should be resized and padded to AnyText's 48x320 recognizer input."""

    def __init__(
        self,
        *,
        batch_size: str | int = 6,
        use_cls: str | bool = False,
        text_score: str | float = 0.5,
        box_thresh: str | float = 0.5,
        unclip_ratio: str | float = 1.6,
        det_limit_side_len: str | int = 736,
    ) -> None:
        self.batch_size = option_int(self.name, "batch_size", batch_size, low=1, high=4096)
        self.use_cls = option_bool(self.name, "use_cls", use_cls)
        self.text_score = option_float(self.name, "text_score", text_score, high=1.0)
        self.box_thresh = option_float(self.name, "box_thresh", box_thresh, high=1.0)
        self.unclip_ratio = option_float(self.name, "unclip_ratio", unclip_ratio, high=None)
        self.det_limit_side_len = option_int(self.name, "det_limit_side_len",
                                              det_limit_side_len, low=32, high=4096)
        self._model: RapidOCRModel | None = None
        self._engine: Any = None
        self._keys: dict[str, str] | None = None

    def check(self) -> None:
        """Raise :class:`EngineUnavailableError` unless rapidocr 3.x and onnxruntime import."""
        self._adapter()

    def _adapter(self) -> RapidOCRModel:
        """The ``rapidocr`` adapter with these settings (installation check, version, models)."""
        if self._model is None:
            from harmonybench.models.rapidocr_engine import RapidOCRModel

            self._model = RapidOCRModel(
                use_det="true", use_cls=str(self.use_cls).lower(),
                text_score=str(self.text_score), box_thresh=str(self.box_thresh),
                unclip_ratio=str(self.unclip_ratio),
            )
        return self._model

    def engine(self) -> Any:
        """The RapidOCR engine, built on first use (its models load on the first image)."""
        if self._engine is None:
            self._adapter()
            from rapidocr import RapidOCR

            self._engine = RapidOCR(params={
                "Global.log_level": "error",
                "Global.use_det": True,
                "Global.use_cls": self.use_cls,
                "Global.use_rec": True,
                "Global.text_score": self.text_score,
                "Det.box_thresh": self.box_thresh,
                "Det.unclip_ratio": self.unclip_ratio,
                "Det.limit_side_len": self.det_limit_side_len,
                "Rec.rec_batch_num": self.batch_size,
            })
        return self._engine

    def _model_keys(self) -> dict[str, str]:
        if self._keys is None:
            self._keys = self._adapter().model_keys()
        return self._keys

    @property
    def version(self) -> str:
        """The installed rapidocr version."""
        return self._adapter().version

    @property
    def identity(self) -> str:
        """``rapidocr <version> (rec <model>[, cls <model>])``: what reads the crops."""
        keys = self._model_keys()
        models = [f"rec {keys['rec']}"] + ([f"cls {keys['cls']}"] if "cls" in keys else [])
        return f"rapidocr {self.version} ({', '.join(models)})"

    @property
    def word_identity(self) -> str:
        """``rapidocr <version> (det <model>, rec <model>[, cls <model>], text_score <s>)``."""
        keys = self._model_keys()
        models = [f"det {keys['det']}", f"rec {keys['rec']}"]
        models += [f"cls {keys['cls']}"] if "cls" in keys else []
        settings = f"text_score {self.text_score:g}"
        if self.det_limit_side_len != 736:
            settings += f", det side {self.det_limit_side_len}"
        return f"rapidocr {self.version} ({', '.join(models)}, {settings})"

    def spec(self) -> dict[str, Any]:
        """Engine, versions, models and settings, for records and reports."""
        return {**self._adapter().engine_spec(), "batch_size": self.batch_size,
                "det_limit_side_len": self.det_limit_side_len}

    def read(self, crops: Sequence[Image.Image]) -> list[str]:
        """The text of each crop (``""`` when nothing is read), recognised in batches."""
        if not crops:
            return []
        engine = self.engine()
        arrays = [engine.preprocess_img(engine.load_img(crop.convert("RGB")))[0]
                  for crop in crops]
        if self.use_cls:
            arrays, _ = engine.cls_and_rotate(arrays)
        result = engine.recognize_txt(list(arrays))
        texts = list(result.txts or ())
        if len(texts) != len(crops):
            raise RuntimeError(f"rapidocr returned {len(texts)} texts for {len(crops)} crops")
        return [str(t) for t in texts]

    def read_one_by_one(self, crops: Sequence[Image.Image]) -> list[str]:
        """The same texts by one full ``RapidOCR()(crop, use_det=False)`` call per crop.

        What the ``rapidocr`` adapter does for a recognition request; kept for the throughput
        benchmark and the equivalence tests.
        """
        engine = self.engine()
        texts = []
        for crop in crops:
            result = engine(crop.convert("RGB"), use_det=False, use_cls=self.use_cls)
            found = getattr(result, "txts", None) or ("",)
            texts.append(str(found[0]))
        return texts

    def words(self, images: Sequence[Image.Image]) -> list[list[str]]:
        """The words found in each whole image (detector, recognizer, split on whitespace)."""
        engine = self.engine()
        out: list[list[str]] = []
        for image in images:
            result = engine(image.convert("RGB"), use_det=True, use_cls=self.use_cls)
            lines = getattr(result, "txts", None) or ()
            out.append([word for line in lines for word in str(line).split()])
        return out
