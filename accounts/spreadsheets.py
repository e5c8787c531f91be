"""CSV for people who open it in a spreadsheet: the one definition of a safe cell, for every export
(the audit log, the reports)."""

from __future__ import annotations

import csv
from collections.abc import Iterable


class _Echo:
    """A file that hands back what is written, so csv.writer yields lines for a streamed response."""

    def write(self, value: str) -> str:
        return value


def cell(value: object) -> str:
    # A spreadsheet would run a cell starting with these as a formula (CSV injection).
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def line_writer() -> csv.writer:
    return csv.writer(_Echo())


def line(writer: csv.writer, values: Iterable[object]) -> str:
    return writer.writerow([cell(v) for v in values])
