"""Reading import files: CSV (UTF-8, optional BOM) and Excel ``.xlsx`` (first sheet), batch by batch.

A reader yields its header, then batches of rows with the physical line (or sheet row) each row
starts on; the header is line 1. Blank rows are skipped but keep their line numbers. Spreadsheet cells
are turned into the text a CSV file would hold (``rm_console.domain.import_rows.cell_text``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from itertools import compress, islice
from pathlib import Path
from typing import Any, Protocol

from rm_console.domain.errors import UserError
from rm_console.domain.import_rows import CellFormat, cell_text

#: Rows checked and written together: large enough for bulk speed, small enough to bound memory.
BATCH_ROWS = 50_000

#: The format used for a spreadsheet cell beyond the header's last column (reported as an extra cell).
PLAIN = CellFormat(what="a text")

#: The file types ``rmc import`` reads.
SUFFIXES = (".csv", ".xlsx")

#: ``(rows as lists of cell texts, the line of each row)``.
Batch = tuple[list[Sequence[str]], list[int]]


class SourceFile(Protocol):
    """An open import file."""

    header: list[str]
    """The column names of line 1 (surrounding spaces removed)."""
    estimated_rows: int
    """About how many data rows follow (for progress)."""

    def batches(self, formats: Sequence[CellFormat]) -> Iterator[Batch]:
        """The data rows, batch after batch; ``formats`` are the columns' cell formats, in file order."""
        ...

    def close(self) -> None:
        """Release the file."""
        ...


def open_source(path: Path) -> SourceFile:
    """Open ``path`` as CSV or XLSX by its suffix; UserError naming the file when that is impossible."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UserError(f"{path}: cannot import a {suffix or 'suffix-less'} file; use a .csv or .xlsx file")
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if not path.is_file():
        raise UserError(f"{path}: not a file")
    return CsvSource(path) if suffix == ".csv" else XlsxSource(path)


# ---------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
    return count


class CsvSource:
    """A UTF-8 CSV file (a BOM is accepted), comma-separated, header on line 1."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._handle = path.open("r", encoding="utf-8-sig", newline="")
            self.estimated_rows = max(_count_lines(path) - 1, 0)
        except OSError as exc:
            raise UserError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
        self._reader = csv.reader(self._handle, skipinitialspace=True)
        first = self._next_rows(1)
        self.header = [name.strip() for name in first[0]] if first else []

    def _next_rows(self, count: int) -> list[list[str]]:
        try:
            return list(islice(self._reader, count))
        except UnicodeDecodeError as exc:
            raise UserError(
                f"{self.path}: not UTF-8 text (near line {self._reader.line_num + 1}: {exc.reason}); "
                "save the file as CSV UTF-8"
            ) from None
        except csv.Error as exc:
            raise UserError(f"{self.path}:{self._reader.line_num}: not readable as CSV: {exc}") from None
        except OSError as exc:
            raise UserError(f"{self.path}: cannot read the file: {exc.strerror or exc}") from None

    def batches(self, formats: Sequence[CellFormat]) -> Iterator[Batch]:
        """Rows of cell texts with their line numbers, ``BATCH_ROWS`` at a time."""
        while True:
            start = self._reader.line_num
            rows: list[Sequence[str]] = list(self._next_rows(BATCH_ROWS))
            if not rows:
                return
            end = self._reader.line_num
            if end - start == len(rows):
                lines = list(range(start + 1, end + 1))
            else:
                # Quoted cells spanning several lines: a row starts after the lines of those before it.
                lines, line = [], start + 1
                for row in rows:
                    lines.append(line)
                    line += 1 + sum(cell.count("\n") for cell in row)
            if not all(map(any, rows)):
                keep = list(map(any, rows))
                rows, lines = list(compress(rows, keep)), list(compress(lines, keep))
                if not rows:
                    continue
            yield rows, lines

    def close(self) -> None:
        """Close the file."""
        self._handle.close()


# ---------------------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------------------


class XlsxSource:
    """The first sheet of an Excel workbook, header in row 1, read as values (not formulas)."""

    def __init__(self, path: Path) -> None:
        from openpyxl import load_workbook

        self.path = path
        try:
            self._book = load_workbook(path, read_only=True, data_only=True)
        except OSError as exc:
            raise UserError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
        except Exception as exc:  # openpyxl fails in many ways on what is not a workbook
            raise UserError(f"{path}: not an Excel .xlsx workbook ({exc})") from None
        if not self._book.worksheets:
            self.close()
            raise UserError(f"{path}: the workbook has no sheet")
        sheet = self._book.worksheets[0]
        self.estimated_rows = max((sheet.max_row or 1) - 1, 0)
        self._rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        first = self._next()
        names = [str(value).strip() if value is not None else "" for value in (first or ())]
        while names and not names[-1]:
            names.pop()
        self.header = names
        self._line = 1

    def _next(self) -> tuple[Any, ...] | None:
        try:
            return next(self._rows, None)
        except Exception as exc:  # a damaged sheet: whatever openpyxl raises, the file is at fault
            raise UserError(f"{self.path}: cannot read the first sheet ({exc})") from None

    def batches(self, formats: Sequence[CellFormat]) -> Iterator[Batch]:
        """Rows of cell texts with their sheet row numbers, ``BATCH_ROWS`` at a time."""
        width = len(self.header)
        rows: list[Sequence[str]] = []
        lines: list[int] = []
        while (values := self._next()) is not None:
            self._line += 1
            if not any(value is not None and value != "" for value in values):
                continue
            if len(values) > width:
                filled = [i for i, value in enumerate(values) if value is not None and value != ""]
                values = values[: max(width, filled[-1] + 1)]
            cells = [cell_text(value, fmt) for value, fmt in zip(values, formats, strict=False)]
            cells.extend(cell_text(value, PLAIN) for value in values[width:])
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            rows.append(cells)
            lines.append(self._line)
            if len(rows) >= BATCH_ROWS:
                yield rows, lines
                rows, lines = [], []
        if rows:
            yield rows, lines

    def close(self) -> None:
        """Close the workbook."""
        self._book.close()
