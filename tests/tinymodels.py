"""Tiny vision-language checkpoints built in code, for tests that must not download anything.

Every builder writes a complete, loadable checkpoint into a folder and returns that folder:

- :func:`build_tiny_llava` : a LLaVA-style model (``LlavaForConditionalGeneration``: CLIP vision
  tower + Llama text model) with a ``LlavaProcessor`` (PIL CLIP image processor, a byte-level BPE
  tokenizer trained in code, a chat template), loadable with ``AutoProcessor``.
- :func:`build_tiny_qwen2_vl` : a Qwen2-VL-style model (``Qwen2VLForConditionalGeneration``) saved
  with a tokenizer and the PIL ``Qwen2VLImageProcessorPil`` but **no** processor: like a real
  Qwen2-VL checkpoint on a machine without torchvision, ``AutoProcessor`` fails on it, so
  loading it exercises the adapter's tokenizer + image-processor fallback.
- :func:`build_tiny_lora` : a LoRA adapter (peft) for a checkpoint built above, with random
  non-zero weights so that it changes the model's output.
- :func:`make_image` : a small RGB test image with a little text drawn on it.

The models have a few hundred thousand parameters at most; building one takes well under a
second and generating 16 tokens a few tens of milliseconds on a CPU. Weights are random but
seeded, so two builds with the same arguments are identical.

Example::

    from tinymodels import build_tiny_llava, make_image  # tests/ is on sys.path under pytest
    path = build_tiny_llava(tmp_path / "llava")
    adapter = HFVisionLanguageModel(str(path), device="cpu")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Text the BPE tokenizers are trained on (so that common words become single tokens).
_CORPUS = (
    "What is the text in the image? What is written on the sign? Answer the question.",
    "USER: ASSISTANT: The answer is hello world 2024 invoice total",
    "Read the text. Where is the word? Generate a short answer, please.",
)

#: A minimal LLaVA-style chat template (user turn: images, then text; generation prompt).
LLAVA_CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'].upper() }}: "
    "{% for c in m['content'] %}{% if c['type'] == 'image' %}<image>\n"
    "{% else %}{{ c['text'] }}{% endif %}{% endfor %} {% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)

#: A Qwen2-VL-style chat template (``<|im_start|>`` turns, vision tokens around ``<|image_pad|>``).
QWEN2_VL_CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}"
    "{% for c in m['content'] %}{% if c['type'] == 'image' %}"
    "<|vision_start|><|image_pad|><|vision_end|>{% else %}{{ c['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

_QWEN_SPECIALS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
)


def _train_bpe(specials: tuple[str, ...], vocab_size: int) -> Any:
    """A byte-level BPE ``tokenizers.Tokenizer`` trained on :data:`_CORPUS`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(specials),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(list(_CORPUS), trainer)
    return tok


def _seed(seed: int) -> None:
    import torch

    torch.manual_seed(seed)


def make_image(width: int = 48, height: int = 32, text: str = "HI", color: int = 0) -> Any:
    """A small RGB PIL image with ``text`` drawn on a coloured background.

    Args:
        width: image width in pixels.
        height: image height in pixels.
        text: what to draw (PIL's default bitmap font).
        color: a number that shifts the background colour, so images differ.
    """
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), ((40 * color) % 256, 200, (90 + 70 * color) % 256))
    ImageDraw.Draw(img).text((2, 2), text, fill=(0, 0, 0))
    return img


