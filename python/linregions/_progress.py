"""A dependency-free progress bar for long loops (written to stderr)."""

from __future__ import annotations

import sys
import time
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")

#: Seconds before a bar first appears (short loops print nothing).
SHOW_AFTER = 1.0
#: Seconds between redraws on a terminal, and between lines when stderr is a file or pipe.
REDRAW_TTY = 0.2
REDRAW_LOG = 15.0


def progress(items: Iterable[T], total: int, label: str, hint: str = "") -> Iterator[T]:
    """Yields ``items``, drawing ``label [####    ] k/total elapsed, ~remaining left hint``
    on stderr once the loop passes a second (``hint``: what the user can do meanwhile)."""
    start = time.monotonic()
    tty = sys.stderr.isatty()
    clear = "\x1b[K" if tty else ""  # erase the rest of a longer old line
    lead, every = ("\r", REDRAW_TTY) if tty else ("", REDRAW_LOG)
    shown = False
    k = 0
    drawn = start + SHOW_AFTER - every
    for k, item in enumerate(items, 1):
        yield item
        now = time.monotonic()
        elapsed = now - start
        if elapsed >= SHOW_AFTER and now - drawn >= every:
            shown, drawn = True, now
            filled = int(30 * min(k, total) / max(total, 1))
            left = f", ~{elapsed * (total - k) / k:.0f}s left" if 0 < k < total else ""
            tail = f" ({hint})" if hint else ""
            sys.stderr.write(
                f"{lead}{label} [{'#' * filled}{' ' * (30 - filled)}] {k}/{total} "
                f"{elapsed:5.1f}s{left}{tail}{clear}{'' if tty else chr(10)}"
            )
            sys.stderr.flush()
    if shown:
        took = time.monotonic() - start
        sys.stderr.write(f"{lead}{label} done: {k}/{total} in {took:.1f}s{clear}\n")
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
