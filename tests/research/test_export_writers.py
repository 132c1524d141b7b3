"""The CSV writer writes each row as the csv module writes it whole, whatever it keeps."""

import csv
import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from savor.research.exports import writers
from savor.research.exports.writers import Page, cell, csv_chunks

COLUMNS = ["who", "when", "item_id", "position", "value", "declined"]
# Values equal to each other but written apart (1, 1.0, True; 0.0 and -0.0), and cells the
# csv module quotes.
VALUES = [0, 1, 1.0, True, False, 0.0, -0.0, None, "", "1", 'a "b"', "x,y", "l\nm", ["a", 1]]
cells = st.one_of(st.sampled_from(VALUES), st.text(max_size=5), st.integers(-3, 3))
tails = st.tuples(st.sampled_from(["S1", "C1"]), st.integers(0, 2), cells, st.booleans())
groups = st.tuples(st.tuples(cells, cells), st.lists(tails, max_size=4))


def _whole(pages: list[Page]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for page in pages:
        for head, tails_ in page:
            writer.writerows([cell(v) for v in head + tail] for tail in tails_)
    return out.getvalue().encode()


@settings(max_examples=300, deadline=None)
@given(pages=st.lists(st.lists(groups, max_size=5), max_size=4))
def test_rows_written_in_parts_are_the_rows_written_whole(pages: list[Page]) -> None:
    assert b"".join(csv_chunks(pages, COLUMNS)) == _whole(pages)


def test_kept_tails_stay_few_and_right(monkeypatch: Any) -> None:
    monkeypatch.setattr(writers, "TAILS_KEPT", 8)
    page: Page = [(("P", "t"), [("S1", n % 3, n, n % 2 == 0) for n in range(50)])] * 3
    assert b"".join(csv_chunks([page, page], COLUMNS)) == _whole([page, page])


def test_equal_values_of_other_classes_or_signs_are_written_apart() -> None:
    values = [1, True, 1.0, 0, False, 0.0, -0.0, 0.0]
    page: Page = [(("P", "t"), [("S1", 0, v, False) for v in values])]
    lines = b"".join(csv_chunks([page], COLUMNS)).decode().splitlines()[1:]
    assert [line.split(",")[4] for line in lines] == [
        "1", "true", "1.0", "0", "false", "0.0", "-0.0", "0.0"
    ]  # fmt: skip
