"""Answer normalisers of the two VQA-accuracy references, quirks included.

Two references define "TextVQA accuracy" and they normalise answers differently:

* **MMF / EvalAI** (protocol ``vqa``): ``EvalAIAnswerProcessor`` in
  ``pixas/LLaVA`` ``llava/eval/m4c_evaluator.py`` at commit ``fbd51158da0d`` (itself copied from
  ``facebookresearch/mmf`` ``pythia/tasks/processors.py`` at ``c46b3b33``); lmms-eval's
  ``lmms_eval/tasks/_task_utils/vqa_eval_metric.py`` holds the same processor. It is applied to
  the prediction *and to every annotator answer*: :func:`normalize_mmf`.
* **Official VQA** (protocol ``vqa-official``): ``VQAEval.processPunctuation`` and
  ``VQAEval.processDigitArticle`` in ``GT-Vision-Lab/VQA``
  ``PythonEvaluationTools/vqaEvaluation/vqaEval.py`` at commit ``c4e6a0e4e84b``. The prediction
  gets both steps (:func:`normalize_official_prediction`); the annotator answers get the
  punctuation step only, and only when they are not all identical
  (:func:`normalize_official_answers`). They are never lowercased, so an annotator answer with a
  capital letter, a number word or an article can never be matched under this protocol.

Both references share the tables below (the contraction table, the number words ``none``/
``zero`` ... ``ten``, the articles and the 21 punctuation marks are identical in the two files).
This module re-implements their behaviour; it does not reuse their code. Quirks kept on purpose:

* The period regex ``(?!<=\\d)(\\.)(?!\\d)`` was meant to have a look-behind; as written its first
  group is a *look-ahead* for the two characters ``<=``, which can never succeed where a period
  stands, so every period **not followed by a digit** is deleted, even after a digit
  (``"5."`` -> ``"5"``, ``"3.5"`` kept). ``\\d`` is Unicode-aware: a period before a fullwidth
  or Arabic-Indic digit is kept.
* Both references call ``PERIOD_STRIP.sub("", text, re.UNICODE)``: ``re.UNICODE`` lands in the
  *count* parameter, so at most :data:`PERIOD_STRIP_COUNT` (= ``int(re.UNICODE)`` = 32) periods
  are deleted; later ones stay.
* Each punctuation mark is decided on its own, looking at the text *as it came in*: it is deleted
  when it appears next to a space (``" " + mark`` or ``mark + " "`` occurs anywhere in the input)
  or when the input contains a digit-comma-digit run; otherwise every occurrence of it becomes a
  space. The comma rule differs: MMF searches ``(?<=\\d)(\\,)+(?=\\d)`` (one or more commas),
  the official code ``(\\d)(\\,)(\\d)`` (exactly one). In MMF's pipeline commas are already gone
  when the rule runs (its tokenizer deletes them), so there it never fires.
* The tokenizer of MMF lowercases, deletes every ``","`` and ``"?"`` and rewrites ``"'s"`` as
  ``" 's"`` (``"it's"`` -> ``"it 's"``), so contraction keys holding ``'s`` (``let's``,
  ``she's``) can never match there.
* Contraction keys with capitals (``Im``, ``Ive``, ``Id've``, ``I'dve``) can never match, because
  the text is lowercased first; ``somebody'd`` maps to ``somebodyd`` (the table is reversed
  there). Number words are mapped before articles are dropped, contractions after.
* Only ``"\\n"`` and ``"\\t"`` are turned into spaces before the punctuation step, and the
  punctuation step looks for the ASCII space only; ``str.split`` in the last step then splits on
  every Unicode white space.
* Both references map number words with ``dict.setdefault``, which adds every word seen to their
  (shared, class- or instance-level) table. That changes memory use, never a result; it is not
  reproduced.

:func:`normalize_mmf` is not idempotent (``"hes"`` -> ``"he's"``, which its tokenizer then
splits into ``"he 's"``), and with more than 32 periods neither normaliser is (the surplus
survives the first pass); :func:`normalize_official_prediction` otherwise is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

__all__ = [
    "ARTICLES",
    "CONTRACTIONS",
    "NUMBER_WORDS",
    "PERIOD_STRIP_COUNT",
    "PUNCTUATION",
    "mmf_process_punctuation",
    "mmf_word_tokenize",
    "normalize_mmf",
    "normalize_official_answers",
    "normalize_official_prediction",
    "official_process_punctuation",
    "process_digit_article",
]

PUNCTUATION: tuple[str, ...] = tuple(';/[]"{}()=+\\_-><@`,?!')
"""The 21 punctuation marks both references treat (in their order)."""

NUMBER_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "none": "0",
        "zero": "0",
        "one": "1",
        "two": "2",
        "three": "3",
        "four": "4",
        "five": "5",
        "six": "6",
        "seven": "7",
        "eight": "8",
        "nine": "9",
        "ten": "10",
    }
)
"""Whole words replaced by digits (``none`` counts as zero)."""

ARTICLES: frozenset[str] = frozenset({"a", "an", "the"})
"""Whole words dropped."""

# The contraction table of both references, one "key>value" pair per token. Capitalised keys
# are unreachable (the text is lowercased first) but kept so the table is complete.
_CONTRACTION_PAIRS = """
aint>ain't arent>aren't cant>can't couldve>could've couldnt>couldn't couldn'tve>couldn't've
couldnt've>couldn't've didnt>didn't doesnt>doesn't dont>don't hadnt>hadn't hadnt've>hadn't've
hadn'tve>hadn't've hasnt>hasn't havent>haven't hed>he'd hed've>he'd've he'dve>he'd've hes>he's
howd>how'd howll>how'll hows>how's Id've>I'd've I'dve>I'd've Im>I'm Ive>I've isnt>isn't
itd>it'd itd've>it'd've it'dve>it'd've itll>it'll let's>let's maam>ma'am mightnt>mightn't
mightnt've>mightn't've mightn'tve>mightn't've mightve>might've mustnt>mustn't mustve>must've
neednt>needn't notve>not've oclock>o'clock oughtnt>oughtn't ow's'at>'ow's'at 'ows'at>'ow's'at
'ow'sat>'ow's'at shant>shan't shed've>she'd've she'dve>she'd've she's>she's
shouldve>should've shouldnt>shouldn't shouldnt've>shouldn't've shouldn'tve>shouldn't've
somebody'd>somebodyd somebodyd've>somebody'd've somebody'dve>somebody'd've
somebodyll>somebody'll somebodys>somebody's someoned>someone'd someoned've>someone'd've
someone'dve>someone'd've someonell>someone'll someones>someone's somethingd>something'd
somethingd've>something'd've something'dve>something'd've somethingll>something'll
thats>that's thered>there'd thered've>there'd've there'dve>there'd've therere>there're
theres>there's theyd>they'd theyd've>they'd've they'dve>they'd've theyll>they'll
theyre>they're theyve>they've twas>'twas wasnt>wasn't wed've>we'd've we'dve>we'd've
weve>we've werent>weren't whatll>what'll whatre>what're whats>what's whatve>what've
whens>when's whered>where'd wheres>where's whereve>where've whod>who'd whod've>who'd've
who'dve>who'd've wholl>who'll whos>who's whove>who've whyll>why'll whyre>why're whys>why's
wont>won't wouldve>would've wouldnt>wouldn't wouldnt've>wouldn't've wouldn'tve>wouldn't've
yall>y'all yall'll>y'all'll y'allll>y'all'll yall'd've>y'all'd've y'alld've>y'all'd've
y'all'dve>y'all'd've youd>you'd youd've>you'd've you'dve>you'd've youll>you'll
youre>you're youve>you've
"""

CONTRACTIONS: Mapping[str, str] = MappingProxyType(
    {key: value for key, _, value in (pair.partition(">") for pair in _CONTRACTION_PAIRS.split())}
)
"""Whole words rewritten with their apostrophe (120 entries, identical in both references)."""

PERIOD_STRIP_COUNT = int(re.UNICODE)
"""At most this many periods are deleted (``re.UNICODE`` passed as ``count``: 32)."""

_PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")
_ANY_MARK_OR_PERIOD = re.compile("[" + re.escape("".join(PUNCTUATION)) + ".]")
_MARKS = frozenset(PUNCTUATION)
_COMMA_RUN_MMF = re.compile(r"(?<=\d)(\,)+(?=\d)")
_COMMA_RUN_OFFICIAL = re.compile(r"(\d)(\,)(\d)")


def _process_punctuation(text: str, comma_run: re.Pattern[str]) -> str:
    """The punctuation step shared by both references, with their comma rule ``comma_run``.

    Every mark is a single character and is decided from the input alone, so the per-mark
    replacements of the references are one ``str.translate``.
    """
    if _ANY_MARK_OR_PERIOD.search(text) is None:
        return text
    delete_all = comma_run.search(text) is not None
    table: dict[int, str | None] = {}
    for mark in _MARKS.intersection(text):
        if delete_all or mark + " " in text or " " + mark in text:
            table[ord(mark)] = None
        else:
            table[ord(mark)] = " "
    out = text.translate(table) if table else text
    return _PERIOD_STRIP.sub("", out, count=PERIOD_STRIP_COUNT)


def mmf_process_punctuation(text: str) -> str:
    """MMF's ``process_punctuation``: marks deleted or spaced, then periods stripped.

    A mark is deleted if it touches an ASCII space anywhere in ``text`` or if ``text`` has a
    digit, one or more commas, and a digit in a row; otherwise it becomes a space. Then up to
    32 periods not followed by a (Unicode) digit are deleted.
    """
    return _process_punctuation(text, _COMMA_RUN_MMF)


def official_process_punctuation(text: str) -> str:
    """The official ``processPunctuation`` at c4e6a0e: as MMF's, but the comma rule needs
    exactly one comma between two digits (``"1,000"`` fires it, ``"1,,000"`` does not).
    """
    return _process_punctuation(text, _COMMA_RUN_OFFICIAL)


def process_digit_article(text: str) -> str:
    """The shared ``processDigitArticle`` / ``process_digit_article`` step.

    Lowercase, split on any white space, map number words to digits, drop articles, rewrite
    contractions, join with single spaces.
    """
    words: list[str] = []
    for word in text.lower().split():
        word = NUMBER_WORDS.get(word, word)
        if word in ARTICLES:
            continue
        words.append(CONTRACTIONS.get(word, word))
    return " ".join(words)


def mmf_word_tokenize(text: str) -> str:
    """MMF's ``word_tokenize``: lowercase, delete ``,`` and ``?``, ``'s`` -> `` 's``, strip."""
    lowered = text.lower().replace(",", "").replace("?", "")
    return lowered.replace("'s", " 's").strip()


