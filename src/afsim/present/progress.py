"""Progress on a terminal: every job reports ``(done, planned)``; this draws it as a bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(desc: str, unit: str, quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress callback drawing a bar on stderr when it is a terminal (never with ``quiet``)."""
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit=unit, disable=quiet or not sys.stderr.isatty(), file=sys.stderr)

    def report(done: int, planned: int) -> None:
        bar.total = planned
        bar.update(done - bar.n)

    try:
        yield report
    finally:
        bar.close()
