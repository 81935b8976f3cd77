"""Progress of a long command on stderr: a bar redrawn in place on a
terminal; in a log (not a terminal), a line at each tenth, so that a run
over thousands of items writes about ten lines, not thousands."""

from __future__ import annotations

import sys
from typing import Any, TextIO


def raw_stream(wrapper: Any) -> TextIO:
    """The stream behind a command's OutputWrapper (isatty() asks it)."""
    return getattr(wrapper, "_out", sys.stderr)


class Progress:
    """A one-line progress bar, redrawn in place."""

    def __init__(self, out: TextIO, label: str, total: int) -> None:
        self.out, self.label, self.total, self.done = out, label, max(total, 1), 0
        self.tty = out.isatty()
        self.shown = -1

    def advance(self, count: int = 1, note: str = "") -> None:
        """Count `count` more done; on a terminal, `note` (say, the file
        being read) shows after the bar until the next redraw."""
        self.done += count
        tenth = self.done * 10 // self.total
        if self.tty or tenth != self.shown:
            self.shown = tenth
            bar = "#" * (self.done * 30 // self.total)
            line = f"{self.label:<14} [{bar:<30}] {self.done:>9,}/{self.total:,}"
            if self.tty and self.done < self.total:
                # \x1b[K clears what a longer note left on the line.
                self.out.write(f"\r{line} {note[-40:]}\x1b[K")
            else:
                self.out.write(f"\r{line}\n" if self.tty else f"{line}\n")
            self.out.flush()

    def working_on(self, note: str) -> None:
        """On a terminal, name what is under way (say, the file being saved)."""
        if self.tty:
            self.shown = -1
            self.advance(0, note)

    def stop(self) -> None:
        """End an unfinished bar's line, so that an error starts on its own."""
        if self.tty and 0 < self.done < self.total:
            self.out.write("\n")
            self.out.flush()