def build_tiny_llava(
    path: str | Path,
    *,
    seed: int = 0,
    chat_template: bool = True,
    strategy: str = "full",
    save_processor: bool = True,
) -> Path:
    """Save a tiny LLaVA-style checkpoint (model + ``LlavaProcessor``) into ``path``.

    The vision tower sees 32x32 images in 8x8 patches (16 patches, plus the CLS token when
    ``strategy`` is ``"full"``), the text model is a 2-layer Llama with hidden size 32.

    Args:
        path: the folder to write (created if needed).
        seed: torch seed for the random weights.
        chat_template: whether the processor and tokenizer carry a chat template; without one
            the adapter falls back to its plain ``<image>\\n{prompt}`` format.
        strategy: LLaVA's ``vision_feature_select_strategy`` (``"full"`` or ``"default"``).
        save_processor: save the ``LlavaProcessor`` (``processor_config.json``). When false,
            only the tokenizer and the image processor are saved (``preprocessor_config.json``),
            as in older LLaVA checkpoints: ``AutoProcessor`` then assembles a processor that
            does not know the patch size, and the adapter must expand ``<image>`` itself.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    from transformers import (
        CLIPImageProcessorPil,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
        PreTrainedTokenizerFast,
    )

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    _seed(seed)
    tok = _train_bpe(("<pad>", "<s>", "</s>", "<image>"), vocab_size=300)
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        extra_special_tokens={"image_token": "<image>"},
    )
    template = LLAVA_CHAT_TEMPLATE if chat_template else None
    image_processor = CLIPImageProcessorPil(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=32,
            patch_size=8,
        ),
        text_config=LlamaConfig(
            vocab_size=len(hf_tok),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=2,
            max_position_embeddings=512,
            pad_token_id=hf_tok.pad_token_id,
            bos_token_id=hf_tok.bos_token_id,
            eos_token_id=hf_tok.eos_token_id,
        ),
        image_token_index=hf_tok.convert_tokens_to_ids("<image>"),
        vision_feature_layer=-1,
        vision_feature_select_strategy=strategy,
    )
    model = LlavaForConditionalGeneration(config).eval()
    processor = LlavaProcessor(
        image_processor=image_processor,
        tokenizer=hf_tok,
        patch_size=8,
        vision_feature_select_strategy=strategy,
        num_additional_image_tokens=1,
        chat_template=template,
    )
    model.save_pretrained(out)
    if save_processor:
        processor.save_pretrained(out)
    else:
        hf_tok.chat_template = template
        hf_tok.save_pretrained(out)
        image_processor.save_pretrained(out)
    return out


def build_tiny_qwen2_vl(path: str | Path, *, seed: int = 0, chat_template: bool = True) -> Path:
    """Save a tiny Qwen2-VL-style checkpoint (model, tokenizer, PIL image processor) into ``path``.

    No processor is saved (there is no ``processor_config.json`` or video processor), so
    ``AutoProcessor`` cannot build a ``Qwen2VLProcessor`` without torchvision, as with a real
    Qwen2-VL checkpoint on this machine. Images are resized to between 4 and 64 patches of 14
    pixels, merged 2x2.

    Args:
        path: the folder to write (created if needed).
        seed: torch seed for the random weights.
        chat_template: whether the tokenizer carries a chat template.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    from transformers import (
        PreTrainedTokenizerFast,
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
        Qwen2VLImageProcessorPil,
    )

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    _seed(seed)
    tok = _train_bpe(_QWEN_SPECIALS, vocab_size=320)
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    if chat_template:
        hf_tok.chat_template = QWEN2_VL_CHAT_TEMPLATE
    ids = {s: hf_tok.convert_tokens_to_ids(s) for s in _QWEN_SPECIALS}
    image_processor = Qwen2VLImageProcessorPil(
        min_pixels=28 * 28 * 4,
        max_pixels=28 * 28 * 64,
        patch_size=14,
        merge_size=2,
        temporal_patch_size=2,
    )
    config = Qwen2VLConfig(
        text_config={
            "vocab_size": len(hf_tok),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "max_position_embeddings": 1024,
            "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
            "bos_token_id": None,
        },
        vision_config={
            "depth": 2,
            "embed_dim": 32,
            "hidden_size": 32,
            "num_heads": 2,
            "mlp_ratio": 2,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    model = Qwen2VLForConditionalGeneration(config).eval()
    model.save_pretrained(out)
    hf_tok.save_pretrained(out)
    image_processor.save_pretrained(out)
    return out


def build_tiny_lora(
    model_path: str | Path,
    path: str | Path,
    *,
    seed: int = 1,
    rank: int = 4,
    scale: float = 1.0,
    target_modules: tuple[str, ...] = ("q_proj", "v_proj", "o_proj", "down_proj"),
) -> Path:
    """Save a LoRA adapter for the checkpoint at ``model_path`` into ``path``.

    peft initialises LoRA's ``B`` matrices to zero (an adapter that changes nothing), so both
    ``A`` and ``B`` are refilled with seeded normal noise of standard deviation ``scale``: the
    adapter then visibly changes the model's output.

    Args:
        model_path: a folder written by :func:`build_tiny_llava` or :func:`build_tiny_qwen2_vl`.
        path: the adapter folder to write (``adapter_config.json`` +
            ``adapter_model.safetensors``).
        seed: torch seed for the adapter weights.
        rank: the LoRA rank ``r`` (``lora_alpha`` is ``2 * rank``).
        scale: standard deviation of the random LoRA weights.
        target_modules: module names the adapter wraps (in the text model; the vision tower of
            the tiny models uses other names except for LLaVA's CLIP ``q_proj``/``v_proj``).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForImageTextToText

    out = Path(path)
    base = AutoModelForImageTextToText.from_pretrained(str(model_path))
    peft_model = get_peft_model(
        base,
        LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=list(target_modules)),
    )
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_A" in name or "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * scale)
    peft_model.save_pretrained(str(out))
    return out
