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
