"""Heavy jobs: run independent tasks in-process, on local processes, or on a Dask cluster.

The same call serves a laptop and an agency cluster: ``BICENTENNIAL_DASK_SCHEDULER``
(or ``scheduler=``) sends the tasks to a ``distributed`` scheduler; otherwise
``workers > 0`` starts local processes, and ``workers == 0`` runs in this process
(easiest to debug, no pickling).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]


def run_tasks(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
) -> list[R]:
    """Apply ``fn`` to each item; results in input order.

    ``fn`` must be a module-level function for the process and Dask modes.
    ``progress(done, total)`` is called as tasks finish. An exception in a task
    propagates after the other tasks are cancelled.
    """
    tasks = list(items)
    if scheduler:
        return _on_dask(fn, tasks, scheduler, progress)
    if workers > 0 and len(tasks) > 1:
        return _on_processes(fn, tasks, workers, progress)
    results = []
    for done, item in enumerate(tasks, start=1):
        results.append(fn(item))
        if progress:
            progress(done, len(tasks))
    return results


def _on_processes(fn: Callable[[T], R], tasks: Sequence[T], workers: int, progress: Progress | None) -> list[R]:
    results: list[Any] = [None] * len(tasks)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(fn, item): i for i, item in enumerate(tasks)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(tasks))
    return results


def _on_dask(fn: Callable[[T], R], tasks: Sequence[T], scheduler: str, progress: Progress | None) -> list[R]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    with Client(scheduler, set_as_default=False) as client:
        futures = client.map(fn, tasks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(tasks)
        try:
            for done, future in enumerate(dask_completed(futures, loop=client.loop), start=1):
                results[index[future.key]] = future.result()
                if progress:
                    progress(done, len(tasks))
        except BaseException:
            client.cancel(futures)
            raise
        return results


def stream_tasks(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    scheduler: str | None = None,
    workers: int = 0,
    window: int = 4,
) -> Iterator[R]:
    """Apply ``fn`` to each item of a possibly endless stream; results in input order, as they come.

    At most ``window`` items per worker are read ahead, so memory stays flat whatever the
    stream's length (a million-row manifest is read chunk by chunk, never whole). One pool
    (local processes or a Dask client) serves the whole stream.
    """
    if scheduler:
        yield from _stream_dask(fn, items, scheduler, window)
    elif workers > 0:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield from _in_order(pool.submit, fn, items, window * workers)
    else:
        yield from map(fn, items)


def _in_order(submit: Callable[..., Any], fn: Callable[..., R], items: Iterable[T], ahead: int) -> Iterator[R]:
    pending: deque[Any] = deque()
    for item in items:
        pending.append(submit(fn, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _stream_dask(fn: Callable[[T], R], items: Iterable[T], scheduler: str, window: int) -> Iterator[R]:
    from distributed import Client

    with Client(scheduler, set_as_default=False) as client:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        yield from _in_order(lambda f, x: client.submit(f, x, pure=False), fn, items, window * workers)


# The object shared by every task of a stream_with() call, set once per worker process.
_SHARED: dict[str, Any] = {}


def _share(value: Any) -> None:
    import gc

    _SHARED["value"] = value
    gc.freeze()  # a large index built once: keep the collector from rescanning it at every task


def _with_shared(fn: Callable[[Any, T], R], item: T) -> R:
    return fn(_SHARED["value"], item)


def stream_with(
    fn: Callable[[Any, T], R],
    shared: Any,
    items: Iterable[T],
    *,
    scheduler: str | None = None,
    workers: int = 0,
    window: int = 4,
) -> Iterator[R]:
    """As :func:`stream_tasks`, for tasks that all need one large object (a screening index):
    ``fn(shared, item)``. ``shared`` travels once per worker process (or is broadcast once to a Dask
    cluster), not once per task."""
    if scheduler:
        from distributed import Client

        with Client(scheduler, set_as_default=False) as client:
            handle = client.scatter(shared, broadcast=True)
            count = max(1, len(client.scheduler_info().get("workers", {})))
            yield from _in_order(lambda f, x: client.submit(f, handle, x, pure=False), fn, items, window * count)
    elif workers > 0:
        with ProcessPoolExecutor(max_workers=workers, initializer=_share, initargs=(shared,)) as pool:
            yield from _in_order(lambda f, x: pool.submit(_with_shared, f, x), fn, items, window * workers)
    else:
        for item in items:
            yield fn(shared, item)
