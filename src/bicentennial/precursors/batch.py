"""Screening a whole manifest: streamed in chunks, structures parsed in parallel, summary counted.

The reading process parses the file; the rows with structures go, chunk by chunk, to worker
processes (or the Dask cluster) through :func:`bicentennial.core.jobs.stream_tasks`, a few chunks
ahead at most, so a million-row file screens in flat memory. Each worker keeps its screener, and
with it the caches of repeated structures, from chunk to chunk.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from bicentennial.core.jobs import stream_tasks
from bicentennial.precursors.manifest import ManifestRow, chunks
from bicentennial.precursors.screening import Screener
from bicentennial.precursors.verdicts import Verdict

CHUNK_ROWS = 4000
_FOUND = frozenset({"controlled", "review"})


@dataclass(slots=True)
class ScreenedRow:
    row: int  # 1-based position among the data rows
    source: ManifestRow
    verdict: Verdict


@dataclass
class Summary:
    rows: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    substances: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0

    def add(self, verdict: Verdict) -> None:
        self.rows += 1
        self.verdicts[verdict.verdict] += 1
        if verdict.substance and verdict.verdict in _FOUND:
            self.substances[verdict.substance] += 1
        if verdict.conflict:
            self.conflicts += 1

    def as_dict(self) -> dict[str, object]:
        counts = {k: self.verdicts.get(k, 0) for k in ("controlled", "review", "clear", "error")}
        return {
            "rows": self.rows,
            **counts,
            "conflicts": self.conflicts,
            "substances": dict(self.substances.most_common()),
        }


def _screen_chunk(job: tuple[Screener, list[tuple[dict[str, str], str | None]]]) -> list[Verdict]:
    screener, rows = job
    return [screener.screen(fields, problem) for fields, problem in rows]


def screen_rows(
    rows: Iterable[ManifestRow],
    screener: Screener,
    *,
    workers: int = 0,
    scheduler: str | None = None,
    summary: Summary | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ScreenedRow]:
    """Screened rows in input order; ``summary`` (if given) is filled as they pass."""
    batches = chunks(iter(rows), CHUNK_ROWS)
    position = 0
    for batch, verdicts in _verdicts(batches, screener, workers, scheduler):
        for source, verdict in zip(batch, verdicts, strict=True):
            position += 1
            if summary is not None:
                summary.add(verdict)
            yield ScreenedRow(position, source, verdict)
        if progress:
            progress(len(batch))


def _verdicts(
    batches: Iterator[list[ManifestRow]], screener: Screener, workers: int, scheduler: str | None
) -> Iterator[tuple[list[ManifestRow], list[Verdict]]]:
    if not workers and not scheduler:
        for batch in batches:
            yield batch, [screener.screen(r.fields, r.problem) for r in batch]
        return
    pending: deque[list[ManifestRow]] = deque()

    def jobs() -> Iterator[tuple[Screener, list[tuple[dict[str, str], str | None]]]]:
        for batch in batches:
            pending.append(batch)
            yield screener, [(r.fields, r.problem) for r in batch if _needs_chemistry(r)]

    # Rows without structures are screened here while the workers parse structures: they cost a few
    # microseconds each from the caches, less than shipping them to another process and back.
    for parsed in stream_tasks(_screen_chunk, jobs(), scheduler=scheduler, workers=workers):
        batch = pending.popleft()
        done = iter(parsed)
        yield batch, [next(done) if _needs_chemistry(r) else screener.screen(r.fields, r.problem) for r in batch]


def _needs_chemistry(row: ManifestRow) -> bool:
    fields = row.fields
    return "smiles" in fields or "inchi" in fields or "inchikey" in fields or "molfile" in fields
