"""Table QA in the DocOwl 1.5 evaluation's format: WikiTableQuestions (``wtq``) and TabFact
(``tabfact``), the "Table VQA" group of TextHarmony's Table 1.

Format read by :meth:`DocDownstreamTask.load` (X-PLUG/mPLUG-DocOwl at
f91a76859babfdebe7420db6133b66f06f65efc2, ``DocOwl1.5/docowl_benchmark_evaluate.py`` and the
DocOwl 1.5 README's DocDownstream-1.0 layout):

- **DocDownstream** ``test/WikiTableQuestions_test.jsonl`` / ``test/TabFact_test.jsonl``: one
  JSON object per line, ``{"image": ["imgs/..."], "messages": [{"role": "user", "content":
  "<|image|>..."}, {"role": "assistant", "content": "<answer>"}], ...}``. The question is the
  user content without ``<|image|>`` (as the script's ``query``), the answer the assistant
  content. Image paths are relative to the DocDownstream root (the script joins
  ``downstream_dir`` and ``image[0]``): they resolve against ``images``, else the folder above
  ``test/`` when the file is in one, else the file's folder.
- **Monkey / TextHarmony** JSON(L) (``{"image", "question", "answer"}``).

Sample ids are the 0-based line numbers (the DocDownstream files carry no question ids).
Other scalar fields of a line (``task_name``...) go into the metadata.

Scoring (see :mod:`harmonybench.metrics.table_qa`): WTQ goes through the DUE evaluator's
``WTQ`` denotation accuracy; TabFact through ``ExactAccuracy`` (case sensitive). Answers here
are the assistant content, one value per question: the DUE reference file
(``meta/WikiTableQuestions/test/document.jsonl``), which can list several values for one
WTQ question, is not read (not verified against the released data: the DocDownstream files
could not be read here).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from harmonybench.errors import DataError
from harmonybench.task import PromptTemplate, frozen
from harmonybench.tasks.common import Draft, VQATask, reference_generation, vqa_prompts
from harmonybench.tasks.hub import HubSplit
from harmonybench.tasks.records import Document, Rec, image_file, image_root

IMAGE_TAG = "<|image|>"
"""DocOwl's image placeholder, removed from the user content."""
DOCOWL_GENERATION = frozen({"max_new_tokens": 512, "do_sample": False})
"""``DocOwl1.5/docowl_infer.py``: ``do_sample=False, temperature=1.0, max_new_tokens=512``."""


def _message(rec: Rec, messages: list[object], index: int, role: str) -> str:
    where = f"messages[{index}]"
    if len(messages) <= index:
        raise rec.error(f"expected a {role} message at position {index}", "messages")
    message = messages[index]
    if not isinstance(message, dict) or message.get("role") != role:
        raise rec.error(f"expected {{'role': '{role}', 'content': ...}}", where)
    content = message.get("content")
    if not isinstance(content, str):
        raise rec.error("content must be a string", f"{where}.content")
    return content


class DocDownstreamTask(VQATask):
    """A DocDownstream-1.0 test file (see the module docstring).

    Prompts:
        - ``default``: the DocDownstream question as it is (its instruction is part of the
          file's user content), DocOwl's greedy decoding with ``max_new_tokens`` 512.
        - ``monkey`` / ``textmonkey``: their ``"{question} Answer:"`` forms, 100 tokens.
        - ``textharmony``: the bare question.
    """

    summary: ClassVar[str] = "a DocDownstream-1.0 test set"
    generation = DOCOWL_GENERATION
    family_generation = reference_generation(monkey_tokens=100)
    official_format: ClassVar[str] = (
        'a DocDownstream-1.0 test JSONL ({"image": [...], "messages": [user, assistant]})')

    def from_document(self, doc: Document, images: str | Path | None) -> list[Draft] | None:
        """The DocDownstream ``<Dataset>_test.jsonl``."""
        records = doc.record_list()
        if not records or "messages" not in records[0].data:
            return None
        if images is None and doc.path.parent.name == "test":
            root = doc.path.parent.parent
        else:
            root = image_root(doc.path, images)
        drafts = []
        for rec in records:
            messages = rec.require("messages")
            if not isinstance(messages, list):
                raise rec.error("expected a list of messages", "messages")
            question = _message(rec, messages, 0, "user").replace(IMAGE_TAG, "")
            answer = _message(rec, messages, 1, "assistant")
            paths = rec.require("image")
            if not isinstance(paths, list) or not paths or not isinstance(paths[0], str):
                raise rec.error("expected a list of image paths", "image")
            drafts.append(Draft(
                rec=rec, id=str(rec.index), question=question, answers=(answer,),
                images=(image_file(rec, "image", root, paths[0]),),
                metadata=rec.meta(*(k for k in rec.data if k not in ("image", "messages"))),
                answers_field="messages[1].content",
            ))
        return drafts

    def from_hub(self, split: HubSplit, root: Path) -> list[Draft]:
        """DocDownstream is distributed as JSONL and images, not parquet: an error."""
        raise DataError(split.root, "DocDownstream-1.0 is read from its test/*.jsonl files, "
                        "not parquet; give the JSONL file")


def _prompts(task: str) -> dict[str, PromptTemplate]:
    return vqa_prompts(task, "{question}")


class WikiTableQuestions(DocDownstreamTask):
    """WikiTableQuestions (Pasupat and Liang, ACL 2015) as DocDownstream's
    ``WikiTableQuestions_test.jsonl``, scored by WTQ denotation accuracy (protocol ``wtq``)."""

    name: ClassVar[str] = "wtq"
    summary: ClassVar[str] = "WikiTableQuestions (DocDownstream): table image QA (WTQ accuracy)"
    default_protocol: ClassVar[str] = "wtq"
    protocols: ClassVar[tuple[str, ...]] = ("wtq", "contains", "exact")
    prompts = frozen(_prompts("wtq"))


class TabFact(DocDownstreamTask):
    """TabFact (Chen et al., ICLR 2020) as DocDownstream's ``TabFact_test.jsonl``: is the
    statement entailed by the table image; scored by DocOwl's case-sensitive ``ExactAccuracy``
    (protocol ``exact-docowl``)."""

    name: ClassVar[str] = "tabfact"
    summary: ClassVar[str] = "TabFact (DocDownstream): table fact verification (exact accuracy)"
    default_protocol: ClassVar[str] = "exact-docowl"
    protocols: ClassVar[tuple[str, ...]] = ("exact-docowl", "exact")
    prompts = frozen(_prompts("tabfact"))
