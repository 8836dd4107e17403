"""Text laid out to a width: tables whose cells wrap to fit the terminal, or one block per row.

Every table afsim prints goes through :func:`table` so that none is wider than the terminal
(``COLUMNS`` is respected; the result sets' ``.txt`` copies use :data:`FILE_WIDTH`).  Loads
nothing but the standard library, so ``afsim claims`` and its kin stay quick.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Collection, Sequence

FILE_WIDTH = 120  # the width of the tables a result set keeps as .txt files
MIN_WIDTH = 40  # narrower terminals get this width (and lines that wrap)
GAP = "  "
_BREAK = re.compile(r"[^\s_,/|]*[_,/|]|[^\s_,/|]+|\s+")  # words, each keeping a trailing '_', ',', '/' or '|'


def terminal_width() -> int:
    """The width to print at: ``COLUMNS`` if set, else the terminal's, else 80."""
    return max(MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns)


def wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces, '_', ',' and '/'
    (a word longer than a line is cut)."""
    rest = indent if subsequent is None else subsequent
    lines, line, space = [], indent, False
    for token in _BREAK.findall(text):
        if token.isspace():
            space = line.strip() != ""
            continue
        joined = line + (" " if space else "") + token
        if len(joined) > width and line.strip():
            lines.append(line)
            line, joined = rest, rest + token
        while len(joined) > width and len(line) < width:
            cut = width - len(line)
            lines.append(line + token[:cut])
            token = token[cut:]
            line, joined = rest, rest + token
        line, space = joined, False
    lines.append(line)
    return lines


def _shortest(cells: Sequence[str]) -> int:
    """The narrowest a column can be without cutting a word."""
    return max((len(token) for cell in cells for token in _BREAK.findall(cell) if not token.isspace()), default=1)


def fits(header: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> bool:
    """Whether the table fits ``width`` without wrapping a cell."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return sum(widths) + len(GAP) * (len(widths) - 1) <= width


def table(header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None, *,
          right: Collection[int] = (), wrap_columns: Collection[int] | None = None, rule: bool = True) -> list[str]:
    """Rows under a header, columns separated by two spaces, no line wider than ``width``.

    Columns in ``wrap_columns`` (default: all) are narrowed, the widest first, each down to its longest
    word, and their cells wrap onto more lines; if that is not enough, each row becomes a
    block of ``header: value`` lines under its first cell.
    """
    width = width or terminal_width()
    laid = layout(header, rows, width, right=right, wrap_columns=wrap_columns)
    if laid is None:
        return blocks(header, rows, width)
    head, body = laid
    line = "-" * max(len(text) for text in head)
    body_lines = [text for row in body for text in row]
    return [line, *head, line, *body_lines, line] if rule else [*head, *body_lines]


def layout(header: Sequence[str], rows: Sequence[Sequence[str]], width: int, *, right: Collection[int] = (),
           wrap_columns: Collection[int] | None = None) -> tuple[list[str], list[list[str]]] | None:
    """The header's lines and each row's lines of :func:`table` (None if it cannot fit ``width``)."""
    columns = list(zip(header, *rows, strict=True))
    widths = [max(len(cell) for cell in column) for column in columns]
    floor = [_shortest(column) if wrap_columns is None or i in wrap_columns else widths[i]
             for i, column in enumerate(columns)]
    while sum(widths) + len(GAP) * (len(widths) - 1) > width:
        shrinkable = [i for i in range(len(widths)) if widths[i] > floor[i]]
        if not shrinkable:
            return None
        widths[max(shrinkable, key=lambda i: widths[i])] -= 1

    def lines(row: Sequence[str]) -> list[str]:
        cells = [wrap(cell, w) if len(cell) > w else [cell] for cell, w in zip(row, widths, strict=True)]
        out = []
        for k in range(max(len(c) for c in cells)):
            parts = [(c[k] if k < len(c) else "") for c in cells]
            out.append(GAP.join(p.rjust(w) if i in right else p.ljust(w)
                                for i, (p, w) in enumerate(zip(parts, widths, strict=True))).rstrip())
        return out

    return lines(header), [lines(row) for row in rows]


def blocks(header: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[str]:
    """One block per row: its first cell, then ``header: value`` for the others, wrapped to ``width``."""
    label = max(len(h) for h in header[1:]) + 2 if len(header) > 1 else 0
    out = []
    for row in rows:
        out += wrap(f"{header[0]}: {row[0]}" if header[0] else row[0], width)
        for name, cell in zip(header[1:], row[1:], strict=True):
            if not cell:
                continue
            if label + 2 + _shortest([cell]) > width:  # too narrow for a label column: the value below it
                out += wrap(f"{name}:", width, "  ") + wrap(cell, width, "    ")
            else:
                out += wrap(cell, width, "  " + f"{name}:".ljust(label), " " * (label + 2))
    return out


def fill(text: str, width: int | None = None, indent: str = "", subsequent: str | None = None) -> str:
    """``text`` wrapped to the terminal (or ``width``), as one string."""
    return "\n".join(wrap(text, width or terminal_width(), indent, subsequent))


def fitted(text: str, width: int | None = None) -> str:
    """Free text (explanations, diffs, summaries) to the terminal: each line longer than the width is
    wrapped under its own indent, four more on its continuation lines; shorter lines stay as they are."""
    width = width or terminal_width()
    out = []
    for line in text.splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        out += [line] if len(line) <= width else wrap(line.strip(), width, indent, indent + "    ")
    return "\n".join(out)
