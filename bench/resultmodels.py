"""The typed result files of a run: ``run.json``, ``scores.json`` and journal records.

These pydantic v2 models are the one definition of each file's fields; reading and writing
goes through :mod:`harmonybench.resultfiles`, and ``docs/schemas/`` holds the JSON Schemas
generated from them (``python -m harmonybench.resultfiles --write-schemas docs/schemas``).

Every file carries a ``schema_version`` (journal lines a short ``v``): an int, ``1`` for the
files written before the field existed, which have no key and read as version 1. The layout is
the one :mod:`harmonybench.runner` has always written, so version 1 is also what is written
now; a later incompatible change raises :data:`SCHEMA_VERSION` and teaches the reader the old
one.

Formats that other code extends stay open (``extra="allow"``): task specs (a task's
options, ``subset``), model specs (each adapter adds its own keys), protocol metric values
(numbers, strings such as an OCR reader's name, nested mappings such as OCRBench's
``categories``). Pydantic's documentation on models and ``extra``:
https://docs.pydantic.dev/2.14/concepts/models/.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, model_validator

from harmonybench.meaning import Unit

SCHEMA_VERSION = 1
"""The schema version this harmonybench writes."""
READABLE_VERSIONS: tuple[int, ...] = (1,)
"""The schema versions this harmonybench reads."""

Scores = dict[str, dict[str, float]]
"""Per-protocol scores of one sample: ``{protocol: {metric: value}}``."""

LEGACY_SCORING_FAILED = "scoring failed: "
"""How journals written before :attr:`Record.score_error` began a scoring error's message."""

MetricValue = float | int | bool | str | None | dict[str, Any] | list[Any]
"""A value a protocol reports: a number, or a string (the OCR reader used), a nested mapping
(OCRBench's per-category scores) or a list."""


