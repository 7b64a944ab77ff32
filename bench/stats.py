"""Paired statistics for checkpoint comparisons: bootstrap intervals and paired tests.

- :func:`paired_bootstrap_ci`: percentile interval of the mean difference over samples,
  resampling sample indices with replacement (both runs resampled together, so the pairing is
  kept), seeded.
- :func:`mcnemar_exact`: the exact (binomial) McNemar test for paired 0/1 scores: under the null
  the discordant pairs split 50/50; the two-sided p-value doubles the smaller tail, capped at 1
  (as ``scipy.stats.binomtest(..., alternative="two-sided")`` does for p = 0.5).
- :func:`paired_permutation`: the paired sign-flip permutation test of the mean difference,
  for continuous scores; p = (1 + #{|flipped mean| >= |observed mean|}) / (1 + resamples).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_CELLS = 20_000_000
"""At most this many random draws are held at once (160 MB of int64)."""


def _chunk(n: int) -> int:
    return max(1, min(1000, _CELLS // max(1, n)))


def paired_bootstrap_ci(
    base: FloatArray,
    candidate: FloatArray,
    *,
    resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``mean(candidate - base)``."""
    diff = np.asarray(candidate, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    n = diff.size
    if n == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = np.empty(resamples, dtype=np.float64)
    step = _chunk(n)
    for start in range(0, resamples, step):
        size = min(step, resamples - start)
        idx = rng.integers(0, n, size=(size, n))
        means[start:start + size] = diff[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return (float(low), float(high))


def _log_binom_pmf(k: int, n: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) - n * math.log(2)


def mcnemar_exact(base: FloatArray, candidate: FloatArray) -> float:
    """Two-sided exact McNemar p-value for paired binary scores."""
    b_arr = np.asarray(base) > 0.5
    c_arr = np.asarray(candidate) > 0.5
    lost = int(np.sum(b_arr & ~c_arr))
    gained = int(np.sum(~b_arr & c_arr))
    n = lost + gained
    if n == 0:
        return 1.0
    k = min(lost, gained)
    tail = sum(math.exp(_log_binom_pmf(i, n)) for i in range(k + 1))
    return float(min(1.0, 2.0 * tail))


def paired_permutation(
    base: FloatArray, candidate: FloatArray, *, resamples: int = 10_000, seed: int = 0
) -> float:
    """Two-sided paired sign-flip permutation p-value of the mean difference."""
    diff = np.asarray(candidate, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    n = diff.size
    if n == 0 or not np.any(diff):
        return 1.0
    observed = abs(diff.mean())
    rng = np.random.default_rng(seed)
    extreme = 0
    step = _chunk(n)
    for start in range(0, resamples, step):
        size = min(step, resamples - start)
        signs = rng.integers(0, 2, size=(size, n)) * 2 - 1
        flipped = np.abs((signs * diff).mean(axis=1))
        # a tolerance so that floating-point noise does not make the observed value "rarer"
        extreme += int(np.sum(flipped >= observed - 1e-12))
    return (1 + extreme) / (1 + resamples)


def is_binary(*arrays: FloatArray) -> bool:
    """Whether every value of every array is 0 or 1."""
    return all(np.all((a == 0) | (a == 1)) for a in arrays)


@dataclass(frozen=True)
class PairedTest:
    """The outcome of comparing paired per-sample scores."""

    n: int
    base_mean: float
    candidate_mean: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str


def paired_test(
    base: FloatArray,
    candidate: FloatArray,
    *,
    resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedTest:
    """Bootstrap interval plus McNemar (binary scores) or a permutation test (otherwise)."""
    base = np.asarray(base, dtype=np.float64)
    candidate = np.asarray(candidate, dtype=np.float64)
    if base.shape != candidate.shape:
        raise ValueError("paired scores must have the same length")
    low, high = paired_bootstrap_ci(base, candidate, resamples=resamples, seed=seed,
                                    confidence=confidence)
    if is_binary(base, candidate):
        p, test = mcnemar_exact(base, candidate), "mcnemar-exact"
    else:
        p, test = paired_permutation(base, candidate, resamples=resamples, seed=seed), \
            "paired-permutation"
    n = int(base.size)
    return PairedTest(
        n=n,
        base_mean=float(base.mean()) if n else math.nan,
        candidate_mean=float(candidate.mean()) if n else math.nan,
        ci_low=low,
        ci_high=high,
        p_value=p,
        test=test,
    )
