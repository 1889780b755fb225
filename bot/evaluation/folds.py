"""Stratified folds over the training examples, the same for every pipeline.

Fixed seeds make the folds reproducible, so the pipelines are compared on
exactly the same train/test splits.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

from sklearn.model_selection import StratifiedKFold, train_test_split

SEED = 42

Fold = Tuple[List[int], List[int]]  # (train indices, test indices)


def stratified_folds(labels: Sequence[str], n_folds: int, seed: int = SEED) -> List[Fold]:
    """k stratified (train, test) index splits; every index is tested exactly once."""
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    placeholder = [[0]] * len(labels)
    return [
        (sorted(train.tolist()), sorted(test.tolist()))
        for train, test in splitter.split(placeholder, list(labels))
    ]


def stratified_subsample(labels: Sequence[str], fraction: float, seed: int = SEED) -> List[int]:
    """Indices of a stratified sample (for the quick smoke run), at least 2 per label."""
    if fraction >= 1.0:
        return list(range(len(labels)))
    counts = {label: list(labels).count(label) for label in set(labels)}
    n_labels = len(counts)
    size = max(int(round(fraction * len(labels))), 2 * n_labels)
    if size >= len(labels):
        return list(range(len(labels)))
    kept, _ = train_test_split(
        list(range(len(labels))), train_size=size, stratify=list(labels), random_state=seed
    )
    return sorted(kept)
