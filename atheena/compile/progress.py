"""Progress of `atheena compile` on stderr: one line per stage, a bar for long loops.

A compile runs for minutes (RTL generation, a Verilator build, a simulation,
perhaps Yosys), so the user must see which step is running and how long each
took.  Stage lines (`atheena: [3/9] profiling ...`) go to stderr so that
`--json` keeps stdout to the report; `--quiet` silences them.  Loops of many
short steps (the design-space exploration) get a tqdm bar, but only on a
terminal: in a log file a bar is noise.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


class Progress:
    """Numbered stage lines with elapsed times; silent when `quiet`."""

    def __init__(self, stages: int, quiet: bool = False, stream=None):
        self.stages = stages
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.index = 0
        self.started = time.perf_counter()
        self.stage_started = self.started

    def _print(self, text: str) -> None:
        if not self.quiet:
            print(f"atheena: {text}", file=self.stream, flush=True)

    def stage(self, what: str) -> None:
        """Announce the next stage."""
        self.index += 1
        self.stage_started = time.perf_counter()
        self._print(f"[{self.index}/{self.stages}] {what}")

    def done(self, result: str = "") -> None:
        """Report the current stage's outcome and its wall time."""
        seconds = time.perf_counter() - self.stage_started
        self._print(f"{' ' * (len(str(self.stages)) * 2 + 3)}{result}{'; ' if result else ''}{seconds:.1f} s")

    def note(self, text: str) -> None:
        self._print(text)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def bar(self, items: Iterable[T], total: int, what: str) -> Iterable[T]:
        """`items`, with a progress bar on an interactive terminal."""
        if self.quiet or not getattr(self.stream, "isatty", lambda: False)():
            return items
        from tqdm import tqdm

        return tqdm(items, total=total, desc=f"atheena: {what}", leave=False, file=self.stream, unit="design")
