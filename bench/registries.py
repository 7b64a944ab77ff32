"""The registries: tasks, model adapters, protocols (per-sample and dataset-level), readers.

Built-ins are import strings, so listing names imports nothing heavy (no torch). Plugins add
entries through the entry-point groups named here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from harmonybench.errors import RegistryError
from harmonybench.registry import Registry

if TYPE_CHECKING:
    from harmonybench.dataset_protocol import DatasetProtocol
    from harmonybench.protocol import BaseProtocol
    from harmonybench.task import Task

TASKS: Registry[type[Task]] = Registry(
    kind="task",
    group="harmonybench.tasks",
    builtins=(
        ("textvqa", "harmonybench.tasks.textvqa:TextVQA"),
        ("docvqa", "harmonybench.tasks.docvqa:DocVQA"),
        ("infovqa", "harmonybench.tasks.docvqa:InfoVQA"),
        ("stvqa", "harmonybench.tasks.stvqa:STVQA"),
        ("chartqa", "harmonybench.tasks.chartqa:ChartQA"),
        ("ocrvqa", "harmonybench.tasks.ocrvqa:OCRVQA"),
        ("ocrbench", "harmonybench.tasks.ocrbench:OCRBench"),
        ("mmocr-2023", "harmonybench.tasks.mmocr2023:MMOCR2023"),
        ("anytext-t2i", "harmonybench.tasks.anytext:AnyTextT2I"),
        ("anytext-edit", "harmonybench.tasks.anytext_edit:AnyTextEdit"),
        ("mario-eval", "harmonybench.tasks.mario:MarioEval"),
        ("textrec", "harmonybench.tasks.textrec:TextRecognition"),
        ("grounding", "harmonybench.tasks.grounding:Grounding"),
        ("detection", "harmonybench.tasks.detection:Detection"),
        ("spotting", "harmonybench.tasks.detection:Spotting"),
        ("wtq", "harmonybench.tasks.tableqa:WikiTableQuestions"),
        ("tabfact", "harmonybench.tasks.tableqa:TabFact"),
        ("funsd", "harmonybench.tasks.kie:FUNSD"),
        ("sroie", "harmonybench.tasks.kie:SROIE"),
        ("poie", "harmonybench.tasks.kie:POIE"),
    ),
)

PROTOCOLS: Registry[type[BaseProtocol[Any]]] = Registry(
    kind="protocol",
    group="harmonybench.protocols",
    builtins=(
        ("vqa", "harmonybench.metrics.vqa:VQAAccuracy"),
        ("vqa-official", "harmonybench.metrics.vqa:VQAAccuracyOfficial"),
        ("anls", "harmonybench.metrics.anls:ANLS"),
        ("anls-monkey", "harmonybench.metrics.anls:ANLSMonkey"),
        ("relaxed", "harmonybench.metrics.relaxed:RelaxedAccuracy"),
        ("relaxed-swapped", "harmonybench.metrics.relaxed:RelaxedAccuracySwapped"),
        ("contains", "harmonybench.metrics.contains:Contains"),
        ("contains-monkey", "harmonybench.metrics.contains:ContainsMonkey"),
        ("ocrbench", "harmonybench.metrics.ocrbench:OCRBenchV1"),
        ("ocrbench-lmms-eval", "harmonybench.metrics.ocrbench:OCRBenchLmmsEval"),
        ("mmocr-2023", "harmonybench.metrics.mmocr2023:MMOCR2023"),
        ("mmocr-2023-space", "harmonybench.metrics.mmocr2023:MMOCR2023Space"),
        ("exact", "harmonybench.metrics.exact:ExactMatch"),
        ("wtq", "harmonybench.metrics.table_qa:WTQAccuracy"),
        ("exact-docowl", "harmonybench.metrics.table_qa:ExactDocOwl"),
        ("anytext", "harmonybench.metrics.textrender:AnyTextOCR"),
        ("textharmony", "harmonybench.metrics.textrender:TextHarmonyOCR"),
        ("mario", "harmonybench.metrics.textrender:MarioOCR"),
        ("grounding-acc@0.5-box", "harmonybench.metrics.grounding:GroundingBox448"),
        ("grounding-acc@0.5-poly", "harmonybench.metrics.grounding:GroundingPoly448"),
        ("grounding-acc@0.5-box-999", "harmonybench.metrics.grounding:GroundingBox999"),
        ("grounding-acc@0.5-poly-999", "harmonybench.metrics.grounding:GroundingPoly999"),
        ("grounding-acc@0.5-box-1000", "harmonybench.metrics.grounding:GroundingBox1000"),
        ("grounding-acc@0.5-poly-1000", "harmonybench.metrics.grounding:GroundingPoly1000"),
        ("grounding-acc@0.5-box-norm", "harmonybench.metrics.grounding:GroundingBoxNorm"),
        ("grounding-acc@0.5-poly-norm", "harmonybench.metrics.grounding:GroundingPolyNorm"),
        ("grounding-acc@0.5-box-pixel", "harmonybench.metrics.grounding:GroundingBoxPixel"),
        ("grounding-acc@0.5-poly-pixel", "harmonybench.metrics.grounding:GroundingPolyPixel"),
        ("ocrbench-v2-iou", "harmonybench.metrics.grounding:OCRBenchV2IoU"),
        ("detection-icdar", "harmonybench.metrics.detection:Detection448"),
        ("detection-icdar-1000", "harmonybench.metrics.detection:Detection1000"),
        ("detection-icdar-pixel", "harmonybench.metrics.detection:DetectionPixel"),
        ("spotting-icdar", "harmonybench.metrics.detection:Spotting448"),
        ("spotting-icdar-1000", "harmonybench.metrics.detection:Spotting1000"),
        ("spotting-icdar-pixel", "harmonybench.metrics.detection:SpottingPixel"),
        ("word-accuracy", "harmonybench.metrics.recognition:WordAccuracy"),
        ("word-accuracy-cased", "harmonybench.metrics.recognition:WordAccuracyCased"),
        ("word-accuracy-alnum", "harmonybench.metrics.recognition:WordAccuracyAlnum"),
        ("ned", "harmonybench.metrics.recognition:NED"),
    ),
)

DATASET_PROTOCOLS: Registry[type[DatasetProtocol]] = Registry(
    kind="dataset protocol",
    group="harmonybench.dataset_protocols",
    builtins=(
        ("fid", "harmonybench.metrics.quality_protocols:FID"),
        ("clipscore", "harmonybench.metrics.quality_protocols:CLIPScoreHessel"),
        ("clipscore-textdiffuser",
         "harmonybench.metrics.quality_protocols:CLIPScoreTextDiffuser"),
        ("background", "harmonybench.metrics.background:BackgroundPreservation"),
    ),
)
"""Dataset-level protocols (:mod:`harmonybench.dataset_protocol`): computed once over a
task's scored outputs by :func:`harmonybench.dataset_scoring.dataset_scores`. Their names
never collide with :data:`PROTOCOLS`' (``scores.json`` keys both by name)."""

