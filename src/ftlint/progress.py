"""A progress line on standard error for long runs: bytes done, rate and time left."""

from __future__ import annotations

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

    def start(self, total: int) -> None:
        self.total, self.started = total, time.monotonic()

    def advance(self, nbytes: int) -> None:
        self.done += nbytes
        now = time.monotonic()
        if now - self.shown < self.min_interval or not self.total:
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0
        self.stream.write(f"\r\x1b[2Kftlint: {self.done / 1e6:,.0f} of {self.total / 1e6:,.0f} MB "
                          f"({self.done / self.total:.0%}) at {rate / 1e6:,.1f} MB/s, {left:,.0f} s left")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def wanted(fmt_is_human: bool, stream=None) -> bool:
    """Progress for people: a terminal, a human format, and not in CI."""
    import os

    stream = stream or sys.stderr
    return fmt_is_human and bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("CI")
