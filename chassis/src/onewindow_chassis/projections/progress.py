"""How far a rebuild has got: events done of the total, and the rate."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed: float  # seconds since the rebuild began reading

    @property
    def rate(self) -> float:
        """Events per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


class ProgressLine:
    """A one-line display, redrawn in place at most `every` seconds (no terminal library needed)."""

    def __init__(self, label: str, stream: TextIO | None = None, every: float = 0.2) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.every = every
        self._drawn_at = 0.0

    def __call__(self, progress: Progress) -> None:
        finished = progress.done >= progress.total
        now = time.monotonic()
        if not finished and now - self._drawn_at < self.every:
            return
        self._drawn_at = now
        share = 100.0 * progress.done / progress.total if progress.total else 100.0
        self.stream.write(
            f"\r{self.label}: {progress.done:,}/{progress.total:,} events ({share:5.1f}%)"
            f"  {progress.rate:,.0f} events/s  {progress.elapsed:.1f}s"
        )
        if finished:
            self.stream.write("\n")
        self.stream.flush()
