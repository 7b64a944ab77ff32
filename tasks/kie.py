"""Key information extraction as TextMonkey evaluates it: FUNSD, SROIE and POIE as VQA.

Reference: Yuliang-Liu/Monkey ``eval/evaluate_vqa_doc.py`` at
82457ed65b566aa63fc876f4031758b758e4f638 (TextMonkey's evaluation, run by
``eval/eval_doc.sh``), ``ds_collections``:

- ``FUNSD``: ``data/FUNSD/FUNSD_test.jsonl``; ``SROIE_test``: ``data/SROIE/SROIE_test.jsonl``;
  ``POIE``: ``data/POIE/POIE_test.jsonl``; each with ``metric: accuracy`` and
  ``max_new_tokens: 100``.
- Each line is ``{"image", "question", "answer", "question_id"}`` (the script reads exactly
  these four; ``answer`` a string or a list), read by
  :func:`harmonybench.tasks.common.generic_drafts`; the image path is relative to the working
  directory the script runs in, here to ``images`` or the file's folder.
- ``accuracy`` is ``evaluate_exact_match_accuracy``: ``<point>``/``<box>`` spans removed from
  the answer, then case-insensitive substring containment of a stripped ground truth, which is
  harmonybench's protocol ``contains`` (the default here); the TextMonkey Model Zoo table
  (``monkey_model/text_monkey/README.md``) reports it for FUNSD, SROIE and POIE
  (``results/paper/textmonkey.csv``).

The questions ask for one field's value (MultimodalOCR's FUNSD file, for instance:
``what is "<key>" information in the image?``). The files come from TextMonkey's data release
(the Monkey README's Baidu-pan link); no hub parquet layout exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from harmonybench.errors import DataError
from harmonybench.task import frozen
from harmonybench.tasks.common import Draft, VQATask, reference_generation, vqa_prompts
from harmonybench.tasks.hub import HubSplit
from harmonybench.tasks.records import Document

_PROTOCOLS = ("contains", "contains-monkey", "anls", "exact")


class KIETask(VQATask):
    """A TextMonkey KIE set: TextMonkey's JSONL, scored by substring containment.

    Prompts:
        - ``default``: the bare question (the question names the key; TextMonkey's only
          prompt is its own family's), greedy, ``max_new_tokens`` 100 as TextMonkey.
        - ``monkey`` / ``textmonkey``: ``"{question} Answer:"`` after the image tag
          (TextMonkey's ``'<img>{}</img> {} Answer:'`` has the leading space), 100 tokens.
        - ``textharmony``: the bare question.
    """

    default_protocol: ClassVar[str] = "contains"
    protocols: ClassVar[tuple[str, ...]] = _PROTOCOLS
    generation = frozen({"max_new_tokens": 100, "do_sample": False})
    family_generation = reference_generation(monkey_tokens=100)
    official_format: ClassVar[str] = (
        'TextMonkey JSONL ({"image", "question", "answer", "question_id"} per line)')

    def from_document(self, doc: Document, images: str | Path | None) -> list[Draft] | None:
        """``None``: TextMonkey's files are the generic Monkey layout."""
        return None

    def from_hub(self, split: HubSplit, root: Path) -> list[Draft]:
        """No hub layout exists for TextMonkey's KIE files: an error."""
        raise DataError(split.root, f"{self.name} is read from TextMonkey's JSONL file "
                        f"({self.official_format}), not parquet")


class FUNSD(KIETask):
    """FUNSD (Jaume et al., ICDAR-OST 2019), TextMonkey's ``FUNSD_test.jsonl``."""

    name: ClassVar[str] = "funsd"
    summary: ClassVar[str] = "FUNSD: key information extraction on forms (TextMonkey, contains)"
    prompts = frozen(vqa_prompts("funsd", "{question}"))


class SROIE(KIETask):
    """SROIE (Huang et al., ICDAR 2019), TextMonkey's ``SROIE_test.jsonl``."""

    name: ClassVar[str] = "sroie"
    summary: ClassVar[str] = "SROIE: key information extraction on receipts (TextMonkey, contains)"
    prompts = frozen(vqa_prompts("sroie", "{question}"))


class POIE(KIETask):
    """POIE (Kuang et al., ICDAR 2023), TextMonkey's ``POIE_test.jsonl``."""

    name: ClassVar[str] = "poie"
    summary: ClassVar[str] = (
        "POIE: key information extraction on product labels (TextMonkey, contains)")
    prompts = frozen(vqa_prompts("poie", "{question}"))
