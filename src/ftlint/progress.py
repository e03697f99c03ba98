"""A progress line on standard error for long runs: bytes done, rate and time left."""

from __future__ import annotations

import os
import sys
import time


class Progress:
    """Shown only when standard error is a terminal; the reporters never see it."""

    def __init__(self, stream=None, min_interval: float = 0.2) -> None:
        self.stream = stream or sys.stderr
        self.min_interval = min_interval
        self.total = 0
        self.done = 0
        self.started = 0.0
        self.shown = 0.0
        self.drawn = False
        self.current = 0  # bytes read so far of the part this process is linting

    def start(self, total: int) -> None:
        self.total, self.started = total, time.monotonic()

    def advance(self, nbytes: int) -> None:
        """A part is done: ``nbytes`` of the input."""
        self.done += nbytes
        self.current = 0
        self._draw()

    def tick(self, nbytes: int) -> None:
        """``nbytes`` more of the part being linted in this process were read (one process: the
        line moves while the only part is read, instead of jumping to 100% at its end)."""
        self.current += nbytes
        self._draw()

    def _draw(self) -> None:
        now = time.monotonic()
        if now - self.shown < self.min_interval or not self.total:
            return
        self.shown = now
        done = min(self.done + self.current, self.total)  # a compressed file reads more than its size
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        left = (self.total - done) / rate if rate else 0
        text = (f"ftlint: {done / 1e6:,.0f} of {self.total / 1e6:,.0f} MB ({done / self.total:.0%}) at "
                f"{rate / 1e6:,.1f} MB/s, {left:,.0f} s left")
        # Longer than the terminal is wide, the line would wrap, and \r could not take it back.
        self.stream.write("\r\x1b[2K" + text[:max(self._width() - 1, 10)])
        self.stream.flush()
        self.drawn = True

    def _width(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return 80

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def wanted(fmt_is_human: bool, stream=None) -> bool:
    """Progress for people: a terminal, a human format, and not in CI."""
    stream = stream or sys.stderr
    return fmt_is_human and bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("CI")


def ticking(lines, tick, every: int = 1 << 22):
    """The lines, calling ``tick(n)`` after every ``every`` bytes or so."""
    n = 0
    for line in lines:
        n += len(line)
        if n >= every:
            tick(n)
            n = 0
        yield line
