from typing import Iterable, Optional, TypeVar

from rich.console import Console
from rich.progress import track as rich_track

T = TypeVar('T')


def track(items: Iterable[T],
          description: str,
          total: Optional[int] = None,
          console: Optional[Console] = None) -> Iterable[T]:
    """Iterate over ``items`` with a progress bar on a terminal.

    Rich's bar on standard error; when that is not a terminal (CI logs,
    pipes, worker processes) nothing is printed at all, so logs stay clean.

    Args:
        items (Iterable): What to iterate over.
        description (str): Shown left of the bar.
        total (int, optional): Number of items, for iterables without
            ``len``.
        console (Console, optional): Where to draw; defaults to standard
            error.
    """
    console = console or Console(stderr=True)
    return rich_track(
        items,
        description=description,
        total=total,
        console=console,
        disable=not console.is_terminal)
