"""Module-level task functions: process pools and Dask workers must import them."""

from __future__ import annotations

import os


def square_with_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("task 3 failed")
    return x
