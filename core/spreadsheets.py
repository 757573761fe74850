"""CSV downloads that Excel and LibreOffice open safely and in UTF-8."""

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

# Excel reads a CSV as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"

# A text cell starting with one of these is a formula to Excel and LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """Return the cell as text that a spreadsheet shows and never runs as a formula.

    Only text is defused: numbers and dates we write ourselves (a credit
    note's -12.00) stay numbers.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def csv_download(
    *, filename: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    """Return a CSV attachment: BOM, header row, then each row with every cell made safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csv.writer(response, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([spreadsheet_cell(value) for value in row] for row in rows)
    return response
