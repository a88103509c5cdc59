"""Heavy jobs: same results in-process, on local processes and on a real Dask cluster."""

from __future__ import annotations

import os

import pytest

from bicentennial.core.jobs import run_tasks
from tests.core.jobs_tasks import fail_on_three, square_with_pid


def test_in_process_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    results = run_tasks(square_with_pid, range(5), progress=lambda d, t: seen.append((d, t)))
    assert [r[0] for r in results] == [0, 1, 4, 9, 16]
    assert {pid for _, pid in results} == {os.getpid()}
    assert seen[-1] == (5, 5)


def test_local_processes_keep_order() -> None:
    results = run_tasks(square_with_pid, range(8), workers=2)
    assert [r[0] for r in results] == [x * x for x in range(8)]
    assert os.getpid() not in {pid for _, pid in results}


def test_dask_local_cluster() -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        done: list[int] = []
        results = run_tasks(
            square_with_pid, range(10), scheduler=cluster.scheduler_address, progress=lambda d, t: done.append(d)
        )
        assert [r[0] for r in results] == [x * x for x in range(10)]
        assert os.getpid() not in {pid for _, pid in results}
        assert sorted(done) == list(range(1, 11))
        with pytest.raises(ValueError, match="task 3 failed"):
            run_tasks(fail_on_three, range(5), scheduler=cluster.scheduler_address)
