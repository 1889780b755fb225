"""Percentiles and latency summaries (pure, so they are unit-tested)."""
from __future__ import annotations

import math
from typing import Dict, Optional, Sequence


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """The q-th percentile (0..100) with linear interpolation between ranks, as numpy's default.

    None for no values: an empty level has no latency, not a latency of 0.
    """
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise_ms(seconds: Sequence[float]) -> Dict[str, Optional[float]]:
    """Count, p50/p95/p99, mean and max of latencies given in seconds, in milliseconds."""
    as_ms = [s * 1000 for s in seconds]

    def rounded(value: Optional[float]) -> Optional[float]:
        return None if value is None else round(value, 1)

    return {
        "n": len(as_ms),
        "p50_ms": rounded(percentile(as_ms, 50)),
        "p95_ms": rounded(percentile(as_ms, 95)),
        "p99_ms": rounded(percentile(as_ms, 99)),
        "mean_ms": rounded(sum(as_ms) / len(as_ms)) if as_ms else None,
        "max_ms": rounded(max(as_ms)) if as_ms else None,
    }
