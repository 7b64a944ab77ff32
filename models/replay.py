"""``replay:FILE``: answer from a prediction file written elsewhere, so that a foreign run (or a
model that cannot run here) lands in the same journals, scores and leaderboards.

The format is told from the file's content, never its name:

- **harmonybench / generic JSON or JSONL** (every layout ``harmonybench score`` reads, through
  :mod:`harmonybench.predictions`): objects with an id key (``id``, ``question_id``,
  ``questionId``, ``index``) and a text key (``prediction``, ``predict``, ``pred``,
  ``response``, ``answer``), matched by **id**; and the official OCRBench style, the annotation
  list with a ``predict`` field on each record, matched by **position** (told apart by its
  ``predict`` key next to ``answers`` or ``question``, and by ids that are missing or repeat, as
  OCRBench's own ``id`` does).
- **lmms-eval ``--log_samples``** JSONL (``<date>_samples_<task>.jsonl``, written by
  ``lmms_eval/loggers/evaluation_tracker.py::save_results_samples``, EvolvingLMMs-Lab/lmms-eval
  75571cfe0fa3; and the ``{"logs": [...]}`` JSON of v0.2): one object per document with
  ``doc_id`` (the document's position in the task's split), ``doc`` (the dataset row without
  images, kept up to v0.3 and by lm-evaluation-harness, dropped since v0.4), ``target``,
  ``resps`` (raw) and ``filtered_resps`` (what lmms-eval scored), plus the metric values. The
  prediction is ``filtered_resps`` (``--model-arg response=resps`` takes the raw response, when
  the file kept it: lmms-eval drops ``resps`` when it equals ``filtered_resps``); nested
  one-element lists (``[["text"]]`` before v0.7, ``"text"`` since) are unwrapped, and of
  several responses (``repeats``) the first is taken, as lmms-eval's ``take_first`` filter
  does. A record is matched by the dataset's own **question id** when every record has one
  (``doc["question_id"]``, ``doc["questionId"]``, or the same keys in the ``submission``
  metric that TextVQA and DocVQA log), else by ``doc_id`` as the **position**
  (``Request.index``), which assumes harmonybench reads the same split in the same order.
- **VLMEvalKit** prediction tables ``{model}_{dataset}.xlsx`` / ``.tsv`` (``vlmeval/inference.py``
  writes the dataset table without images plus ``prediction``; open-compass/VLMEvalKit
  e8e78f05f308): columns ``index``, ``prediction`` and usually ``question``, ``answer``...
  VLMEvalKit's own dataset tables number their rows in ``index`` from 0, so when the values
  are exactly ``0 .. n-1`` they are read as **positions**; any other values (gaps, another
  start, text) are taken to be the dataset's **question ids**. Excel cells and TSV fields are
  read as text, an empty prediction cell as the empty answer.

- **LLaVA** answer lines (``llava/eval/model_vqa_loader.py``, haotian-liu/LLaVA 32cebc380944:
  ``question_id`` (for TextVQA the image id), ``prompt``, ``text``, ``answer_id``...): matched
  by **question**, i.e. the image id and the lowercased question read from the prompt, against
  the request's ``metadata["image_id"]`` and question, as ``llava/eval/eval_textvqa.py`` joins
  them (:mod:`harmonybench.answer_files`).
- **MultimodalOCR 2023** answer files (``answer_save/<model>/<dataset>.json`` of
  Yuliang-Liu/MultimodalOCR e22b12b169ad), one file or a model's folder of them: matched by
  **id**, ``<dataset>/<position>``, the ``mmocr-2023`` task's sample ids.

``--model-arg match=id|position|question`` overrides the decision. Whenever the file has the
question text (``question`` in a record, ``doc`` or column), it is compared with the request's
question (case and runs of white space ignored); a difference makes that sample fail, since the
file and the annotations disagree about which question this is. A sample with no prediction in the
file fails with ``no prediction for ...`` (counted as failed, never scored as wrong). A
malformed file raises one :class:`~harmonybench.errors.DataError` naming the file, the record
and the field, when the adapter is built. ``spec()`` carries the file's sha256, so a changed
file gives another run id.

The file is read as text answers: image-out kinds (``t2i``, ``edit``) are answered as
unsupported.

The files are read by :mod:`~harmonybench.models.replay_files`; this module holds the adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from harmonybench.answer_files import llava_join_key
from harmonybench.model import GenerationContext, ModelAdapter, ModelArgError, unsupported_outputs
from harmonybench.models.replay_files import (
    RESPONSE_FIELDS,
    Entry,
    Match,
    read_replay_file,
)
from harmonybench.runfolder import sha256_file
from harmonybench.schema import TEXT_OUT_KINDS, Output, Request, RequestKind

_ARGS: tuple[str, ...] = ("match", "response")


def same_question(a: str, b: str) -> bool:
    """Whether two question texts agree, ignoring case and runs of white space."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class ReplayModel(ModelAdapter):
    """Answers each request with the prediction a file holds for its sample.

    ``--model replay:FILE``; ``--model-arg match=auto|id|position`` (default ``auto``: the
    file's own rule, see the module docstring) and ``--model-arg response=filtered_resps|resps``
    (lmms-eval logs only).
    """

    name: ClassVar[str] = "replay"
    kinds: ClassVar[frozenset[RequestKind]] = TEXT_OUT_KINDS

    def __init__(
        self,
        location: str | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        **args: str,
    ) -> None:
        super().__init__(location, device=device, dtype=dtype, **args)
        unknown = sorted(set(args) - set(_ARGS))
        if unknown:
            raise ModelArgError(f"replay: unknown --model-arg {', '.join(unknown)} "
                                f"(known: {', '.join(_ARGS)})")
        if not location:
            raise ModelArgError("replay needs a prediction file: --model replay:FILE")
        match = args.get("match", "auto").strip().lower()
        if match not in ("auto", "id", "position", "question"):
            raise ModelArgError(f"--model-arg match={match!r}: expected auto, id, position or "
                                "question")
        response = args.get("response", "filtered_resps").strip()
        if response not in RESPONSE_FIELDS:
            raise ModelArgError(f"--model-arg response={response!r}: expected "
                                f"{' or '.join(RESPONSE_FIELDS)}")
        self.file = read_replay_file(location, response)
        chosen: dict[str, Match] = {"id": "id", "position": "position", "question": "question"}
        self.match: Match = self.file.default_match if match == "auto" else chosen[match]
        self.match_reason = self.file.reason if match == "auto" else f"--model-arg match={match}"
        self.predictions = self.file.index(self.match)
        self.sha256 = sha256_file(self.file.path)

    def spec(self) -> dict[str, Any]:
        """The adapter spec plus the file's sha256, format, match rule and size."""
        return {
            **super().spec(),
            "sha256": self.sha256,
            "format": self.file.format,
            "match": self.match,
            "match_reason": self.match_reason,
            "predictions": len(self.predictions),
        }

    def lookup(self, request: Request) -> Entry | None:
        """The file's entry for ``request`` (by sample id, position or question), if any."""
        if self.match == "id":
            return self.predictions.get(request.sample_id)
        if self.match == "question":
            image_id = request.metadata.get("image_id")
            if image_id is None or request.question is None:
                return None
            return self.predictions.get(llava_join_key(str(image_id), request.question))
        if request.index is None:
            return None
        return self.predictions.get(str(request.index))

    def answer(self, request: Request) -> Output:
        """The replayed output for one request."""
        entry = self.lookup(request)
        if entry is None:
            how = {
                "id": f"by id {request.sample_id!r}; --model-arg match=position matches by "
                      "position",
                "position": f"by position {request.index}; --model-arg match=id matches by id",
                "question": f"by image id {request.metadata.get('image_id')!r} and question "
                            f"{request.question!r}",
            }[self.match]
            return Output(sample_id=request.sample_id,
                          error=f"no prediction for sample {request.sample_id!r} in "
                                f"{self.file.path.name} (matched {how})")
        if (entry.question is not None and request.question is not None
                and not same_question(entry.question, request.question)):
            return Output(
                sample_id=request.sample_id,
                error=f"{self.file.path.name} {entry.locator} answers another question "
                      f"({entry.question!r}, the annotations ask {request.question!r})",
            )
        return Output(sample_id=request.sample_id, text=entry.text,
                      metadata={"replay": entry.locator})

    def generate(self, requests: Sequence[Request], context: GenerationContext) -> list[Output]:
        """One output per request, in order; image-out kinds are unsupported."""
        outputs: list[Output] = []
        for request in requests:
            if request.kind in self.kinds:
                outputs.append(self.answer(request))
            else:
                outputs.extend(unsupported_outputs([request], self.name))
        return outputs