MODELS: Registry[Any] = Registry(
    kind="model",
    group="harmonybench.models",
    builtins=(
        ("hf-vlm", "harmonybench.models.hf_vlm:HFVisionLanguageModel"),
        ("monkey", "harmonybench.models.monkey:MonkeyModel"),
        ("textmonkey", "harmonybench.models.monkey:TextMonkeyModel"),
        ("textharmony", "harmonybench.models.textharmony:TextHarmonyModel"),
        ("null", "harmonybench.models.null:NullModel"),
        ("openai", "harmonybench.models.openai_chat:OpenAIChatModel"),
        ("ocr-qa", "harmonybench.models.ocr_qa:OCRQuestionAnswering"),
        ("compose", "harmonybench.models.compose:ComposedModel"),
        ("rapidocr", "harmonybench.models.rapidocr_engine:RapidOCRModel"),
        ("tesseract", "harmonybench.models.tesseract_engine:TesseractModel"),
        ("replay", "harmonybench.models.replay:ReplayModel"),
        ("diffusers", "harmonybench.models.diffusers_t2i:DiffusersText2Image"),
        ("diffusers-inpaint", "harmonybench.models.diffusers_inpaint:DiffusersInpaint"),
        ("anytext", "harmonybench.models.anytext:AnyTextModel"),
        ("render", "harmonybench.models.render:RenderModel"),
        ("replay-images", "harmonybench.models.replay_images:ReplayImagesModel"),
    ),
)


READERS: Registry[Any] = Registry(
    kind="reader",
    group="harmonybench.readers",
    builtins=(
        ("rapidocr", "harmonybench.models.readers_rapidocr:RapidOCRReader"),
        ("tesseract", "harmonybench.models.readers_tesseract:TesseractReader"),
    ),
)
"""OCR readers for the image-out tasks (``--task-arg TASK:reader=NAME``): classes taking
string keyword options and implementing :class:`~harmonybench.reader.TextReader`."""


def get_task(name: str, options: Mapping[str, str] | None = None) -> Task:
    """An instance of the task registered as ``name``, built with its ``--task-arg`` options.

    Raises:
        RegistryError: unknown name, options the task does not take, or values it refuses.
    """
    cls = TASKS.load(name)
    if not options:
        return cls()
    try:
        return cls(**dict(options))
    except TypeError as exc:
        raise RegistryError(f"task {name!r} does not take options {sorted(options)}: {exc}"
                            ) from exc
    except ValueError as exc:  # an option the task takes, with a value it refuses
        raise RegistryError(f"task {name!r}: {exc}") from exc


def get_protocol(name: str) -> BaseProtocol[Any]:
    """An instance of the protocol registered as ``name``."""
    return PROTOCOLS.load(name)()


def get_dataset_protocol(name: str) -> DatasetProtocol:
    """An instance of the dataset-level protocol registered as ``name``."""
    return DATASET_PROTOCOLS.load(name)()
