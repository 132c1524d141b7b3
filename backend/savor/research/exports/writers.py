"""CSV and NDJSON writers: pure generators from pages of rows to chunks of bytes.

CSV is what `pandas.read_csv` and R's `read.csv` read without options: UTF-8 without a BOM,
a header row, `true`/`false` for booleans, empty for missing, the choices of a multiple
choice answer joined by `;`. NDJSON keeps JSON's own types, one object per line.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

Page = list[dict[str, Any]]


def cell(value: Any) -> Any:
    """What the csv module cannot write our way; it writes None as empty and numbers as is."""
    if value.__class__ is bool:
        return "true" if value else "false"
    if value.__class__ is list:
        return ";".join(str(cell(v)) for v in value)
    return value


def csv_chunks(pages: Iterable[Page], columns: list[str]) -> Iterator[bytes]:
    """The header, then one chunk per page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    simple = (str, int, float, type(None))
    for page in pages:
        writer.writerows(
            [v if v.__class__ in simple else cell(v) for v in map(row.get, columns)] for row in page
        )
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def ndjson_chunks(pages: Iterable[Page], columns: list[str]) -> Iterator[bytes]:
    """Every row with every column, in column order, one JSON object per line."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for page in pages:
        yield "".join(dumps({c: row.get(c) for c in columns}) + "\n" for row in page).encode()
