"""The indicators as a file (A32.1): one row per figure, CSV or XLSX.

Rows: every indicator of every agency and region in the caller's scope, with the previous period's value, then the
period's exchanges by agency pair (level `pair`: the consuming agency, the providing one as counterpart). CSV
follows the hub's downloads (open-svc's): UTF-8 with a byte-order mark so spreadsheets show the Chinese names, text
cells neutralised against formulas (hub.spreadsheets), numbers as numbers. XLSX is streamed by hub.xlsx_stream.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from typing import Any

from hub.spreadsheets import neutralise_formula
from hub.xlsx_stream import xlsx_chunks
from supervision_svc.indicators.schemas import Exchanges, ExportFormat, Indicators

HEADER = ("period", "level", "region_code", "agency_id", "name", "counterpart_agency_id", "counterpart_name",
          "indicator", "value", "previous", "unit", "requirement")  # fmt: skip
MEDIA_TYPES = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def rows(indicators: Indicators, exchanges: Exchanges) -> list[list[Any]]:
    """The file's rows, in the answer's order: agencies, regions, pairs."""
    period = indicators.period
    found: list[list[Any]] = []
    for agency in indicators.agencies:
        for name, figure in agency.indicators.items():
            found.append([period, "agency", agency.region_code, str(agency.agency_id), agency.agency_name, None, None,
                          name, figure.value, figure.previous, figure.unit, figure.requirement])  # fmt: skip
    for region in indicators.regions:
        for name, figure in region.indicators.items():
            found.append([period, "region", region.region_code, None, region.region_name, None, None, name,
                          figure.value, figure.previous, figure.unit, figure.requirement])  # fmt: skip
    for pair in exchanges.pairs:
        for name, value, unit in (("requests", pair.requests, "requests"), ("rows", pair.rows, "rows")):
            found.append([period, "pair", None, str(pair.consumer_agency_id), pair.consumer_agency_name,
                          str(pair.provider_agency_id), pair.provider_agency_name, name, value, None, unit,
                          "A12.1"])  # fmt: skip
    return found


def csv_cell(value: Any) -> Any:
    """A CSV cell: text neutralised against formulas, numbers as they are, nothing as an empty cell."""
    if value is None:
        return ""
    return neutralise_formula(value) if isinstance(value, str) else value


def csv_bytes(table: Sequence[Sequence[Any]]) -> bytes:
    """The rows under the header as CSV, UTF-8 with a byte-order mark."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in (HEADER, *table):
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode()


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _pages(table: Sequence[Sequence[Any]]) -> AsyncIterator[Sequence[Sequence[Any]]]:
    yield table


def file_chunks(file_format: ExportFormat, table: Sequence[Sequence[Any]]) -> AsyncIterator[bytes]:
    """The file's bytes, as chunks to stream."""
    if file_format == ExportFormat.csv:
        return _once(csv_bytes(table))
    return xlsx_chunks(HEADER, _pages(table), len(table), title="indicators")
