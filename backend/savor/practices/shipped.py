"""The shipped practices and program, read once: they only change with a deploy."""

from functools import cache
from typing import NamedTuple

from savor.practices.content import Practice, load_practices
from savor.practices.program import Program, load_program


class Catalog(NamedTuple):
    practices: dict[str, Practice]
    program: Program


@cache
def default_catalog() -> Catalog:
    """The shipped content, read once: it only changes with a deploy."""
    practices = load_practices()
    return Catalog(practices, load_program(practices))
