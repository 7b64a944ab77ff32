"""Shared checks for the text-answer protocols: every one scores against ``sample.answers``."""

from __future__ import annotations

from harmonybench.errors import DataError
from harmonybench.schema import Sample


def require_answers(sample: Sample, protocol: str) -> tuple[str, ...]:
    """The sample's ground-truth answers, checked to be a non-empty tuple of strings.

    Every reference scores a question as the best (or any) over its answers, and every one of
    them fails on an empty list (``min([])``/``max([])``) or treats a non-string as text.
    harmonybench reports such a sample instead.

    Args:
        sample: the sample being scored.
        protocol: the protocol's name, for the message.

    Returns:
        ``sample.answers``.

    Raises:
        DataError: the sample has no answers, or an answer that is not a string.
    """
    answers = sample.answers
    if not answers:
        raise DataError(
            sample.task,
            f"no ground-truth answers; protocol {protocol!r} needs at least one",
            record=f"sample {sample.id}",
            field="answers",
        )
    for answer in answers:
        if not isinstance(answer, str):
            raise DataError(
                sample.task,
                f"answer {answer!r} is a {type(answer).__name__}, expected a string",
                record=f"sample {sample.id}",
                field="answers",
            )
    return answers
