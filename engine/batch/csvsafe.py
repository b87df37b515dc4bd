"""Text in the CSVs stays text in a spreadsheet: a cell that begins with = + - @ (or a tab or carriage return)
is a formula to Excel and LibreOffice even inside CSV quotes, so a zone name like `=HYPERLINK("http://…")`
from a dossier would run when an analyst opens the table. Such a cell is written with a leading apostrophe,
which spreadsheets show as text (OWASP's advice for CSV injection). Only the CSVs: the Parquet tables and
results.jsonl keep every value exactly as the dossier gave it; numbers, dates and booleans are never touched.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

_START = r"^(?:[=@\t\r]|[+\-].)"     # a lone "-" (the file name of standard input) is no formula


def _risky(value: str) -> bool:
    return value[:1] in ("=", "@", "\t", "\r") or (value[:1] in ("+", "-") and len(value) > 1)


_FIRST = frozenset("=@\t\r+-")


def row(values: list) -> list:
    """A csv.writer row: None as an empty cell, a text that a spreadsheet would read as a formula with an
    apostrophe before it; the common case (a number, a text with a harmless first character) one set lookup."""
    return ["" if v is None else ("'" + v if v[:1] in _FIRST and _risky(v) else v) if v.__class__ is str else v
            for v in values]


def _strings(array: pa.Array) -> pa.Array:
    risky = pc.fill_null(pc.match_substring_regex(array, _START), False)
    if not pc.any(risky).as_py():
        return array
    return pc.if_else(risky, pc.binary_join_element_wise("'", array, ""), array)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type)


def table(t: pa.Table) -> pa.Table:
    """The table as the CSV writes it: string columns (plain or dictionary-encoded: then only the dictionary's
    distinct words are looked at) made safe."""
    words = [c.dictionary if pa.types.is_dictionary(c.type) else c
             for column in t.columns if _is_text(column.type) for c in column.chunks]
    if not words or not pc.any(pc.match_substring_regex(pa.concat_arrays(words), _START)).as_py():
        return t        # the common case, nothing to change, found in one pass (measured: 25 -> 8 us per dossier)
    columns = []
    for column in t.columns:
        kind = column.type
        if pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type):
            column = pa.chunked_array([pa.DictionaryArray.from_arrays(c.indices, _strings(c.dictionary))
                                       for c in column.chunks], type=kind)
        elif pa.types.is_string(kind):
            column = pa.chunked_array([_strings(c) for c in column.chunks], type=kind)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=t.schema)
