"""Write the Excel samples ``fixtures/samples/customers.xlsx`` and ``aum.xlsx`` from their CSV twins.

The workbooks hold the same rows as the CSV files, typed the way a person's Excel sheet is: amounts and
phone numbers as numbers, dates as date cells, months as the date Excel makes of ``2026-09`` (the 1st,
shown ``yyyy-mm``); empty cells empty. ``customers.xlsx`` also has its columns in another order and a
second sheet of notes, which the import ignores (it reads the first sheet). Importing a workbook after
its CSV twin therefore changes nothing.

    .venv/bin/python tests/make_xlsx_samples.py
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"

_AMOUNTS = {
    "annual_income",
    "aum",
    "deposit",
    "investment",
    "mortgage_balance",
    "credit_loan_balance",
    "card_spend_12m",
}


def _typed(column: str, text: str) -> object:
    """The value a spreadsheet cell would hold for a CSV cell."""
    if text == "":
        return None
    if column in _AMOUNTS:
        number = Decimal(text)
        return int(number) if number == number.to_integral_value() else float(text)
    if column == "phone" or column == "diamond_card":
        return int(text)
    if column == "birth_date":
        return date.fromisoformat(text)
    if column == "month":
        year, month = text.split("-")
        return datetime(int(year), int(month), 1)
    return text


def write_workbook(source: Path, target: Path, *, reverse_columns: bool = False, notes: bool = False) -> None:
    """Write ``target`` with the rows of the CSV ``source``, cells typed, header in row 1."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, data = rows[0], rows[1:]
    order = list(range(len(header)))
    if reverse_columns:
        order.reverse()
    book = Workbook()
    sheet = book.active
    sheet.title = target.stem
    sheet.append([header[i] for i in order])
    for row in data:
        sheet.append([_typed(header[i], row[i]) for i in order])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            column = sheet.cell(row=1, column=cell.column).value
            if column == "month":
                cell.number_format = "yyyy-mm"
            elif column == "birth_date":
                cell.number_format = "yyyy-mm-dd"
            elif column == "phone":
                cell.number_format = "0"
    if notes:
        extra = book.create_sheet("说明")
        extra.append(["本工作簿第一张表为导入数据；本表不会被导入。"])
    book.properties.creator = "RM Console samples"
    book.properties.created = datetime(2026, 11, 22)
    book.properties.modified = datetime(2026, 11, 22)
    book.save(target)


def main() -> None:
    """Regenerate both workbooks."""
    write_workbook(SAMPLES / "customers.csv", SAMPLES / "customers.xlsx", reverse_columns=True, notes=True)
    write_workbook(SAMPLES / "aum.csv", SAMPLES / "aum.xlsx")
    print(f"wrote {SAMPLES / 'customers.xlsx'} and {SAMPLES / 'aum.xlsx'}")


if __name__ == "__main__":
    main()