def normalize_mmf(text: str) -> str:
    """The whole EvalAI/MMF answer processor (``EvalAIAnswerProcessor.__call__``).

    Tokenize, turn ``\\n`` and ``\\t`` into spaces and strip, process punctuation, then digits
    and articles. Applied to predictions and annotator answers alike. The result is lowercase,
    has single spaces between words and none at either end.
    """
    item = mmf_word_tokenize(text).replace("\n", " ").replace("\t", " ").strip()
    return process_digit_article(mmf_process_punctuation(item))


def normalize_official_prediction(text: str) -> str:
    """How the official ``VQAEval.evaluate`` normalises a prediction.

    ``\\n`` and ``\\t`` become spaces, strip, ``processPunctuation``, ``processDigitArticle``.
    """
    item = text.replace("\n", " ").replace("\t", " ").strip()
    return process_digit_article(official_process_punctuation(item))


def normalize_official_answers(answers: Sequence[str]) -> tuple[str, ...]:
    """How the official ``VQAEval.evaluate`` normalises one question's annotator answers.

    Only when the raw answers are not all identical does each get ``processPunctuation``; there
    is no lowercasing, no strip and no digit/article step.
    """
    if len(set(answers)) > 1:
        return tuple(official_process_punctuation(a) for a in answers)
    return tuple(answers)
