"""The prompt rules that image-out tasks and model adapters both need, written once.

Tasks and models may not import each other (``pyproject.toml``'s import contracts), so a rule
both sides apply lives here in the core; a rule only one side needs stays on that side:

- **AnyText's placeholders** (tyxsspa/AnyText ``t3_dataset.get_caption_pos`` with
  ``prob = 0``, read at 3d4a260c67d9): one ``*`` per target line, written ``* , * .``, after the
  caption and a connecting phrase (:func:`anytext_caption_prompt`). The task renders its
  ``anytext`` prompt family with it (phrase: the first of ``phrase_list``,
  :mod:`harmonybench.tasks.anytext_prompts`); the adapter builds the same form when a prompt has
  no placeholders (phrase: the one the script draws, :mod:`harmonybench.models.anytext_inputs`).
  What AnyText's pipeline does with each ``*`` (swaps it for the glyph embedding of
  ``layout.texts[k]``) and the ``quotes`` rule (quoted texts become ``*``) are the adapter's
  alone, so they stay in :mod:`harmonybench.models.anytext_inputs`.
- **TextHarmony's instructions** (bytedance/TextHarmony f98ac34b206f,
  ``docs/examples/example.json`` and ``configs/release/edit_annt.json``): the tasks offer them as
  their ``textharmony`` prompt family (and check ``edit_annt.json`` against the edit one); the
  adapter builds its prompt from them (:mod:`harmonybench.models.textharmony_prompts`).

The quoted caption (:attr:`harmonybench.layout.TextLayout.quoted_caption`) is computed by the task
only (``quote_texts`` in :mod:`harmonybench.tasks.anytext_prompts`) and read by the TextHarmony
adapter from the layout; diffusers adapters take ``request.prompt`` as the task rendered it (the
``default`` family: the quoted caption for AnyText, the prompt line for MARIO-Eval) and apply
no rule of their own.
"""

from __future__ import annotations

PLACE_HOLDER = "*"
"""AnyText's glyph placeholder; a ``*`` already in a caption is replaced by a space."""

TEXTHARMONY_T2I = "Generate an image according to the caption. {caption}"
"""TextHarmony's text-to-image instruction (``docs/examples/example.json``)."""

TEXTHARMONY_EDIT = 'Fill the masked part in this image with "{text}".'
"""TextHarmony's editing instruction (``configs/release/edit_annt.json``)."""


def anytext_placeholders(count: int) -> str:
    """``"* , * ."`` with ``count`` placeholders (``"* ."`` for one, ``""`` for none)."""
    if count <= 0:
        return ""
    return (f"{PLACE_HOLDER} , " * count)[:-2] + "."


def anytext_caption_prompt(caption: str, count: int, phrase: str) -> str:
    """AnyText's evaluation prompt: ``caption + phrase + "* , * ."`` for ``count`` lines.

    Any ``*`` in ``caption`` becomes a space first (as ``load_data`` does); without lines the
    caption is the prompt (as ``get_item`` does).
    """
    caption = caption.replace(PLACE_HOLDER, " ")
    if count <= 0:
        return caption
    return caption + phrase + anytext_placeholders(count)


def textharmony_t2i(caption: str) -> str:
    """TextHarmony's text-to-image instruction for ``caption``."""
    return TEXTHARMONY_T2I.format(caption=caption)


def textharmony_edit(text: str) -> str:
    """TextHarmony's editing instruction for ``text``."""
    return TEXTHARMONY_EDIT.format(text=text)
