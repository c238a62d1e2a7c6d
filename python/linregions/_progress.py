"""A dependency-free progress bar for long loops (written to stderr)."""

from __future__ import annotations

import sys
import time
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")

#: Seconds before a bar first appears (short loops print nothing).
SHOW_AFTER = 1.0


def progress(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    """Yields ``items``, drawing ``label [####    ] k/total`` once the loop passes a second."""
    start = time.monotonic()
    shown = False
    k = 0
    for k, item in enumerate(items, 1):
        yield item
        elapsed = time.monotonic() - start
        if elapsed >= SHOW_AFTER:
            shown = True
            filled = int(30 * k / max(total, 1))
            sys.stderr.write(
                f"\r{label} [{'#' * filled}{' ' * (30 - filled)}] {k}/{total} {elapsed:5.1f}s"
            )
            sys.stderr.flush()
    if shown:
        sys.stderr.write(f"\r{label} done: {k}/{total} in {time.monotonic() - start:.1f}s\n")
        sys.stderr.flush()


class SearchProgress:
    """A counter bar for searches of unknown length: ``label: found, frontier, rate``.

    Call it as ``bar(found, frontier, seconds)`` (the Rust search's progress callback) and
    :meth:`close` it at the end; nothing is drawn before ``SHOW_AFTER`` seconds.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = False
        self.last = (0, 0, 0.0)

    def __call__(self, found: int, frontier: int, seconds: float) -> None:
        self.last = (found, frontier, seconds)
        if seconds >= SHOW_AFTER:
            self.shown = True
            rate = found / seconds if seconds > 0 else 0.0
            sys.stderr.write(
                f"\r{self.label}: {found} found, {frontier} in frontier, {rate:,.0f}/s, "
                f"{seconds:5.1f}s   "
            )
            sys.stderr.flush()

    def close(self) -> None:
        """Ends the line (if one was drawn) with the final count."""
        if self.shown:
            found, _, seconds = self.last
            sys.stderr.write(f"\r{self.label} done: {found} in {seconds:.1f}s{' ' * 30}\n")
            sys.stderr.flush()
