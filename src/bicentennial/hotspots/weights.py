"""Spatial weights: who is whose neighbour (contiguity, k-nearest, distance band).

Weights are stored as a compressed sparse row structure over areas in a fixed order:
``indices[indptr[i]:indptr[i + 1]]`` are the neighbours of area ``i`` (never ``i`` itself)
and ``values`` their weights (1.0 for binary weights).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse


@dataclass(frozen=True)
class Weights:
    """Binary or general spatial weights over ``ids`` in CSR form (no self-neighbours)."""

    ids: tuple[str, ...]
    indptr: np.ndarray  # int64, length n + 1
    indices: np.ndarray  # int64, neighbour positions
    values: np.ndarray  # float64, one weight per neighbour
    kind: str  # e.g. "queen", "rook", "knn:8", "distance:50km"

    @property
    def n(self) -> int:
        return len(self.ids)

    def neighbours(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    @property
    def cardinalities(self) -> np.ndarray:
        return np.diff(self.indptr)

    @property
    def islands(self) -> list[str]:
        return [self.ids[i] for i in np.flatnonzero(self.cardinalities == 0)]

    def to_sparse(self) -> scipy.sparse.csr_array:
        return scipy.sparse.csr_array((self.values, self.indices, self.indptr), shape=(self.n, self.n))

    @classmethod
    def from_lists(
        cls,
        ids: Sequence[str],
        neighbours: Sequence[Sequence[int]],
        *,
        kind: str,
        weights: Sequence[Sequence[float]] | None = None,
    ) -> Weights:
        """Build from one list of neighbour positions per area (binary unless ``weights`` given)."""
        counts = np.fromiter((len(nb) for nb in neighbours), dtype=np.int64, count=len(neighbours))
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        indices = np.fromiter((j for nb in neighbours for j in nb), dtype=np.int64, count=int(indptr[-1]))
        if weights is None:
            values = np.ones(len(indices), dtype=np.float64)
        else:
            values = np.fromiter((v for ws in weights for v in ws), dtype=np.float64, count=int(indptr[-1]))
        if np.any(indices == np.repeat(np.arange(len(ids)), counts)):
            raise ValueError("an area cannot be its own neighbour")
        return cls(tuple(ids), indptr, indices, values, kind)
