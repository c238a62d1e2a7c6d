"""What the commands share: a ticking label for long steps, short renderings of arrays."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable, TypeVar

import numpy as np

T = TypeVar("T")

__all__ = ["format_range", "run_step"]


def run_step(label: str, fn: Callable[[], T], stream: Any = None, every: float = 1.0) -> T:
    """Runs ``fn()``; after ``every`` seconds shows ``label ... 12s`` on ``stream`` (stderr)
    until it returns, then ``label: done in 12.3 s``.

    Parameters
    ----------
    label : str
        What the step does, e.g. ``"finding facets"``.
    fn : callable
        The step, called with no arguments.
    stream : file-like, optional
        Where the ticks go (default ``sys.stderr``).
    every : float
        Seconds between ticks; a step shorter than this prints nothing.

    Returns
    -------
    object
        What ``fn()`` returned.
    """
    stream = stream or sys.stderr
    done = threading.Event()
    start = time.monotonic()
    shown = [False]

    def tick() -> None:
        while not done.wait(every):
            shown[0] = True
            stream.write(f"\r{label} ... {time.monotonic() - start:.0f}s")
            stream.flush()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        return fn()
    finally:
        done.set()
        thread.join()
        if shown[0]:
            stream.write(f"\r{label}: done in {time.monotonic() - start:.1f} s\n")
            stream.flush()


def format_range(a: np.ndarray) -> str:
    """``a`` itself when it has at most 6 entries, else ``[min, max]`` (6 significant digits)."""
    return f"[{a.min():.6g}, {a.max():.6g}]" if a.size > 6 else np.array2string(a, precision=6)
