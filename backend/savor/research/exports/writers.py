"""CSV and NDJSON writers: pure generators from pages of rows to chunks of bytes.

CSV is what `pandas.read_csv` and R's `read.csv` read without options: UTF-8 without a BOM,
a header row, `true`/`false` for booleans, empty for missing, the choices of a multiple
choice answer joined by `;`. NDJSON keeps JSON's own types, one object per line.

Rows come in groups that share their leading cells (a check-in's columns, then one tail per
answered item), so those cells are written once per group rather than once per row.
"""

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from types import SimpleNamespace
from typing import Any

Cells = tuple[Any, ...]
# The rows head + tail, one for each tail; a lone row is a head with the tail ().
Group = tuple[Cells, list[Cells]]
Page = list[Group]
ALONE: list[Cells] = [()]
SIMPLE = (str, int, float, type(None))


def row_count(page: Page) -> int:
    return sum(len(tails) for _, tails in page)


def as_groups(pages: Iterable[list[dict[str, Any]]], columns: list[str]) -> Iterator[Page]:
    """Pages of rows as dicts (a missing key is an empty cell), each row a group of its own."""
    for page in pages:
        yield [(tuple(map(row.get, columns)), ALONE) for row in page]


def cell(value: Any) -> Any:
    """What the csv module cannot write our way; it writes None as empty and numbers as is."""
    if value.__class__ is bool:
        return "true" if value else "false"
    if value.__class__ is list:
        return ";".join(str(cell(v)) for v in value)
    return value


def _csv_line() -> Any:
    # writerow returns what the file's write returns: with `str` as write, the line itself.
    return csv.writer(SimpleNamespace(write=str), lineterminator="\n").writerow


# Tails whose text is kept (see _Tails), and the characters they may hold together.
TAILS_KEPT = 4096
TAIL_CHARS_KEPT = 1 << 20


class _Tails:
    """Tails' text, kept by their cells and the cells' classes: a check-in's answers repeat a
    few item ids, positions and ratings. 1, 1.0 and True are equal keys written apart, hence
    the classes; 0.0 and -0.0 are too, hence no floats; lists cannot be keys."""

    def __init__(self, text: Callable[[Cells], str]) -> None:
        self.text = text
        self.known: dict[tuple[Cells, Cells], str] = {}
        self.chars = 0

    def __call__(self, tail: Cells) -> str:
        classes = tuple(map(type, tail))
        if float in classes or list in classes:
            return self.text(tail)
        found = self.known.get((tail, classes))
        if found is None:
            if len(self.known) == TAILS_KEPT or self.chars > TAIL_CHARS_KEPT:
                self.known.clear()
                self.chars = 0
            found = self.known[tail, classes] = self.text(tail)
            self.chars += len(found)
        return found


def csv_chunks(pages: Iterable[Page], columns: list[str]) -> Iterator[bytes]:
    """The header, then one chunk per page."""
    line = _csv_line()

    def text(cells: Cells) -> str:
        return line([v if v.__class__ in SIMPLE else cell(v) for v in cells])

    tail_text = _Tails(text)
    yield line(columns).encode()
    for page in pages:
        out: list[str] = []
        for head, tails in page:
            if len(head) == len(columns) or len(head) < 2:
                out.extend(text(head + tail) for tail in tails)
                continue
            # Quoting is decided cell by cell, so a head and a tail written apart join into
            # the line written whole, unless one is a single cell: the csv module quotes a
            # line that would otherwise be empty.
            prefix = text(head)[:-1] + ","
            out.extend(prefix + tail_text(t) if len(t) > 1 else text(head + t) for t in tails)
        yield "".join(out).encode()


def ndjson_chunks(pages: Iterable[Page], columns: list[str]) -> Iterator[bytes]:
    """Every row with every column, in column order, one JSON object per line."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for page in pages:
        out: list[str] = []
        for head, tails in page:
            whole = dumps(dict(zip(columns, head, strict=False)))
            if len(head) == len(columns):
                out.extend(whole + "\n" for _ in tails)
                continue
            # The head's object without its "}" and each tail's without its "{".
            prefix, rest = whole[:-1] + ",", columns[len(head) :]
            out.extend(prefix + dumps(dict(zip(rest, t, strict=True)))[1:] + "\n" for t in tails)
        yield "".join(out).encode()
