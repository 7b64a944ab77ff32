"""The embedded demo's data: every benchmark family in its own format, drawn in code.

:func:`~harmonybench.demo.data.generate` writes the tree and returns a
:class:`~harmonybench.demo.data.DemoData` naming each task's data path. Modules, one job each:

- :mod:`.data`: ``generate``, ``DemoData``, the ``demo.json`` manifest;
- :mod:`.comprehension`: TextVQA, DocVQA and OCRBench files;
- :mod:`.perception`: recognition crops (ICDAR ``gt.txt``), grounding (MARIO-10M ``ocr.txt``)
  and detection/spotting (ICDAR 2015) scenes;
- :mod:`.imageout`: AnyText ``test1k.json``, TextHarmony's editing set, a MARIO-Eval subset;
- :mod:`.scenes`: the pictures (crops, signs, documents, scattered words, posters);
- :mod:`.render`: fonts, text drawn at any angle with its polygon, backgrounds, image files;
- :mod:`.content`: vocabularies, seeded choices, annotator-style answers;
- :mod:`.common`: the generation context and byte-stable JSON/text writing.

Needs matplotlib (for its DejaVu fonts), numpy and Pillow; nothing is downloaded.
"""

from harmonybench.demo.data import DemoData, generate, load_manifest

__all__ = ["DemoData", "generate", "load_manifest"]