class ResultModel(BaseModel):
    """Base of the result-file models: open to extra keys, written as they were set."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_json_dict(self) -> dict[str, Any]:
        """The file's JSON object: the fields that were set (read from a file, given when
        built, or assigned), so a file read and written again keeps its keys and gains none."""
        return self.model_dump(mode="python", by_alias=True, exclude_unset=True)


class Versioned(ResultModel):
    """A whole file: carries its ``schema_version``."""

    schema_version: int = Field(
        default=1, description="The file's format version; files without it are version 1.")


# -- journal records ----------------------------------------------------------------------


class Record(BaseModel):
    """One journaled line: everything known about one sample of one run.

    Scores are kept apart from the raw output, so ``rescore`` can re-apply any protocol.
    Records are changed after they are built (``record.answer = ...``); assignment is not
    validated, so scoring code keeps its speed. Keys a line has beyond these fields are kept
    in :attr:`metadata` (as :meth:`from_dict` always did).
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    schema_version: int = Field(
        default=1, alias="v",
        description="The line's format version (a short key: a journal has one per sample); "
                    "lines without it are version 1.")
    run_id: str
    task: str
    sample_id: str
    request_hash: str
    template_id: str | None = Field(
        description="The prompt template the model was given (``null`` in some older lines).")
    template_hash: str | None
    generation: dict[str, Any] = Field(default_factory=dict)
    raw_output: str | None = None
    images: list[str] = Field(default_factory=list)
    answer: Any = None
    scores: Scores = Field(default_factory=dict)
    latency_s: float = 0.0
    error: str | None = Field(default=None, description="Why the model failed on this sample.")
    unsupported: bool = False
    rank: int = 0
    metadata: dict[str, Any] = Field(default_factory=dict)
    score_error: str | None = Field(
        default=None,
        description="Why the answer could not be extracted or scored (a bug in a task or "
                    "protocol, never the model's failure): the output is kept, and "
                    "`harmonybench rescore` scores it again.")

    @model_validator(mode="after")
    def _older_lines(self) -> Record:
        """Keys beyond the fields go to ``metadata``; a scoring error that a journal from
        before :attr:`score_error` recorded as the model's error becomes a scoring error."""
        extra = self.__pydantic_extra__
        if extra:
            self.metadata = {**self.metadata, **extra}
            extra.clear()
        if self.error is not None and self.score_error is None \
                and self.error.startswith(LEGACY_SCORING_FAILED):
            self.score_error, self.error = self.error, None
        return self

    def to_json(self) -> str:
        """One JSON line (no trailing newline); values JSON cannot hold are written as text."""
        import json

        return json.dumps(self.model_dump(by_alias=True), ensure_ascii=False,
                          separators=(",", ":"), default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """Build a record from a parsed journal line; unknown keys are kept in ``metadata``."""
        return cls.model_validate(data)

    @property
    def failed(self) -> bool:
        """Whether the model failed on this sample (an error, or an unsupported request)."""
        return self.error is not None or self.unsupported

    @property
    def scored(self) -> bool:
        """Whether the record holds an answer and its scores (no failure, no scoring error)."""
        return not self.failed and self.score_error is None and self.answer is not None


# -- run.json -----------------------------------------------------------------------------


class ModelSpec(ResultModel):
    """What identifies the model (``ModelAdapter.spec()``); adapters add keys of their own."""

    adapter: str
    location: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    dtype: str | None = None


class TaskSpec(ResultModel):
    """One task of a run, as ``prepare_task`` and ``location_spec`` describe it.

    Only ``task`` is required: older run folders lack the later keys.
    """

    task: str
    version: str | int | None = None
    kind: str | None = None
    data: str | None = Field(default=None, description="The data file, absolute.")
    data_sha256: str | None = None
    images: str | None = Field(default=None, description="The image folder, absolute.")
    images_from_data: str | None = Field(
        default=None, description="The image folder relative to the data file's folder.")
    data_from_run: str | None = Field(
        default=None, description="The data file relative to the run folder.")
    images_from_run: str | None = Field(
        default=None, description="The image folder relative to the run folder.")
    subset: str | None = Field(default=None, description="The benchmark subset, where named.")
    options: dict[str, str] = Field(default_factory=dict)
    default_protocol: str | None = None
    template_id: str | None = None
    template_hash: str | None = None
    template: str | None = None
    prompt_setting: str | None = Field(
        default=None, description="The task's prompt setting where it has several (TextVQA: "
                                  "question or ocr-tokens).")
    generation: dict[str, Any] = Field(default_factory=dict)
    limit: int | None = None
    seed: int | None = None
    n: NonNegativeInt | None = None


class Attempt(ResultModel):
    """One ``harmonybench run`` of the folder: when, how, and how it ended."""

    started: str
    command: list[str] = Field(default_factory=list)
    world_size: int = 1
    ended: str | None = None
    failed_samples: NonNegativeInt | None = None
    reused: str | None = None


class RunInfo(Versioned):
    """``run.json``: the model, the tasks and the settings of a run, and its attempts."""

    run_id: str
    model: ModelSpec
    tasks: list[TaskSpec] = Field(default_factory=list)
    seed: int | None = None
    batch_size: int | None = None
    device: str | None = None
    world_size: int | None = None
    packages: dict[str, str | None] = Field(default_factory=dict)
    attempts: list[Attempt] = Field(default_factory=list)

    def spec(self, task: str) -> TaskSpec | None:
        """The spec of ``task`` (``None``: the run has no such task)."""
        return next((s for s in self.tasks if s.task == task), None)


# -- scores.json --------------------------------------------------------------------------


class MetricDecl(ResultModel):
    """What one metric's numbers mean (:class:`harmonybench.meaning.MetricInfo`)."""

    unit: Unit
    higher_is_better: bool = True
    main: bool = False
    statistic: bool = False


class TaskEntry(ResultModel):
    """One task's entry in ``scores.json``, as ``summarize_task`` builds it."""

    kind: str = ""
    modality: Literal["text", "image"]
    default_protocol: str = Field(min_length=1)
    n: NonNegativeInt = 0
    scored: NonNegativeInt = 0
    failed: NonNegativeInt = 0
    unsupported: NonNegativeInt = 0
    score_errors: NonNegativeInt = Field(
        default=0, description="Outputs that could not be extracted or scored (rescore "
                               "retries them).")
    missing: NonNegativeInt = Field(default=0, description="Samples with no record yet.")
    errors: list[str] = Field(default_factory=list, description="The first few errors.")
    protocols: dict[str, dict[str, MetricValue]] = Field(
        default_factory=dict, description="{protocol: {metric: value}} over scored samples.")
    metrics_info: dict[str, dict[str, MetricDecl]] = Field(
        default_factory=dict, description="{protocol: {metric: declaration}}.")
    note: str | None = None
    dataset_errors: list[str] = Field(default_factory=list)
    usage: dict[str, int | float] | None = Field(
        default=None, description="API usage totals of a served model (prompt_tokens, "
                                  "completion_tokens, requests, samples, latency_s); absent "
                                  "for in-process adapters.")


class ScoresFile(Versioned):
    """``scores.json``: per task, counts and protocol values of a finished (or rescored) run.

    ``run_id`` and ``model`` repeat ``run.json``'s (readers fall back on it without them).
    """

    run_id: str | None = None
    model: ModelSpec | None = None
    written: str | None = None
    rescored: bool = False
    tasks: dict[str, TaskEntry]
